"""Data flows one way: proxy/ -> translators/ -> graphql/. This test keeps it so.

- translators/ are pure: no aiohttp, gql or graphql-core (not even indirectly), nothing
  from proxy/ or graphql/; they share only the plain records (wfgen_scim.records).
- graphql/ is the only code that knows gql, graphql-core and WorkflowGen; it never looks up
  at translators/ or proxy/, and knows nothing of SCIM.
- proxy/ talks HTTP to Entra; it reaches WorkflowGen only through the graphql package's
  public face (the gateway, records and errors), never its client, documents or mapping.
- config/ depends on no other layer.
"""

import ast
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
    "config": (
        "wfgen_scim.proxy",
        "wfgen_scim.translators",
        "wfgen_scim.graphql",
        "wfgen_scim.emulator",
        "aiohttp",
        "gql",
    ),
}


def _imports(path: Path, layer: str) -> set[str]:
    module = "wfgen_scim." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
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


def _violations(layer: str) -> list[str]:
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path, layer):
            for banned in FORBIDDEN[layer]:
                if name == banned or name.startswith(banned + "."):
                    found.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    assert _violations(layer) == []


def test_the_rule_would_catch_a_violation(tmp_path: Path) -> None:
    # The check itself must work: relative imports resolve to the module they name.
    path = PACKAGE / "translators" / "users.py"
    assert "wfgen_scim.records" in _imports(path, "translators")
    assert "scim2_models" in _imports(path, "translators")


def test_workflowgen_names_live_only_in_graphql() -> None:
    # A few WorkflowGen field names that differ from SCIM's: they may appear only under
    # graphql/ (documents and the mapping module) and in the emulator.
    names = ("commonName", "systemIdentifier", "jobTitle", "postalAddress", "isActive")
    offenders = []
    for layer in ("proxy", "translators", "config"):
        for path in (PACKAGE / layer).rglob("*.py"):
            text = path.read_text()
            offenders += [f"{path.relative_to(PACKAGE)}: {n}" for n in names if n in text]
    assert offenders == []


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
