"""Every reference in the repository resolves inside it, or is a public URL.

A reader of the code, tests or docs must be able to open what they cite: an RFC section,
a Microsoft Learn page, or a file of this repository - never a file outside it.
"""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_SKIPPED_DIRS = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
_TEXT = {".py", ".md", ".toml", ".graphql", ".json", ".yaml", ".yml", ".cfg", ".txt", ""}
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+")
# A file path: folders and a name with one of our extensions (a bare `*.md` too).
_PATH = re.compile(
    r"(?<![\w/.$-])((?:[\w.-]+/)+[\w.-]+\.(?:md|toml|py|graphql|json|sh)|[\w-]+\.md)\b"
)


def _files() -> list[Path]:
    found = []
    for path in REPO.rglob("*"):
        if any(part in _SKIPPED_DIRS or part.endswith(".egg-info") for part in path.parts):
            continue
        if path.is_file() and (path.suffix in _TEXT or path.name == "Dockerfile"):
            found.append(path)
    return found


def _references(path: Path) -> list[str]:
    text = _URL.sub(" ", path.read_text(encoding="utf-8", errors="replace"))
    return [m.group(1) for m in _PATH.finditer(text)]


def _resolves(reference: str, where: Path) -> bool:
    """From the repository root, the citing file's folder, or the package (which is how
    the code names its own modules: `proxy/errors.py`)."""
    bases = (REPO, where.parent, REPO / "src" / "wfgen_scim")
    return any((base / reference).exists() for base in bases)


# Folders beside the repository that are not part of it (spelled in pieces so that this
# file does not itself contain what it looks for).
_OUTSIDE = ("shared" + "/docs", ".." + "/shared")


def test_nothing_points_outside_the_repository() -> None:
    outside = [
        f"{p.relative_to(REPO)}: {word}"
        for p in _files()
        for word in _OUTSIDE
        if word in p.read_text(encoding="utf-8", errors="replace")
    ]
    assert outside == []


def test_every_file_reference_resolves() -> None:
    broken = [
        f"{p.relative_to(REPO)}: {ref}"
        for p in _files()
        if p != Path(__file__)
        for ref in _references(p)
        if not ref.startswith(("/", "~")) and not _resolves(ref, p)
    ]
    assert broken == []


def test_the_check_would_notice_a_broken_reference(tmp_path: Path) -> None:
    cited = tmp_path / "cites.py"
    cited.write_text('"""See docs/nowhere.md and https://www.rfc-editor.org/rfc/rfc7644.md."""')
    assert _references(cited) == ["docs/nowhere.md"]
    assert not _resolves("docs/nowhere.md", cited)
    assert _resolves("docs/design.md", cited)
