"""Request ids, Prometheus metrics of every SCIM request, and the /metrics listener.

The metrics are served on a listener of their own (`metrics.host`/`metrics.port`), not
under Entra's SCIM base path: what Prometheus scrapes is not for Entra's token holders,
and Entra's surface stays exactly SCIM.
"""

import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from ..config import MetricsSettings
from ..observability import Metrics, request_scope
from ..observability.context import new_request_id
from ..observability.metrics import CONTENT_TYPE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REQUEST_ID_HEADER = "X-Request-Id"
_RESOURCES = ("Users", "Groups", "Schemas", "ResourceTypes", "ServiceProviderConfig")


def _route(request: web.Request, prefixes: tuple[str, ...]) -> tuple[str, str]:
    """(resource label, "METHOD /Path/{id}") without ids or the base path, so that label
    values stay few and no personal data ends up in them."""
    info = request.match_info.route.resource
    path = info.canonical if info is not None else "unmatched"
    for prefix in prefixes:
        if path.startswith(prefix + "/") or path == prefix:
            path = path[len(prefix) :] or "/"
            break
    head = path.strip("/").split("/", 1)[0]
    resource = head if head in _RESOURCES else ("health" if head.endswith("z") else "other")
    return resource, f"{request.method} {path}"


def observe(metrics: Metrics, prefixes: tuple[str, ...]) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        resource, operation = _route(request, prefixes)
        started = time.perf_counter()
        status = 500
        metrics.in_flight.inc()
        try:
            with request_scope(request_id, operation):
                response = await handler(request)
            status = response.status
            response.headers[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            metrics.in_flight.dec()
            metrics.requests.labels(resource, request.method, str(status)).inc()
            metrics.request_seconds.labels(resource, request.method).observe(
                time.perf_counter() - started
            )

    return middleware


def metrics_app(metrics: Metrics) -> web.Application:
    async def exposition(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    app = web.Application()
    app.router.add_get("/metrics", exposition)
    return app


def metrics_listener(
    metrics: Metrics, settings: MetricsSettings
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context that serves /metrics on its own address while the proxy runs."""

    async def serve(app: web.Application) -> AsyncIterator[None]:
        runner = web.AppRunner(metrics_app(metrics), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        yield
        await runner.cleanup()

    return serve
