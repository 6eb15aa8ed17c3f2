"""Entra's dialect, rewritten into plain RFC 7644 before scim2-models reads it.

scim2-models' policy already covers capitalised ops, boolean strings, path-less values with
dotted or URN keys, value-path upserts and value-as-filter removal. What remains is here
(items of docs/entra-dialect.md):
- a reference (the manager) arrives as a string, {"value": id}, [{"$ref", "value"}], or
  "" / {"value": ""} / null meaning "clear it", on the path `manager` or the full
  enterprise URN, or inside an operation on the extension itself (item 9);
- roles (item 10): WorkflowGen has nowhere to keep them, so every roles operation and
  attribute is dropped explicitly - including Entra's JSON-in-a-string values, which are
  therefore never parsed and can never fail a request;
- "" or null as an add/replace value means "clear the attribute" (Entra's null-update test);
- client-sent meta and unknown schema URNs are dropped; a body without `schemas` is read as
  the resource it was posted to.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from scim2_models import (
    InvalidSyntaxException,
    InvalidValueException,
    MutabilityException,
    PayloadTooLargeException,
)

from .attributes import USERS, Attribute

_DROPPED_KEYS = frozenset({"roles", "meta"})
_EXTENSIONS = frozenset(urn.lower() for urn in USERS.extensions)


def reference_paths(row: Attribute) -> frozenset[str]:
    """Every lower-case path Entra may name a reference by: `manager`, `manager.value`,
    and the same qualified with the extension URN."""
    loc = USERS.location(row)
    short = loc.attribute.lower()
    full = f"{loc.schema}:{loc.attribute}".lower()
    return frozenset({short, f"{short}.value", full, f"{full}.value"})


def is_reference_path(path: object, row: Attribute) -> bool:
    """`manager`, its URN form, `.value`, or a `[value eq ...]` selection of it."""
    return isinstance(path, str) and path.lower().split("[", 1)[0] in reference_paths(row)


def _reference_row(path: str) -> Attribute | None:
    return next((row for row in USERS.references() if is_reference_path(path, row)), None)


# Attributes that must always hold a value (`active`, `userName`), by lower-case path.
_UNCLEARABLE = {
    name: row
    for row in USERS.attributes
    if not row.clearable
    for name in (row.path.lower(), f"{USERS.schema}:{row.path}".lower())
}


def _is_dropped(path: str) -> bool:
    head = path.split("[", 1)[0].split(".", 1)[0].lower()
    return head in _DROPPED_KEYS


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def reference_id(value: Any) -> str | None:
    """The referenced id in any shape Entra sends it; None means "no reference"."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        # `value` is the id; a `$ref` alone still names the user, in its last segment.
        reference = value.get("$ref")
        value = value.get("value") or (
            reference.rstrip("/").rsplit("/", 1)[-1] if isinstance(reference, str) else None
        )
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidValueException(detail="manager must be a user id, or an object with 'value'")
    return value


def _reference_value(value: Any) -> dict[str, str] | None:
    found = reference_id(value)
    return None if found is None else {"value": found}


def normalize_resource(payload: Any, schema: str) -> dict[str, Any]:
    """A POST/PUT body, with Entra's manager shapes, roles, nulls and meta settled."""
    if not isinstance(payload, Mapping):
        raise InvalidSyntaxException(detail="the request body must be a JSON object")
    body = {k: v for k, v in payload.items() if v is not None and k.lower() not in _DROPPED_KEYS}
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or not schemas:
        body["schemas"] = [schema]
    for key in list(body):
        if key.lower() in _EXTENSIONS and isinstance(body[key], Mapping):
            extension = {k: v for k, v in body[key].items() if v is not None}
            for ext_key in list(extension):
                row = _reference_row(f"{key}:{ext_key}")
                if row is not None:
                    value = _reference_value(extension.pop(ext_key))
                    if value is not None:
                        extension[USERS.location(row).attribute] = value
            body[key] = extension
    return body


def normalize_patch(payload: Any, max_operations: int) -> list[dict[str, Any]]:
    """The operations of a PatchOp body, each in a form scim2-models reads as Entra means it.

    The list may come out empty (a request only about roles): that is a success with
    nothing to change. A body with no operations at all is refused, as RFC 7644 asks.
    """
    normalized: list[dict[str, Any]] = []
    for op, path, value, has_value in patch_operations(payload, max_operations):
        normalized.extend(_normalize_operation(op, path, value, has_value))
    return normalized


