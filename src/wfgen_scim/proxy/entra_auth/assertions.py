"""Workload identity federation: Entra authenticates with a JWT it signed (RFC 7523 s3).

The assertion names its issuer (the tenant's v2.0 issuer) and subject; the client is the
configured one with that issuer and subject (and the `client_id` sent, if any). Its
signature is checked against that client's JWKS, then issuer, audience, subject, expiry and
not-before. Entra's keys are asymmetric; `none` and HMAC are never accepted.
"""

from collections.abc import Callable, Sequence

import aiohttp
import jwt

from ...config import OAuthClient
from .jwks import ASSERTION_ALGORITHMS, JwksSource

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_CHARS = 16_384


class AssertionRefused(Exception):
    """A short reason, safe to log: it never quotes the assertion."""


class Assertions:
    def __init__(
        self,
        clients: Sequence[OAuthClient],
        *,
        cache_seconds: float,
        leeway: float,
        session: Callable[[], aiohttp.ClientSession],
    ) -> None:
        self._clients = [client for client in clients if client.federated]
        self._leeway = leeway
        self.sources = {
            client.id: JwksSource(
                url=None if client.jwks_url is None else str(client.jwks_url),
                path=client.jwks_path,
                cache_seconds=cache_seconds,
                session=session,
            )
            for client in self._clients
        }

    async def client_for(self, assertion: str, client_id: str | None) -> OAuthClient:
        """The client this assertion proves to be, or AssertionRefused."""
        if len(assertion) > MAX_ASSERTION_CHARS:
            raise AssertionRefused("assertion too large")
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AssertionRefused("malformed assertion") from None
        client = self._match(unverified.get("iss"), unverified.get("sub"), client_id)
        if header.get("alg") not in ASSERTION_ALGORITHMS:
            raise AssertionRefused("assertion algorithm not accepted")
        key = await self.sources[client.id].key(str(header.get("kid")))
        if key is None:
            raise AssertionRefused("assertion signed by an unknown key")
        if key.algorithm_name != header.get("alg"):
            raise AssertionRefused("assertion algorithm does not fit its key")
        try:
            jwt.decode(
                assertion,
                key.key,
                algorithms=[key.algorithm_name],
                audience=client.assertion_audience,
                issuer=client.assertion_issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise AssertionRefused("expired assertion") from None
        except jwt.InvalidSignatureError:
            raise AssertionRefused("assertion with a bad signature") from None
        except jwt.InvalidAudienceError:
            raise AssertionRefused("assertion for another audience") from None
        except jwt.PyJWTError as exc:
            raise AssertionRefused(f"invalid assertion ({type(exc).__name__})") from None
        return client

    def _match(self, issuer: object, subject: object, client_id: str | None) -> OAuthClient:
        for client in self._clients:
            if client_id is not None and client.id != client_id:
                continue
            if client.assertion_issuer == issuer and client.assertion_subject == subject:
                return client
        raise AssertionRefused("no client with this assertion issuer and subject")
