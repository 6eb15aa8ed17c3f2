"""Failed-authentication limits per client address.

Only failures are limited: a request whose credentials are right is always served, even
from a refused address. So a proxy in front of us (every request from one address) or a
guesser sharing Entra's egress cannot lock Entra out; the guesser gets 429 instead of 401,
and the log gets one line when an address is refused rather than one line per guess.
Memory is bounded: past MAX_ADDRESSES the oldest address is forgotten.
"""

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ...config import FailureLimitSettings

MAX_ADDRESSES = 10_000


@dataclass
class _Address:
    failures: deque[float] = field(default_factory=deque)
    refused_until: float = 0.0


@dataclass
class FailureCounters:
    """What a metrics exporter reads; kept on the app, also shown in the log lines."""

    failures: int = 0
    refused: int = 0
    lockouts: int = 0


class FailureLimiter:
    def __init__(
        self, settings: FailureLimitSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._addresses: OrderedDict[str, _Address] = OrderedDict()
        self.counters = FailureCounters()

    @property
    def lockout_seconds(self) -> float:
        return self._settings.lockout_seconds

    def retry_after(self, address: str) -> int | None:
        """Seconds this address stays refused, or None when it is not refused."""
        state = self._addresses.get(address)
        if state is None:
            return None
        left = state.refused_until - self._clock()
        return max(1, round(left)) if left > 0 else None

    def failed(self, address: str) -> bool:
        """Record a failure; True when it is the one that gets the address refused."""
        now = self._clock()
        self.counters.failures += 1
        state = self._addresses.pop(address, None) or _Address()
        self._addresses[address] = state
        if len(self._addresses) > MAX_ADDRESSES:
            self._addresses.popitem(last=False)
        while state.failures and state.failures[0] <= now - self._settings.window_seconds:
            state.failures.popleft()
        state.failures.append(now)
        if len(state.failures) >= self._settings.max_failures:
            state.failures.clear()
            state.refused_until = now + self._settings.lockout_seconds
            self.counters.lockouts += 1
            return True
        return False

    def refused(self) -> None:
        self.counters.refused += 1
