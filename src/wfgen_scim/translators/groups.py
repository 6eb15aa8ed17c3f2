"""SCIM Group <-> WorkflowGen group, and group PATCH -> membership deltas.

A PATCH becomes "these members join, these leave" plus any attribute change; the member
list is never read, edited and written back. Entra's two removal dialects
(docs/entra-dialect.md, item 5) both land here: `Remove` of `members` with a value list
removes only those, and `members[value eq "id"]` removes that one; `remove` of `members`
with neither removes all.
"""

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scim2_models import (
    Context,
    InvalidPathException,
    InvalidSyntaxException,
    InvalidValueException,
    MutabilityException,
)
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from ..records import GroupRecord, Profile, Ref
from .attributes import GROUPS
from .entra import normalize_resource, patch_operations
from .filters import parse_filter
from .models import ENTRA_POLICY, GROUP_MODELS
from .resources import check_lengths, extract, render
from .scim_errors import scim_validated

_MEMBERS = GROUPS.relation.attribute


def to_scim_group(record: GroupRecord, base_url: str) -> dict[str, Any]:
    """The SCIM representation of a group; `members` only when they were fetched."""
    return render(
        GROUPS,
        record_id=record.id,
        profile=record.profile,
        references={},
        related=record.members,
        created=record.created,
        last_modified=record.last_modified,
        base_url=base_url,
    )


@dataclass(frozen=True)
class GroupBody:
    """A POST or PUT body: the group's fields and its complete member list."""

    profile: Profile
    member_ids: tuple[str, ...]


def group_body(payload: Any, *, replacement: bool) -> GroupBody:
    body = normalize_resource(payload, GROUPS.schema)
    members = next((v for k, v in body.items() if k.lower() == _MEMBERS), None)
    if members is not None:
        body = {k: v for k, v in body.items() if k.lower() != _MEMBERS}
        body[_MEMBERS] = [{"value": v} if isinstance(v, str) else v for v in _as_list(members)]
    context = (
        Context.RESOURCE_REPLACEMENT_REQUEST if replacement else Context.RESOURCE_CREATION_REQUEST
    )
    with ENTRA_POLICY:
        group = scim_validated(lambda: GROUP_MODELS.full.model_validate(body, scim_ctx=context))
    profile = extract(GROUPS, GROUP_MODELS, group, latest_wins=False)
    check_lengths(GROUPS, profile)
    profile = {k: (None if v == "" else v) for k, v in profile.items()}
    ids: list[str] = []
    for member in getattr(group, _MEMBERS) or []:
        if not member.value:
            raise InvalidValueException(detail="every member needs a 'value': the id of a user")
        ids.append(member.value)
    return GroupBody(profile=profile, member_ids=tuple(dict.fromkeys(ids)))


@dataclass
class GroupPatch:
    """What a group PATCH does, in order-independent form."""

    profile: Profile = field(default_factory=dict)
    add: dict[str, None] = field(default_factory=dict)  # ordered sets
    remove: dict[str, None] = field(default_factory=dict)
    remove_all: bool = False
    replace_members: dict[str, None] | None = None

    @property
    def needs_current_members(self) -> bool:
        """Only "remove all" and "replace the list" need to know who is in the group."""
        return self.remove_all or self.replace_members is not None

    @property
    def joining(self) -> tuple[str, ...]:
        """Ids that must be users of the directory (validated before anything is applied)."""
        wanted = dict(self.replace_members or {})
        wanted.update(self.add)
        return tuple(wanted)

    @property
    def mentioned(self) -> tuple[str, ...]:
        return tuple({**dict.fromkeys(self.joining), **self.remove})

    def delta(self, current: Iterable[str]) -> tuple[list[str], list[str]]:
        """(ids to add, ids to remove) given the current members, if they were needed."""
        if not self.needs_current_members:
            return list(self.add), list(self.remove)
        members = set(current)
        target = set() if self.replace_members is None else set(self.replace_members)
        target = (target | set(self.add)) - set(self.remove)
        ordered = [*(self.replace_members or {}), *self.add]
        to_add = [i for i in dict.fromkeys(ordered) if i in target and i not in members]
        to_remove = sorted(members - target)
        return to_add, to_remove

    def _add(self, ids: Iterable[str]) -> None:
        for i in ids:
            self.add[i] = None
            self.remove.pop(i, None)

    def _remove(self, ids: Iterable[str]) -> None:
        for i in ids:
            self.remove[i] = None
            self.add.pop(i, None)

    def _clear(self) -> None:
        self.add.clear()
        self.remove.clear()
        self.remove_all = True
        self.replace_members = None

    def _replace(self, ids: Iterable[str]) -> None:
        self.add.clear()
        self.remove.clear()
        self.remove_all = False
        self.replace_members = dict.fromkeys(ids)


def parse_group_patch(payload: Any, max_operations: int = 1000) -> GroupPatch:
    """Fold a PATCH's operations, in order, into one GroupPatch. Pure: no lookups."""
    patch = GroupPatch()
    for op, path, value, has_value in patch_operations(payload, max_operations):
        if path is None:
            if op == "remove":
                raise InvalidSyntaxException(detail="remove needs a path")
            if not isinstance(value, Mapping):
                raise InvalidSyntaxException(detail=f"{op} without a path needs an object value")
            for key, item in value.items():
                _apply(patch, op, key, item, has_value=True)
        else:
            _apply(patch, op, path, value, has_value=has_value)
    return patch


