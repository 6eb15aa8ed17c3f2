from __future__ import annotations

import pytest
from pytest_aiohttp import AiohttpClient

from tests.emulator.emulator_harness import Emulator, StartEmulator, default_settings
from wfgen_scim.emulator import EmulatorSettings, build_app


@pytest.fixture
def start_emulator(aiohttp_client: AiohttpClient) -> StartEmulator:
    """Starts an emulator over real HTTP on 127.0.0.1 and a random port."""

    async def start(settings: EmulatorSettings) -> Emulator:
        return Emulator(await aiohttp_client(build_app(settings)))

    return start


@pytest.fixture
async def emulator(start_emulator: StartEmulator) -> Emulator:
    return await start_emulator(default_settings())
