"""`wfgen-scim link` as a process: killed mid-run and re-run; bad input refused."""

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from tests.harness import Upstream
from tests.migration.test_link import from_args, snapshot
from tests.migration.world import link, write_config, write_world
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.emulator import build_app as build_emulator

CLI = [sys.executable, "-m", "wfgen_scim.cli", "link"]


async def seeded(aiohttp_server: AiohttpServer, seed_file: Path) -> Upstream:
    server: TestServer = await aiohttp_server(build_emulator(EmulatorSettings(seed_file=seed_file)))
    upstream = Upstream(server)
    await upstream.client.start_server()
    return upstream


async def test_a_killed_apply_finishes_on_the_next_run(
    tmp_path: Path, aiohttp_server: AiohttpServer
) -> None:
    seed_file, exports = write_world(tmp_path)
    killed, whole = await seeded(aiohttp_server, seed_file), await seeded(aiohttp_server, seed_file)
    config = write_config(tmp_path, killed.graphql_url)
    await killed.knobs(latency_ms=10)
    process = await asyncio.create_subprocess_exec(
        *CLI, "--config", str(config), *from_args(exports), "--apply", "--concurrency", "2",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    async with asyncio.timeout(60):
        while b"[40/178]" not in await process.stderr.readline():
            pass
    process.send_signal(signal.SIGKILL)
    await process.wait()
    await killed.knobs(latency_ms=0)
    midway = await snapshot(killed)
    assert sum(u[0] == "SCIM" for u in midway["users"].values()) < 15 + 169, "stopped midway"
    assert await link(config, *from_args(exports), "--apply") == 0
    assert (
        await link(write_config(tmp_path, whole.graphql_url), *from_args(exports), "--apply") == 0
    )
    assert await snapshot(killed) == await snapshot(whole)


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("{not json", [], "not valid JSON"),
        ('{"values": []}', [], "'value' array"),
        ('{"value": [{"userPrincipalName": "a@b.c"}]}', [], "'id' is missing"),
        (
            '{"value": [{"id": "1", "userPrincipalName": "a@b.c"}, '
            '{"id": "1", "userPrincipalName": "b@b.c"}]}',
            [],
            "duplicate object id '1'",
        ),
        ("objectId,userPrincipalName,favouriteColour\n1,a@b.c,blue\n", [], "unknown columns"),
        ('{"value": []}', ["--source-directory", "NOPE"], "no such directory"),
        ('{"value": []}', ["--report", "out.txt"], ".json or .csv"),
    ],
)
async def test_bad_input_exits_2_before_writing(
    tmp_path: Path, aiohttp_server: AiohttpServer, content: str, extra: list[str], message: str
) -> None:
    seed_file, _ = write_world(tmp_path)
    upstream = await seeded(aiohttp_server, seed_file)
    before = await snapshot(upstream)
    export = tmp_path / ("export.csv" if "objectId," in content else "export.json")
    export.write_text(content)
    config = write_config(tmp_path, upstream.graphql_url)
    process = await asyncio.create_subprocess_exec(
        *CLI, "--config", str(config), "--from", str(export), "--apply",
        "--report", str(tmp_path / "r.json"), *extra, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ},
    )  # fmt: skip
    _, err = await process.communicate()
    assert process.returncode == 2, err
    assert message in err.decode()
    assert await snapshot(upstream) == before
    assert not (tmp_path / "r.json").exists() or "--report" in extra
    assert json.loads(seed_file.read_text())  # untouched input
