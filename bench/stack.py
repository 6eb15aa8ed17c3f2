"""The emulator and the proxy as two child processes on free 127.0.0.1 ports.

Each runs through the console script (`python -m wfgen_scim.cli ...`) exactly as an
administrator would start it, in its own process, so that the proxy, the emulator and the
load generator do not share one event loop. Children are stopped on every way out: normal
exit, exceptions, Ctrl-C and SIGTERM (see `run`), and - on Linux - even if the benchmark
itself is killed (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import ctypes
import json
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from wfgen_scim.emulator import EmulatorSettings

HOST = "127.0.0.1"
TOKEN = "bench-secret-token-0123456789"
READY_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 10.0
# No single benchmark request should take this long; a hung server fails the request
# (counted as status 0) instead of stalling the benchmark.
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)
REPO_ROOT = Path(__file__).resolve().parent.parent

_EMULATOR = EmulatorSettings()
ADMIN_USER = _EMULATOR.admin_username
ADMIN_PASSWORD = _EMULATOR.admin_password
DIRECTORY = _EMULATOR.directory_name

T = TypeVar("T")


class StackError(RuntimeError):
    """A child process did not start, or died; the message carries its output."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def basic_auth() -> str:
    pair = f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _prepare_child() -> None:
    # Runs in the child between fork and exec (Linux only).
    # A benchmark started in the background of a script inherits SIGINT ignored, and so
    # would its children; restore the default so SIGINT stops them cleanly.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # Ask the kernel to SIGTERM the child when the benchmark dies, even by SIGKILL, so no
    # emulator or proxy is ever left behind.
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def process_cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # Fields after the parenthesised command name; utime and stime are the 14th
            # and 15th fields of the whole line, in clock ticks.
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(eq=False)  # hashed by identity, for _LIVE
class Child:
    """One running CLI command whose output (stdout and stderr) goes to a log file."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path
    stopping: bool = False

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def output(self, last_lines: int = 40) -> str:
        lines = self.log_text().splitlines()
        return "\n".join(lines[-last_lines:]) or "(no output)"

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the child has used so far (Linux /proc; None elsewhere)."""
        return process_cpu_seconds(self.process.pid)

    def died(self) -> bool:
        return self.process.returncode is not None and not self.stopping

    def failure(self, what: str) -> StackError:
        code = self.process.returncode
        status = f"exit code {code}" if code is not None else "still running"
        return StackError(f"{self.name} {what} ({status}); its last output:\n{self.output()}")

    async def stop(self) -> None:
        self.stopping = True
        if self.process.returncode is not None:
            return
        # SIGINT lets aiohttp shut down cleanly (and cProfile write its file).
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
                await self.process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


async def start_child(
    name: str, argv: Sequence[str], *, ready: str | None, log_path: Path, cwd: Path
) -> Child:
    """Start `argv` and wait until its output holds the line `ready` (None: just start it).

    Output goes to a file, not a pipe: a chatty child (the proxy logs every request) would
    block on a full pipe that nobody reads during the benchmark.
    """
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            # Our own session: a Ctrl-C in the terminal reaches only the benchmark, which
            # then stops its children in order.
            start_new_session=True,
            preexec_fn=_prepare_child if sys.platform == "linux" else None,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    child = Child(name, process, log_path)
    _LIVE.add(child)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    try:
        while True:
            if ready is None or ready in child.log_text():
                return child
            if process.returncode is not None:
                raise child.failure("exited before it was ready")
            if time.monotonic() > deadline:
                raise child.failure(f"was not ready within {READY_TIMEOUT_SECONDS:.0f} s")
            await asyncio.sleep(0.05)
    except BaseException:
        await child.stop()
        raise


# Every child not yet reaped, for the last-resort cleanup at interpreter exit.
_LIVE: set[Child] = set()


def _kill_leftovers() -> None:
    for child in _LIVE:
        if child.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.process.kill()


@dataclass
class Stack:
    """The running processes and the URLs the benchmarks talk to."""

    workdir: Path
    emulator_base: str
    scim_base: str
    children: list[Child] = field(default_factory=list)

    @property
    def graphql_url(self) -> str:
        return f"{self.emulator_base}/wfgen/graphql"

    def check_alive(self) -> None:
        """Raise with the child's output if one died while we were measuring."""
        for child in self.children:
            if child.died():
                raise child.failure("died during the benchmark")

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by each child, and by this process (the load generator)."""
        used = {"load generator": time.process_time()}
        for child in self.children:
            seconds = child.cpu_seconds()
            if seconds is not None:
                used[child.name] = seconds
        return used

    async def add(
        self, name: str, argv: Sequence[str], *, ready: str | None, cwd: Path | None = None
    ) -> Child:
        """Start one more child (e.g. a passthrough baseline) owned by this stack."""
        child = await start_child(
            name, argv, ready=ready, log_path=self.workdir / f"{name}.log", cwd=cwd or self.workdir
        )
        self.children.append(child)
        return child


def _proxy_config(
    workdir: Path, scim_port: int, graphql_url: str, log_level: str, extra: str = ""
) -> Path:
    # Secrets go in files beside the config, as the README recommends for deployments.
    (workdir / "scim_token").write_text(TOKEN + "\n")
    (workdir / "wfgen_password").write_text(ADMIN_PASSWORD + "\n")
    path = workdir / "proxy.toml"
    path.write_text(
        f"""[scim]
