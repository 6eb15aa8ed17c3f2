"""Fault injection: latency, 503s, dropped connections, answers lost after a commit, and
late commits (a mutation that runs only after the client gave up, as IIS keeps processing a
request whose client has gone).

Rates draw from one seeded random generator, so a run with a `random_seed` replays the
same faults; the `*_next` counters give tests deterministic faults.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .settings import EmulatorSettings


class Knobs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    latency_ms: float = Field(default=0, ge=0, description="Sleep before each request.")
    fail_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="Share answered 503.")
    drop_rate: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Share closed without an answer."
    )
    commit_then_fail_rate: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share of mutation requests committed, then closed without an answer.",
    )
    fail_next: int = Field(default=0, ge=0, description="The next N requests answer 503.")
    drop_next: int = Field(default=0, ge=0, description="The next N requests are dropped.")
    commit_then_fail_next: int = Field(
        default=0, ge=0, description="The next N mutation requests lose their answer."
    )
    late_commit_next: int = Field(
        default=0,
        ge=0,
        description="The next N mutation requests wait late_commit_delay_ms, then commit "
        "(and answer, to a client that has usually given up by then).",
    )
    late_commit_delay_ms: float = Field(
        default=0, ge=0, description="How long a late commit waits before it runs."
    )
    fail_operations: dict[str, int] = Field(
        default_factory=dict,
        description="Operation name -> the next N requests of that operation answer 503 "
        "without running (a fault aimed at one step of a multi-step change).",
    )
    random_seed: int | None = Field(default=None, description="Setting it reseeds the rates.")


class FaultInjector:
    def __init__(self, settings: EmulatorSettings) -> None:
        self.knobs = Knobs(
            latency_ms=settings.latency_ms,
            fail_rate=settings.fail_rate,
            drop_rate=settings.drop_rate,
            commit_then_fail_rate=settings.commit_then_fail_rate,
            random_seed=settings.random_seed,
        )
        self._random = random.Random(settings.random_seed)
        # Faults injected so far, by kind (GET /wfgen/emulator/faults), for chaos runs.
        self.injected: Counter[str] = Counter()

    def update(self, changes: dict[str, Any]) -> Knobs:
        """Merges `changes` into the knobs; raises pydantic's ValidationError if invalid."""
        self.knobs = Knobs.model_validate({**self.knobs.model_dump(), **changes})
        if "random_seed" in changes:
            self._random.seed(self.knobs.random_seed)
        return self.knobs

    @property
    def latency_seconds(self) -> float:
        return self.knobs.latency_ms / 1000

    def take_failure(self) -> bool:
        """Whether this request is answered 503 without being executed."""
        return self._count("fail", self._take("fail_next", self.knobs.fail_rate))

    def take_drop(self) -> bool:
        """Whether this request's connection is closed without being executed."""
        return self._count("drop", self._take("drop_next", self.knobs.drop_rate))

    def take_operation_failure(self, operation_name: str | None) -> bool:
        """Whether this request, by its operation name, is answered 503 without running."""
        remaining = self.knobs.fail_operations.get(operation_name or "", 0)
        if remaining <= 0:
            return False
        left = {**self.knobs.fail_operations, operation_name or "": remaining - 1}
        self.knobs = self.knobs.model_copy(update={"fail_operations": left})
        return self._count("fail_operation", True)

    def take_lost_answer(self) -> bool:
        """Whether this executed mutation request's answer is lost."""
        taken = self._take("commit_then_fail_next", self.knobs.commit_then_fail_rate)
        return self._count("lost_answer", taken)

    def take_late_commit(self) -> float | None:
        """Seconds this mutation request waits before it runs, if it is a late commit."""
        if not self._count("late_commit", self._take("late_commit_next", 0.0)):
            return None
        return self.knobs.late_commit_delay_ms / 1000

    def _count(self, kind: str, taken: bool) -> bool:
        if taken:
            self.injected[kind] += 1
        return taken

    def _take(self, counter: str, rate: float) -> bool:
        remaining: int = getattr(self.knobs, counter)
        if remaining > 0:
            self.knobs = self.knobs.model_copy(update={counter: remaining - 1})
            return True
        # Draw only when a rate is set, so that unrelated requests leave the seeded
        # sequence alone.
        return rate > 0 and self._random.random() < rate
