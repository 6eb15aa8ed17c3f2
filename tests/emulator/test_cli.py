"""The emulator's command-line options and `serve`, as the top-level CLI uses them."""

from __future__ import annotations

import argparse
import asyncio

import aiohttp
import pytest

from tests.emulator.emulator_harness import bearer
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.emulator.cli import add_arguments, serve, settings_from_args


def parse(*argv: str) -> EmulatorSettings:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return settings_from_args(parser.parse_args(argv))


def test_defaults_match_the_settings_defaults() -> None:
    assert parse() == EmulatorSettings()
    assert EmulatorSettings().bearer_tokens == {"emulator-access-token": "wfgen_admin"}


def test_every_flag_reaches_the_settings() -> None:
    settings = parse(
        *("--host", "0.0.0.0", "--port", "0", "--db", "demo.sqlite3", "--directory", "AAD"),
        *("--admin-user", "boss", "--admin-password", "pw", "--seed-users", "7"),
        *("--bearer-token", "t1", "--bearer-token", "t2=reader"),
        *("--oauth-client", "app:secret", "--latency-ms", "5", "--fail-rate", "0.1"),
        *("--drop-rate", "0.2", "--commit-then-fail-rate", "0.3", "--random-seed", "9"),
    )
    assert (settings.host, settings.port, settings.db) == ("0.0.0.0", 0, "demo.sqlite3")
    assert (settings.directory_name, settings.admin_username) == ("AAD", "boss")
    assert settings.admin_password == "pw"
    assert settings.seed_users == 7
    assert settings.bearer_tokens == {"t1": "boss", "t2": "reader"}
    assert settings.oauth_clients == {"app": ("secret", "boss")}
    assert (settings.latency_ms, settings.fail_rate, settings.drop_rate) == (5, 0.1, 0.2)
    assert (settings.commit_then_fail_rate, settings.random_seed) == (0.3, 9)


async def test_serve_reports_its_url_and_runs_until_cancelled() -> None:
    urls: list[str] = []
    listening = asyncio.Event()

    def ready(url: str) -> None:
        urls.append(url)
        listening.set()

    server = asyncio.create_task(serve(EmulatorSettings(port=0), ready))
    await asyncio.wait_for(listening.wait(), timeout=5)
    assert urls[0].startswith("http://127.0.0.1:")
    assert urls[0].endswith("/wfgen/graphql")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            urls[0],
            json={"query": "{ viewer { userName } }"},
            headers=bearer("emulator-access-token"),
        ) as response,
    ):
        assert await response.json() == {"data": {"viewer": {"userName": "wfgen_admin"}}}
    server.cancel()
    with pytest.raises(asyncio.CancelledError):
        await server


@pytest.mark.parametrize("argv", [["--bearer-token", "=reader"], ["--oauth-client", "id-only"]])
def test_malformed_credential_flags_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse(*argv)
