"""The deadline of the request being served, so retries never outlive it.

The proxy runs each SCIM request under an asyncio.Timeout and publishes it here; the client
reads what is left before each attempt. Keeping the Timeout itself (not a copy of its
time) means a deadline moved earlier - at shutdown - is seen by the attempts still to come.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CURRENT: ContextVar[asyncio.Timeout | None] = ContextVar("wfgen_scim_deadline", default=None)


@contextmanager
def bounded_by(timeout: asyncio.Timeout) -> Iterator[None]:
    """Operations sent within this block end by `timeout`'s deadline."""
    token = _CURRENT.set(timeout)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def seconds_left() -> float | None:
    """Time left before the current request's deadline; None outside a request."""
    timeout = _CURRENT.get()
    when = None if timeout is None else timeout.when()
    if when is None:
        return None
    return when - asyncio.get_running_loop().time()
