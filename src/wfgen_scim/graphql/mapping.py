"""The one place that pairs our attribute names with WorkflowGen's names and codes.

Together with the operation documents under documents/, this is everything a WorkflowGen
version with a different schema would make us change; `wfgen-scim check` validates both
against the live schema.
"""

from collections.abc import Mapping
from typing import Any

from ..records import GroupProfile, GroupQuery, GroupRecord, Ref, UserProfile, UserQuery, UserRecord
from .errors import (
    UpstreamBadInput,
    UpstreamConflict,
    UpstreamError,
    UpstreamInUse,
    UpstreamMisconfigured,
    UpstreamNotFound,
)

# Our user attribute -> WorkflowGen User field (also its name in Create/UpdateUserInput).
USER_FIELDS: Mapping[str, str] = {
    "user_name": "userName",
    "active": "isActive",
    "external_id": "systemIdentifier",
    "display_name": "commonName",
    "given_name": "firstName",
    "family_name": "lastName",
    "title": "jobTitle",
    "email": "email",
    "work_phone": "phone",
    "mobile_phone": "mobile",
    "fax": "fax",
    "street_address": "postalAddress",
    "postal_code": "postalCode",
    "office": "office",
    "department": "department",
    "employee_number": "employeeNumber",
    "manager_id": "manager",
}

GROUP_FIELDS: Mapping[str, str] = {
    "display_name": "name",
    "external_id": "systemIdentifier",
}

USER_FILTER_FIELDS: Mapping[str, str] = {
    "ids": "ids",
    "user_name": "userName",
    "external_id": "systemIdentifier",
    "email": "email",
    "active": "isActive",
}

GROUP_FILTER_FIELDS: Mapping[str, str] = {
    "display_name": "name",
    "external_id": "systemIdentifier",
    "member_id": "userId",
}

ARCHIVED_STATUS = "ARCHIVED"

# WorkflowGen's `extensions.code` -> what the proxy should conclude. One table.
ERROR_CODES: Mapping[str, type[UpstreamError]] = {
    "NOT_FOUND": UpstreamNotFound,
    "CONFLICT": UpstreamConflict,
    "BAD_USER_INPUT": UpstreamBadInput,
    "USER_IN_USE": UpstreamInUse,
    "UNAUTHENTICATED": UpstreamMisconfigured,
    "FORBIDDEN": UpstreamMisconfigured,
}


def user_input(profile: UserProfile) -> dict[str, Any]:
    """Create/UpdateUserInput fields for the attributes present in `profile`."""
    return {USER_FIELDS[key]: value for key, value in profile.items()}


def group_input(profile: GroupProfile) -> dict[str, Any]:
    return {GROUP_FIELDS[key]: value for key, value in profile.items()}


def user_filter(query: UserQuery, directory_id: str | None) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    if directory_id is not None:
        wire["directoryId"] = directory_id
    for ours, theirs in USER_FILTER_FIELDS.items():
        value = getattr(query, ours)
        if value is not None:
            wire[theirs] = list(value) if isinstance(value, tuple) else value
    return wire


def group_filter(query: GroupQuery, directory_id: str) -> dict[str, Any]:
    wire: dict[str, Any] = {"directoryId": directory_id}
    for ours, theirs in GROUP_FILTER_FIELDS.items():
        value = getattr(query, ours)
        if value is not None:
            wire[theirs] = value
    return wire


def in_scope(wire: Mapping[str, Any] | None, directory_id: str) -> bool:
    """Whether an upstream user or group belongs to the proxy's world.

    Users of other directories and archived users do not exist for Entra: archiving
    renames them and removes their access, so showing them would only confuse matching.
    """
    if wire is None:
        return False
    return directory_of(wire) == directory_id and wire.get("status") != ARCHIVED_STATUS


def directory_of(wire: Mapping[str, Any]) -> str | None:
    """The id of the directory a user or group belongs to."""
    directory = wire.get("directory") or {}
    found = directory.get("id")
    return None if found is None else str(found)


def user_from_wire(wire: Mapping[str, Any], directory_id: str) -> UserRecord:
    """Our record of a WorkflowGen user.

    A manager outside our world (archived, or of another directory) is kept in the profile,
    which is what WorkflowGen stores and what changes are computed against, but it is not
    shown: `manager` stays None.
    """
    profile = UserProfile()
    for ours, theirs in USER_FIELDS.items():
        if ours != "manager_id":
            profile[ours] = wire.get(theirs)  # type: ignore[literal-required]
    manager = wire.get("manager")
    profile["manager_id"] = manager["id"] if manager else None
    if manager is not None and not in_scope(manager, directory_id):
        manager = None
    groups = wire.get("groups")
    return UserRecord(
        id=wire["id"],
        profile=profile,
        manager=Ref(manager["id"], manager.get("commonName")) if manager else None,
        groups=(
            tuple(Ref(g["id"], g.get("name")) for g in groups["items"])
            if groups is not None
            else None
        ),
        created=wire.get("createdAt"),
        last_modified=wire.get("updatedAt"),
    )


def group_from_wire(wire: Mapping[str, Any], members: tuple[Ref, ...] | None = None) -> GroupRecord:
    profile = GroupProfile()
    for ours, theirs in GROUP_FIELDS.items():
        profile[ours] = wire.get(theirs)  # type: ignore[literal-required]
    return GroupRecord(
        id=wire["id"],
        profile=profile,
        members=members,
        created=wire.get("createdAt"),
        last_modified=wire.get("updatedAt"),
    )


def directory_name(wire: Mapping[str, Any]) -> str:
    return str((wire.get("directory") or {}).get("name") or "?")


def member_ref(wire: Mapping[str, Any]) -> Ref:
    return Ref(wire["id"], wire.get("commonName") or wire.get("userName"))
