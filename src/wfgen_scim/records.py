"""The proxy's own vocabulary for users and groups: plain, typed, WorkflowGen-neutral.

Attribute names (`user_name`, `display_name`, `manager_id`...) are the ones of the
attribute tables in translators/attributes.py; the operation documents under
graphql/documents/ bind each of them to a WorkflowGen field.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

Value = str | bool | None
# Attribute name -> value. In a change, a present key is written and None clears it.
Profile = dict[str, Value]


@dataclass(frozen=True, slots=True)
class Ref:
    """A pointer to another object, with the name it is displayed under."""

    id: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class UserRecord:
    """One WorkflowGen user of the proxy's directory.

    `references` holds the referenced users Entra may see (the manager), by attribute
    name; a reference outside the directory is in `profile` (what WorkflowGen stores) but
    not here.
    """

    id: str
    profile: Profile
    references: Mapping[str, Ref] = field(default_factory=dict)
    groups: tuple[Ref, ...] | None = None
    created: str | None = None
    last_modified: str | None = None

    @property
    def user_name(self) -> str:
        return str(self.profile["user_name"])


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """One WorkflowGen group of the proxy's directory; members only when asked for."""

    id: str
    profile: Profile
    members: tuple[Ref, ...] | None = None
    created: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Query:
    """Equality lookups WorkflowGen answers from its indexes, combined with AND.

    `equals` is keyed by attribute name (strings compare case-insensitively upstream).
    """

    ids: tuple[str, ...] | None = None
    equals: Mapping[str, str | bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageWindow:
    """Which slice of a result list to fetch: SCIM's 1-based startIndex and count."""

    start_index: int = 1
    count: int = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A slice of results and the size of the whole list."""

    total: int
    items: list[T] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MemberCheck:
    """Before a membership change: the group (None if it is not ours) and which of the
    given user ids are users of our directory."""

    group: GroupRecord | None
    users: dict[str, Ref]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The attribute names the translators read and write, which the operation documents
    must bind (checked at start and by `wfgen-scim check`)."""

    user_attributes: frozenset[str]
    user_filters: frozenset[str]
    group_attributes: frozenset[str]
    group_filters: frozenset[str]
