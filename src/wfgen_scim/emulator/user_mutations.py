"""createUser, updateUser and deleteUser: WorkflowGen's rules, checked before any write.

Each function runs inside the caller's transaction and raises an EmulatorError for a
broken rule, so an error leaves the store untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .database import Database, Row, utc_now
from .directories import require_directory
from .errors import BadUserInput, Conflict, NotFound, UserInUse
from .node_ids import decode_id, encode_id
from .users import PROFILE_COLUMNS, get_user

# Columns the mutations read before deciding anything.
_STATE_COLUMNS = "id, user_name, directory_id, is_active, archived, has_history, sole_participant"


def create_user(db: Database, user_input: Mapping[str, Any]) -> Row:
    directory_pk = require_directory(db, user_input["directoryId"])
    user_name = _valid_user_name(user_input["userName"])
    _ensure_user_name_free(db, user_name, owner_pk=None)
    manager_pk = _existing_manager(db, user_input.get("manager"), user_pk=None)
    # isActive has a schema default of true; an explicit null is read the same way.
    is_active = user_input.get("isActive")
    values: dict[str, Any] = {
        column: user_input.get(name) for name, column in PROFILE_COLUMNS.items()
    }
    now = utc_now()
    values.update(
        user_name=user_name,
        directory_id=directory_pk,
        manager_id=manager_pk,
        is_active=0 if is_active is False else 1,
        created_at=now,
        updated_at=now,
    )
    columns = ", ".join(values)
    placeholders = ", ".join("?" for _ in values)
    cursor = db.execute(
        f"INSERT INTO users ({columns}) VALUES ({placeholders})", list(values.values())
    )
    return _reread(db, int(cursor.lastrowid or 0))


def update_user(db: Database, user_input: Mapping[str, Any]) -> Row:
    """Changes only the fields present in `user_input`; an explicit null clears a field."""
    state = _user_state(db, user_input["id"])
    pk = state["id"]
    if state["archived"]:
        raise BadUserInput(f"User {user_input['id']} is archived and cannot be updated")
    changes: dict[str, Any] = {
        column: user_input[name]
        for name, column in PROFILE_COLUMNS.items()
        if name in user_input and name != "userName"
    }
    if "userName" in user_input:
        user_name = _valid_user_name(user_input["userName"])
        _ensure_user_name_free(db, user_name, owner_pk=pk)
        changes["user_name"] = user_name
    if "isActive" in user_input:
        is_active = user_input["isActive"]
        if is_active is None:
            raise BadUserInput("isActive cannot be null")
        # Only a change from active to inactive deactivates; repeating false is a no-op.
        if not is_active and state["is_active"] and state["sole_participant"]:
            raise UserInUse(
                f"User {user_input['id']} is the only person of a participant and "
                "cannot be deactivated"
            )
        changes["is_active"] = int(is_active)
    if "manager" in user_input:
        changes["manager_id"] = _existing_manager(db, user_input["manager"], user_pk=pk)
    moved = False
    if "directoryId" in user_input:
        if user_input["directoryId"] is None:
            raise BadUserInput("directoryId cannot be null")
        directory_pk = require_directory(db, user_input["directoryId"])
        moved = directory_pk != state["directory_id"]
        changes["directory_id"] = directory_pk
    changes["updated_at"] = utc_now()
    assignments = ", ".join(f"{column} = ?" for column in changes)
    db.execute(f"UPDATE users SET {assignments} WHERE id = ?", [*changes.values(), pk])
    if moved and not user_input.get("keepMemberships"):
        # A group only holds users of its own directory, unless the caller moves the user
        # and its groups together (`wfgen-scim link`) and asked to keep them.
        db.execute("DELETE FROM memberships WHERE user_id = ?", (pk,))
    return _reread(db, pk)


def delete_user(db: Database, user_id: object) -> tuple[str, bool]:
    """Deletes the user, or archives it when it has history; returns (id, archived)."""
    state = _user_state(db, user_id)
    pk = state["id"]
    deleted_id = encode_id("User", pk)
    if state["archived"]:
        return deleted_id, True
    if state["sole_participant"]:
        raise UserInUse(f"User {user_id} is the only person of a participant and cannot be deleted")
    if state["has_history"]:
        db.execute(
            "UPDATE users SET user_name = ?, is_active = 0, archived = 1, updated_at = ? "
            "WHERE id = ?",
            (_archived_user_name(db, state["user_name"]), utc_now(), pk),
        )
        db.execute("DELETE FROM memberships WHERE user_id = ?", (pk,))
        return deleted_id, True
    # The foreign keys remove the memberships and clear the manager of its reports.
    db.execute("DELETE FROM users WHERE id = ?", (pk,))
    return deleted_id, False


def set_hidden_flags(
    db: Database, pk: int, *, has_history: bool | None, sole_participant: bool | None
) -> dict[str, bool] | None:
    """Sets the flags standing for references the API does not show (None: keep).

    Returns the user's flags afterwards, or None when there is no such user.
    """
    if has_history is not None:
        db.execute("UPDATE users SET has_history = ? WHERE id = ?", (int(has_history), pk))
    if sole_participant is not None:
        db.execute(
            "UPDATE users SET sole_participant = ? WHERE id = ?", (int(sole_participant), pk)
        )
    flags = db.fetch_one("SELECT has_history, sole_participant FROM users WHERE id = ?", (pk,))
    if flags is None:
        return None
    return {
        "hasHistory": bool(flags["has_history"]),
        "soleParticipant": bool(flags["sole_participant"]),
    }


def _user_state(db: Database, user_id: object) -> Row:
    pk = decode_id("User", user_id)
    state = None
    if pk is not None:
        state = db.fetch_one(f"SELECT {_STATE_COLUMNS} FROM users WHERE id = ?", (pk,))
    if state is None:
        raise NotFound(f"User {user_id} not found")
    return state


def _reread(db: Database, pk: int) -> Row:
    row = get_user(db, pk)
    if row is None:  # pragma: no cover - the row was written in this transaction
        raise RuntimeError(f"user {pk} vanished inside its transaction")
    return row


def _valid_user_name(user_name: object) -> str:
    if not isinstance(user_name, str) or not user_name.strip():
        raise BadUserInput("userName must be a non-empty string")
    return user_name


def _ensure_user_name_free(db: Database, user_name: str, *, owner_pk: int | None) -> None:
    taken_by = db.scalar("SELECT id FROM users WHERE user_name = ?", (user_name,))
    if taken_by is not None and taken_by != owner_pk:
        raise Conflict(f"userName {user_name!r} is already taken")


def _existing_manager(db: Database, manager_id: object, *, user_pk: int | None) -> int | None:
    if manager_id is None:
        return None
    pk = decode_id("User", manager_id)
    if pk is None or db.scalar("SELECT 1 FROM users WHERE id = ?", (pk,)) is None:
        raise BadUserInput(f"manager {manager_id} is not an existing user", field="manager")
    if pk == user_pk:
        raise BadUserInput("A user cannot be its own manager", field="manager")
    return pk


def _archived_user_name(db: Database, user_name: str) -> str:
    """`<userName>_archived_<n>`, with the smallest n that frees the name for reuse."""
    n = 1
    while True:
        candidate = f"{user_name}_archived_{n}"
        if db.scalar("SELECT 1 FROM users WHERE user_name = ?", (candidate,)) is None:
            return candidate
        n += 1
