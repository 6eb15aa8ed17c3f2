"""Timing HTTP requests, latency percentiles, and the per-phase figures the scripts print."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .stack import UpstreamStats

# Status 0 stands for "no HTTP answer" (connection refused or reset, timeout).
NO_ANSWER = 0


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max in milliseconds."""
    ordered = sorted(seconds)
    ms = 1000.0
    return {
        "p50_ms": round(percentile(ordered, 50) * ms, 3),
        "p95_ms": round(percentile(ordered, 95) * ms, 3),
        "p99_ms": round(percentile(ordered, 99) * ms, 3),
        "mean_ms": round(sum(ordered) / len(ordered) * ms, 3) if ordered else 0.0,
        "max_ms": round(ordered[-1] * ms, 3) if ordered else 0.0,
    }


async def timed(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    body: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, float, Any]:
    """(status, seconds, parsed JSON or None). The clock covers sending and reading the
    whole answer, not parsing it: parsing is the load generator's cost, not the server's."""
    payload = json.dumps(body).encode() if body is not None else data
    started = time.perf_counter()
    try:
        async with http.request(method, url, data=payload, headers=headers) as response:
            raw = await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError):
        return NO_ANSWER, time.perf_counter() - started, None
    elapsed = time.perf_counter() - started
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, elapsed, parsed


@dataclass
class KindFigures:
    """One kind of SCIM request within a phase (e.g. 'PATCH /Users/{id}')."""

    budget: float | None  # upstream round trips the design allows per request
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    expected: frozenset[int] = frozenset()

    def unexpected(self) -> dict[int, int]:
        return {s: n for s, n in sorted(self.statuses.items()) if s not in self.expected}


@dataclass
class Phase:
    """Requests of one phase of the cycle, its wall time and its upstream round trips."""

    name: str
    kinds: dict[str, KindFigures] = field(default_factory=dict)
    started: float = 0.0
    wall_seconds: float = 0.0
    upstream: UpstreamStats | None = None
    skipped: str | None = None
    cpu_before: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    def record(
        self,
        kind: str,
        status: int,
        seconds: float,
        *,
        budget: float | None,
        expected: frozenset[int],
    ) -> None:
        figures = self.kinds.setdefault(kind, KindFigures(budget=budget, expected=expected))
        figures.latencies.append(seconds)
        figures.statuses[status] += 1

    def start(self, cpu: dict[str, float]) -> None:
        self.cpu_before = cpu
        self.started = time.perf_counter()

    def finish(self, upstream: UpstreamStats, cpu: dict[str, float]) -> None:
        self.wall_seconds = time.perf_counter() - self.started
        self.upstream = upstream
        self.cpu_seconds = cpu_used(self.cpu_before, cpu)

    @property
    def requests(self) -> int:
        return sum(len(k.latencies) for k in self.kinds.values())

    def budget_per_request(self) -> float | None:
        if not self.requests or any(k.budget is None for k in self.kinds.values()):
            return None
        total = sum((k.budget or 0) * len(k.latencies) for k in self.kinds.values())
        return total / self.requests

    def summary(self) -> dict[str, Any]:
        if self.skipped:
            return {"phase": self.name, "skipped": self.skipped}
        all_latencies = [s for k in self.kinds.values() for s in k.latencies]
        upstream = self.upstream or UpstreamStats(0, {})
        requests = self.requests
        return {
            "phase": self.name,
            "requests": requests,
            "wall_s": round(self.wall_seconds, 3),
            "req_per_s": round(requests / self.wall_seconds, 1) if self.wall_seconds else 0.0,
            **latency_summary(all_latencies),
            "upstream_requests": upstream.requests,
            "upstream_per_request": round(upstream.requests / requests, 3) if requests else 0.0,
            "budget_per_request": _rounded(self.budget_per_request()),
            "upstream_operations": dict(sorted(upstream.operations.items())),
            **cpu_figures(self.cpu_seconds, requests, self.wall_seconds),
            "kinds": {
                name: {
                    "requests": len(k.latencies),
                    **latency_summary(k.latencies),
                    "statuses": {str(s): n for s, n in sorted(k.statuses.items())},
                    "unexpected_statuses": {str(s): n for s, n in k.unexpected().items()},
                    "budget_per_request": k.budget,
                }
                for name, k in self.kinds.items()
            },
        }


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in after if name in before}


def cpu_figures(cpu: dict[str, float], requests: int, wall_seconds: float) -> dict[str, Any]:
    """CPU per request of each process, and how many cores each kept busy.

    A process near 1.0 core is the bottleneck: each of them runs one event loop.
    """
    return {
        "cpu_ms_per_request": {
            name: round(seconds / requests * 1000, 3) if requests else 0.0
            for name, seconds in cpu.items()
        },
        "cores_busy": {
            name: round(seconds / wall_seconds, 2) if wall_seconds else 0.0
            for name, seconds in cpu.items()
        },
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain fixed-width table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        first = row[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]).rstrip())
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)
