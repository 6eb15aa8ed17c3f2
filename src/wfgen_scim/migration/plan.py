"""The link plan: what Entra's first cycle will find for each object. Pure: no I/O.

Matching follows Entra's: a user by userName = userPrincipalName (or by e-mail with
`--match email`), a group by displayName, case-insensitively. A candidate counts only in
the SCIM directory or a source directory; a user outside them that holds the name is a
conflict, because userNames are unique across WorkflowGen and Entra's create would fail.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..graphql.directories import DirectoryGroup, DirectoryUser
from .entra import EntraExport, EntraGroup, EntraUser

Outcome = Literal["already_linked", "link", "ambiguous", "conflict", "will_create", "not_in_entra"]
OUTCOMES: tuple[Outcome, ...] = (
    "already_linked",
    "link",
    "ambiguous",
    "conflict",
    "will_create",
    "not_in_entra",
)
Match = Literal["user_name", "email"]
BUILTIN_DIRECTORY = "WORKFLOWGEN"
_WILL_CREATE = "no match: Entra will create it"


@dataclass(slots=True)
class Record:
    """One input object (or one WorkflowGen object of the SCIM directory Entra ignores)."""

    kind: Literal["user", "group"]
    entra_id: str | None
    name: str
    workflowgen_id: str | None
    directory: str | None
    outcome: Outcome
    reason: str
    applied: bool | None = None


@dataclass(frozen=True, slots=True)
class Directories:
    scim: str
    sources: frozenset[str]

    def takes(self, directory: str) -> bool:
        return directory == self.scim or directory in self.sources


def default_sources(names: Iterable[str], scim: str) -> frozenset[str]:
    return frozenset(n for n in names if n not in (scim, BUILTIN_DIRECTORY))


def _fold(value: str | None) -> str:
    return (value or "").casefold()


def _same_id(a: str | None, b: str | None) -> bool:
    return _fold(a) == _fold(b)


def _decide(
    kind: Literal["user", "group"],
    entra_id: str,
    name: str,
    target: DirectoryUser | DirectoryGroup,
    dirs: Directories,
) -> Record:
    def record(outcome: Outcome, reason: str) -> Record:
        return Record(kind, entra_id, name, target.id, target.directory, outcome, reason)

    linked_to = target.external_id
    if linked_to and not _same_id(linked_to, entra_id):
        return record("conflict", f"system identifier already set to {linked_to!r}, another object")
    if target.directory == dirs.scim:
        if linked_to:
            return record("already_linked", f"in {dirs.scim}, system identifier set")
        return record("link", "set the system identifier")
    return record("link", f"move from {target.directory} and set the system identifier")


def plan_users(
    entra: Sequence[EntraUser],
    users: Sequence[DirectoryUser],
    dirs: Directories,
    match: Match,
    seen: set[str] | None = None,
) -> list[Record]:
    """`seen` collects every WorkflowGen id some Entra user matched, even ambiguously."""
    by_key: dict[str, list[DirectoryUser]] = defaultdict(list)
    by_name: dict[str, DirectoryUser] = {}
    for user in users:
        by_name[_fold(user.user_name)] = user
        key = user.user_name if match == "user_name" else user.email
        if key and dirs.takes(user.directory):
            by_key[_fold(key)].append(user)

    def key_of(entry: EntraUser) -> str:
        return _fold(entry.user_principal_name if match == "user_name" else entry.mail)

    candidates = {e.id: by_key.get(key_of(e), []) if key_of(e) else [] for e in entra}
    claims = Counter(c[0].id for c in candidates.values() if len(c) == 1)
    records: list[Record] = []
    for entry in entra:
        found = candidates[entry.id]
        if seen is not None:
            seen.update(u.id for u in found)
        upn = entry.user_principal_name
        if len(found) > 1:
            names = ", ".join(f"{u.user_name} ({u.directory})" for u in found)
            records.append(
                Record("user", entry.id, upn, None, None, "ambiguous", f"candidates: {names}")
            )
        elif found and claims[found[0].id] > 1:
            records.append(
                Record(
                    "user", entry.id, upn, found[0].id, found[0].directory, "ambiguous",
                    f"{found[0].user_name} is matched by {claims[found[0].id]} Entra users",
                )
            )  # fmt: skip
        elif found:
            record = _decide("user", entry.id, upn, found[0], dirs)
            if match == "email" and _fold(found[0].user_name) != _fold(upn):
                holder = by_name.get(_fold(upn))
                if holder is not None and holder.id != found[0].id:
                    record.outcome, record.workflowgen_id = "conflict", holder.id
                    record.directory = holder.directory
                    record.reason = (
                        f"userPrincipalName is the userName of another user ({holder.directory})"
                    )
                elif record.outcome != "conflict":
                    record.reason += (
                        f"; userName {found[0].user_name!r} differs from the userPrincipalName: "
                        "Entra must match on objectId (externalId)"
                    )
            records.append(record)
        else:
            holder = by_name.get(_fold(upn))
            if holder is None:
                reason = _WILL_CREATE
                if match == "email" and not entry.mail:
                    reason = "no e-mail in Entra to match on: Entra will create it"
                records.append(Record("user", entry.id, upn, None, None, "will_create", reason))
            else:
                records.append(
                    Record(
                        "user", entry.id, upn, holder.id, holder.directory, "conflict",
                        f"userName held by a user of {holder.directory}, a directory not to touch"
                        if not dirs.takes(holder.directory)
                        else "userName held by a user who does not match (other e-mail)",
                    )
                )  # fmt: skip
    return records


def plan_groups(
    entra: Sequence[EntraGroup],
    groups: Sequence[DirectoryGroup],
    dirs: Directories,
    seen: set[str] | None = None,
) -> list[Record]:
    by_name: dict[str, list[DirectoryGroup]] = defaultdict(list)
    for group in groups:
        if dirs.takes(group.directory):
            by_name[_fold(group.display_name)].append(group)
    claims = Counter(_fold(g.display_name) for g in entra)
    records: list[Record] = []
    for entry in entra:
        found = by_name.get(_fold(entry.display_name), [])
        if seen is not None:
            seen.update(g.id for g in found)
        name = entry.display_name
        if len(found) > 1:
            where = ", ".join(g.directory for g in found)
            records.append(
                Record("group", entry.id, name, None, None, "ambiguous", f"candidates in {where}")
            )
        elif found and claims[_fold(name)] > 1:
            records.append(
                Record(
                    "group", entry.id, name, found[0].id, found[0].directory, "ambiguous",
                    f"{claims[_fold(name)]} Entra groups have this displayName",
                )
            )  # fmt: skip
        elif found:
            records.append(_decide("group", entry.id, name, found[0], dirs))
        else:
            records.append(
                Record(
                    "group",
                    entry.id,
                    name,
                    None,
                    None,
                    "will_create",
                    "no match: Entra will create it",
                )
            )
    return records


def plan(
    export: EntraExport,
    users: Sequence[DirectoryUser],
    groups: Sequence[DirectoryGroup],
    dirs: Directories,
    match: Match,
) -> list[Record]:
    """One record per Entra object, then one per SCIM-directory object Entra does not know
    (an object some Entra object matched, even ambiguously, is known)."""
    known: set[str] = set()
    records = plan_users(export.users, users, dirs, match, known)
    records += plan_groups(export.groups, groups, dirs, known)
    known.update(r.workflowgen_id for r in records if r.workflowgen_id)
    reason = "in the SCIM directory, unknown to Entra: Entra will never touch it"
    records += [
        Record("user", None, u.user_name, u.id, u.directory, "not_in_entra", reason)
        for u in users
        if u.directory == dirs.scim and u.id not in known
    ]
    records += [
        Record("group", None, g.display_name, g.id, g.directory, "not_in_entra", reason)
        for g in groups
        if g.directory == dirs.scim and g.id not in known
    ]
    return records
