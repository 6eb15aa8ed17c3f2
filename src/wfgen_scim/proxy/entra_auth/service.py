"""Everything that decides whether a request comes from Entra, built once per app.

The JWT and key modules (PyJWT, cryptography) are imported only when the token endpoint is
on: a proxy with static tokens alone does not load them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from ...config import ConfigError, FailureLimitSettings, OAuthClient, OAuthSettings, ScimSettings
from .hashed import SecretSet
from .limits import FailureLimiter

if TYPE_CHECKING:
    from .assertions import Assertions
    from .keys import SigningKey
    from .tokens import AccessTokens

# Control characters and lone surrogates (how aiohttp hands over bytes that are not UTF-8)
# never belong in a credential: such a header is refused before anything else reads it.
_NOT_A_CREDENTIAL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(value: str) -> bool:
    return _NOT_A_CREDENTIAL.search(value) is None


@dataclass(frozen=True)
class Outcome:
    """Who was authenticated (`client`), or why not (`reason`, safe to log)."""

    client: str | None = None
    reason: str = ""
    bad_token: bool = False  # RFC 6750 error="invalid_token" rather than no credentials


def load_keys(oauth: OAuthSettings) -> list[SigningKey]:
    from .keys import KeyFileError, load_signing_key

    keys = []
    for path in oauth.signing_key_paths:
        try:
            keys.append(load_signing_key(path))
        except KeyFileError as exc:
            raise ConfigError(f"oauth.signing_key_paths: {exc}") from None
    return keys


class EntraAuth:
    def __init__(
        self, scim: ScimSettings, oauth: OAuthSettings, limits: FailureLimitSettings
    ) -> None:
        self.oauth = oauth
        self.static = SecretSet(
            (token.get_secret_value() for token in scim.clear_tokens), scim.token_hashes
        )
        self.limiter = FailureLimiter(limits)
        self.clients: dict[str, OAuthClient] = {}
        self.client_secrets: dict[str, SecretSet] = {}
        self.tokens: AccessTokens | None = None
        self.assertions: Assertions | None = None
        self._session: aiohttp.ClientSession | None = None
        if oauth.enabled:
            from .assertions import Assertions
            from .tokens import AccessTokens

            self.assertions = Assertions(
                oauth.clients,
                cache_seconds=oauth.jwks_cache_seconds,
                leeway=oauth.clock_skew_seconds,
                session=self.session,
            )
            self.tokens = AccessTokens(oauth, load_keys(oauth))
            self.clients = {client.id: client for client in oauth.clients}
            self.client_secrets = {
                client.id: SecretSet(hashes=client.secret_hashes) for client in oauth.clients
            }

    def session(self) -> aiohttp.ClientSession:
        """For JWKS downloads; opened on first use, closed with the app."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def bearer(self, authorization: str) -> Outcome:
        """The SCIM endpoints' check of `Authorization: Bearer <token>`."""
        if not authorization:
            return Outcome(reason="no credentials")
        if not clean(authorization):
            return Outcome(reason="Authorization header with control or non-UTF-8 bytes")
        scheme, _, presented = authorization.partition(" ")
        presented = presented.strip()
        if scheme.lower() != "bearer" or not presented:
            return Outcome(reason="not a bearer credential")
        if self.static.matches(presented):
            return Outcome(client="static token")
        if self.tokens is not None and presented.count(".") == 2:
            from .tokens import InvalidToken

            try:
                return Outcome(client=self.tokens.verify(presented).client_id)
            except InvalidToken as exc:
                return Outcome(reason=str(exc), bad_token=True)
        return Outcome(reason="unknown bearer token", bad_token=True)


ENTRA_AUTH = web.AppKey("entra_auth", EntraAuth)
