"""Seeding a legacy WorkflowGen from a JSON file: directories, users and groups.

For demos and tests of `wfgen-scim link`: a WorkflowGen that already has users, synchronised
from Active Directory or created by hand, in directories other than the SCIM one. The file
uses WorkflowGen's field names (the emulator's side):

    {"directories": {"CORP": {
        "users": [{"userName": "ada@contoso.com", "email": "...", "commonName": "...",
                   "firstName": "...", "lastName": "...", "systemIdentifier": null}],
        "groups": [{"name": "Finance", "systemIdentifier": null,
                    "members": ["ada@contoso.com"]}]}}}

A file is applied once per store (remembered by its content's hash), so a demo restarted
with the same --seed keeps what was moved or deleted since.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .database import Database, utc_now
from .directories import ensure_directory
from .users import PROFILE_COLUMNS

_SEEDED_FILE_KEY = "seeded_file"


class SeedError(ValueError):
    """A seed file that cannot be read; the message says why."""


class SeedGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    systemIdentifier: str | None = None
    members: list[str] = Field(default_factory=list, description="userNames")


class SeedDirectory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    users: list[dict[str, str | None]] = Field(default_factory=list)
    groups: list[SeedGroup] = Field(default_factory=list)


class SeedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    directories: dict[str, SeedDirectory]


def read_seed(path: str | Path) -> tuple[SeedFile, str]:
    """The parsed file and its content hash; SeedError with a clear message otherwise."""
    try:
        raw = Path(path).read_bytes()
        seed = SeedFile.model_validate(json.loads(raw))
    except OSError as exc:
        raise SeedError(f"cannot read seed file {str(path)!r}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SeedError(f"seed file {str(path)!r} is not JSON: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SeedError(f"seed file {str(path)!r}: {where}: {first['msg']}") from None
    for name, directory in seed.directories.items():
        for user in directory.users:
            unknown = set(user) - set(PROFILE_COLUMNS)
            if unknown or not user.get("userName"):
                raise SeedError(
                    f"seed file {str(path)!r}: a user of {name} has "
                    + (f"unknown fields {sorted(unknown)}" if unknown else "no userName")
                )
    return seed, hashlib.sha256(raw).hexdigest()


def apply_seed(db: Database, seed: SeedFile, digest: str) -> None:
    """Creates what the file lists, once per file content (inside the caller's transaction)."""
    done = db.scalar("SELECT value FROM emulator_meta WHERE key = ?", (_SEEDED_FILE_KEY,))
    if done == digest:
        return
    now = utc_now()
    for name, directory in seed.directories.items():
        directory_pk = ensure_directory(db, name, "Seeded legacy directory")
        for user in directory.users:
            values: dict[str, Any] = {PROFILE_COLUMNS[k]: v for k, v in user.items()}
            values.update(directory_id=directory_pk, created_at=now, updated_at=now)
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            db.execute(
                f"INSERT OR IGNORE INTO users ({columns}) VALUES ({marks})", list(values.values())
            )
        for group in directory.groups:
            db.execute(
                "INSERT OR IGNORE INTO groups (directory_id, name, system_identifier, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (directory_pk, group.name, group.systemIdentifier, now, now),
            )
            group_pk = db.scalar(
                "SELECT id FROM groups WHERE directory_id = ? AND name = ?",
                (directory_pk, group.name),
            )
            for member in group.members:
                db.execute(
                    "INSERT OR IGNORE INTO memberships (group_id, user_id) "
                    "SELECT ?, id FROM users WHERE user_name = ?",
                    (group_pk, member),
                )
    db.execute(
        "INSERT OR REPLACE INTO emulator_meta (key, value) VALUES (?, ?)",
        (_SEEDED_FILE_KEY, digest),
    )
