"""Records <-> SCIM resources, row by row of an attribute table.

`render` writes the SCIM JSON of a record; `extract` reads the stored values back out of
a validated scim2-models resource (a POST/PUT body, or a resource after a PATCH). Both
walk the same table, so what is shown and what is kept cannot drift apart.

Rendering writes plain dicts instead of building scim2-models objects: it is the hot path
of every response, and validating then dumping a scim2-models User costs about 0.3 ms,
some 50 times more (bench/README.md). tests/unit/test_resources.py checks that
scim2-models reads back exactly what we render.
"""

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scim2_models import InvalidValueException

from ..records import Profile, Ref, Value
from .attributes import Attribute, Fallback, Kind, Table
from .models import Models, snake


def render(
    table: Table,
    *,
    record_id: str,
    profile: Mapping[str, Value],
    references: Mapping[str, Ref],
    related: Sequence[Ref] | None,
    created: str | None,
    last_modified: str | None,
    base_url: str,
) -> dict[str, Any]:
    """The SCIM representation: no nulls, references always objects (docs/entra-dialect.md,
    item 9)."""
    resource: dict[str, Any] = {"schemas": [table.schema], "id": record_id}
    for row in table.attributes:
        value = _rendered_value(row, profile, references, base_url)
        if value is None:
            continue
        loc = table.location(row)
        if loc.schema == table.schema:
            container = resource
        else:
            if loc.schema not in resource:
                resource["schemas"].append(loc.schema)
            container = resource.setdefault(loc.schema, {})
        if loc.type is not None:
            entries: list[dict[str, Any]] = container.setdefault(loc.attribute, [])
            entry = next((e for e in entries if e["type"] == loc.type), None)
            if entry is None:
                entry = {"type": loc.type}
                entries.append(entry)
            entry[loc.sub or "value"] = value
            if row.primary:
                entry["primary"] = True
        elif loc.sub is not None:
            container.setdefault(loc.attribute, {})[loc.sub] = value
        else:
            container[loc.attribute] = value
    relation = table.relation
    if related or (related is not None and relation.shown_when_empty):
        resource[relation.attribute] = [
            {
                "value": ref.id,
                "$ref": f"{base_url}/{relation.endpoint}/{ref.id}",
                **({"display": ref.display} if ref.display else {}),
                "type": relation.type_value,
            }
            for ref in related
        ]
    meta = {
        "resourceType": table.resource,
        "created": created,
        "lastModified": last_modified,
        "location": f"{base_url}/{table.endpoint}/{record_id}",
    }
    resource["meta"] = {k: v for k, v in meta.items() if v}
    return resource


def _rendered_value(
    row: Attribute, profile: Mapping[str, Value], references: Mapping[str, Ref], base_url: str
) -> Any:
    if row.kind is Kind.REFERENCE:
        ref = references.get(row.name)
        if ref is None:
            return None
        shown = {"value": ref.id, "$ref": f"{base_url}/Users/{ref.id}"}
        if ref.display:
            shown["displayName"] = ref.display
        return shown
    value = profile.get(row.name)
    if row.kind is Kind.BOOLEAN:
        return bool(value)
    return value if value not in (None, "") else None


