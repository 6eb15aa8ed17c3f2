"""The OAuth2 client-credentials endpoint standing for Entra/Auth0/Okta/AD FS.

A client's tokens act as the client's "Impersonate username", like a WorkflowGen
Application of type Non Interactive Client.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class TokenIssuer:
    clients: Mapping[str, tuple[str, str]]
    lifetime_seconds: int
    clock: Callable[[], float] = time.monotonic
    # token -> (userName, expiry on `clock`)
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    def issue(self, client_id: str, client_secret: str) -> str | None:
        """A new access token, or None when the client or its secret is wrong."""
        client = self.clients.get(client_id)
        if client is None or not hmac.compare_digest(client[0].encode(), client_secret.encode()):
            return None
        now = self.clock()
        # Forget expired tokens here, so that a long benchmark does not grow the table.
        self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
        token = secrets.token_urlsafe(32)
        self._tokens[token] = (client[1], now + self.lifetime_seconds)
        return token

    def user_name_for(self, token: str) -> str | None:
        """The userName an unexpired token acts as."""
        entry = self._tokens.get(token)
        if entry is None or entry[1] <= self.clock():
            return None
        return entry[0]


def _client_credentials(request: web.Request, form: Mapping[str, str]) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except ValueError:  # bad base64, non-ASCII input or non-UTF-8 bytes
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")


def token_endpoint(issuer: TokenIssuer) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The handler of POST /wfgen/emulator/oauth/token for `issuer`."""

    async def handle_token(request: web.Request) -> web.Response:
        try:
            form = {key: str(value) for key, value in (await request.post()).items()}
        except ValueError:  # a body that is not UTF-8
            return web.json_response({"error": "invalid_request"}, status=400)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        client_id, secret = _client_credentials(request, form)
        token = issuer.issue(client_id, secret)
        if token is None:
            return web.json_response(
                {"error": "invalid_client"},
                status=401,
                headers={"WWW-Authenticate": 'Basic realm="emulator-oauth"'},
            )
        return web.json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": issuer.lifetime_seconds,
            },
            headers={"Cache-Control": "no-store"},
        )

    return handle_token