def patch_operations(
    payload: Any, max_operations: int
) -> Iterator[tuple[str, str | None, Any, bool]]:
    """(op in lower case, path or None, value, whether a value was sent) of each operation."""
    if not isinstance(payload, Mapping):
        raise InvalidSyntaxException(detail="the request body must be a JSON object")
    operations = next((v for k, v in payload.items() if k.lower() == "operations"), None)
    if not isinstance(operations, list):
        raise InvalidSyntaxException(detail="a PATCH body needs an 'Operations' array")
    if not operations:
        raise InvalidValueException(detail="a PATCH body needs at least one operation")
    if len(operations) > max_operations:
        raise PayloadTooLargeException(
            detail=f"{len(operations)} operations in one PATCH; the limit is {max_operations}"
        )
    for operation in operations:
        if not isinstance(operation, Mapping):
            raise InvalidSyntaxException(detail="each PATCH operation must be a JSON object")
        fields = {str(k).lower(): v for k, v in operation.items()}
        op = fields.get("op")
        if not isinstance(op, str):
            raise InvalidSyntaxException(detail="each PATCH operation needs an 'op'")
        path = fields.get("path")
        if path is not None and not isinstance(path, str):
            raise InvalidSyntaxException(detail="a PATCH 'path' must be a string")
        yield (
            op.lower(),
            (path.strip() or None) if path else None,
            fields.get("value"),
            ("value" in fields),
        )


def _normalize_operation(
    op: str, path: str | None, value: Any, has_value: bool
) -> list[dict[str, Any]]:
    if path:
        return _normalize_path_operation(op, path, value, has_value=has_value)
    if op == "remove" or not isinstance(value, Mapping):
        # Let scim2-models report what is wrong with it (e.g. noTarget).
        return [{"op": op, **({"value": value} if has_value else {})}]
    return _split_pathless(op, value)


def _normalize_path_operation(
    op: str, path: str, value: Any, *, has_value: bool
) -> list[dict[str, Any]]:
    if _is_dropped(path):
        return []
    row = _reference_row(path)
    if row is not None:
        if op == "remove":
            return [{"op": "remove", "path": row.path}]
        reference = _reference_value(value)
        if reference is None:
            return [{"op": "remove", "path": row.path}]
        return [{"op": op, "path": row.path, "value": reference}]
    if path.lower() in _EXTENSIONS and op != "remove" and isinstance(value, Mapping):
        # An add/replace of the extension itself sets each of its attributes: read each as
        # an operation on its own path, so a manager inside gets the same care.
        return [
            operation
            for sub_key, sub_item in value.items()
            for operation in _normalize_path_operation(
                op, f"{path}:{sub_key}", sub_item, has_value=True
            )
        ]
    fixed = _UNCLEARABLE.get(path.lower())
    if fixed is not None and (op == "remove" or _empty(value)):
        # Ignoring it would answer 200 for a change that did not happen.
        if op == "remove" and fixed.required:
            raise MutabilityException(detail=f"{fixed.path} is required and cannot be removed")
        raise InvalidValueException(detail=f"{fixed.path} cannot be removed or emptied")
    if op in ("add", "replace") and has_value and _empty(value) and "[" not in path:
        return [{"op": "remove", "path": path}]
    if op == "remove" and not _selects_entries(value):
        # A remove naming the value it removes from a single-valued attribute
        # ({"op":"Remove","path":"title","value":"Boss"}): the path alone decides.
        return [{"op": "remove", "path": path}]
    return [{"op": op, "path": path, **({"value": value} if has_value else {})}]


def _selects_entries(value: Any) -> bool:
    """Whether a remove's value lists entries of a multi-valued attribute to remove."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _split_pathless(op: str, value: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Path-less add/replace: plain keys stay together; any key that needs rewriting (the
    manager, an empty value, a value path, the enterprise object's keys) becomes an
    operation on its own path, normalised like any other."""
    kept: dict[str, Any] = {}
    extra: list[dict[str, Any]] = []
    for key, item in value.items():
        if (
            (key.lower() in _EXTENSIONS and isinstance(item, Mapping))
            or _is_dropped(key)
            or _reference_row(key)
            or _empty(item)
            or "[" in key
        ):
            extra.extend(_normalize_path_operation(op, key, item, has_value=True))
        else:
            kept[key] = item
    head = [{"op": op, "value": kept}] if kept else []
    return head + extra
