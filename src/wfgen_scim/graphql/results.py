"""The shapes the proxy reads from WorkflowGen's answers, in the proxy's vocabulary.

Hand-written pydantic models rather than code generated from the documents: the documents
in use are only known at start (an administrator may replace them, see operations.py), so
generated classes would describe the packaged ones. Validating each answer at this
boundary turns an edited document that forgot an alias into one clear error naming the
document, instead of a KeyError somewhere above.

A user's stored attributes are not listed here: every output alias that is not one of the
structural names below is an attribute (the attribute table in translators/ names them),
so adding one takes a document field and a table row, not a change here.
"""

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import UpstreamMisconfigured


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DirectoryRef(_Shape):
    id: str
    name: str | None = None


class UserRefWire(_Shape):
    """Another user, as a manager or a member: who it is and whether it is ours."""

    id: str
    display_name: str | None = None
    user_name: str | None = None
    status: str | None = None
    directory: DirectoryRef | None = None


class GroupRefWire(_Shape):
    id: str
    display_name: str | None = None


class GroupRefPage(_Shape):
    items: list[GroupRefWire]


# Structural outputs of a user; every other output alias is a stored attribute.
USER_STRUCTURE = frozenset({"id", "status", "directory", "groups", "created", "last_modified"})


class UserWire(BaseModel):
    """A user. Attributes arrive as extra fields named after the proxy's attributes."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    status: str | None = None
    directory: DirectoryRef | None = None
    groups: GroupRefPage | None = None
    created: str | None = None
    last_modified: str | None = None

    def attributes(self) -> dict[str, Any]:
        """Stored attributes by name; a reference `x` (an object) becomes `x_id`."""
        values: dict[str, Any] = {}
        for name, value in (self.model_extra or {}).items():
            if isinstance(value, dict):
                values[f"{name}_id"] = value.get("id")
            else:
                values[name] = value
        return values

    def references(self) -> dict[str, UserRefWire]:
        """Referenced users by attribute name (`manager_id`), as WorkflowGen gave them."""
        return {
            f"{name}_id": UserRefWire.model_validate(value)
            for name, value in (self.model_extra or {}).items()
            if isinstance(value, dict)
        }


class MemberPage(_Shape):
    total: int
    has_next: bool
    items: list[UserRefWire]


class GroupWire(BaseModel):
    """A group. Attributes other than the structural ones arrive as extra fields."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    directory: DirectoryRef | None = None
    members: MemberPage | None = None
    created: str | None = None
    last_modified: str | None = None

    def attributes(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class UserPage(_Shape):
    total: int
    has_next: bool
    items: list[UserWire]


class GroupPage(_Shape):
    total: int
    has_next: bool
    items: list[GroupWire]


class UserRefPage(_Shape):
    total: int = 0
    has_next: bool = False
    items: list[UserRefWire]


class UsersResult(_Shape):
    page: UserPage


class UserRefsResult(_Shape):
    page: UserRefPage


class GroupsResult(_Shape):
    page: GroupPage


class GroupResult(_Shape):
    result: GroupWire | None


class GroupAndUsersResult(_Shape):
    group: GroupWire | None
    page: UserRefPage


class UserPayload(_Shape):
    user: UserWire


class UserMutationResult(_Shape):
    result: UserPayload


class GroupPayload(_Shape):
    group: GroupWire


class GroupMutationResult(_Shape):
    result: GroupPayload


class Acknowledged(_Shape):
    """An answer whose content is not read (a delete, a membership change): success is
    the absence of an error."""

    result: Any = None


class DirectoryResult(_Shape):
    result: DirectoryRef | None


class ViewerWire(_Shape):
    id: str
    user_name: str | None = None


class ViewerResult(_Shape):
    result: ViewerWire | None


S = TypeVar("S", bound=BaseModel)


def read(shape: type[S], data: dict[str, Any], operation: str) -> S:
    """An answer's `data` as `shape`, or a clear error naming the document to fix."""
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise UpstreamMisconfigured(
            f"the answer to {operation} lacks what the proxy reads ({where}: {first['msg']}); "
            f"check the aliases in {operation}.graphql and fragments.graphql",
            operation=operation,
        ) from None
