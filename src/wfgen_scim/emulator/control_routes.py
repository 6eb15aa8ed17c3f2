"""Test controls (no authentication): stats, fault knobs, directories and hidden flags.

They stand for what a test cannot do through WorkflowGen's API: count round trips,
break the network, add a directory, or give a user history a process would have left.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from .directories import create_directory
from .errors import Conflict
from .node_ids import decode_id, encode_id
from .state import STATE
from .user_mutations import set_hidden_flags


async def get_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].stats.snapshot())


async def reset_stats(request: web.Request) -> web.Response:
    stats = request.app[STATE].stats
    stats.reset()
    return web.json_response(stats.snapshot())


async def get_knobs(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].faults.knobs.model_dump())


async def put_knobs(request: web.Request) -> web.Response:
    changes = await _json_object(request)
    try:
        knobs = request.app[STATE].faults.update(changes)
    except ValidationError as invalid:
        raise _bad_request(invalid.errors(include_url=False, include_context=False)) from None
    return web.json_response(knobs.model_dump())


async def get_faults(request: web.Request) -> web.Response:
    """How many faults the knobs injected so far, by kind."""
    return web.json_response(dict(request.app[STATE].faults.injected))


async def post_directory(request: web.Request) -> web.Response:
    body = await _json_object(request)
    name, description = body.get("name"), body.get("description")
    if not isinstance(name, str) or not name.strip():
        raise _bad_request("'name' must be a non-empty string")
    if description is not None and not isinstance(description, str):
        raise _bad_request("'description' must be a string")
    db = request.app[STATE].db
    try:
        with db.transaction():
            pk = create_directory(db, name, description)
    except Conflict as conflict:
        raise web.HTTPConflict(
            text=json.dumps({"error": conflict.message}), content_type="application/json"
        ) from None
    return web.json_response({"id": encode_id("Directory", pk)}, status=201)


async def post_user_flags(request: web.Request) -> web.Response:
    body = await _json_object(request)
    flags: dict[str, bool | None] = {}
    for key in ("hasHistory", "soleParticipant"):
        value = body.get(key)
        if value is not None and not isinstance(value, bool):
            raise _bad_request(f"{key!r} must be a boolean")
        flags[key] = value
    user_id = request.match_info["user_id"]
    pk = decode_id("User", user_id)
    db = request.app[STATE].db
    with db.transaction():
        stored = None
        if pk is not None:
            stored = set_hidden_flags(
                db, pk, has_history=flags["hasHistory"], sole_participant=flags["soleParticipant"]
            )
    if stored is None:
        raise web.HTTPNotFound(
            text=json.dumps({"error": f"User {user_id} not found"}),
            content_type="application/json",
        )
    return web.json_response({"id": user_id, **stored})


def add_control_routes(app: web.Application) -> None:
    app.router.add_get("/wfgen/stats", get_stats)
    app.router.add_delete("/wfgen/stats", reset_stats)
    app.router.add_get("/wfgen/emulator/knobs", get_knobs)
    app.router.add_put("/wfgen/emulator/knobs", put_knobs)
    app.router.add_get("/wfgen/emulator/faults", get_faults)
    app.router.add_post("/wfgen/emulator/directories", post_directory)
    app.router.add_post("/wfgen/emulator/users/{user_id}/flags", post_user_flags)


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except ValueError:
        raise _bad_request("The body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _bad_request("The body must be a JSON object")
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _bad_request("Strings must be valid Unicode (no lone surrogates)") from None
    return body


def _bad_request(error: object) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": error}), content_type="application/json")