def extract(table: Table, models: Models, resource: Any, *, latest_wins: bool) -> Profile:
    """Every stored value of a validated scim2-models resource.

    WorkflowGen keeps one value of each typed entry (work e-mail, mobile phone...). From a
    POST or PUT we keep the entry marked primary; after a PATCH, the latest one of the
    type (an `add` appends, and the stored value is always shown as primary, so
    "primary" would always keep the old one).
    """
    profile: Profile = {}
    for row in table.attributes:
        loc = table.location(row)
        container = resource
        if loc.schema != table.schema:
            container = resource[models.extensions[loc.schema]]
        value: Any = None
        if container is not None:
            value = getattr(container, snake(loc.attribute), None)
        if loc.type is not None:
            value = _pick(value, loc.type, row.fallback, latest_wins)
        if loc.sub is not None and value is not None:
            value = getattr(value, snake(loc.sub), None)
        if row.kind is Kind.REFERENCE and value is not None:
            value = value.value
        if row.kind is Kind.BOOLEAN and value is None:
            continue  # not sent: WorkflowGen's default (a new user is active) applies
        profile[row.name] = value
    for row in table.attributes:
        if row.required:
            value = profile.get(row.name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidValueException(detail=f"{row.path} must not be empty")
    _refuse_unstorable_entries(table, models, resource, latest_wins)
    return profile


def _pick(entries: Iterable[Any] | None, kind: str, fallback: Fallback, latest_wins: bool) -> Any:
    """The entry WorkflowGen keeps for `kind`: among those of that type (or, as the row's
    fallback allows when there are none, those without a type, or any), the primary one,
    or the latest one after a PATCH."""
    if not entries:
        return None
    listed = list(entries)
    typed = [e for e in listed if (e.type or "").lower() == kind]
    if not typed and fallback is not Fallback.NONE:
        typed = [e for e in listed if not e.type]
    if not typed and fallback is Fallback.ANY:
        typed = listed
    if not typed:
        return None
    primary = [e for e in typed if e.primary]
    return primary[-1] if primary and not latest_wins else typed[-1]


def _refuse_unstorable_entries(table: Table, models: Models, resource: Any, latest: bool) -> None:
    """No silent drop: an entry whose type WorkflowGen has no place for is refused, naming
    the types that can be stored - unless the attribute keeps one entry of any type by a
    documented rule (the e-mail: work, else primary, else first; docs/entra-dialect.md)."""
    groups: dict[str, list[Attribute]] = {}
    for row in table.attributes:
        loc = table.location(row)
        if loc.type is not None and loc.schema == table.schema:
            groups.setdefault(loc.attribute, []).append(row)
    for attribute, rows in groups.items():
        if any(r.fallback is Fallback.ANY for r in rows):
            continue  # one of them is kept by the row's documented rule (the e-mail)
        entries = list(getattr(resource, snake(attribute), None) or [])
        types = list(dict.fromkeys(str(table.location(r).type) for r in rows))
        kept = {id(_pick(entries, str(table.location(r).type), r.fallback, latest)) for r in rows}
        for entry in entries:
            kind = (entry.type or "").lower()
            if kind and kind not in types and id(entry) not in kept:
                raise InvalidValueException(
                    detail=f"{attribute} of type {entry.type!r} cannot be stored: WorkflowGen "
                    f"keeps {', '.join(types)}"
                )


def check_lengths(table: Table, values: Mapping[str, Value]) -> None:
    """Refuse a value WorkflowGen should not store, naming its SCIM attribute: longer than
    its row allows, holding a NUL, or - for an identifier (userName, a group's name) -
    outer spaces or control and format characters (bidi overrides, zero-width...), which
    would make two names that look the same.

    Only what a request writes is held to the rules: a too-long value WorkflowGen already
    stores must not block, say, disabling the user.
    """
    for name, value in values.items():
        row = table.by_name.get(name)
        if not isinstance(value, str) or row is None:
            continue
        limit = row.max_length
        if limit is not None and len(value) > limit:
            raise InvalidValueException(
                detail=f"{table.scim_name(name)} is longer than {limit} characters"
            )
        if "\x00" in value:
            raise InvalidValueException(detail=f"{row.path} must not contain NUL characters")
        if row.identifier:
            if value != value.strip():
                raise InvalidValueException(detail=f"{row.path} must not start or end with spaces")
            if any(unicodedata.category(c) in _INVISIBLE for c in value):
                raise InvalidValueException(
                    detail=f"{row.path} must not contain control or format characters"
                )


# Unicode categories of characters that print as nothing or reorder text: control,
# format (bidi overrides, zero-width joiners), line and paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def changed_fields(old: Mapping[str, Value], new: Mapping[str, Value]) -> Profile:
    """Fields of `new` whose value differs from `old` ("" and missing count as empty)."""
    changes: Profile = {}
    for key, value in new.items():
        if _blank(value) != _blank(old.get(key)):
            changes[key] = _blank(value)
    return changes


def _blank(value: Value) -> Value:
    return None if value == "" else value
