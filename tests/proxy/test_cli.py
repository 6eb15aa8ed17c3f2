"""The console script as a new user runs it: demo, emulator + serve + check, bad config."""

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from tests.harness import new_user

CLI = [sys.executable, "-m", "wfgen_scim.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running(
    *args: str, ready: str, cwd: Path, env: dict[str, str] | None = None
) -> AsyncIterator[list[str]]:
    """Start a CLI command, wait for its ready line, yield its output so far, then stop it.

    The rest of the output is added to the yielded list once the command has stopped.
    """
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(20):
            while True:
                line = (await process.stdout.readline()).decode()
                if not line:
                    raise AssertionError("exited before ready:\n" + "".join(lines))
                lines.append(line)
                if ready in line:
                    break
        yield lines
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(10):
                    rest, _ = await process.communicate()
                    lines.append(rest.decode(errors="replace"))
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_demo_serves_scim_in_front_of_the_emulator(tmp_path: Path) -> None:
    port, emulator_port = free_port(), free_port()
    token = "cli-test-token-0123456789"
    args = ("demo", "--port", str(port), "--emulator-port", str(emulator_port), "--token", token)
    async with running(*args, ready="is ready", cwd=tmp_path) as output:
        text = "".join(output)
        assert f"http://127.0.0.1:{port}/scim/v2" in text
        assert f"http://127.0.0.1:{emulator_port}/wfgen/graphql" in text
        assert token in text
        # What `check` needs to log in to the emulator.
        assert "wfgen_admin / admin-password" in text
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/scim/v2/Users"
            async with http.post(url, json=new_user("demo@contoso.com"), headers=headers) as r:
                assert r.status == 201
            async with http.get(url, headers=headers) as r:
                assert (await r.json())["totalResults"] == 1
    # The emulator keeps its data in a file, so a restarted demo still has the user.
    assert (tmp_path / "wfgen-demo.sqlite3").exists()
    async with running(*args, ready="is ready", cwd=tmp_path), aiohttp.ClientSession() as http:
        async with http.get(url, headers=headers) as r:
            assert (await r.json())["totalResults"] == 1


def _instance(
    tmp_path: Path, graphql_port: int, scim_port: int, directory: str = "SCIM", extra: str = ""
) -> Path:
    (tmp_path / "token").write_text("serve-test-token-0123456789\n")
    path = tmp_path / f"{directory}.toml"
    path.write_text(
        f"""
[scim]
host = "127.0.0.1"
port = {scim_port}
token_file = "{tmp_path / "token"}"
[workflowgen]
url = "http://127.0.0.1:{graphql_port}/wfgen/graphql"
directory = "{directory}"
username = "wfgen_admin"
[logging]
format = "json"
[metrics]
host = "127.0.0.1"
port = {free_port()}
{extra}"""
    )
    return path


async def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_emulator_serve_and_check(tmp_path: Path) -> None:
    graphql_port, scim_port = free_port(), free_port()
    password = {"WFGEN_SCIM__WORKFLOWGEN__PASSWORD": "admin-password"}
    config = _instance(tmp_path, graphql_port, scim_port)
    emulator = ("emulator", "--port", str(graphql_port), "--db", str(tmp_path / "e.db"))
    async with running(*emulator, ready="emulator ready", cwd=tmp_path):
        code, out = await _run("check", "--config", str(config), env=password)
        assert code == 0, out
        assert "operation documents fit the schema" in out
        assert "administrator" in out

        code, out = await _run(
            "check",
            "--config",
            str(_instance(tmp_path, graphql_port, scim_port, "NOPE")),
            env=password,
        )
        assert code == 1
        assert "FAIL" in out
        assert "NOPE" in out

        serve = ("serve", "--config", str(config))
        async with running(*serve, ready="Running on", cwd=tmp_path, env=password) as output:
            async with aiohttp.ClientSession() as http:
                headers = {"Authorization": "Bearer serve-test-token-0123456789"}
                base = f"http://127.0.0.1:{scim_port}"
                async with http.post(
                    f"{base}/scim/v2/Users", json=new_user("served@contoso.com"), headers=headers
                ) as r:
                    assert r.status == 201
                async with http.get(f"{base}/readyz") as r:
                    assert r.status == 200
        log = "".join(output)
        assert "serve-test-token" not in log
        assert "admin-password" not in log


async def test_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[scim]\ntoken = "short"\n[workflowgen]\nurl = "http://x/wfgen/graphql"\n')
    code, out = await _run("serve", "--config", str(path))
    assert code == 2
    assert "scim.token" in out
    assert "workflowgen.username" in out or "workflowgen.password" in out


async def test_sigterm_with_a_hung_workflowgen_exits_within_the_grace(tmp_path: Path) -> None:
    graphql_port, scim_port = free_port(), free_port()
    password = {"WFGEN_SCIM__WORKFLOWGEN__PASSWORD": "admin-password"}
    config = _instance(tmp_path, graphql_port, scim_port)
    text = config.read_text().replace(
        "[workflowgen]",
        "shutdown_grace_seconds = 1.5\nrequest_timeout_seconds = 60\n"
        "[workflowgen]\ntimeout_seconds = 30",
    )
    config.write_text(text)
    emulator = ("emulator", "--port", str(graphql_port), "--db", str(tmp_path / "e.db"))
    async with running(*emulator, ready="emulator ready", cwd=tmp_path):
        process = await asyncio.create_subprocess_exec(
            *CLI, "serve", "--config", str(config),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, **password},
        )  # fmt: skip
        assert process.stdout is not None
        async with asyncio.timeout(20):
            while b"Running on" not in await process.stdout.readline():
                pass
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{graphql_port}"
            async with http.put(f"{base}/wfgen/emulator/knobs", json={"latency_ms": 20000}):
                pass
            headers = {"Authorization": "Bearer serve-test-token-0123456789"}
            hung = asyncio.create_task(
                http.get(f"http://127.0.0.1:{scim_port}/scim/v2/Users", headers=headers)
            )
            await asyncio.sleep(0.5)  # the request is now waiting on WorkflowGen
            loop = asyncio.get_running_loop()
            started = loop.time()
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(20):
                await process.wait()
            took = loop.time() - started
            # The request in flight got an answer Entra retries, not a dropped connection.
            answer = await hung
            assert answer.status == 503
            assert answer.headers["Content-Type"].startswith("application/scim+json")
            assert int(answer.headers["Retry-After"]) > 0
        assert process.returncode == 0
        # The grace plus generous slack for a loaded machine; without the grace the hung
        # request would hold the process for its 60 s deadline.
        assert took < 1.5 + 6.0
