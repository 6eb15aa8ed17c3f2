"""`--drift`: how WorkflowGen's SCIM directory differs from an Entra export. Pure.

For an already provisioned directory: the check an administrator runs when they suspect a
cycle went wrong. Objects pair up by system identifier (= Entra object id), else by
userName = userPrincipalName or group displayName.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..graphql.directories import DirectoryGroup, DirectoryUser
from .entra import EntraExport

Difference = Literal["missing", "extra", "attribute", "members"]


@dataclass(frozen=True, slots=True)
class Drift:
    kind: Literal["user", "group"]
    entra_id: str | None
    workflowgen_id: str | None
    name: str
    difference: Difference
    detail: str


# Entra's property -> the proxy's attribute it is provisioned to (README's mapping).
_USER_ATTRIBUTES = (
    ("user_principal_name", "user_name"),
    ("mail", "email"),
    ("display_name", "display_name"),
    ("given_name", "given_name"),
    ("surname", "family_name"),
    ("account_enabled", "active"),
)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def drift(
    export: EntraExport, users: Sequence[DirectoryUser], groups: Sequence[DirectoryGroup], scim: str
) -> list[Drift]:
    ours = [u for u in users if u.directory == scim]
    by_external = {_fold(u.external_id): u for u in ours if u.external_id}
    by_name = {_fold(u.user_name): u for u in ours}
    found: list[Drift] = []
    paired: dict[str, str] = {}  # Entra id -> WorkflowGen id
    for entry in export.users:
        user = by_external.get(_fold(entry.id)) or by_name.get(_fold(entry.user_principal_name))
        name = entry.user_principal_name
        if user is None:
            found.append(Drift("user", entry.id, None, name, "missing", "not in WorkflowGen"))
            continue
        paired[entry.id] = user.id
        for entra_name, ours_name in (*_USER_ATTRIBUTES, ("id", "external_id")):
            theirs, stored = getattr(entry, entra_name), user.profile.get(ours_name)
            if theirs is not None and _fold(theirs) != _fold(stored):
                found.append(
                    Drift(
                        "user", entry.id, user.id, name, "attribute",
                        f"{ours_name}: Entra {theirs!r}, WorkflowGen {stored!r}",
                    )
                )  # fmt: skip
    known = set(paired.values())
    found += [
        Drift("user", None, u.id, u.user_name, "extra", "not in the Entra export")
        for u in ours
        if u.id not in known
    ]
    names = {u.id: u.user_name for u in users}
    names.update({f"entra:{e.id}": e.user_principal_name for e in export.users})
    found += _group_drift(export, [g for g in groups if g.directory == scim], paired, names)
    return found


def _group_drift(
    export: EntraExport,
    ours: Sequence[DirectoryGroup],
    users: dict[str, str],
    names: dict[str, str],
) -> list[Drift]:
    """Members are compared by WorkflowGen id and shown by userName."""
    by_external = {_fold(g.external_id): g for g in ours if g.external_id}
    by_name = {_fold(g.display_name): g for g in ours}
    found: list[Drift] = []
    known: set[str] = set()
    for entry in export.groups:
        group = by_external.get(_fold(entry.id)) or by_name.get(_fold(entry.display_name))
        name = entry.display_name
        if group is None:
            found.append(Drift("group", entry.id, None, name, "missing", "not in WorkflowGen"))
            continue
        known.add(group.id)
        if _fold(group.display_name) != _fold(name):
            found.append(
                Drift(
                    "group", entry.id, group.id, name, "attribute",
                    f"display_name: Entra {name!r}, WorkflowGen {group.display_name!r}",
                )
            )  # fmt: skip
        if entry.member_ids is None:
            continue
        wanted = {users.get(m, f"entra:{m}") for m in entry.member_ids}
        have = set(group.member_ids)
        if wanted != have:
            lacking = sorted(names.get(m, m) for m in wanted - have)
            surplus = sorted(names.get(m, m) for m in have - wanted)
            found.append(
                Drift(
                    "group", entry.id, group.id, name, "members",
                    f"missing members {lacking}; extra members {surplus}",
                )
            )  # fmt: skip
    found += [
        Drift("group", None, g.id, g.display_name, "extra", "not in the Entra export")
        for g in ours
        if g.id not in known
    ]
    return found