host = "{HOST}"
port = {scim_port}
token_file = "{workdir / "scim_token"}"

[workflowgen]
url = "{graphql_url}"
directory = "{DIRECTORY}"
auth = "basic"
username = "{ADMIN_USER}"
password_file = "{workdir / "wfgen_password"}"

[logging]
level = "{log_level}"
format = "json"
{extra}"""
    )
    return path


@asynccontextmanager
async def running_stack(
    *,
    latency_ms: float = 0.0,
    seed_users: int = 0,
    proxy_log_level: str = "INFO",
    profile_proxy: Path | None = None,
    extra_config: str = "",
) -> AsyncIterator[Stack]:
    """Emulator (in-memory SQLite) and proxy, ready to serve; both stopped on the way out.

    extra_config is TOML appended to the proxy's config (e.g. an [oauth] section).
    """
    with tempfile.TemporaryDirectory(prefix="wfgen-bench-") as tmp:
        workdir = Path(tmp)
        emulator_port, scim_port = free_port(), free_port()
        stack = Stack(
            workdir=workdir,
            emulator_base=f"http://{HOST}:{emulator_port}",
            scim_base=f"http://{HOST}:{scim_port}/scim/v2",
        )
        try:
            await stack.add(
                "emulator",
                [
                    *(sys.executable, "-m", "wfgen_scim.cli", "emulator"),
                    *("--host", HOST, "--port", str(emulator_port), "--db", ":memory:"),
                    *("--latency-ms", str(latency_ms), "--seed-users", str(seed_users)),
                ],
                ready="emulator ready",
            )
            config = _proxy_config(
                workdir, scim_port, stack.graphql_url, proxy_log_level, extra_config
            )
            profiler = ["-m", "cProfile", "-o", str(profile_proxy)] if profile_proxy else []
            await stack.add(
                "proxy",
                [
                    sys.executable,
                    *profiler,
                    "-m",
                    "wfgen_scim.cli",
                    "serve",
                    "--config",
                    str(config),
                ],
                # aiohttp's start-up banner, logged once the directory has been resolved.
                # Below INFO it is not logged; /readyz, polled next, says the same.
                ready="Running on" if proxy_log_level in ("DEBUG", "INFO") else None,
            )
            await _wait_ready(stack.scim_base.removesuffix("/scim/v2") + "/readyz", stack)
            yield stack
        finally:
            for child in reversed(stack.children):
                await child.stop()
                _LIVE.discard(child)


async def _wait_ready(url: str, stack: Stack) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while True:
            stack.check_alive()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise stack.children[-1].failure("never answered /readyz")
            await asyncio.sleep(0.05)


@dataclass(frozen=True)
class UpstreamStats:
    requests: int
    operations: dict[str, int]


class Upstream:
    """The emulator's round-trip counters and a raw GraphQL client, over HTTP."""

    def __init__(self, http: aiohttp.ClientSession, stack: Stack) -> None:
        self.http = http
        self.base = stack.emulator_base
        self.graphql_url = stack.graphql_url

    async def reset_stats(self) -> None:
        async with self.http.delete(f"{self.base}/wfgen/stats") as response:
            response.raise_for_status()

    async def stats(self) -> UpstreamStats:
        async with self.http.get(f"{self.base}/wfgen/stats") as response:
            response.raise_for_status()
            body = await response.json()
        return UpstreamStats(int(body["requests"]), dict(body.get("operations") or {}))

    async def graphql(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": basic_auth()}
        payload = {"query": query, "variables": variables or {}}
        async with self.http.post(self.graphql_url, json=payload, headers=headers) as response:
            body = await response.json()
        if "errors" in body:
            raise StackError(f"emulator refused a query: {body['errors']}")
        return body["data"]

    async def directory_id(self) -> str:
        data = await self.graphql(
            "query($name: String!) { directory(name: $name) { id } }", {"name": DIRECTORY}
        )
        return str(data["directory"]["id"])


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run, plus SIGTERM treated like Ctrl-C so `finally` blocks stop the children."""

    async def guarded() -> T:
        task = asyncio.current_task()
        if task is not None:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await main()

    try:
        return asyncio.run(guarded())
    finally:
        _kill_leftovers()


def add_proxy_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every benchmark gives the proxy it starts."""
    parser.add_argument(
        "--proxy-log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="the proxy's log level (INFO logs one access line per request, as deployed)",
    )
    parser.add_argument(
        "--profile-proxy",
        type=Path,
        default=None,
        metavar="FILE",
        help="run the proxy under cProfile and write its stats to FILE",
    )


def main_of(
    benchmark: Callable[[], Coroutine[Any, Any, T]],
    *,
    as_json: bool,
    render: Callable[[T], str],
    failed: Callable[[T], bool],
    stopped: str,
) -> int:
    """Run a benchmark and print its result; exit 2 if a child failed, 1 if a check did."""
    try:
        result = run(benchmark)
    except StackError as failure:
        print(f"benchmark aborted: {failure}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(f"interrupted; {stopped} stopped", file=sys.stderr)
        return 130
    print(json.dumps(result, indent=2) if as_json else render(result))
    return 1 if failed(result) else 0
