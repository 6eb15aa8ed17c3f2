"""A dumb SCIM-to-GraphQL passthrough: the floor under the proxy's own cost.

    .venv/bin/python -m bench.passthrough --port P --graphql-url URL --directory-id ID

It answers the two lookups of bench.overhead the way the proxy does on the wire - one
aiohttp server hop, one pooled GraphQL POST with the proxy's own `Users` document - but with
no filter parsing, no gql, no pydantic, no retries, no SCIM rendering and no access log: it
returns WorkflowGen's JSON as it came. proxy/passthrough therefore isolates what translation
costs, and passthrough/raw what one more HTTP hop costs.

The request bodies below mirror what the gateway (wf.users.find / get) sends (checked by
recording the proxy's upstream traffic): page 1 of 100 for a filter, page 1 of 1 for an id.
"""

from __future__ import annotations

import argparse
import hmac
import json
from collections.abc import AsyncIterator
from functools import cache
from typing import Any

import aiohttp
from aiohttp import web

from wfgen_scim.graphql.operations import Documents

from .stack import HOST, TOKEN, basic_auth


@cache
def _users_query() -> str:
    # The text gql sends for the proxy's Users operation (fragments appended), so the
    # baselines execute exactly the query the proxy does. Printed once: gql prints the
    # document again on every request, which is part of the cost we measure.
    query: str = Documents()["Users"].request().payload["query"]
    return query


def users_by_user_name(directory_id: str, user_name: str) -> dict[str, Any]:
    """The GraphQL request behind GET /Users?filter=userName eq "<user_name>"."""
    return {
        "query": _users_query(),
        "operationName": "Users",
        "variables": {
            "page_number": 1,
            "page_size": 100,
            "directory_id": directory_id,
            "user_name": user_name,
            "with_groups": True,
        },
    }


def users_by_id(directory_id: str, user_id: str) -> dict[str, Any]:
    """The GraphQL request behind GET /Users/<user_id>."""
    return {
        "query": _users_query(),
        "operationName": "Users",
        "variables": {
            "page_number": 1,
            "page_size": 1,
            "directory_id": directory_id,
            "ids": [user_id],
            "with_groups": True,
        },
    }


SESSION = web.AppKey("session", aiohttp.ClientSession)
SETTINGS = web.AppKey("settings", argparse.Namespace)


async def _forward(request: web.Request, payload: dict[str, Any]) -> web.Response:
    settings = request.app[SETTINGS]
    expected = f"Bearer {TOKEN}"
    if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
        return web.json_response({"status": "401"}, status=401)
    headers = {"Authorization": basic_auth(), "Content-Type": "application/json"}
    async with request.app[SESSION].post(
        settings.graphql_url, data=json.dumps(payload), headers=headers
    ) as upstream:
        body = await upstream.read()
        status = upstream.status
    return web.Response(body=body, status=status, content_type="application/scim+json")


async def list_users(request: web.Request) -> web.Response:
    # No filter parser: the user name is whatever sits between the first and last quote.
    text = request.query.get("filter", "")
    user_name = text.partition('"')[2].rpartition('"')[0]
    return await _forward(
        request, users_by_user_name(request.app[SETTINGS].directory_id, user_name)
    )


async def get_user(request: web.Request) -> web.Response:
    directory_id = request.app[SETTINGS].directory_id
    return await _forward(request, users_by_id(directory_id, request.match_info["id"]))


async def _session(app: web.Application) -> AsyncIterator[None]:
    # The proxy's default pool bound (workflowgen.max_connections = 16), for a fair fight.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16)) as session:
        app[SESSION] = session
        yield


def build_app(settings: argparse.Namespace) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_session)
    app.router.add_get("/scim/v2/Users", list_users)
    app.router.add_get("/scim/v2/Users/{id}", get_user)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.passthrough")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--graphql-url", required=True)
    parser.add_argument("--directory-id", required=True)
    settings = parser.parse_args()
    web.run_app(
        build_app(settings),
        host=HOST,
        port=settings.port,
        access_log=None,
        print=lambda message: print(message, flush=True),
    )


if __name__ == "__main__":
    main()
