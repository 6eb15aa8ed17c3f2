"""The README and the Dockerfile keep telling the truth about the code."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.harness import budget_table_rows
from wfgen_scim.config import InstanceConfig

REPO = Path(__file__).resolve().parents[2]


def test_readme_documents_every_config_key() -> None:
    readme = (REPO / "README.md").read_text()
    for section_name, field in InstanceConfig.model_fields.items():
        section = field.annotation
        assert section is not None
        for key in section.model_fields:
            assert f"`{section_name}.{key}`" in readme, f"{section_name}.{key}"


def test_readme_has_exactly_the_two_set_up_commands_and_ci_runs_the_test_one() -> None:
    readme = (REPO / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick_start.strip().splitlines()]
    assert commands == ["./scripts/demo", "./scripts/test"]
    assert "scripts/test" in (REPO / ".ci" / "run").read_text()


def test_ci_drives_the_container_script_the_readme_names() -> None:
    readme = (REPO / "README.md").read_text()
    assert "scripts/container-test" in readme
    assert "<!-- container-steps -->" in readme
    assert "scripts/container-test" in (REPO / ".ci" / "run").read_text()


def test_dockerfile_runs_serve_as_non_root_with_a_healthcheck() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    base = re.search(r"^ARG BASE_IMAGE=python:3\.(\d+)-slim$", dockerfile, re.MULTILINE)
    assert base is not None
    assert int(base.group(1)) >= 11
    assert dockerfile.count("FROM ${BASE_IMAGE}") == 2
    user = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user
    assert not user[-1].startswith(("root", "0"))
    assert "HEALTHCHECK" in dockerfile
    assert "/healthz" in dockerfile
    assert 'CMD ["serve", "--config", "/etc/wfgen-scim/instance.toml"]' in dockerfile
    assert 'ENTRYPOINT ["wfgen-scim"]' in dockerfile
    assert "PIP_CONSTRAINT=/build/constraints.txt" in dockerfile


def test_readme_round_trip_table_is_the_budget_file() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme.split("### WorkflowGen round trips per SCIM request", 1)[1].split("##", 1)[0]
    shown = [line for line in table.splitlines() if line.startswith("| `")]
    assert shown == budget_table_rows()


def test_the_image_pins_every_runtime_dependency_within_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    pins: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    requirements = [
        *project["project"]["dependencies"],
        *project["build-system"]["requires"],
    ]
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {text}"