def _apply(patch: GroupPatch, op: str, path: str, value: Any, *, has_value: bool) -> None:
    if op not in ("add", "replace", "remove"):
        raise InvalidValueException(detail=f"{op!r} is not a PATCH operation")
    name, selected = _target(path)
    if name == _MEMBERS:
        _apply_members(patch, op, value, selected, has_value=has_value)
        return
    row = _ROWS.get(name)
    if row is None:
        # Anything else (description, Entra's own attributes...) WorkflowGen cannot keep:
        # accepted and ignored, as Entra expects (docs/entra-dialect.md, item 11).
        return
    if selected is not None:
        raise InvalidPathException(detail=f"{row.path} has no sub-attributes")
    if row.required and op == "remove":
        raise MutabilityException(detail=f"{row.path} is required and cannot be removed")
    if row.required and (not isinstance(value, str) or not value.strip()):
        raise InvalidValueException(detail=f"{row.path} must be a non-empty string")
    if op == "remove" or value in (None, ""):
        patch.profile[row.name] = None
    elif isinstance(value, str):
        check_lengths(GROUPS, {row.name: value})
        patch.profile[row.name] = value
    else:
        raise InvalidValueException(detail=f"{row.path} must be a string")


_ROWS = {
    GROUPS.location(row).attribute.lower(): row
    for row in GROUPS.attributes
    if GROUPS.location(row).sub is None
}


def _apply_members(
    patch: GroupPatch, op: str, value: Any, selected: tuple[str, ...] | None, *, has_value: bool
) -> None:
    if selected is not None:
        if op != "remove":
            raise InvalidPathException(detail="add/replace of members takes a plain 'members'")
        patch._remove(selected)
    elif op == "remove":
        if not has_value:
            patch._clear()  # RFC 7644 3.5.2.2: no value, no filter: all of them
        elif value not in (None, [], ""):
            patch._remove(_member_ids(value))  # Entra's default dialect: only these
        # An empty or null value names nobody: removing nobody must not empty the group.
    elif op == "add":
        patch._add(_member_ids(value))
    else:
        patch._replace(_member_ids(value))


def _target(path: str) -> tuple[str, tuple[str, ...] | None]:
    """The attribute a path names (lower case), and the member ids a filter selects."""
    text = path.strip()
    if text.lower().startswith(GROUPS.schema.lower() + ":"):
        text = text[len(GROUPS.schema) + 1 :]
    if "[" not in text:
        return text.split(".", 1)[0].lower(), None
    node = parse_filter(text) if text.endswith("]") else None
    if not isinstance(node, ValuePath) or node.attr_path.attr.lower() != _MEMBERS:
        raise InvalidPathException(detail=f"unsupported PATCH path {path!r}")
    return _MEMBERS, tuple(_selected_values(node))


def _selected_values(node: ValuePath) -> Iterable[str]:
    """`value eq "a"` or `value eq "a" or value eq "b"` inside members[...]."""
    terms = (
        node.val_filter.terms
        if isinstance(node.val_filter, LogicalExpr) and node.val_filter.op is LogicalOperator.or_
        else (node.val_filter,)
    )
    for term in terms:
        if not (
            isinstance(term, Comparison)
            and term.op is CompareOperator.eq
            and _is_value(term.attr_path)
            and isinstance(term.value, str)
        ):
            raise InvalidPathException(detail='members filters look like members[value eq "id"]')
        yield term.value


def _is_value(path: AttrPath) -> bool:
    return path.attr.lower() == "value" and path.sub_attr is None


def _member_ids(value: Any) -> list[str]:
    ids = []
    for item in _as_list(value):
        member = item.get("value") if isinstance(item, Mapping) else item
        if not isinstance(member, str) or not member:
            raise InvalidValueException(detail="every member needs a 'value': the id of a user")
        ids.append(member)
    return ids


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


# How many unknown member ids an error message lists before it just counts them.
_NAMED_IN_ERRORS = 20


def refuse_strangers(wanted: Iterable[str], users: Container[str]) -> None:
    """Members must be users of the directory: name those that are not (nothing applies)."""
    strangers = [i for i in wanted if i not in users]
    if strangers:
        named = ", ".join(repr(i) for i in strangers[:_NAMED_IN_ERRORS])
        more = len(strangers) - _NAMED_IN_ERRORS
        suffix = f" and {more} more" if more > 0 else ""
        raise InvalidValueException(detail=f"not users of this directory: {named}{suffix}")


def membership_delta(
    patch: GroupPatch, users: Container[str], current: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """(ids to add, ids to remove) for a PATCH, given which of the ids it names are users
    of the directory (the gateway decides that) and, when the PATCH needs them, the current
    members. Joining strangers are refused; removing one is a no-op (docs/entra-dialect.md,
    item 6)."""
    refuse_strangers(patch.joining, users)
    members = tuple(current)
    to_add, to_remove = patch.delta(members)
    held = set(members)
    return to_add, [i for i in to_remove if i in users or i in held]


def members_of(ids: Iterable[str], users: Mapping[str, Ref]) -> tuple[Ref, ...]:
    """A POST/PUT member list, checked: every id must be a user of the directory."""
    listed = tuple(ids)
    refuse_strangers(listed, users)
    return tuple(users[i] for i in listed)
