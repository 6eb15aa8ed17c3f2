"""The emulator as one aiohttp application."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from .bootstrap import open_database
from .control_routes import add_control_routes
from .graphql_endpoint import GRAPHQL_PATH, SCHEMA_PATH, handle_graphql, handle_schema
from .oauth import token_endpoint
from .settings import EmulatorSettings
from .state import STATE, EmulatorState

TOKEN_PATH = "/wfgen/emulator/oauth/token"

# Large enough for a createUser with every field, or a membership change of 1000 ids.
_MAX_BODY_BYTES = 8 * 1024 * 1024


def build_app(settings: EmulatorSettings) -> web.Application:
    """The whole emulator; its store is opened (and prepared if new) when the app starts."""
    # The schema is built now, so that a broken schema.graphql or a rename that does not
    # fit fails here rather than on a request.
    state = EmulatorState.from_settings(settings)
    app = web.Application(client_max_size=_MAX_BODY_BYTES)
    app[STATE] = state
    app.cleanup_ctx.append(_database)
    app.router.add_get(GRAPHQL_PATH, handle_graphql)
    app.router.add_post(GRAPHQL_PATH, handle_graphql)
    app.router.add_get(SCHEMA_PATH, handle_schema)
    app.router.add_post(TOKEN_PATH, token_endpoint(state.tokens))
    add_control_routes(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    state = app[STATE]
    db = open_database(state.settings)
    state.attach_database(db)
    try:
        yield
    finally:
        state.attach_database(None)
        db.close()
