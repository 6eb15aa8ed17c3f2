"""The deadlines of the SCIM requests in flight, so that shutdown can bring them forward.

On SIGTERM the requests still waiting on WorkflowGen are not simply cancelled when the
grace runs out (the client would see a dropped connection): their deadlines move to just
before its end, so each gets its 503 with Retry-After and Entra retries it later.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web


class InFlight:
    def __init__(self) -> None:
        self._active: set[asyncio.Timeout] = set()
        self._latest: float | None = None

    @contextmanager
    def track(self, timeout: asyncio.Timeout) -> Iterator[None]:
        """`timeout` is a request's deadline; it may be moved earlier while it runs."""
        self._bring_forward(timeout)
        self._active.add(timeout)
        try:
            yield
        finally:
            self._active.discard(timeout)

    def cut_to(self, when: float) -> None:
        """No request, in flight or still to come, runs past `when` (loop time)."""
        self._latest = when
        for timeout in self._active:
            self._bring_forward(timeout)

    def _bring_forward(self, timeout: asyncio.Timeout) -> None:
        current = timeout.when()
        if self._latest is not None and (current is None or current > self._latest):
            timeout.reschedule(self._latest)


IN_FLIGHT = web.AppKey("in_flight", InFlight)
