"""Liveness and readiness for the container orchestrator; no auth, no SCIM."""

from aiohttp import web

from .state import WORKFLOWGEN


async def healthz(request: web.Request) -> web.Response:
    """The process serves requests."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The gateway resolved the directory at start, so requests can be served."""
    if not request.app[WORKFLOWGEN].started:
        return web.json_response({"status": "starting"}, status=503)
    return web.json_response({"status": "ready"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
