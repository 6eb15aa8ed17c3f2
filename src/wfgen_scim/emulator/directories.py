"""Directories: few rows, read whole, created only at start-up or by the test controls."""

from __future__ import annotations

from .database import Database, Row
from .errors import Conflict, NotFound
from .node_ids import decode_id
from .paging import RowQuery, Where

WORKFLOWGEN_DIRECTORY = "WORKFLOWGEN"

DIRECTORY_COLUMNS = "d.id AS pk, d.name AS name, d.description AS description"


def directory_query(*, name: str | None = None, pk: int | None = None) -> RowQuery:
    where = Where()
    if pk is not None:
        where.add("d.id = ?", pk)
    if name is not None:
        where.add("d.name = ?", name)
    return RowQuery(DIRECTORY_COLUMNS, "directories d", where, "d.id")


def all_directories(db: Database) -> dict[int, Row]:
    rows = db.fetch_all(directory_query().select_sql())
    return {row["pk"]: row for row in rows}


def require_directory(db: Database, directory_id: object) -> int:
    """The row id of an existing directory, else NotFound (for mutations)."""
    pk = decode_id("Directory", directory_id)
    if pk is None or db.scalar("SELECT 1 FROM directories WHERE id = ?", (pk,)) is None:
        raise NotFound(f"Directory {directory_id} not found")
    return pk


def create_directory(db: Database, name: str, description: str | None) -> int:
    """Creates a directory; a name already taken (case-insensitively) is a Conflict."""
    if db.scalar("SELECT 1 FROM directories WHERE name = ?", (name,)) is not None:
        raise Conflict(f"A directory named {name!r} already exists")
    cursor = db.execute(
        "INSERT INTO directories (name, description) VALUES (?, ?)", (name, description)
    )
    return int(cursor.lastrowid or 0)


def ensure_directory(db: Database, name: str, description: str) -> int:
    """The id of the directory named `name`, created if missing (start-up is idempotent)."""
    pk = db.scalar("SELECT id FROM directories WHERE name = ?", (name,))
    if pk is not None:
        return int(pk)
    return create_directory(db, name, description)
