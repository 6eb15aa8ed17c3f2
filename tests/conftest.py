"""Fixtures: the emulator as a real server, and the proxy in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer

from tests.harness import Scim, StartStack, Upstream, scim_settings, workflowgen_for
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.emulator import build_app as build_emulator
from wfgen_scim.proxy.app import build_app


@pytest.fixture
async def upstream(aiohttp_server: AiohttpServer) -> AsyncIterator[Upstream]:
    server: TestServer = await aiohttp_server(build_emulator(EmulatorSettings()))
    controls = Upstream(server)
    await controls.client.start_server()
    yield controls
    await controls.client.close()


@pytest.fixture
def start_stack(aiohttp_client: AiohttpClient, upstream: Upstream) -> StartStack:
    async def start(scim: dict[str, Any] | None = None, **upstream_overrides: Any) -> Scim:
        wf = workflowgen_for(upstream, **upstream_overrides)
        client = await aiohttp_client(build_app(scim_settings(**(scim or {})), wf))
        await upstream.reset_stats()
        return Scim(client, upstream)

    return start


@pytest.fixture
async def scim(start_stack: StartStack) -> Scim:
    return await start_stack()
