"""One object the gateway reports to: metrics and audit, each optional."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .audit import AuditLog
from .metrics import Metrics


@dataclass
class Telemetry:
    metrics: Metrics | None = None
    audit: AuditLog | None = None

    def upstream_call(self, operation: str, outcome: str, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.upstream_calls.labels(operation, outcome).inc()
            self.metrics.upstream_seconds.labels(operation).observe(seconds)

    def upstream_retry(self, operation: str) -> None:
        if self.metrics is not None:
            self.metrics.upstream_retries.labels(operation).inc()

    def converged(self, resource: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.converged_creates.labels(resource, outcome).inc()

    def change(
        self,
        *,
        operation: str,
        resource: str,
        object_id: str | None,
        name: str | None,
        attributes: Mapping[str, Any] | None = None,
        outcome: str = "applied",
        **details: Any,
    ) -> None:
        if self.audit is not None:
            self.audit.change(
                operation=operation,
                resource=resource,
                object_id=object_id,
                name=name,
                attributes=attributes,
                outcome=outcome,
                **details,
            )
