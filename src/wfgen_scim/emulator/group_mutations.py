"""Group mutations and memberships, run inside the caller's transaction.

Membership changes are set-based (one statement for any number of users) and
all-or-nothing: every user id is checked before the first row changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .database import Database, Row, utc_now
from .directories import require_directory
from .errors import BadUserInput, Conflict, NotFound
from .groups import get_group
from .node_ids import decode_id, encode_id


def create_group(db: Database, group_input: Mapping[str, Any]) -> Row:
    directory_pk = require_directory(db, group_input["directoryId"])
    name = _valid_name(group_input["name"])
    _ensure_name_free(db, directory_pk, name, owner_pk=None)
    now = utc_now()
    cursor = db.execute(
        "INSERT INTO groups (directory_id, name, description, system_identifier, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            directory_pk,
            name,
            group_input.get("description"),
            group_input.get("systemIdentifier"),
            now,
            now,
        ),
    )
    return _reread(db, int(cursor.lastrowid or 0))


def update_group(db: Database, group_input: Mapping[str, Any]) -> Row:
    """Changes only the fields present; a directory move empties the group."""
    pk, current = _existing_group(db, group_input["id"])
    changes: dict[str, Any] = {}
    if "description" in group_input:
        changes["description"] = group_input["description"]
    if "systemIdentifier" in group_input:
        changes["system_identifier"] = group_input["systemIdentifier"]
    directory_pk = current["directoryPk"]
    if "directoryId" in group_input:
        if group_input["directoryId"] is None:
            raise BadUserInput("directoryId cannot be null")
        directory_pk = require_directory(db, group_input["directoryId"])
        changes["directory_id"] = directory_pk
    name = current["name"]
    if "name" in group_input:
        name = _valid_name(group_input["name"])
        changes["name"] = name
    # Checked against the target directory, so that a move cannot create a duplicate.
    _ensure_name_free(db, directory_pk, name, owner_pk=pk)
    changes["updated_at"] = utc_now()
    assignments = ", ".join(f"{column} = ?" for column in changes)
    db.execute(f"UPDATE groups SET {assignments} WHERE id = ?", [*changes.values(), pk])
    if directory_pk != current["directoryPk"] and not group_input.get("keepMemberships"):
        # Its members belong to the old directory, and a group only holds its own users.
        db.execute("DELETE FROM memberships WHERE group_id = ?", (pk,))
    return _reread(db, pk)


def delete_group(db: Database, group_id: object) -> str:
    """Deletes the group and its memberships, never the users; returns its id."""
    pk, _ = _existing_group(db, group_id)
    db.execute("DELETE FROM groups WHERE id = ?", (pk,))
    return encode_id("Group", pk)


def add_users_to_group(db: Database, group_id: object, user_ids: Sequence[object]) -> Row:
    pk, group = _existing_group(db, group_id)
    user_pks = _eligible_members(db, group, user_ids)
    db.execute(
        "INSERT OR IGNORE INTO memberships (group_id, user_id) SELECT ?, value FROM json_each(?)",
        (pk, json.dumps(user_pks)),
    )
    return _touch(db, pk)


def remove_users_from_group(db: Database, group_id: object, user_ids: Sequence[object]) -> Row:
    pk, group = _existing_group(db, group_id)
    user_pks = _eligible_members(db, group, user_ids)
    db.execute(
        "DELETE FROM memberships WHERE group_id = ? "
        "AND user_id IN (SELECT value FROM json_each(?))",
        (pk, json.dumps(user_pks)),
    )
    return _touch(db, pk)


def _eligible_members(db: Database, group: Row, user_ids: Sequence[object]) -> list[int]:
    """Row ids of `user_ids`, or BadUserInput naming every id that cannot be a member."""
    decoded = {user_id: decode_id("User", user_id) for user_id in user_ids}
    wanted = sorted({pk for pk in decoded.values() if pk is not None})
    found = {
        pk: (directory_pk, archived)
        for pk, directory_pk, archived in db.execute(
            "SELECT id, directory_id, archived FROM users "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        )
    }
    problems: dict[str, str] = {}
    for user_id, pk in decoded.items():
        if pk is None or pk not in found:
            problems[str(user_id)] = "unknown user"
        elif found[pk][1]:
            problems[str(user_id)] = "archived user"
        elif found[pk][0] != group["directoryPk"]:
            problems[str(user_id)] = "not in the group's directory"
    if problems:
        listed = ", ".join(f"{user_id} ({why})" for user_id, why in problems.items())
        raise BadUserInput(
            f"No change made; these users cannot be members of the group: {listed}",
            invalidUserIds=list(problems),
        )
    return wanted


def _touch(db: Database, pk: int) -> Row:
    db.execute("UPDATE groups SET updated_at = ? WHERE id = ?", (utc_now(), pk))
    return _reread(db, pk)


def _existing_group(db: Database, group_id: object) -> tuple[int, Row]:
    pk = decode_id("Group", group_id)
    row = None if pk is None else get_group(db, pk)
    if pk is None or row is None:
        raise NotFound(f"Group {group_id} not found")
    return pk, row


def _reread(db: Database, pk: int) -> Row:
    row = get_group(db, pk)
    if row is None:  # pragma: no cover - the row was written in this transaction
        raise RuntimeError(f"group {pk} vanished inside its transaction")
    return row


def _valid_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise BadUserInput("name must be a non-empty string")
    return name


def _ensure_name_free(db: Database, directory_pk: int, name: str, *, owner_pk: int | None) -> None:
    taken_by = db.scalar(
        "SELECT id FROM groups WHERE directory_id = ? AND name = ?", (directory_pk, name)
    )
    if taken_by is not None and taken_by != owner_pk:
        raise Conflict(f"A group named {name!r} already exists in this directory")
