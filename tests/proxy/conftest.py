"""The proxy with Entra's authentication methods on, in front of the emulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from tests.auth_harness import Entra, oauth_settings, write_key
from tests.harness import Scim, Upstream, scim_settings, workflowgen_for
from wfgen_scim.config import FailureLimitSettings, OAuthSettings
from wfgen_scim.proxy.app import build_app

StartAuth = Callable[..., Awaitable[Scim]]


@pytest.fixture
def entra() -> Entra:
    return Entra.new()


@pytest.fixture
def oauth(tmp_path: Path, entra: Entra) -> OAuthSettings:
    key = write_key(tmp_path / "signing.pem")
    return oauth_settings([key], jwks_path=entra.write_jwks(tmp_path / "jwks.json"))


@pytest.fixture
def start_auth(aiohttp_client: AiohttpClient, upstream: Upstream) -> StartAuth:
    async def start(
        oauth: OAuthSettings | None = None,
        scim: dict[str, Any] | None = None,
        limits: dict[str, Any] | None = None,
    ) -> Scim:
        app = build_app(
            scim_settings(**(scim or {})),
            workflowgen_for(upstream),
            oauth=oauth,
            auth_limits=FailureLimitSettings(**(limits or {})),
        )
        client = await aiohttp_client(app)
        await upstream.reset_stats()
        return Scim(client, upstream)

    return start
