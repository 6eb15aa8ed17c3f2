"""Start-up: tables, the two directories, the accounts and the seeded users.

Every step is idempotent, so a file store keeps its data across restarts: only what is
missing is created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from .database import Database, utc_now
from .directories import WORKFLOWGEN_DIRECTORY, ensure_directory
from .settings import Account, EmulatorSettings

_SEEDED_USERS_KEY = "seeded_users"


def open_database(settings: EmulatorSettings) -> Database:
    db = Database(settings.db)
    try:
        prepare_database(db, settings)
    except BaseException:
        db.close()
        raise
    return db


def prepare_database(db: Database, settings: EmulatorSettings) -> None:
    db.create_schema()
    with db.transaction():
        builtin_pk = ensure_directory(db, WORKFLOWGEN_DIRECTORY, "Built-in directory")
        scim_pk = ensure_directory(db, settings.directory_name, "Provisioned through SCIM")
        # Rights come from the settings of this run, not from a previous one.
        db.execute("UPDATE users SET is_admin = 0, may_impersonate = 0")
        for account in settings.all_accounts():
            _ensure_account(db, account, builtin_pk)
        _seed_users(db, scim_pk, settings.seed_users)


def _ensure_account(db: Database, account: Account, directory_pk: int) -> None:
    rights = (int(account.is_admin), int(account.may_impersonate))
    pk = db.scalar("SELECT id FROM users WHERE user_name = ?", (account.username,))
    if pk is not None:
        db.execute("UPDATE users SET is_admin = ?, may_impersonate = ? WHERE id = ?", (*rights, pk))
        return
    now = utc_now()
    db.execute(
        "INSERT INTO users (directory_id, user_name, common_name, is_admin, may_impersonate, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (directory_pk, account.username, account.username, *rights, now, now),
    )


def seed_user_name(n: int) -> str:
    """The userName of the n-th seeded user (1-based), e.g. seed.user00001@example.com."""
    return f"seed.user{n:05d}@example.com"


def _seed_users(db: Database, directory_pk: int, wanted: int) -> None:
    """Seeds users up to `wanted`, counting the ones seeded by earlier runs.

    The count is remembered rather than recomputed so that a seeded user deleted through
    the API stays deleted after a restart.
    """
    done = int(
        db.scalar("SELECT value FROM emulator_meta WHERE key = ?", (_SEEDED_USERS_KEY,)) or 0
    )
    if wanted <= done:
        return
    db.execute_many(
        "INSERT OR IGNORE INTO users (directory_id, user_name, first_name, last_name, "
        "common_name, email, employee_number, system_identifier, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _seed_rows(directory_pk, done + 1, wanted),
    )
    db.execute(
        "INSERT OR REPLACE INTO emulator_meta (key, value) VALUES (?, ?)",
        (_SEEDED_USERS_KEY, str(wanted)),
    )


def _seed_rows(directory_pk: int, first: int, last: int) -> Iterator[tuple[Any, ...]]:
    now = utc_now()
    for n in range(first, last + 1):
        user_name = seed_user_name(n)
        last_name = f"User{n:05d}"
        yield (
            directory_pk,
            user_name,
            "Seed",
            last_name,
            f"Seed {last_name}",
            user_name,
            f"E{n:06d}",
            # Shaped like the Entra objectId the proxy stores as systemIdentifier.
            str(uuid.UUID(int=n)),
            now,
            now,
        )
