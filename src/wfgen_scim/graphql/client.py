"""The one gql client of the process, and its retry policy.

Retries are declared by what a failure proves, not by how it looked:
- an answer from WorkflowGen (a GraphQL error) is final and never retried;
- a failure before anything was sent (connection refused) is retried for every operation;
- a failure after the request may have been processed (timeout, dropped connection, 5xx)
  is retried only for queries and for mutations the caller declares safe to re-send
  (absolute updates, idempotent membership changes). Anything else - a create - surfaces
  as UpstreamOutcomeUnknown so the caller can settle what happened instead of duplicating.
"""

import asyncio
import logging
import ssl
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
from gql import Client
from gql.client import AsyncClientSession
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from ..config import WorkflowGenSettings
from ..observability import Telemetry
from .auth import UpstreamAuth, trusted_tls
from .deadline import seconds_left
from .errors import (
    UpstreamError,
    UpstreamMisconfigured,
    UpstreamOutcomeUnknown,
    UpstreamUnavailable,
)
from .mapping import ERROR_CODES, STALE_CREDENTIAL_CODES
from .network import why
from .operations import Operation

log = logging.getLogger("wfgen_scim.upstream")

_TRANSIENT_STATUS = frozenset({429, 502, 503, 504})


class _Transient(Exception):
    """A failure that a later attempt may not have; `sent` if the request may have run;
    `still_running` if we stopped waiting while WorkflowGen may still be working on it."""

    def __init__(self, reason: str, *, sent: bool, still_running: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent = sent
        self.still_running = still_running


class _StaleCredentials(Exception):
    """WorkflowGen refused a token we can renew."""


class GraphQLClient:
    """Sends operation documents to WorkflowGen over one reused aiohttp session."""

    def __init__(self, settings: WorkflowGenSettings) -> None:
        self._settings = settings
        self._auth = UpstreamAuth(settings)
        self._client: Client | None = None
        self._session: AsyncClientSession | None = None
        self._http: aiohttp.ClientSession | None = None
        self.telemetry = Telemetry()

    async def start(self) -> None:
        s = self._settings
        # verify_tls=false only ever concerns WorkflowGen itself (a test instance with a
        # self-signed certificate); the identity provider is always verified (auth.py).
        ssl_context: ssl.SSLContext | bool = trusted_tls(s.ca_file) if s.verify_tls else False
        # Bounding the connection pool bounds the in-flight calls to WorkflowGen; waiting
        # for a free connection counts against the request timeout, so overload fails fast.
        timeout = aiohttp.ClientTimeout(total=s.timeout_seconds)
        transport = AIOHTTPTransport(
            url=str(s.url),
            ssl=ssl_context,
            client_session_args={
                "connector": aiohttp.TCPConnector(limit=s.max_connections, ssl=ssl_context),
                "timeout": timeout,
            },
        )
        # A separate small session for the token endpoint and the SDL download.
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=4, ssl=ssl_context), timeout=timeout
        )
        self._client = Client(
            transport=transport, fetch_schema_from_transport=False, execute_timeout=None
        )
        self._session = await self._client.connect_async(reconnecting=False)  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close_async()  # type: ignore[no-untyped-call]
            self._client = None
            self._session = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def http(self) -> aiohttp.ClientSession:
        """The shared HTTP session, for the few plain GETs (the SDL for `check`)."""
        if self._http is None:
            raise RuntimeError("GraphQLClient.start() was not called")
        return self._http

    async def auth_headers(self) -> dict[str, str]:
        return await self._auth.headers(self.http)

    async def execute(
        self,
        operation: Operation,
        variables: Mapping[str, Any] | None = None,
        *,
        resend_safe: bool = False,
    ) -> dict[str, Any]:
        """Run one operation; returns its `data`.

        Raises an UpstreamError subclass: the answer's error code mapped through
        mapping.ERROR_CODES, UpstreamUnavailable once the retries are spent, or
        UpstreamOutcomeUnknown for a mutation that may have run and may not be re-sent.
        """
        may_resend = not operation.is_mutation or resend_safe
        s = self._settings
        renewed = False

        def retryable(exc: BaseException) -> bool:
            nonlocal renewed
            if isinstance(exc, _StaleCredentials) and not renewed:
                renewed = True
                return True
            if isinstance(exc, _Transient) and exc.still_running and operation.is_mutation:
                _warn_late_commit(operation, variables or {})
            again = isinstance(exc, _Transient) and (may_resend or not exc.sent)
            if again:
                self.telemetry.upstream_retry(operation.name)
            return again

        # The retries, and the attempt in flight, end with the budget or with the SCIM
        # request's deadline, whichever comes first: Entra gets its answer in time.
        budget = s.retry_budget_seconds
        left = seconds_left()
        if left is not None:
            budget = min(budget, left)
        ends = time.monotonic() + budget
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(s.retry_attempts) | stop_after_delay(budget),
                wait=wait_random_exponential(multiplier=0.1, max=1.0),
                retry=retry_if_exception(retryable),
                reraise=True,
            ):
                with attempt:
                    return await self._send(operation, dict(variables or {}), ends)
        except _StaleCredentials:
            raise UpstreamMisconfigured(
                "WorkflowGen refused the proxy's credentials", operation=operation.name
            ) from None
        except _Transient as exc:
            if operation.is_mutation and exc.sent and not resend_safe:
                raise UpstreamOutcomeUnknown(
                    f"the answer of WorkflowGen at {s.url} to {operation.name} was lost: "
                    f"{exc.reason}",
                    operation=operation.name,
                ) from None
            raise UpstreamUnavailable(
                f"WorkflowGen at {s.url} unavailable: {exc.reason}", operation=operation.name
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def _send(
        self, operation: Operation, variables: dict[str, Any], ends: float
    ) -> dict[str, Any]:
        if self._session is None:
            raise RuntimeError("GraphQLClient.start() was not called")
        headers = await self._auth.headers(self.http)
        allowed = min(self._settings.timeout_seconds, ends - time.monotonic())
        if allowed <= 0:
            raise _Transient("no time left before the request's deadline", sent=False)
        started = time.perf_counter()
        outcome = "ok"
        try:
            async with asyncio.timeout(allowed):
                return await self._session.execute(
                    operation.request(variables), extra_args={"headers": headers}
                )
        except TransportQueryError as exc:
            outcome = "refused"
            raise self._answer_error(operation, exc) from None
        except TransportServerError as exc:
            outcome = f"http {exc.code}"
            raise self._status_error(operation, exc.code) from None
        except TransportConnectionFailed as exc:
            outcome = "unavailable"
            cause = exc.__cause__
            # Nothing left the proxy if the TCP connection was never established.
            sent = not isinstance(cause, aiohttp.ClientConnectorError)
            timed_out = isinstance(cause, TimeoutError)
            raise _Transient(why(cause), sent=sent, still_running=timed_out) from None
        except TransportProtocolError:
            # A 200 that is not GraphQL is a login page or a proxy's error page: something
            # between us and WorkflowGen intercepted the call, and retrying won't change it.
            outcome = "misconfigured"
            raise UpstreamMisconfigured(
                f"{self._settings.url} did not answer with GraphQL (a login page, or the "
                "wrong URL?)",
                operation=operation.name,
            ) from None
        except TimeoutError:
            outcome = "unavailable"
            raise _Transient("timed out", sent=True, still_running=True) from None
        finally:
            seconds = time.perf_counter() - started
            self.telemetry.upstream_call(operation.name, _outcome_class(outcome), seconds)
            log.debug("upstream %s %s in %.1f ms", operation.name, outcome, seconds * 1000)

    def _answer_error(self, operation: Operation, exc: TransportQueryError) -> Exception:
        first: dict[str, Any] = (exc.errors or [{}])[0]
        code = str((first.get("extensions") or {}).get("code", ""))
        message = str(first.get("message", "WorkflowGen refused the operation"))
        if code in STALE_CREDENTIAL_CODES and self._auth.renewable:
            self._auth.invalidate()
            return _StaleCredentials(message)
        error_class = ERROR_CODES.get(code, UpstreamError)
        return error_class(message, operation=operation.name)

    def _status_error(self, operation: Operation, status: int | None) -> Exception:
        if status in _TRANSIENT_STATUS:
            return _Transient(f"HTTP {status}", sent=True)
        if status == 401 and self._auth.renewable:
            self._auth.invalidate()
            return _StaleCredentials("HTTP 401")
        if status in (401, 403):
            return UpstreamMisconfigured(
                f"WorkflowGen refused the proxy's credentials (HTTP {status})",
                operation=operation.name,
            )
        if status is not None and status >= 500:
            return _Transient(f"HTTP {status}", sent=True)
        return UpstreamError(f"WorkflowGen answered HTTP {status}", operation=operation.name)


def _warn_late_commit(operation: Operation, variables: Mapping[str, Any]) -> None:
    """A web server keeps running a request whose client stopped waiting: this write may
    land later, even after a newer write of the same object, and undo it unseen. Entra will
    not notice; the administrator can, from this line (docs/design.md, "Late commits")."""
    target = variables.get("id") or variables.get("group_id")
    log.warning(
        "WorkflowGen did not answer %s in time and may still apply it later, possibly over "
        "a newer change of %s; if that object looks stale, provision it on demand in Entra",
        operation.name,
        target,
        extra={"operation": operation.name, "target_id": target, "event": "late_commit_risk"},
    )


def _outcome_class(outcome: str) -> str:
    """A metric label from a few values: ok, refused, unavailable, misconfigured."""
    if not outcome.startswith("http "):
        return outcome
    code = outcome.removeprefix("http ")
    if code in ("401", "403"):
        return "misconfigured"
    return "unavailable" if code.startswith("5") or code == "429" else "refused"
