"""The token endpoint: OAuth 2.0 client credentials grant (RFC 6749 s4.4).

Clients authenticate with client_secret_basic (s2.3.1), client_secret_post, or a signed
assertion (RFC 7523 s2.2, Entra's workload identity federation); exactly one of them
(s2.3). Answers are RFC 6749 s5.1/s5.2 JSON - application/json, as the RFC requires of a
token endpoint and as Entra's token client expects - never cached.
"""

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote_plus

from aiohttp import web

from ..auth import client_address, refusal
from .assertions import JWT_BEARER, AssertionRefused
from .jwks import JwksUnavailable
from .service import ENTRA_AUTH, EntraAuth, clean

log = logging.getLogger("wfgen_scim.auth")

MAX_FORM_BYTES = 65_536
GRANT = "client_credentials"


class TokenError(Exception):
    """An RFC 6749 s5.2 error; `reason` is for the log, never shown, never a secret."""

    def __init__(self, error: str, description: str, status: int = 400, reason: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status
        self.reason = reason or description


def invalid_client(reason: str) -> TokenError:
    return TokenError("invalid_client", "client authentication failed", 401, reason)


def oauth_json(
    body: Mapping[str, object], status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    response = web.Response(
        status=status,
        text=json.dumps(body, separators=(",", ":")),
        content_type="application/json",
        headers={"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})},
    )
    return response


async def token_endpoint(request: web.Request) -> web.Response:
    auth = request.app[ENTRA_AUTH]
    try:
        return await _grant(auth, request)
    except TokenError as exc:
        body = {"error": exc.error, "error_description": exc.description}
        if exc.error != "invalid_client":
            return oauth_json(body, exc.status)
        retry_after = refusal(auth, request, exc.reason, "token")
        if retry_after is not None:
            body["error_description"] = "too many failed authentications; retry later"
            return oauth_json(body, 429, {"Retry-After": str(retry_after)})
        # s5.2: 401 with a challenge for the scheme the client may use.
        return oauth_json(body, 401, {"WWW-Authenticate": 'Basic realm="oauth2"'})
    except JwksUnavailable as exc:
        log.warning("cannot verify a client assertion: %s", exc)
        body = {"error": "temporarily_unavailable", "error_description": "try again later"}
        return oauth_json(body, 503, {"Retry-After": "30"})


async def _grant(auth: EntraAuth, request: web.Request) -> web.Response:
    form = await _form(request)
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise TokenError("invalid_request", "grant_type is required")
    client_id = await _authenticate(auth, request, form)
    if grant_type != GRANT:
        raise TokenError("unsupported_grant_type", "only client_credentials is supported")
    scope = _granted_scope(auth, client_id, form.get("scope"))
    assert auth.tokens is not None
    issued = auth.tokens.issue(client_id, scope)
    log.info(
        "access token issued to %s",
        client_id,
        extra={"client_id": client_id, "client_address": client_address(request)},
    )
    body: dict[str, object] = {
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
    }
    if issued.scope:
        body["scope"] = issued.scope
    return oauth_json(body)


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_type != "application/x-www-form-urlencoded":
        raise TokenError("invalid_request", "send application/x-www-form-urlencoded")
    if (request.content_length or 0) > MAX_FORM_BYTES:
        raise TokenError("invalid_request", "request too large", 413)
    raw = await request.content.read(MAX_FORM_BYTES + 1)
    if len(raw) > MAX_FORM_BYTES:
        raise TokenError("invalid_request", "request too large", 413)
    try:
        text = raw.decode("ascii")  # form encoding: anything else is percent-encoded
        pairs = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise TokenError("invalid_request", "malformed form body") from None
    if any(len(values) > 1 for values in pairs.values()):
        raise TokenError("invalid_request", "a parameter was sent more than once")
    form = {name: values[0] for name, values in pairs.items()}
    if not all(clean(name) and clean(value) for name, value in form.items()):
        raise TokenError("invalid_request", "control characters in a parameter")
    return form


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_client("malformed Basic credentials") from None
    user, colon, password = decoded.partition(":")
    if not colon or not clean(decoded):
        raise invalid_client("malformed Basic credentials")
    # s2.3.1: both parts are form-urlencoded before they are joined.
    return unquote_plus(user), unquote_plus(password)


async def _authenticate(auth: EntraAuth, request: web.Request, form: dict[str, str]) -> str:
    header = request.headers.get("Authorization", "")
    if header and not clean(header):
        raise invalid_client("Authorization header with control or non-UTF-8 bytes")
    basic = _basic(header) if header else None
    methods = [basic is not None, "client_secret" in form, "client_assertion" in form]
    if sum(methods) > 1:
        raise TokenError("invalid_request", "use exactly one client authentication method")
    if "client_assertion" in form or "client_assertion_type" in form:
        return await _by_assertion(auth, form)
    if basic is not None:
        client_id, secret = basic
        if "client_id" in form and form["client_id"] != client_id:
            raise TokenError("invalid_request", "client_id differs from the Basic credentials")
    elif "client_secret" in form:
        client_id, secret = form.get("client_id", ""), form["client_secret"]
    else:
        raise invalid_client("no client credentials")
    secrets = auth.client_secrets.get(client_id)
    if secrets is None:
        # Not logged: a secret pasted into the wrong field would end up in the log.
        raise invalid_client("unknown client id")
    if not secrets.matches(secret):
        raise invalid_client(f"wrong secret for client {client_id!r}")
    return client_id


async def _by_assertion(auth: EntraAuth, form: dict[str, str]) -> str:
    if form.get("client_assertion_type") != JWT_BEARER:
        raise invalid_client("unsupported client_assertion_type")
    if not form.get("client_assertion"):
        raise TokenError("invalid_request", "client_assertion is required")
    assert auth.assertions is not None  # the endpoint exists only when OAuth is on
    try:
        client = await auth.assertions.client_for(form["client_assertion"], form.get("client_id"))
    except AssertionRefused as exc:
        raise invalid_client(str(exc)) from None
    return client.id


def _granted_scope(auth: EntraAuth, client_id: str, requested: str | None) -> str:
    wanted = (requested or "").split()
    allowed = auth.clients[client_id].scopes
    if not allowed:
        return " ".join(wanted)
    if not set(wanted) <= set(allowed):
        raise TokenError("invalid_scope", "a requested scope is not allowed for this client")
    return " ".join(wanted or allowed)
