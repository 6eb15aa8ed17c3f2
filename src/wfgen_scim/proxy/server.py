"""The HTTP server under the app: SCIM answers for what aiohttp refuses before our middlewares.

aiohttp's HTTP parser rejects some requests before any middleware runs (a line or header
too long, a bad request line, control characters in a header, a duplicate Content-Length,
Transfer-Encoding with Content-Length, ...). Out of the box it then logs "Error handling
request" with a traceback quoting the raw bytes, the bearer token included, and answers
text/plain quoting them again. An unknown `Expect` header is refused outside the middlewares
too, echoing its value. `ScimRunner` is aiohttp's AppRunner with a request handler that
answers all of these with a SCIM error as application/scim+json, never quotes the request,
and logs one line naming only the kind of problem.
"""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import http_exceptions, web
from aiohttp.web_protocol import RequestHandler, _ErrInfo
from aiohttp.web_request import BaseRequest
from scim2_models import InvalidSyntaxException, SCIMException

from .deadlines import IN_FLIGHT
from .errors import error_response

log = logging.getLogger("wfgen_scim.access")

_RequestHandler = Callable[[BaseRequest], Awaitable[web.StreamResponse]]

# What the client is told, by the parser's exception class (most specific first). Never the
# parser's own message: it quotes the offending bytes.
_PARSER_PROBLEMS: tuple[tuple[type[Exception], str], ...] = (
    (http_exceptions.LineTooLong, "the request line or a header is too long"),
    (http_exceptions.BadHttpMethod, "the request line has an invalid method"),
    (http_exceptions.BadStatusLine, "the request line is malformed"),
    (http_exceptions.InvalidURLError, "the request target is not a valid URL"),
    (http_exceptions.InvalidHeader, "a header is malformed"),
    (http_exceptions.PayloadEncodingError, "the body's framing is malformed"),
    (
        http_exceptions.BadHttpMessage,
        "the request is not valid HTTP/1.1 (a header with a control character or an invalid "
        "name, a duplicate Content-Length, Transfer-Encoding with Content-Length, ...)",
    ),
)


_BEFORE_ROUTING = {417: "the only Expect header supported is 'Expect: 100-continue'"}


def _problem(exc: BaseException | None) -> str:
    for cls, text in _PARSER_PROBLEMS:
        if isinstance(exc, cls):
            return text
    return "the request is not valid HTTP/1.1"


def _scim_error(status: int, detail: str) -> web.Response:
    error = InvalidSyntaxException(detail=detail) if status == 400 else SCIMException(detail=detail)
    error.status = status
    return error_response(error)


class _ScimRequestHandler(RequestHandler):
    """One connection; `handle_error` is where aiohttp answers what never reached the app."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # A framing error in the middle of a body (a bad chunk size) is queued as the next
        # message, and the handler reading this body would wait for the rest of it until the
        # request deadline: fail the body now, so the request answers 400 at once.
        request = self._current_request
        if request is not None and self._messages:
            queued = self._messages[-1][0]
            if isinstance(queued, _ErrInfo) and not request.content.is_eof():
                request.content.set_exception(queued.exc)

    def log_exception(self, *args: Any, **kw: Any) -> None:
        # aiohttp logs with a traceback what breaks after the answer (such as the rest of
        # that broken body): a client's fault is one line, and never the bytes it sent.
        exc = kw.get("exc_info")
        if isinstance(exc, http_exceptions.HttpProcessingError | ConnectionError):
            log.info("connection closed: %s", type(exc).__name__)
            return
        super().log_exception(*args, **kw)

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:
            # Part of an answer is already on the wire: all that is left is to close.
            raise ConnectionError("response already started")
        if isinstance(exc, http_exceptions.HttpProcessingError):
            detail = _problem(exc)
            log.info(
                "rejected a malformed request from %s: %s",
                request.remote,
                type(exc).__name__,
                extra={"status": status, "problem": type(exc).__name__},
            )
        elif isinstance(exc, ConnectionError) or exc is None:
            # The client went away (or aiohttp's own handler timeout): nothing of ours broke.
            detail = "the request could not be completed"
            log.info("request from %s ended early (%s)", request.remote, status)
        else:
            # A bug of ours outside the SCIM middlewares (they turn everything else into SCIM).
            detail = "internal error; see the proxy log"
            log.error(
                "unexpected %s outside the SCIM middlewares", type(exc).__name__, exc_info=exc
            )
        response = _scim_error(status, detail)
        response.force_close()
        return response


def _guard(handler: _RequestHandler) -> _RequestHandler:
    """Answers HTTP errors raised before the middlewares (an unknown Expect) in SCIM form."""

    async def guarded(request: BaseRequest) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            log.info(
                "refused a request from %s before routing: %s",
                request.remote,
                exc.status,
                extra={"status": exc.status},
            )
            # exc.text would quote the request (aiohttp puts the Expect value in it).
            detail = _BEFORE_ROUTING.get(exc.status, exc.reason)
            return _scim_error(exc.status, detail)

    return guarded


class _ScimServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _ScimRequestHandler(self, loop=self._loop, **self._kwargs)


class ScimRunner(web.AppRunner):
    """aiohttp's AppRunner, answering even unparseable requests as SCIM (see module doc)."""

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        super().__init__(app, access_log=None, **kwargs)

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        options: Mapping[str, Any] = server._kwargs
        return _ScimServer(
            _guard(server.request_handler),
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            loop=server._loop,
            **options,
        )


async def serve_until_stopped(
    app: web.Application, host: str, port: int, *, grace_seconds: float
) -> None:
    """Serve until SIGTERM or SIGINT, then give requests in flight `grace_seconds`.

    Requests still waiting on WorkflowGen get their answer (503 with Retry-After) a little
    before the grace ends - their deadlines are brought forward - so Entra sees an answer
    it retries rather than a dropped connection; anything still running after the grace
    is cancelled, so a hung WorkflowGen cannot hold the process past the orchestrator's kill.
    """
    runner = ScimRunner(app, shutdown_timeout=grace_seconds)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("Running on http://%s:%s", host, port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        log.info("stopping: %.0f s for the requests in flight", grace_seconds)
        app[IN_FLIGHT].cut_to(loop.time() + grace_seconds - min(1.0, grace_seconds / 4))
    finally:
        await runner.cleanup()
