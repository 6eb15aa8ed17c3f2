"""GraphQL execution: the schema built once, a cache of validated documents, and the
shape of every answer (each error carries `extensions.code`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    build_schema,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)

from .errors import BAD_REQUEST, INTERNAL_SERVER_ERROR, PARSE_FAILED, VALIDATION_FAILED
from .request_context import RequestContext
from .resolvers import attach_resolvers

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")

# Clients send the same few operation texts over and over; parsing and validating them
# once is most of the per-request cost of a small query.
_DOCUMENT_CACHE_SIZE = 256


@cache
def schema_sdl() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


@cache
def executable_schema() -> GraphQLSchema:
    schema = build_schema(schema_sdl())
    attach_resolvers(schema)
    return schema


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


# Texts longer than this are prepared every time, so that the cache stays small.
_MAX_CACHED_QUERY_LENGTH = 64 * 1024


def prepare(query: str) -> PreparedDocument:
    """The document for `query`, parsed and validated once per distinct text."""
    if len(query) > _MAX_CACHED_QUERY_LENGTH:
        return _prepare(query)
    return _prepare_cached(query)


def _prepare(query: str) -> PreparedDocument:
    try:
        document = parse(query)
    except GraphQLError as error:
        return PreparedDocument(None, (_coded(error, PARSE_FAILED),))
    errors = validate(executable_schema(), document)
    if errors:
        return PreparedDocument(None, tuple(_coded(error, VALIDATION_FAILED) for error in errors))
    return PreparedDocument(document)


_prepare_cached = lru_cache(maxsize=_DOCUMENT_CACHE_SIZE)(_prepare)


def execute_document(
    document: DocumentNode,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    context: RequestContext,
) -> dict[str, Any]:
    """Runs the operation and returns the response body (`data` and maybe `errors`)."""
    result = execute_sync(
        executable_schema(),
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
    )
    if result.errors is None:
        return {"data": result.data}
    errors = [format_error(error) for error in result.errors]
    # A request error (bad variables, unknown operation) means execution never started:
    # the spec then leaves `data` out rather than setting it to null.
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
