"""The one place where every failure becomes a SCIM error response.

SCIM errors are scim2-models' SCIMException family (translators raise them); upstream
errors are graphql/errors.py's family. The table below is the only translation from the
second to the first. Anything else is a bug: logged with its traceback, answered 500.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from aiohttp import web
from scim2_models import (
    ConflictException,
    InvalidSyntaxException,
    InvalidValueException,
    NotFoundException,
    PayloadTooLargeException,
    SCIMException,
    UnauthorizedException,
    UniquenessException,
)

from ..graphql import bounded_by
from ..graphql.errors import (
    UpstreamBadInput,
    UpstreamConflict,
    UpstreamError,
    UpstreamInUse,
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamOutcomeUnknown,
    UpstreamUnanswered,
)
from .deadlines import IN_FLIGHT
from .responses import scim_json
from .state import SETTINGS

log = logging.getLogger("wfgen_scim.proxy")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class UpstreamUnavailableError(SCIMException):
    """503: WorkflowGen is unreachable or overloaded; Entra retries in a later cycle."""

    status = 503
    _default_detail = "WorkflowGen is unavailable, try again later"

    def __init__(self, *, detail: str | None = None, retry_after: int = 30) -> None:
        super().__init__(detail=detail)
        self.retry_after = retry_after


class UpstreamFailedError(SCIMException):
    """502: WorkflowGen refused the proxy itself (credentials, rights, schema)."""

    status = 502
    _default_detail = "WorkflowGen refused the proxy's request; see the proxy log"


class UnsupportedMediaTypeError(SCIMException):
    status = 415
    _default_detail = "send application/scim+json or application/json"


class MethodNotAllowedError(SCIMException):
    status = 405
    _default_detail = "method not allowed on this endpoint"


class UnauthorizedError(UnauthorizedException):
    _default_detail = "missing or invalid bearer token"


T = TypeVar("T")


def require(found: T | None, kind: str, ident: str) -> T:
    """The one not-found rule: what the gateway did not find is a 404 for Entra."""
    if found is None:
        raise NotFoundException(detail=f"{kind} {ident} not found")
    return found


_USER_IN_USE = (
    "WorkflowGen refuses: the user is the only person of a participant, so it cannot be "
    "disabled or deleted until another person is added to that participant"
)

# Upstream conclusion -> the SCIM error Entra should see. One table.
_UPSTREAM_TO_SCIM: Mapping[type[UpstreamError], Callable[[UpstreamError], SCIMException]] = {
    UpstreamNotFound: lambda e: NotFoundException(detail="resource not found"),
    UpstreamConflict: lambda e: UniquenessException(detail=e.message),
    UpstreamBadInput: lambda e: InvalidValueException(detail=e.message),
    UpstreamInUse: lambda e: ConflictException(detail=_USER_IN_USE),
    UpstreamOutcomeUnknown: lambda e: UpstreamUnavailableError(
        detail="WorkflowGen did not confirm the change; it will be settled on retry",
        retry_after=UpstreamUnanswered.retry_after_seconds,
    ),
    UpstreamUnanswered: lambda e: UpstreamUnavailableError(
        retry_after=UpstreamUnanswered.retry_after_seconds
    ),
    UpstreamMisconfigured: lambda e: UpstreamFailedError(),
    UpstreamError: lambda e: UpstreamFailedError(),
}


def scim_error_for(exc: UpstreamError) -> SCIMException:
    for cls in type(exc).__mro__:
        convert = _UPSTREAM_TO_SCIM.get(cls)
        if convert is not None:
            return convert(exc)
    raise AssertionError("UpstreamError is in the table")


def error_response(exc: SCIMException) -> web.Response:
    error = exc.to_error()
    body = error.model_dump(exclude_none=True)
    headers = {}
    if isinstance(exc, UpstreamUnavailableError):
        headers["Retry-After"] = str(exc.retry_after)
    return scim_json(body, status=exc.status, headers=headers)


_HTTP_TO_SCIM: Mapping[int, Callable[[], SCIMException]] = {
    404: lambda: NotFoundException(detail="no such endpoint"),
    405: MethodNotAllowedError,
    413: lambda: PayloadTooLargeException(detail="the request body is too large"),
    415: UnsupportedMediaTypeError,
}


@web.middleware
async def scim_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        # One deadline for the whole request, retries included: Entra gets an answer.
        async with asyncio.timeout(request.app[SETTINGS].request_timeout_seconds) as limit:
            # Published to the gateway so that retries never outlive the request: the
            # client answers 503 itself, before the deadline cancels it mid-flight.
            with bounded_by(limit), request.app[IN_FLIGHT].track(limit):
                return await handler(request)
    except TimeoutError:
        log.warning("request deadline passed on %s %s", request.method, request.path)
        return error_response(
            UpstreamUnavailableError(
                detail="WorkflowGen did not answer in time; try again later",
                retry_after=UpstreamUnanswered.retry_after_seconds,
            )
        )
    except SCIMException as exc:
        return error_response(exc)
    except UpstreamError as exc:
        scim = scim_error_for(exc)
        level = logging.WARNING if scim.status >= 500 else logging.INFO
        # WorkflowGen's own message may quote a userName (personal data): DEBUG only. The
        # proxy's own messages (unreachable, misconfigured) name the URL and the cause.
        ours = isinstance(exc, UpstreamUnanswered | UpstreamMisconfigured)
        log.log(
            level,
            "upstream %s on %s -> %s%s",
            type(exc).__name__,
            exc.operation or "request",
            scim.status,
            f": {exc.message}" if ours else "",
            extra={"upstream_error": type(exc).__name__, "status": scim.status},
        )
        log.debug("upstream said: %s", exc.message)
        return error_response(scim)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        make = _HTTP_TO_SCIM.get(exc.status)
        scim = make() if make else InvalidSyntaxException(detail=exc.reason)
        if not make:
            scim.status = exc.status
        return error_response(scim)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        error = SCIMException(detail="internal error; see the proxy log")
        error.status = 500
        return error_response(error)
