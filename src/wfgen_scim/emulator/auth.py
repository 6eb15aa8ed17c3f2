"""Who is calling /wfgen/graphql: Basic, Bearer, then the impersonation header."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from .database import Database, Row
from .errors import EmulatorError, Forbidden, Unauthenticated
from .oauth import TokenIssuer
from .settings import EmulatorSettings
from .users import find_user_by_name


@dataclass(frozen=True)
class Actor:
    """The user a request acts as (after impersonation)."""

    pk: int
    user_name: str
    is_admin: bool


class AuthFailure(Exception):
    """Refused before any GraphQL runs; answered with `status` and the error as JSON."""

    def __init__(self, status: int, error: EmulatorError) -> None:
        super().__init__(error.message)
        self.status = status
        self.error = error


class Authenticator:
    def __init__(self, settings: EmulatorSettings, tokens: TokenIssuer) -> None:
        # userNames are case-insensitive everywhere in WorkflowGen, logins included.
        self._passwords = {
            account.username.lower(): account.password for account in settings.all_accounts()
        }
        self._bearer_tokens = dict(settings.bearer_tokens)
        self._tokens = tokens
        self._impersonation_header = settings.impersonation_header

    def authenticate(self, db: Database, headers: Mapping[str, str]) -> Actor:
        caller_name = self._caller_name(headers.get("Authorization", ""))
        caller = _find_user(db, caller_name)
        # The account's user may have been deleted or archived (renamed) since start-up.
        if caller is None or caller["archived"]:
            raise AuthFailure(401, Unauthenticated(f"Unknown account {caller_name!r}"))
        impersonated = headers.get(self._impersonation_header, "").strip()
        if not impersonated:
            return Actor(caller["pk"], caller["userName"], bool(caller["isAdmin"]))
        if not caller["mayImpersonate"]:
            raise AuthFailure(
                403, Forbidden(f"{caller['userName']!r} is not allowed to impersonate users")
            )
        target = _find_user(db, impersonated)
        if target is None:
            raise AuthFailure(403, Forbidden(f"Cannot impersonate unknown user {impersonated!r}"))
        return Actor(target["pk"], target["userName"], bool(target["isAdmin"]))

    def _caller_name(self, authorization: str) -> str:
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "basic" and credentials:
            user_name, password = _basic_credentials(credentials)
            expected = self._passwords.get(user_name.lower())
            if expected is not None and hmac.compare_digest(expected.encode(), password.encode()):
                return user_name
            raise AuthFailure(401, Unauthenticated("Invalid username or password"))
        if scheme.lower() == "bearer" and credentials:
            user_name_or_none = self._bearer_tokens.get(credentials)
            if user_name_or_none is None:
                user_name_or_none = self._tokens.user_name_for(credentials)
            if user_name_or_none is not None:
                return user_name_or_none
            raise AuthFailure(401, Unauthenticated("Invalid or expired access token"))
        raise AuthFailure(401, Unauthenticated("Authentication required (Basic or Bearer)"))


def _find_user(db: Database, user_name: str) -> Row | None:
    try:
        user_name.encode("utf-8")
    except UnicodeEncodeError:
        # aiohttp keeps header bytes that are not UTF-8 as lone surrogates; no user has
        # such a name, and SQLite could not even take it as a parameter.
        return None
    return find_user_by_name(db, user_name)


def _basic_credentials(encoded: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except ValueError:  # bad base64, non-ASCII input or non-UTF-8 bytes
        raise AuthFailure(401, Unauthenticated("Malformed Basic credentials")) from None
    user_name, separator, password = decoded.partition(":")
    if not separator:
        raise AuthFailure(401, Unauthenticated("Malformed Basic credentials"))
    return user_name, password
