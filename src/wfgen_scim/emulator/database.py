"""The SQLite store: connection, tables and transactions.

Every string column the API filters on is declared COLLATE NOCASE and indexed, so that an
equality filter is an index search that compares case-insensitively, like WorkflowGen on
SQL Server's default collation (NOCASE folds ASCII letters only).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Row = dict[str, Any]

# AUTOINCREMENT: a deleted row's id is never handed out again, so a stale id held by the
# proxy can never start naming somebody else.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS directories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    description TEXT
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    directory_id INTEGER NOT NULL REFERENCES directories(id),
    user_name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    first_name TEXT,
    last_name TEXT,
    common_name TEXT,
    email TEXT COLLATE NOCASE,
    phone TEXT,
    mobile TEXT,
    fax TEXT,
    pager TEXT,
    job_title TEXT,
    department TEXT,
    company TEXT,
    employee_number TEXT,
    office TEXT,
    postal_address TEXT,
    postal_code TEXT,
    city TEXT,
    state TEXT,
    country TEXT,
    language TEXT,
    system_identifier TEXT COLLATE NOCASE,
    is_active INTEGER NOT NULL DEFAULT 1,
    archived INTEGER NOT NULL DEFAULT 0,
    manager_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    has_history INTEGER NOT NULL DEFAULT 0,
    sole_participant INTEGER NOT NULL DEFAULT 0,
    is_admin INTEGER NOT NULL DEFAULT 0,
    may_impersonate INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS users_by_directory ON users(directory_id);
CREATE INDEX IF NOT EXISTS users_by_system_identifier ON users(system_identifier);
CREATE INDEX IF NOT EXISTS users_by_email ON users(email);
CREATE INDEX IF NOT EXISTS users_by_manager ON users(manager_id);
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    directory_id INTEGER NOT NULL REFERENCES directories(id),
    name TEXT NOT NULL COLLATE NOCASE,
    description TEXT,
    system_identifier TEXT COLLATE NOCASE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (directory_id, name)
);
CREATE INDEX IF NOT EXISTS groups_by_name ON groups(name);
CREATE INDEX IF NOT EXISTS groups_by_system_identifier ON groups(system_identifier);
CREATE TABLE IF NOT EXISTS memberships (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memberships_by_user ON memberships(user_id, group_id);
CREATE TABLE IF NOT EXISTS emulator_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# Columns added after the first release: a file store created by an older emulator gets
# them at start (CREATE TABLE IF NOT EXISTS leaves an existing table as it is).
_ADDED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "users": (("language", "TEXT"),),
}


def utc_now() -> str:
    """The timestamp format of the API: ISO 8601, UTC, whole seconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Database:
    """One SQLite connection, used from the event loop thread only.

    Statements run synchronously: each is short, and running a whole GraphQL operation
    without yielding to the loop is what makes a mutation's checks and writes atomic.
    """

    def __init__(self, path: str | Path) -> None:
        target = str(path)
        # isolation_level=None: transactions are explicit (see `transaction`).
        self._conn = sqlite3.connect(target, isolation_level=None)
        self._conn.execute("PRAGMA foreign_keys = ON")
        if target != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        self._in_transaction = False

    def create_schema(self) -> None:
        """Creates what is missing: tables, indexes, and columns of newer versions."""
        self._conn.executescript(_SCHEMA)
        for table, columns in _ADDED_COLUMNS.items():
            present = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            for name, declaration in columns:
                if name not in present:
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together, or none does if anything raises."""
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
        self._conn.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._in_transaction = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cursor = self._conn.execute(sql, params)
        values = cursor.fetchone()
        if values is None:
            return None
        names = [column[0] for column in cursor.description]
        return dict(zip(names, values, strict=True))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        values = self._conn.execute(sql, params).fetchone()
        return None if values is None else values[0]

    def query_plan(self, sql: str, params: Sequence[Any] = ()) -> list[str]:
        """SQLite's EXPLAIN QUERY PLAN details, to check that a lookup is index-backed."""
        return [row[3] for row in self._conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
