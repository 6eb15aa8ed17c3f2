"""--apply's progress: a bar on a terminal, one plain line per object otherwise."""

import io

from wfgen_scim.migration.apply import Progress
from wfgen_scim.migration.plan import Record


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def record(name: str) -> Record:
    return Record("user", "e", name, "w", "CORP", "link", "move")


def test_a_terminal_gets_a_bar() -> None:
    stream = Terminal()
    progress = Progress(2, stream)
    progress.step(record("a@x"), None)
    progress.step(record("b@x"), "refused")
    progress.close()
    text = stream.getvalue()
    assert "2/2" in text
    assert "\r" in text  # redrawn in place
    assert "failed user b@x: refused" in text


def test_a_pipe_gets_one_line_per_object() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream)
    progress.step(record("a@x"), None)
    progress.step(record("b@x"), "refused")
    progress.close()
    assert stream.getvalue().splitlines() == [
        "[1/2] user a@x linked",
        "[2/2] user b@x failed: refused",
    ]
