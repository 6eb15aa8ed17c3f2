"""GraphQL execution: one schema per emulator (the model, or a variant with renamed
fields), a cache of validated documents, and the shape of every answer (each error carries
`extensions.code`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationType,
    build_ast_schema,
    execute_sync,
    get_operation_ast,
    parse,
    print_ast,
    validate,
)

from .errors import BAD_REQUEST, INTERNAL_SERVER_ERROR, PARSE_FAILED, VALIDATION_FAILED
from .request_context import RequestContext
from .resolvers import attach_resolvers
from .schema_variants import renamed_schema

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")

# Clients send the same few operation texts over and over; parsing and validating them
# once is most of the per-request cost of a small query.
_DOCUMENT_CACHE_SIZE = 256
# Texts longer than this are prepared every time, so that the cache stays small.
_MAX_CACHED_QUERY_LENGTH = 64 * 1024


@cache
def model_sdl() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


@dataclass(frozen=True)
class PreparedDocument:
    """A parsed and validated document, or the errors that stopped it."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...] = ()

    def is_mutation(self, operation_name: str | None) -> bool:
        if self.document is None:
            return False
        operation = get_operation_ast(self.document, operation_name)
        return operation is not None and operation.operation == OperationType.MUTATION


class ExecutableSchema:
    """The schema one emulator serves and executes, with its validated documents."""

    def __init__(self, renames: Mapping[str, str] | None = None) -> None:
        """Builds the model schema, or its variant when `renames` maps "Type.field" to new
        names; a rename that does not fit raises SchemaVariantError."""
        document = parse(model_sdl())
        model = build_ast_schema(document)
        attach_resolvers(model)
        if renames:
            self.schema, variant_document = renamed_schema(model, document, renames)
            self.sdl = print_ast(variant_document)
        else:
            self.schema, self.sdl = model, model_sdl()
        # Per schema: the same text may be valid against one variant and not another.
        self._prepare_cached = lru_cache(maxsize=_DOCUMENT_CACHE_SIZE)(self._prepare)

    def prepare(self, query: str) -> PreparedDocument:
        """The document for `query`, parsed and validated once per distinct text."""
        if len(query) > _MAX_CACHED_QUERY_LENGTH:
            return self._prepare(query)
        return self._prepare_cached(query)

    def _prepare(self, query: str) -> PreparedDocument:
        try:
            document = parse(query)
        except GraphQLError as error:
            return PreparedDocument(None, (_coded(error, PARSE_FAILED),))
        errors = validate(self.schema, document)
        if errors:
            return PreparedDocument(
                None, tuple(_coded(error, VALIDATION_FAILED) for error in errors)
            )
        return PreparedDocument(document)

    def execute(
        self,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: RequestContext,
    ) -> dict[str, Any]:
        """Runs the operation and returns the response body (`data` and maybe `errors`)."""
        result = execute_sync(
            self.schema,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
        )
        if result.errors is None:
            return {"data": result.data}
        errors = [format_error(error) for error in result.errors]
        # A request error (bad variables, unknown operation) means execution never
        # started: the spec then leaves `data` out rather than setting it to null.
        if result.data is None and all(error.path is None for error in result.errors):
            return {"errors": errors}
        return {"data": result.data, "errors": errors}


def format_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions:
        extensions["code"] = _default_code(error)
    formatted["extensions"] = extensions
    return formatted


def errors_body(errors: tuple[GraphQLError, ...] | list[GraphQLError]) -> dict[str, Any]:
    return {"errors": [format_error(error) for error in errors]}


def _default_code(error: GraphQLError) -> str:
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        return INTERNAL_SERVER_ERROR
    # Errors without a path are request errors (an unknown operation name, variables
    # that do not fit their types): the client sent something it should fix.
    if error.path is None:
        return BAD_REQUEST
    return INTERNAL_SERVER_ERROR


def _coded(error: GraphQLError, code: str) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code}
    return error
