"""The proxy's own vocabulary for users and groups: plain, typed, WorkflowGen-neutral.

Attribute names here are ours (the SCIM-facing vocabulary); mapping.py alone knows which
WorkflowGen field each one is stored in.
"""

from dataclasses import dataclass, field
from typing import Generic, TypedDict, TypeVar

T = TypeVar("T")


class UserProfile(TypedDict, total=False):
    """Writable user attributes. A key that is present is written; None clears it."""

    user_name: str
    active: bool
    external_id: str | None
    display_name: str | None
    given_name: str | None
    family_name: str | None
    title: str | None
    email: str | None
    work_phone: str | None
    mobile_phone: str | None
    fax: str | None
    street_address: str | None
    postal_code: str | None
    office: str | None
    department: str | None
    employee_number: str | None
    manager_id: str | None


@dataclass(frozen=True, slots=True)
class Ref:
    """A pointer to another object, with the name it is displayed under."""

    id: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class UserRecord:
    """One WorkflowGen user of the proxy's directory."""

    id: str
    profile: UserProfile
    manager: Ref | None = None
    groups: tuple[Ref, ...] | None = None
    created: str | None = None
    last_modified: str | None = None

    @property
    def user_name(self) -> str:
        return self.profile["user_name"]


class GroupProfile(TypedDict, total=False):
    """Writable group attributes. A key that is present is written; None clears it."""

    display_name: str
    external_id: str | None


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """One WorkflowGen group of the proxy's directory; members only when asked for."""

    id: str
    profile: GroupProfile
    members: tuple[Ref, ...] | None = None
    created: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class UserQuery:
    """Equality lookups WorkflowGen can answer from its indexes, combined with AND."""

    ids: tuple[str, ...] | None = None
    user_name: str | None = None
    external_id: str | None = None
    email: str | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class GroupQuery:
    """Equality lookups on groups, combined with AND."""

    ids: tuple[str, ...] | None = None
    display_name: str | None = None
    external_id: str | None = None
    member_id: str | None = None


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
