"""User.language: stored like the other optional strings, and added to older file stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.emulator.emulator_harness import Emulator, StartEmulator, default_settings
from wfgen_scim.emulator import database

LANGUAGE_OF = "query ($id: ID) { user(id: $id) { language firstName } }"
UPDATE = """
mutation ($input: UpdateUserInput!) { updateUser(input: $input) { user { language } } }
"""


async def language_of(emulator: Emulator, user_id: str) -> Any:
    data = await emulator.data(LANGUAGE_OF, {"id": user_id})
    return data["user"]["language"]


async def update(emulator: Emulator, user_id: str, **fields: Any) -> Any:
    data = await emulator.data(UPDATE, {"input": {"id": user_id, **fields}})
    return data["updateUser"]["user"]["language"]


async def test_language_is_created_updated_kept_and_cleared(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com", language="fr")
    assert await language_of(emulator, alice["id"]) == "fr"

    assert await update(emulator, alice["id"], language="en-US") == "en-US"
    assert await language_of(emulator, alice["id"]) == "en-US"

    # Left out: kept, while another field changes.
    assert await update(emulator, alice["id"], firstName="Alice") == "en-US"
    assert await emulator.data(LANGUAGE_OF, {"id": alice["id"]}) == {
        "user": {"language": "en-US", "firstName": "Alice"}
    }

    assert await update(emulator, alice["id"], language=None) is None
    assert await language_of(emulator, alice["id"]) is None


async def test_language_left_out_at_creation_is_null(emulator: Emulator) -> None:
    bob = await emulator.create_user("bob@example.com")
    assert await language_of(emulator, bob["id"]) is None


def _old_store(path: Path) -> None:
    """A file store as an emulator without User.language left it, with one user in it."""
    old_schema = database._SCHEMA.replace("    language TEXT,\n", "")
    assert old_schema != database._SCHEMA
    conn = sqlite3.connect(path)
    conn.executescript(old_schema)
    conn.execute("INSERT INTO directories (name) VALUES ('SCIM')")
    conn.execute(
        "INSERT INTO users (directory_id, user_name, created_at, updated_at) "
        "VALUES (1, 'old@example.com', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')"
    )
    conn.commit()
    columns = {row[1] for row in conn.execute("PRAGMA table_info(users)")}
    assert "language" not in columns
    conn.close()


async def test_an_older_file_store_gains_the_column_at_start(
    start_emulator: StartEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "old.sqlite3"
    _old_store(path)
    emulator = await start_emulator(default_settings(db=path))

    data = await emulator.data('{ user(userName: "old@example.com") { id language } }')
    old_id = data["user"]["id"]
    assert data["user"]["language"] is None
    assert await update(emulator, old_id, language="de") == "de"
    carol = await emulator.create_user("carol@example.com", language="es")
    await emulator.close()

    # A second start finds the column there and adds nothing.
    again = await start_emulator(default_settings(db=path))
    assert await language_of(again, old_id) == "de"
    assert await language_of(again, carol["id"]) == "es"
