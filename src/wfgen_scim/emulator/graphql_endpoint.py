"""The HTTP face of the API: /wfgen/graphql and /wfgen/graphql/schema.

Order of a request: count it, apply latency and the knobs that fail it before anything
runs, authenticate, parse, (a late commit waits here), execute, then maybe lose the answer
of a committed mutation.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from graphql import GraphQLError

from .auth import AuthFailure
from .errors import BAD_REQUEST
from .execution import errors_body
from .request_context import RequestContext
from .state import STATE

GRAPHQL_PATH = "/wfgen/graphql"
SCHEMA_PATH = "/wfgen/graphql/schema"


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None


class MalformedRequest(Exception):
    pass


async def handle_graphql(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    state.stats.record_request()
    if state.faults.latency_seconds > 0:
        await asyncio.sleep(state.faults.latency_seconds)
    if state.faults.take_failure():
        return web.Response(status=503, text="Service Unavailable (emulated failure)")
    if state.faults.take_drop():
        return _drop_connection(request)
    try:
        actor = state.authenticator.authenticate(state.db, request.headers)
    except AuthFailure as failure:
        headers = {"WWW-Authenticate": 'Basic realm="WorkflowGen"'} if failure.status == 401 else {}
        return web.json_response(
            errors_body([failure.error]), status=failure.status, headers=headers
        )
    try:
        graphql_request = await _read_graphql_request(request)
    except MalformedRequest as malformed:
        return web.json_response(_bad_request_body(str(malformed)), status=400)
    if state.faults.take_operation_failure(graphql_request.operation_name):
        return web.Response(status=503, text="Service Unavailable (emulated failure)")
    prepared = state.graphql.prepare(graphql_request.query)
    if prepared.document is None:
        return web.json_response(errors_body(prepared.errors))
    is_mutation = prepared.is_mutation(graphql_request.operation_name)
    if is_mutation and request.method == "GET":
        return web.json_response(
            _bad_request_body("Mutations must be sent with POST"),
            status=405,
            headers={"Allow": "POST"},
        )
    context = RequestContext(state.db, actor, state.stats)
    document = prepared.document

    def execute() -> dict[str, Any]:
        return state.graphql.execute(
            document, graphql_request.variables, graphql_request.operation_name, context
        )

    delay = state.faults.take_late_commit() if is_mutation else None
    if delay is not None:
        # IIS does not stop a request whose client hung up: the write lands after the
        # delay whatever the client did, so it runs in a task that a disconnect (which may
        # cancel this handler) does not cancel.
        late = asyncio.create_task(_run_late(delay, execute))
        _LATE_COMMITS.add(late)
        late.add_done_callback(_LATE_COMMITS.discard)
        return web.json_response(await asyncio.shield(late))
    body = execute()
    if is_mutation and state.faults.take_lost_answer():
        return _drop_connection(request)
    return web.json_response(body)


# Late commits in flight (a task must be referenced until it is done).
_LATE_COMMITS: set[asyncio.Task[dict[str, Any]]] = set()


async def _run_late(delay: float, execute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    await asyncio.sleep(delay)
    return execute()


async def handle_schema(request: web.Request) -> web.Response:
    sdl = request.app[STATE].graphql.sdl
    return web.Response(text=sdl, content_type="text/plain", charset="utf-8")


def _drop_connection(request: web.Request) -> web.Response:
    """Closes the connection so that the client gets no HTTP answer at all."""
    if request.transport is not None:
        request.transport.close()
    # Written to a closed transport, this answer never leaves the server.
    return web.Response(status=500)


def _bad_request_body(message: str) -> dict[str, Any]:
    return errors_body([GraphQLError(message, extensions={"code": BAD_REQUEST})])


async def _read_graphql_request(request: web.Request) -> GraphQLRequest:
    if request.method == "GET":
        fields: dict[str, Any] = dict(request.query)
        raw_variables = fields.get("variables")
        if raw_variables:
            fields["variables"] = _json(raw_variables, "variables")
    else:
        payload = _json(await request.read(), "body")
        if not isinstance(payload, dict):
            raise MalformedRequest("The body must be a JSON object")
        fields = payload
    query = fields.get("query")
    if not isinstance(query, str) or not query.strip():
        raise MalformedRequest("'query' must be a non-empty string")
    variables = fields.get("variables") or None
    if variables is not None and not isinstance(variables, dict):
        raise MalformedRequest("'variables' must be a JSON object")
    operation_name = fields.get("operationName") or None
    if operation_name is not None and not isinstance(operation_name, str):
        raise MalformedRequest("'operationName' must be a string")
    try:
        # JSON may escape lone surrogates ("\ud800") that no UTF-8 store can hold; refuse
        # them here rather than fail in the middle of a mutation.
        json.dumps([query, variables], ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedRequest("Strings must be valid Unicode (no lone surrogates)") from None
    return GraphQLRequest(query, variables, operation_name)


def _json(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:  # includes bytes that are not UTF-8
        raise MalformedRequest(f"The {what} is not valid JSON") from None
