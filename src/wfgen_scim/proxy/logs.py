"""Logging: one JSON object per line (python-json-logger), and the access log.

The access log records method, path, status and duration - never headers (the bearer
token) nor the query string or body (they carry personal data such as e-mail addresses).
"""

import logging
import sys
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from pythonjsonlogger.json import JsonFormatter

from ..config import LogFormat, LoggingSettings
from ..observability import current_request_id

access = logging.getLogger("wfgen_scim.access")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def configure_logging(settings: LoggingSettings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.format is LogFormat.json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "asctime": "time", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level)
    # gql logs whole payloads at DEBUG and aiohttp's own access log duplicates ours.
    logging.getLogger("gql").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


@web.middleware
async def access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        access.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "request_id": current_request_id(),
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
