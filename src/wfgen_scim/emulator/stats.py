"""Round-trip counters, so that tests and benchmarks can count upstream calls exactly."""

from __future__ import annotations

from collections import Counter
from typing import Any


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.operations: Counter[str] = Counter()

    def record_request(self) -> None:
        """Every HTTP request that reached /wfgen/graphql, even one failed by a knob."""
        self.requests += 1

    def record_root_field(self, field_name: str) -> None:
        """One root field executed (by field name, not alias)."""
        self.operations[field_name] += 1

    def reset(self) -> None:
        self.requests = 0
        self.operations.clear()

    def snapshot(self) -> dict[str, Any]:
        return {"requests": self.requests, "operations": dict(self.operations)}
