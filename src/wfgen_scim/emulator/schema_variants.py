"""Schema variants: the model schema with some fields renamed ("Type.field" -> new name).

They let tests see how the proxy copes with a WorkflowGen whose schema differs from the
model. A rename changes only what clients see: the renamed field keeps the model field's
resolver, reads the same key of the row dicts, and an input field hands its value to the
resolvers under the model name, so behaviour stays the model's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from graphql import (
    DefinitionNode,
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NameNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    assert_valid_schema,
    build_ast_schema,
)
from graphql.language import Node

# Type name -> {model field name -> new name}.
Renames = dict[str, dict[str, str]]

_FIELDED_TYPES = (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)
_FIELDED_NODES = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
)
_N = TypeVar("_N", bound=Node)

# GraphQL's Name; a leading "__" is reserved for introspection.
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


class SchemaVariantError(ValueError):
    """A rename that does not fit the model schema; the emulator refuses to start."""


def check_renames(model: GraphQLSchema, renames: Mapping[str, str]) -> Renames:
    """The renames grouped by type, once each names an existing field and clashes with none."""
    by_type: Renames = {}
    for key, new_name in renames.items():
        type_name, dot, field_name = key.partition(".")
        if not (dot and type_name and field_name):
            raise SchemaVariantError(f"rename {key!r}: expected Type.field")
        if not _NAME.fullmatch(new_name) or new_name.startswith("__"):
            raise SchemaVariantError(f"rename {key!r}: {new_name!r} is not a GraphQL field name")
        named = None if type_name.startswith("__") else model.get_type(type_name)
        if not isinstance(named, _FIELDED_TYPES):
            raise SchemaVariantError(
                f"rename {key!r}: the schema has no object, interface or input type {type_name!r}"
            )
        if field_name not in named.fields:
            raise SchemaVariantError(
                f"rename {key!r}: type {type_name} has no field {field_name!r}"
            )
        by_type.setdefault(type_name, {})[field_name] = new_name
    for type_name, fields in by_type.items():
        named = model.get_type(type_name)
        assert isinstance(named, _FIELDED_TYPES)
        names = [fields.get(name, name) for name in named.fields]
        clashes = sorted({name for name in names if names.count(name) > 1})
        if clashes:
            raise SchemaVariantError(
                f"renames of {type_name} give two of its fields the name {clashes[0]!r}"
            )
    return by_type


def renamed_schema(
    model: GraphQLSchema, model_document: DocumentNode, renames: Mapping[str, str]
) -> tuple[GraphQLSchema, DocumentNode]:
    """The variant of `model` (built from `model_document`, resolvers attached) and its SDL."""
    by_type = check_renames(model, renames)
    document = DocumentNode(
        definitions=tuple(_renamed_definition(node, by_type) for node in model_document.definitions)
    )
    try:
        variant = build_ast_schema(document)
        # E.g. renaming User.id leaves User without the `id` its interface Node requires.
        assert_valid_schema(variant)
    except (GraphQLError, TypeError) as error:
        raise SchemaVariantError(f"the renamed schema is not valid: {error}") from None
    _carry_behaviour(model, variant, by_type)
    return variant, document


def _renamed_definition(node: DefinitionNode, by_type: Renames) -> DefinitionNode:
    if not isinstance(node, _FIELDED_NODES) or node.name.value not in by_type:
        return node
    fields = by_type[node.name.value]
    renamed = tuple(
        _with(field, name=NameNode(value=fields[field.name.value]))
        if field.name.value in fields
        else field
        for field in node.fields or ()
    )
    return _with(node, fields=renamed)


def _with(node: _N, **changes: Any) -> _N:
    # AST nodes are frozen dataclasses in graphql-core 3.3 and plain objects in 3.2; both
    # take their `keys` as keyword arguments.
    return type(node)(**{**{key: getattr(node, key) for key in node.keys}, **changes})


def _carry_behaviour(model: GraphQLSchema, variant: GraphQLSchema, by_type: Renames) -> None:
    """Gives each field of `variant` the behaviour of its model field."""
    for type_name, model_type in model.type_map.items():
        if type_name.startswith("__"):
            continue
        variant_type = variant.type_map[type_name]
        new_names = by_type.get(type_name, {})
        if isinstance(model_type, GraphQLInputObjectType):
            assert isinstance(variant_type, GraphQLInputObjectType)
            for name, new_name in new_names.items():
                # Values reach the resolvers under the model name.
                variant_type.fields[new_name].out_name = name
        elif isinstance(model_type, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(variant_type, GraphQLObjectType | GraphQLInterfaceType)
            for name, field in model_type.fields.items():
                new_name = new_names.get(name, name)
                resolve = field.resolve
                if resolve is None and new_name != name:
                    resolve = _reading(name)
                variant_type.fields[new_name].resolve = resolve


def _reading(key: str) -> Callable[..., Any]:
    """graphql-core's default resolver, reading `key` instead of the (new) field name."""

    def resolve(source: Any, info: Any, **args: Any) -> Any:
        value = source.get(key) if isinstance(source, Mapping) else getattr(source, key, None)
        return value(info, **args) if callable(value) else value

    return resolve
