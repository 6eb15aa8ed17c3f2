"""Starting beside a WorkflowGen that may be down, and becoming ready when it is back.

A restart during a WorkflowGen outage must not turn Entra's fast 503s into refused
connections: if WorkflowGen cannot be reached at start, the proxy serves anyway - not
ready (`/readyz` 503, SCIM requests 503 with Retry-After) - and keeps trying in the
background. A WorkflowGen that answers but does not fit (schema, directory, credentials)
refuses the start when seen at start, and keeps the proxy not ready, logged as an error
on every try, when seen later.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from ..graphql import UpstreamError, UpstreamMisconfigured, UpstreamUnavailable, WorkflowGen
from ..observability import Metrics

log = logging.getLogger("wfgen_scim.proxy")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 15.0


def upstream_lifecycle(
    wf: WorkflowGen, metrics: Metrics, on_close: Callable[[], None]
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        retrying: asyncio.Task[None] | None = None
        try:
            await wf.start()
            metrics.ready.set(1)
        except UpstreamMisconfigured:
            raise  # answers, but does not fit: refuse to start, loudly (cli logs it)
        except UpstreamError as exc:
            log.warning(
                "WorkflowGen is not available at start (%s); serving 503s until it is", exc.message
            )
            retrying = asyncio.create_task(_until_started(wf, metrics))
        yield
        if retrying is not None:
            retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retrying
        metrics.ready.set(0)
        await wf.close()
        on_close()

    return lifecycle


async def _until_started(wf: WorkflowGen, metrics: Metrics) -> None:
    pause = FIRST_RETRY_SECONDS
    while True:
        await asyncio.sleep(pause)
        pause = min(pause * 2, MAX_RETRY_SECONDS)
        try:
            await wf.start()
        except UpstreamMisconfigured as exc:
            log.error("WorkflowGen answers but does not fit the proxy: %s", exc.message)
            continue
        except UpstreamError as exc:
            log.info("WorkflowGen still not available: %s", exc.message)
            continue
        metrics.ready.set(1)
        log.info("WorkflowGen is back: ready")
        return


def ready_gate(wf: WorkflowGen, prefixes: tuple[str, ...]) -> Middleware:
    """Until the gateway started, SCIM requests get 503 with Retry-After (after auth)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(prefixes) and not wf.started:
            raise UpstreamUnavailable("WorkflowGen is not available yet", operation="start")
        return await handler(request)

    return middleware
