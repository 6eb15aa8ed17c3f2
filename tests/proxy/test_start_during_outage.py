"""`serve` started while WorkflowGen is down: it listens, says 503, and becomes ready later.

The process-level view of tests/proxy/test_resilience.py's in-process test: a restart
during an outage must keep Entra's answers fast 503s, not refused connections.
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from tests.harness import new_user
from tests.proxy.test_cli import CLI, _instance, free_port, running

PASSWORD = {"WFGEN_SCIM__WORKFLOWGEN__PASSWORD": "admin-password"}
HEADERS = {"Authorization": "Bearer serve-test-token-0123456789"}


@asynccontextmanager
async def serving(config: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`serve` started and listening (not necessarily ready); killed if still running."""
    process = await asyncio.create_subprocess_exec(
        *CLI, "serve", "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **PASSWORD},
    )  # fmt: skip
    assert process.stdout is not None
    try:
        async with asyncio.timeout(20):
            while b"Running on" not in await process.stdout.readline():
                assert process.returncode is None
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _readyz(http: aiohttp.ClientSession, base: str) -> int:
    async with http.get(f"{base}/readyz") as response:
        return response.status


async def test_serve_during_an_outage_answers_503_then_becomes_ready(tmp_path: Path) -> None:
    graphql_port, scim_port = free_port(), free_port()
    config = _instance(tmp_path, graphql_port, scim_port)
    base = f"http://127.0.0.1:{scim_port}"
    async with serving(config) as proxy, aiohttp.ClientSession() as http:
        # Nothing listens on the WorkflowGen port yet, and the proxy still answers.
        assert await _readyz(http, base) == 503
        async with http.get(f"{base}/scim/v2/Users", headers=HEADERS) as r:
            assert r.status == 503
            assert r.headers["Content-Type"].startswith("application/scim+json")
            assert int(r.headers["Retry-After"]) > 0
            assert (await r.json())["status"] == "503"
        emulator = ("emulator", "--port", str(graphql_port), "--db", str(tmp_path / "e.db"))
        async with running(*emulator, ready="emulator ready", cwd=tmp_path):
            assert proxy.stdout is not None
            async with asyncio.timeout(30):  # the background retries back off up to 15 s
                while b"WorkflowGen is back: ready" not in await proxy.stdout.readline():
                    pass
            assert await _readyz(http, base) == 200
            async with http.post(
                f"{base}/scim/v2/Users", json=new_user("late@contoso.com"), headers=HEADERS
            ) as r:
                assert r.status == 201, await r.text()
        assert proxy.returncode is None
