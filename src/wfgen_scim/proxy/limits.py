"""A cap on the SCIM requests served at once.

Without one, a burst (or anyone holding the token) queues unbounded work behind a slow
WorkflowGen, each request holding memory until its deadline. Past the cap the answer is an
immediate 429 with Retry-After, which Entra retries later, instead of a slow 503.
"""

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from scim2_models import SCIMException

from .errors import error_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RETRY_AFTER_SECONDS = 5


class TooManyRequestsError(SCIMException):
    status = 429
    _default_detail = "too many SCIM requests at once; try again shortly"


def concurrency_cap(limit: int, prefixes: tuple[str, ...]) -> Middleware:
    in_flight = 0

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal in_flight
        if not request.path.startswith(prefixes):
            return await handler(request)
        if in_flight >= limit:
            response = error_response(TooManyRequestsError())
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        in_flight += 1
        try:
            return await handler(request)
        finally:
            in_flight -= 1

    return middleware
