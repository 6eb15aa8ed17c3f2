"""How the proxy proves to WorkflowGen that it is an administrator.

Three modes, as WorkflowGen supports them for server-to-server calls: HTTP Basic with an
administrator account, a long-lived Bearer access token, and OAuth2 client credentials
against the identity provider (the token of a Non Interactive Client whose Impersonate
username is an administrator), fetched on demand and renewed before it expires. The
optional impersonation header can be added to any of them.
"""

import asyncio
import base64
import ssl
import time
from typing import Any

import aiohttp

from ..config import UpstreamAuthMode, WorkflowGenSettings
from .errors import UpstreamMisconfigured, UpstreamUnavailable
from .network import why

# Renew a little early so a token never expires between fetching and using it.
_EXPIRY_MARGIN_SECONDS = 60.0
_DEFAULT_LIFETIME_SECONDS = 3600.0


def trusted_tls(ca_file: str | None) -> ssl.SSLContext:
    """The system's trusted CAs, plus `ca_file` (an extra bundle, not a replacement)."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class UpstreamAuth:
    """Produces the authentication headers of each GraphQL request."""

    def __init__(self, settings: WorkflowGenSettings) -> None:
        self._settings = settings
        self._static: dict[str, str] = {}
        if settings.impersonate_username:
            self._static[settings.impersonation_header] = settings.impersonate_username
        if settings.auth is UpstreamAuthMode.basic:
            assert settings.username is not None
            assert settings.password is not None
            pair = f"{settings.username}:{settings.password.get_secret_value()}"
            self._static["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif settings.auth is UpstreamAuthMode.bearer:
            assert settings.access_token is not None
            self._static["Authorization"] = f"Bearer {settings.access_token.get_secret_value()}"
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._lock = asyncio.Lock()
        self._token_tls = trusted_tls(settings.ca_file)

    @property
    def renewable(self) -> bool:
        """Whether a refused credential may be fixed by fetching a new token."""
        return self._settings.auth is UpstreamAuthMode.client_credentials

    async def headers(self, session: aiohttp.ClientSession) -> dict[str, str]:
        if not self.renewable:
            return self._static
        token = await self._current_token(session)
        return {**self._static, "Authorization": f"Bearer {token}"}

    def invalidate(self) -> None:
        """Forget the token WorkflowGen just refused, so the next call fetches a fresh one."""
        self._token = None

    async def _current_token(self, session: aiohttp.ClientSession) -> str:
        if self._token is not None and time.monotonic() < self._token_expires_at:
            return self._token
        # One fetch at a time: a burst of requests after expiry must not stampede the IdP.
        async with self._lock:
            if self._token is None or time.monotonic() >= self._token_expires_at:
                self._token, lifetime = await self._fetch_token(session)
                self._token_expires_at = time.monotonic() + max(
                    lifetime - _EXPIRY_MARGIN_SECONDS, lifetime / 2
                )
            return self._token

    async def _fetch_token(self, session: aiohttp.ClientSession) -> tuple[str, float]:
        s = self._settings
        assert s.token_endpoint is not None
        assert s.client_id is not None
        assert s.client_secret is not None
        form = {
            "grant_type": "client_credentials",
            "client_id": s.client_id,
            "client_secret": s.client_secret.get_secret_value(),
        }
        if s.scope:
            form["scope"] = s.scope
        if s.resource:
            form["resource"] = s.resource
        try:
            async with session.post(
                str(s.token_endpoint),
                data=form,
                ssl=self._token_tls,
                timeout=aiohttp.ClientTimeout(total=s.timeout_seconds),
            ) as response:
                body: Any = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise UpstreamUnavailable(
                f"token endpoint {s.token_endpoint} unreachable: {why(exc)}", operation="token"
            ) from exc
        if status >= 500:
            raise UpstreamUnavailable(f"token endpoint answered {status}", operation="token")
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            error = body.get("error") if isinstance(body, dict) else None
            detail = f"HTTP {status} {error}" if error else f"HTTP {status}"
            raise UpstreamMisconfigured(
                f"token endpoint refused client {s.client_id!r}: {detail}", operation="token"
            )
        try:
            lifetime = float(body.get("expires_in", _DEFAULT_LIFETIME_SECONDS))
        except (TypeError, ValueError):
            lifetime = _DEFAULT_LIFETIME_SECONDS
        return str(body["access_token"]), lifetime
