"""Entra's credentials on the SCIM endpoints, checked before anything else.

`Authorization: Bearer <token>` where the token is a static one (scim.token, scim.tokens,
scim.token_hashes) or an access token from our token endpoint. Every refusal is a SCIM error
(401, or 429 for an address that keeps failing), logged without the credential.
"""

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from scim2_models import SCIMException

from .entra_auth.service import EntraAuth, Outcome
from .errors import UnauthorizedError, error_response
from .state import METRICS

log = logging.getLogger("wfgen_scim.auth")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TooManyFailuresError(SCIMException):
    status = 429
    _default_detail = "too many failed authentications from this address; retry later"


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


def refusal(
    auth: EntraAuth, request: web.Request, reason: str, endpoint: str = "scim"
) -> int | None:
    """Count a failed authentication and log it; the Retry-After if the address is refused.

    One line per failure until the address is refused, then one line for the lockout and
    none while it lasts: a guesser cannot flood the log.
    """
    address = client_address(request)
    metrics = request.app[METRICS]
    retry_after = auth.limiter.retry_after(address)
    if retry_after is not None:
        auth.limiter.refused()
        metrics.auth_failures.labels(endpoint, "refused").inc()
        return retry_after
    metrics.auth_failures.labels(endpoint, "rejected").inc()
    extra = {"client_address": address, "reason": reason, "path": request.path}
    if auth.limiter.failed(address):
        metrics.auth_lockouts.inc()
        counters = auth.limiter.counters
        log.warning(
            "authentication failures from %s: refused for %ss (%s); last: %s",
            address,
            round(auth.limiter.lockout_seconds),
            f"{counters.lockouts} lockouts, {counters.failures} failures so far",
            reason,
            extra=extra,
        )
    else:
        log.info("authentication failed from %s: %s", address, reason, extra=extra)
    return None


def bearer_auth(auth: EntraAuth, protected_prefixes: tuple[str, ...]) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(protected_prefixes):
            return await handler(request)
        outcome = auth.bearer(request.headers.get("Authorization", ""))
        if outcome.client is not None:
            return await handler(request)
        return _refused(auth, request, outcome)

    return middleware


def _refused(auth: EntraAuth, request: web.Request, outcome: Outcome) -> web.Response:
    retry_after = refusal(auth, request, outcome.reason)
    if retry_after is not None:
        response = error_response(TooManyFailuresError())
        response.headers["Retry-After"] = str(retry_after)
        return response
    response = error_response(UnauthorizedError())
    # RFC 6750 s3: no error code when no credentials came, invalid_token when a bad one did.
    challenge = 'Bearer realm="scim"'
    if outcome.bad_token:
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response
