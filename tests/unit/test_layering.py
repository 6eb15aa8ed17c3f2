"""Data flows one way: proxy/ -> translators/ -> graphql/. This test keeps it so.

- translators/ are pure: no aiohttp, gql or graphql-core (not even indirectly), nothing
  from proxy/ or graphql/; they share only the plain records (wfgen_scim.records).
- graphql/ is the only code that knows gql and graphql-core, and WorkflowGen's names live
  only in its .graphql documents (no Python file names a WorkflowGen field); it never looks
  up at translators/ or proxy/, and knows nothing of SCIM.
- proxy/ talks HTTP to Entra; it reaches WorkflowGen only through the graphql package's
  public face (the gateway, records and errors), never its client, documents or mapping.
- migration/ (`wfgen-scim link`) reaches WorkflowGen like proxy/ does, through the public
  face plus graphql/directories.py, and shares nothing with proxy/ or translators/.
- config/ depends on no other layer.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "wfgen_scim"

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "translators": (
        "aiohttp",
        "gql",
        "graphql",
        "wfgen_scim.proxy",
        "wfgen_scim.config",
        "wfgen_scim.graphql",
        "wfgen_scim.emulator",
    ),
    "graphql": (
        "wfgen_scim.proxy",
        "wfgen_scim.migration",
        "wfgen_scim.translators",
        "wfgen_scim.emulator",
        "scim2_models",
    ),
    "proxy": (
        "gql",
        "graphql",
        "wfgen_scim.graphql.client",
        "wfgen_scim.graphql.mapping",
        "wfgen_scim.graphql.operations",
        "wfgen_scim.graphql.auth",
        "wfgen_scim.emulator",
    ),
    "observability": (
        "wfgen_scim.proxy",
        "wfgen_scim.translators",
        "wfgen_scim.graphql",
        "wfgen_scim.emulator",
        "wfgen_scim.config",
        "aiohttp",
        "gql",
    ),
    # `wfgen-scim link` reaches WorkflowGen like the proxy does: through the gateway's public
    # face and its cross-directory window (graphql/directories.py), never its internals.
    "migration": (
        "gql",
        "graphql",
        "wfgen_scim.graphql.client",
        "wfgen_scim.graphql.mapping",
        "wfgen_scim.graphql.operations",
        "wfgen_scim.graphql.auth",
        "wfgen_scim.graphql.scope",
        "wfgen_scim.graphql.results",
        "wfgen_scim.proxy",
        "wfgen_scim.translators",
        "wfgen_scim.emulator",
    ),
    "config": (
        "wfgen_scim.proxy",
        "wfgen_scim.translators",
        "wfgen_scim.graphql",
        "wfgen_scim.emulator",
        "aiohttp",
        "gql",
    ),
}


def _imports(path: Path, root: Path = PACKAGE) -> set[str]:
    module = "wfgen_scim." + ".".join(path.relative_to(root).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
                names.add(target)
                names.update(f"{target}.{alias.name}" for alias in node.names)
            else:
                assert node.module is not None
                names.add(node.module)
    return names


def _violations(layer: str, root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        for name in _imports(path, root):
            for banned in FORBIDDEN[layer]:
                if name == banned or name.startswith(banned + "."):
                    found.append(f"{path.relative_to(root)} imports {name}")
    return found


# WorkflowGen's names (fields, arguments, mutations) that differ from the proxy's own: they
# may appear only in the .graphql documents and in the emulator, never in Python.
WORKFLOWGEN_NAMES = (
    "commonName", "systemIdentifier", "jobTitle", "postalAddress", "isActive",
    "firstName", "lastName", "totalCount", "hasNextPage", "userIds",
    "directoryId", "createUser", "updateUser", "addUsersToGroup", "deletedUserId",
)  # fmt: skip


def _workflowgen_names_in_python(root: Path = PACKAGE) -> list[str]:
    offenders = []
    for path in root.rglob("*.py"):
        if "emulator" in path.relative_to(root).parts:
            continue
        text = path.read_text()
        offenders += [f"{path.relative_to(root)}: {n}" for n in WORKFLOWGEN_NAMES if n in text]
    return offenders


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    assert _violations(layer) == []


def test_workflowgen_names_live_only_in_documents() -> None:
    assert _workflowgen_names_in_python() == []


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A copy of the package in which violations can be planted."""
    root = tmp_path / "wfgen_scim"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    for layer in FORBIDDEN:
        assert _violations(layer, root) == [], "the copy starts clean"
    return root


@pytest.mark.parametrize(
    ("layer", "module", "line"),
    [
        ("translators", "users.py", "import aiohttp"),
        ("translators", "filters.py", "from ..graphql import WorkflowGen"),
        ("translators", "groups.py", "from ..proxy.errors import require"),
        ("graphql", "users.py", "from ..translators.attributes import USERS"),
        ("graphql", "scope.py", "from scim2_models import Error"),
        ("proxy", "users.py", "from ..graphql.client import GraphQLClient"),
        ("proxy", "groups.py", "from ..graphql import mapping"),
        ("proxy", "bodies.py", "import gql"),
        ("migration", "plan.py", "from ..graphql.scope import Scope"),
        ("migration", "apply.py", "from ..emulator import seed"),
        ("graphql", "directories.py", "from ..migration.plan import Record"),
        ("config", "settings.py", "from ..proxy import app"),
    ],
)
def test_a_planted_violation_is_caught(planted: Path, layer: str, module: str, line: str) -> None:
    path = planted / layer / module
    path.write_text(path.read_text() + f"\n{line}\n")
    assert _violations(layer, planted) != []


def test_a_planted_workflowgen_name_is_caught(planted: Path) -> None:
    path = planted / "graphql" / "users.py"
    path.write_text(path.read_text() + '\nFIELD = "jobTitle"\n')
    assert _workflowgen_names_in_python(planted) == ["graphql/users.py: jobTitle"]


def test_translators_load_no_io_library_even_indirectly() -> None:
    code = (
        "import sys, pkgutil, importlib, wfgen_scim.translators as t\n"
        "for m in pkgutil.iter_modules(t.__path__):\n"
        "    importlib.import_module(f'{t.__name__}.{m.name}')\n"
        "io = ('aiohttp', 'gql', 'graphql', 'tenacity')\n"
        "print(' '.join(sorted(n for n in io if n in sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == ""
