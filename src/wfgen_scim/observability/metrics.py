"""Prometheus metrics, with prometheus-client, in a registry of their own per app.

A registry per app (not the library's global one) lets several proxies live in one
process - the tests do - and keeps the exposition to what the proxy itself measures.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Entra waits for each answer; above a few seconds the job slows down, and past its
# timeout it counts a failure. Buckets from 5 ms to 30 s.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "wfgen_scim_requests",
            "SCIM requests answered, by resource type, method and HTTP status.",
            ["resource", "method", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "wfgen_scim_request_duration_seconds",
            "Time to answer a SCIM request.",
            ["resource", "method"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "wfgen_scim_requests_in_flight", "SCIM requests being served.", registry=r
        )
        self.upstream_calls = Counter(
            "wfgen_scim_upstream_calls",
            "GraphQL requests sent to WorkflowGen, by operation document and outcome "
            "(ok, refused, unavailable, misconfigured).",
            ["operation", "outcome"],
            registry=r,
        )
        self.upstream_seconds = Histogram(
            "wfgen_scim_upstream_duration_seconds",
            "Time of one GraphQL request to WorkflowGen.",
            ["operation"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.upstream_retries = Counter(
            "wfgen_scim_upstream_retries",
            "GraphQL requests sent again after a transient failure.",
            ["operation"],
            registry=r,
        )
        self.converged_creates = Counter(
            "wfgen_scim_converged_creates",
            "Creates settled without a plain answer: lost answer that had created the object "
            "(created), lost answer re-sent (resent), Entra's own object already there "
            "(existing).",
            ["resource", "outcome"],
            registry=r,
        )
        self.auth_failures = Counter(
            "wfgen_scim_auth_failures",
            "Failed authentications, by endpoint (scim, token) and outcome: rejected (401) "
            "or refused (429, the address is locked out for a while).",
            ["endpoint", "outcome"],
            registry=r,
        )
        self.auth_lockouts = Counter(
            "wfgen_scim_auth_lockouts",
            "Client addresses locked out after repeated failed authentications.",
            registry=r,
        )
        self.ready = Gauge(
            "wfgen_scim_ready",
            "1 when WorkflowGen answered and its directory and schema checked out.",
            registry=r,
        )

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
