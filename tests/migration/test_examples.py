"""README's migration walk-through tells the truth: the examples plan to the table shown,
apply keeps the groups' members, and a bad seed file is refused."""

import asyncio
import sys
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpServer

from tests.migration.test_link import snapshot
from tests.migration.test_link_cli import seeded
from tests.migration.world import link, write_config

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def readme_plan() -> str:
    readme = (REPO / "README.md").read_text()
    walk = readme.split("## Migrating an existing WorkflowGen", 1)[1]
    return walk.split("```\noutcome", 1)[1].split("```", 1)[0]


async def test_the_examples_plan_as_the_readme_shows(
    tmp_path: Path, aiohttp_server: AiohttpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    upstream = await seeded(aiohttp_server, EXAMPLES / "legacy-seed.json")
    config = write_config(tmp_path, upstream.graphql_url)
    exports = ["--from", str(EXAMPLES / "entra-users.json")]
    exports += ["--from", str(EXAMPLES / "entra-groups.json")]
    capsys.readouterr()
    assert await link(config, *exports) == 0
    assert capsys.readouterr().out == "outcome" + readme_plan()
    assert await link(config, "--from", str(EXAMPLES / "entra-users.csv"), "--match", "email") == 0
    assert "ambiguous user  barbara@contoso.com" in capsys.readouterr().out
    before = await snapshot(upstream)
    assert await link(config, *exports, "--apply") == 0
    after = await snapshot(upstream)
    assert after["groups"]["SCIM", "Finance"][1] == before["groups"]["CORP", "Finance"][1]
    assert after["groups"]["SCIM", "Engineering"][1] == before["groups"]["CORP", "Engineering"][1]


async def test_a_bad_seed_file_is_refused_with_exit_code_2(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text('{"directories": {"CORP": {"users": [{"userName": "a", "colour": "b"}]}}}')
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wfgen_scim.cli", "demo", "--seed", str(seed), "--db", ":memory:",
        stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    _, err = await process.communicate()
    assert process.returncode == 2
    assert "unknown fields ['colour']" in err.decode()
