"""Start-up: tables, the two directories, the accounts and the seeded users.

Every step is idempotent, so a file store keeps its data across restarts: only what is
missing is created.
"""

from __future__ import annotations

from .database import Database, utc_now
from .directories import WORKFLOWGEN_DIRECTORY, ensure_directory
from .seed import apply_seed, read_seed
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
        db.execute(
            "UPDATE users SET is_admin = 0, may_impersonate = 0 WHERE is_admin OR may_impersonate"
        )
        for account in settings.all_accounts():
            _ensure_account(db, account, builtin_pk)
        _seed_users(db, scim_pk, settings.seed_users)
        if settings.seed_file is not None:
            apply_seed(db, *read_seed(settings.seed_file))


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


# Rows are generated inside SQLite (one INSERT ... SELECT over a counter) rather than in
# Python: 100,000 users then seed in well under a second. Values are deterministic:
# seed.user00001@example.com, Seed User00001, E000001, and a systemIdentifier shaped like
# the Entra objectId the proxy stores there (00000000-0000-0000-0000-000000000001).
_SEED_USERS_SQL = """
WITH RECURSIVE counter(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM counter WHERE n < ?)
INSERT OR IGNORE INTO users (directory_id, user_name, first_name, last_name, common_name,
                             email, employee_number, system_identifier, created_at, updated_at)
SELECT ?, printf('seed.user%05d@example.com', n), 'Seed', printf('User%05d', n),
       printf('Seed User%05d', n), printf('seed.user%05d@example.com', n), printf('E%06d', n),
       printf('00000000-0000-0000-0000-%012x', n), ?, ?
FROM counter
"""


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
    now = utc_now()
    db.execute(_SEED_USERS_SQL, (done + 1, wanted, directory_pk, now, now))
    db.execute(
        "INSERT OR REPLACE INTO emulator_meta (key, value) VALUES (?, ?)",
        (_SEEDED_USERS_KEY, str(wanted)),
    )
