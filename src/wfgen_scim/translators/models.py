"""scim2-models classes generated from the attribute tables (attributes.py).

scim2-models validates bodies, runs PATCH operations and writes /Schemas from its model
classes, so the classes are built from the table rows rather than declared a second time.
We build our own rather than use scim2-models' full RFC User because (1) /Schemas must
describe only what WorkflowGen can keep, (2) its RFC User rewrites e-mail addresses
(lower-cased domain) while Entra expects values stored exactly as sent, and (3) its
Manager requires a strict `$ref` that Entra does not send. Attributes outside these
models are accepted and ignored (ENTRA_POLICY.unknown), which is what Entra needs for
roles, nickName, locale... (docs/entra-dialect.md, item 11).
"""

import re
from dataclasses import dataclass
from typing import Annotated, Any, Union

from pydantic import Field, create_model
from scim2_models import (
    URN,
    CaseExact,
    ComplexAttribute,
    Extension,
    Mutability,
    Required,
    Resource,
    Returned,
    ScimPolicy,
    Uniqueness,
)

from .attributes import GROUPS, USERS, Attribute, Kind, Table

# How Entra departs from RFC 7644, and what we tolerate of it (docs/entra-dialect.md):
# unknown attributes and schema URNs are ignored (item 11); a `remove` carrying a `value`
# removes only those values (item 5); add/replace through a value-path filter that
# matches nothing creates the element (item 4).
ENTRA_POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

# Attributes every scim2-models Resource already has (RFC 7643 section 3.1).
_COMMON = frozenset({"id", "externalId", "meta", "schemas"})


def snake(name: str) -> str:
    """scim2-models' Python name for a SCIM attribute name (it maps them back)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _ref_field() -> Any:
    return (
        Annotated[str | None, Mutability.read_only],
        Field(None, serialization_alias="$ref", validation_alias="$ref"),
    )


def _scalar(attribute: Attribute) -> Any:
    python: Any = bool if attribute.kind is Kind.BOOLEAN else str
    marks: list[Any] = []
    if attribute.required:
        marks.append(Required.true)
    if attribute.unique:
        marks.append(Uniqueness.server)
    if attribute.case_exact:
        marks.append(CaseExact.true)
    annotation: Any = Annotated[(python | None, *marks)] if marks else python | None
    return (annotation, Field(None, description=attribute.description))


def _reference(attribute: Attribute) -> Any:
    model = create_model(
        "Manager",
        __base__=ComplexAttribute,
        __doc__=attribute.description,
        value=(Annotated[str | None, CaseExact.true], Field(None, description="Its id.")),
        ref=_ref_field(),
        display_name=(
            Annotated[str | None, Mutability.read_only],
            Field(None, description="Its displayName."),
        ),
    )
    return (model | None, Field(None, description=attribute.description))


def _relation(table: Table) -> Any:
    relation = table.relation
    mutability = Mutability.read_only if relation.read_only else Mutability.immutable
    model = create_model(
        f"{table.resource}{relation.attribute.title()}",
        __base__=ComplexAttribute,
        __doc__=relation.description,
        value=(Annotated[str | None, CaseExact.true, mutability], Field(None)),
        ref=_ref_field(),
        display=(Annotated[str | None, Mutability.read_only], Field(None)),
        type=(Annotated[str | None, mutability], Field(None)),
    )
    annotation: Any = list[model] | None
    if relation.read_only:
        annotation = Annotated[annotation, Mutability.read_only]
    else:
        annotation = Annotated[annotation, Returned.default]
    return (annotation, Field(None, description=relation.description))


def _complex(table: Table, name: str, rows: list[Attribute]) -> Any:
    """A complex attribute (name) or a multi-valued one selected by type (emails...)."""
    locations = [table.location(r) for r in rows]
    fields: dict[str, Any] = {}
    typed = any(loc.type for loc in locations)
    for row, loc in zip(rows, locations, strict=True):
        assert loc.sub is not None, row.path
        fields.setdefault(snake(loc.sub), (str | None, Field(None, description=row.description)))
    if typed:
        types = list(dict.fromkeys(loc.type for loc in locations if loc.type))
        fields["type"] = (
            str | None,
            Field(None, description="Which one: " + ", ".join(types) + ".", examples=types),
        )
        fields["primary"] = (bool | None, Field(None, description="The preferred one."))
    description = table.containers.get(name, name)
    model = create_model(
        name[0].upper() + name[1:], __base__=ComplexAttribute, __doc__=description, **fields
    )
    annotation: Any = list[model] | None if typed else model | None
    return (annotation, Field(None, description=description))


def _fields(table: Table, schema: str) -> dict[str, Any]:
    grouped: dict[str, list[Attribute]] = {}
    for row in table.attributes:
        loc = table.location(row)
        if loc.schema == schema and loc.attribute not in _COMMON:
            grouped.setdefault(loc.attribute, []).append(row)
    fields: dict[str, Any] = {}
    for name, rows in grouped.items():
        first = rows[0]
        if first.kind is Kind.REFERENCE:
            fields[snake(name)] = _reference(first)
        elif table.location(first).sub is None:
            fields[snake(name)] = _scalar(first)
        else:
            fields[snake(name)] = _complex(table, name, rows)
    return fields


def _class(base: type, name: str, schema: str, doc: str, fields: dict[str, Any]) -> Any:
    namespace: dict[str, Any] = {
        "__annotations__": {k: v[0] for k, v in fields.items()},
        "__schema__": URN(schema),
        "__doc__": doc,
        "__module__": __name__,
        **{k: v[1] for k, v in fields.items()},
    }
    return type(name, (base,), namespace)


@dataclass(frozen=True)
class Models:
    """The scim2-models classes of one table."""

    resource: type[Resource[Any]]  # core attributes only (for /Schemas)
    extensions: dict[str, type[Extension]]  # by URN
    full: type[Resource[Any]]  # core + extensions: what bodies and PATCH validate against


def build_models(table: Table) -> Models:
    fields = _fields(table, table.schema)
    fields[table.relation.attribute] = _relation(table)
    resource = _class(Resource[Any], table.resource, table.schema, table.description, fields)
    extensions = {
        urn: _class(
            Extension,
            table.extension_names.get(urn, urn.rsplit(":", 1)[-1]),
            urn,
            table.containers.get(urn, urn),
            _fields(table, urn),
        )
        for urn in table.extensions
    }
    full = resource
    if extensions:
        full = resource[Union[tuple(extensions.values())]]  # noqa: UP007
    return Models(resource=resource, extensions=extensions, full=full)


USER_MODELS = build_models(USERS)
GROUP_MODELS = build_models(GROUPS)
