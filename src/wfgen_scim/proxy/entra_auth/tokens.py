"""The proxy's access tokens: signed JWTs (RFC 9068 shape) that any replica can verify.

Nothing is stored: a token carries its issuer, audience, client and lifetime, signed by a
key every replica loads from the same files. A verified token is remembered until it
expires, so Entra's hundreds of requests with one token cost one signature check.
"""

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from ...config import OAuthSettings
from .keys import SigningKey

TOKEN_TYPE = "at+jwt"
CACHE_SIZE = 4096


class InvalidToken(Exception):
    """Why a presented access token is refused: a short reason, safe to log (no token)."""


@dataclass(frozen=True)
class Issued:
    token: str
    expires_in: int
    scope: str


@dataclass(frozen=True)
class TokenClaims:
    client_id: str
    expires_at: float


class AccessTokens:
    def __init__(
        self,
        settings: OAuthSettings,
        keys: Sequence[SigningKey],
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not keys:
            raise ValueError("at least one signing key")
        self._settings = settings
        self._signer = keys[0]
        self._keys = {key.kid: key for key in keys}
        self._clock = clock
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()

    def issue(self, client_id: str, scope: str) -> Issued:
        now = int(self._clock())
        lifetime = self._settings.token_lifetime_minutes * 60
        claims: dict[str, Any] = {
            "iss": self._settings.issuer,
            "aud": self._settings.audience,
            "sub": client_id,
            "client_id": client_id,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        if scope:
            claims["scope"] = scope
        token = jwt.encode(
            claims,
            self._signer.private,
            algorithm=self._signer.algorithm,
            headers={"kid": self._signer.kid, "typ": TOKEN_TYPE},
        )
        return Issued(token, lifetime, scope)

    def verify(self, token: str) -> TokenClaims:
        now = self._clock()
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at + self._settings.clock_skew_seconds > now:
                return known
            del self._verified[token]
            raise InvalidToken("expired access token")
        claims = self._check(token)
        self._verified[token] = claims
        if len(self._verified) > CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

    def _check(self, token: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed access token") from None
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("access token signed by an unknown key")
        if header.get("typ") != TOKEN_TYPE:
            raise InvalidToken("not an access token of this proxy")
        try:
            claims = jwt.decode(
                token,
                key.public,
                algorithms=[key.algorithm],
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                leeway=self._settings.clock_skew_seconds,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("expired access token") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("access token with a bad signature") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("access token for another audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("access token from another issuer") from None
        except jwt.PyJWTError:
            raise InvalidToken("invalid access token") from None
        return TokenClaims(str(claims["sub"]), float(claims["exp"]))
