"""SCIM filters -> the equality lookups WorkflowGen can answer from its indexes.

Entra only uses `eq` joined by `and` (entra-dialect.md item 8). Each supported comparison
is pushed down to WorkflowGen's filter input; `manager eq` (users) has no upstream filter,
so it is checked on the few users an indexed equality selected. Anything else is a 400
invalidFilter naming what is not supported - never a 404, never a 500.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from ..records import GroupQuery, UserQuery, UserRecord
from .entra import MANAGER_PATHS
from .models import CORE_GROUP, CORE_USER

# Entra's docs show `externalId eq jyoung` (unquoted); the RFC grammar refuses it, so a
# bare word after `eq` is quoted before a second parse. JSON literals keep their meaning.
_BARE_WORD = re.compile(r'(?i)(\beq\s+)(?!(?:true|false|null)\b)([^\s"()\[\]]+)')


def parse_filter(text: str) -> FilterNode:
    try:
        return ScimFilter(text).ast
    except InvalidFilterException:
        lenient = _BARE_WORD.sub(lambda m: f'{m.group(1)}"{m.group(2)}"', text)
        if lenient == text:
            raise
        try:
            return ScimFilter(lenient).ast
        except InvalidFilterException:
            raise InvalidFilterException(detail=f"cannot parse filter: {text}") from None


def _equalities(node: FilterNode) -> Iterator[tuple[str, Any]]:
    """Flatten `a eq x and b eq y and c[d eq z]` into (attribute path, value) pairs."""
    if isinstance(node, LogicalExpr) and node.op is LogicalOperator.and_:
        for term in node.terms:
            yield from _equalities(term)
    elif isinstance(node, Comparison) and node.op is CompareOperator.eq:
        yield _name(node.attr_path), node.value
    elif isinstance(node, ValuePath):
        parent = _name(node.attr_path)
        for sub, value in _equalities(node.val_filter):
            yield f"{parent}.{sub}", value
    else:
        raise InvalidFilterException(
            detail=f"unsupported filter expression {str(node)!r}: only 'eq' comparisons "
            "joined by 'and' are supported"
        )


def _name(path: AttrPath) -> str:
    uri = (path.uri or "").lower()
    name = path.attr.lower() if not path.sub_attr else f"{path.attr}.{path.sub_attr}".lower()
    if uri in ("", CORE_USER.lower(), CORE_GROUP.lower()):
        return name
    return f"{uri}:{name}"


def _text(attribute: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidFilterException(detail=f"{attribute} compares with a string")
    return value


def _boolean(attribute: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidFilterException(detail=f"{attribute} compares with true or false")


class _Impossible(Exception):
    """Two equalities on one attribute disagree: nothing can match."""


def _merge(current: Any, new: Any, *, casefold: bool = True) -> Any:
    if current is None:
        return new
    same = current.lower() == new.lower() if casefold else current == new
    if not same:
        raise _Impossible
    return current


@dataclass(frozen=True)
class UserFilter:
    """A user filter: what WorkflowGen filters, and what we check on its answer."""

    query: UserQuery = field(default_factory=UserQuery)
    manager_id: str | None = None
    matches_nothing: bool = False

    @property
    def needs_check(self) -> bool:
        return self.manager_id is not None

    def accepts(self, record: UserRecord) -> bool:
        return self.manager_id is None or (
            record.manager is not None and record.manager.id == self.manager_id
        )


def user_filter(text: str | None) -> UserFilter:
    if not text or not text.strip():
        return UserFilter()
    result = UserFilter()
    try:
        for attribute, value in _equalities(parse_filter(text)):
            result = _add_user_equality(result, attribute, value)
    except _Impossible:
        return UserFilter(matches_nothing=True)
    if result.needs_check and not (
        result.query.ids or result.query.user_name or result.query.external_id
    ):
        # Checking manager on every user of a large directory would be a full scan.
        raise InvalidFilterException(
            detail="'manager eq' is supported together with 'id eq', 'userName eq' or "
            "'externalId eq'"
        )
    return result


def _add_user_equality(result: UserFilter, attribute: str, value: Any) -> UserFilter:
    q = result.query
    if attribute == "id":
        ids = (_text(attribute, value),)
        if q.ids is not None and q.ids != ids:
            raise _Impossible
        return replace(result, query=replace(q, ids=ids))
    if attribute == "username":
        return replace(
            result, query=replace(q, user_name=_merge(q.user_name, _text(attribute, value)))
        )
    if attribute == "externalid":
        return replace(
            result,
            query=replace(q, external_id=_merge(q.external_id, _text(attribute, value))),
        )
    if attribute in ("emails", "emails.value"):
        return replace(result, query=replace(q, email=_merge(q.email, _text(attribute, value))))
    if attribute == "emails.type":
        # WorkflowGen keeps the work address only.
        if _text(attribute, value).lower() != "work":
            raise _Impossible
        return result
    if attribute == "emails.primary":
        return result if _boolean(attribute, value) else _raise_impossible()
    if attribute == "active":
        active = _boolean(attribute, value)
        if q.active is not None and q.active != active:
            raise _Impossible
        return replace(result, query=replace(q, active=active))
    if attribute in MANAGER_PATHS:
        return replace(
            result,
            manager_id=_merge(result.manager_id, _text(attribute, value), casefold=False),
        )
    raise InvalidFilterException(detail=f"filtering users on {attribute!r} is not supported")


def _raise_impossible() -> UserFilter:
    raise _Impossible


@dataclass(frozen=True)
class GroupFilter:
    """A group filter: equalities WorkflowGen answers (id is a direct lookup)."""

    query: GroupQuery = field(default_factory=GroupQuery)
    matches_nothing: bool = False


def group_filter(text: str | None) -> GroupFilter:
    if not text or not text.strip():
        return GroupFilter()
    query = GroupQuery()
    try:
        for attribute, value in _equalities(parse_filter(text)):
            if attribute == "id":
                ids = (_text(attribute, value),)
                if query.ids is not None and query.ids != ids:
                    raise _Impossible
                query = replace(query, ids=ids)
            elif attribute == "displayname":
                query = replace(
                    query, display_name=_merge(query.display_name, _text(attribute, value))
                )
            elif attribute == "externalid":
                query = replace(
                    query, external_id=_merge(query.external_id, _text(attribute, value))
                )
            elif attribute in ("members", "members.value"):
                member = _text(attribute, value)
                if query.member_id is not None and query.member_id != member:
                    # WorkflowGen filters groups on one member at a time.
                    raise InvalidFilterException(
                        detail="only one 'members eq' is supported in a group filter"
                    )
                query = replace(query, member_id=member)
            else:
                raise InvalidFilterException(
                    detail=f"filtering groups on {attribute!r} is not supported"
                )
    except _Impossible:
        return GroupFilter(matches_nothing=True)
    return GroupFilter(query=query)
