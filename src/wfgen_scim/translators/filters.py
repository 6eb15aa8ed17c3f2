"""SCIM filters -> the equality lookups WorkflowGen can answer from its indexes.

Entra only uses `eq` joined by `and` (docs/entra-dialect.md, item 8). The attributes a
filter may name are the filterable rows of the attribute tables; each comparison is
pushed down to WorkflowGen's filter input. A reference (`manager eq`) has no upstream
filter, so it is checked on the few users an indexed equality selected. Anything else is
a 400 invalidFilter naming what is not supported - never a 404, never a 500.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
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

from ..records import Query, UserRecord
from .attributes import CORE_GROUP, CORE_USER, GROUPS, USERS, Kind, Table
from .entra import reference_paths

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


@dataclass(frozen=True)
class _Target:
    """What a filter path names: a stored attribute, or a condition on its entry."""

    name: str  # the proxy's attribute name ("ids" for id)
    kind: Kind = Kind.STRING
    requires: Any = None  # a `type eq`/`primary eq` on the entry: the value it must have
    in_memory: bool = False  # no upstream filter: checked on the candidates


@cache
def _targets(table: Table) -> Mapping[str, _Target]:
    """Every lower-case filter path of a table's filterable rows."""
    targets: dict[str, _Target] = {"id": _Target("ids")}
    for row in table.attributes:
        if not row.filterable:
            continue
        if row.kind is Kind.REFERENCE:
            for path in reference_paths(row):
                targets[path] = _Target(row.name, in_memory=True)
            continue
        loc = table.location(row)
        base = loc.attribute.lower()
        if loc.type is not None:
            targets[f"{base}.{(loc.sub or 'value').lower()}"] = _Target(row.name)
            if (loc.sub or "value") == "value":
                targets[base] = _Target(row.name)
            targets[f"{base}.type"] = _Target(row.name, requires=loc.type.lower())
            if row.primary:
                targets[f"{base}.primary"] = _Target(row.name, kind=Kind.BOOLEAN, requires=True)
        elif loc.sub is not None:
            targets[f"{base}.{loc.sub.lower()}"] = _Target(row.name, row.kind)
        else:
            targets[base] = _Target(row.name, row.kind)
    relation = table.relation
    if relation.filter_name:
        targets[relation.attribute.lower()] = _Target(relation.filter_name)
        targets[f"{relation.attribute.lower()}.value"] = _Target(relation.filter_name)
    return targets


def _merge(current: Any, new: Any, *, casefold: bool) -> Any:
    if current is None:
        return new
    same = current.lower() == new.lower() if casefold else current == new
    if not same:
        raise _Impossible
    return current


@dataclass(frozen=True)
class Filter:
    """A filter: what WorkflowGen filters, and what we check on its answer."""

    query: Query = field(default_factory=Query)
    checks: Mapping[str, str] = field(default_factory=dict)  # reference name -> id
    matches_nothing: bool = False

    @property
    def needs_check(self) -> bool:
        return bool(self.checks)

    def accepts(self, record: UserRecord) -> bool:
        for name, wanted in self.checks.items():
            ref = record.references.get(name)
            if ref is None or ref.id != wanted:
                return False
        return True


def parse(table: Table, text: str | None) -> Filter:
    """A SCIM filter on `table`'s resources, as lookups WorkflowGen can answer."""
    if not text or not text.strip():
        return Filter()
    targets = _targets(table)
    ids: tuple[str, ...] | None = None
    equals: dict[str, str | bool] = {}
    checks: dict[str, str] = {}
    try:
        for attribute, value in _equalities(parse_filter(text)):
            target = targets.get(attribute)
            if target is None:
                raise InvalidFilterException(
                    detail=f"filtering {table.endpoint.lower()} on {attribute!r} is not supported"
                )
            if target.name == "ids":
                found = (_text(attribute, value),)
                if ids is not None and ids != found:
                    raise _Impossible
                ids = found
            elif target.requires is not None:
                given = (
                    _boolean(attribute, value)
                    if target.kind is Kind.BOOLEAN
                    else (_text(attribute, value).lower())
                )
                if given != target.requires:
                    raise _Impossible  # WorkflowGen keeps only that entry
            elif target.in_memory:
                checks[target.name] = _merge(
                    checks.get(target.name), _text(attribute, value), casefold=False
                )
            elif target.kind is Kind.BOOLEAN:
                flag = _boolean(attribute, value)
                if equals.get(target.name, flag) != flag:
                    raise _Impossible
                equals[target.name] = flag
            else:
                _equal_text(table, target.name, attribute, value, equals)
    except _Impossible:
        return Filter(matches_nothing=True)
    if checks and ids is None and not any(isinstance(v, str) for v in equals.values()):
        # Checking a reference on every user of a large directory would be a full scan.
        raise InvalidFilterException(
            detail="'manager eq' is supported together with 'id eq', 'userName eq', "
            "'externalId eq' or an e-mail equality"
        )
    return Filter(query=Query(ids=ids, equals=equals), checks=checks)


def _equal_text(
    table: Table, name: str, attribute: str, value: Any, equals: dict[str, str | bool]
) -> None:
    text = _text(attribute, value)
    relation = table.relation
    if name == relation.filter_name:
        if name in equals and equals[name] != text:
            # WorkflowGen filters on one related object at a time.
            raise InvalidFilterException(
                detail=f"only one '{relation.attribute} eq' is supported in a "
                f"{table.resource.lower()} filter"
            )
        equals[name] = text
        return
    # WorkflowGen compares strings case-insensitively, so two spellings are one condition.
    equals[name] = _merge(equals.get(name), text, casefold=True)


def user_filter(text: str | None) -> Filter:
    return parse(USERS, text)


def group_filter(text: str | None) -> Filter:
    return parse(GROUPS, text)
