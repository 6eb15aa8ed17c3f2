"""The proxy's own overhead on a single-user lookup, against what it stands on.

    .venv/bin/python -m bench.overhead [--requests R] [--concurrency C] [--json]

For `GET /Users?filter=userName eq "..."` and `GET /Users/{id}`, the same lookup is sent
  raw          as the GraphQL POST the proxy itself sends, straight to the emulator
  passthrough  through bench.passthrough (one aiohttp hop, no translation)
  proxy        through the proxy
first one request at a time, then from C concurrent clients. Targets take turns in rounds,
so drift on a shared machine spreads over all of them rather than landing on one.
The emulator is seeded with users so the lookup searches a realistically sized table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from . import passthrough
from .measure import cpu_figures, cpu_used, latency_summary, machine, table, timed
from .stack import (
    REPO_ROOT,
    REQUEST_TIMEOUT,
    TOKEN,
    Stack,
    Upstream,
    add_proxy_arguments,
    basic_auth,
    free_port,
    main_of,
    running_stack,
)

USER_NAME = "overhead.user@contoso.com"


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    data: bytes | None = None


@dataclass
class Series:
    """Every sample of one target in one scenario, across rounds."""

    latencies: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    failures: int = 0
    upstream: int = 0
    cpu: Counter[str] = field(default_factory=Counter)

    def add(self, part: Series, upstream: int, cpu: dict[str, float]) -> None:
        self.latencies += part.latencies
        self.wall_seconds += part.wall_seconds
        self.failures += part.failures
        self.upstream += upstream
        self.cpu.update(cpu)

    def summary(self) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "requests": n,
            "req_per_s": round(n / self.wall_seconds, 1) if self.wall_seconds else 0.0,
            **latency_summary(self.latencies),
            "failures": self.failures,
            "upstream_per_request": round(self.upstream / n, 3) if n else 0.0,
            **cpu_figures(dict(self.cpu), n, self.wall_seconds),
        }


async def send(http: aiohttp.ClientSession, request: Request, count: int, clients: int) -> Series:
    """`count` requests from `clients` concurrent clients."""
    series = Series()
    remaining = count

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status, seconds, _ = await timed(
                http, request.method, request.url, data=request.data, headers=request.headers
            )
            series.latencies.append(seconds)
            series.failures += status != 200

    started = asyncio.get_running_loop().time()
    async with asyncio.TaskGroup() as group:
        for _ in range(clients):
            group.create_task(client())
    series.wall_seconds = asyncio.get_running_loop().time() - started
    return series


def requests_for(
    lookup: str, stack: Stack, passthrough_base: str, directory_id: str, user_id: str
) -> dict[str, Request]:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    raw_headers = {"Authorization": basic_auth(), "Content-Type": "application/json"}
    if lookup == "filter":
        path = "/Users?filter=" + urllib.parse.quote(f'userName eq "{USER_NAME}"', safe="")
        payload = passthrough.users_by_user_name(directory_id, USER_NAME)
    else:
        path = f"/Users/{user_id}"
        payload = passthrough.users_by_id(directory_id, user_id)
    return {
        "raw": Request("POST", stack.graphql_url, raw_headers, json.dumps(payload).encode()),
        "passthrough": Request("GET", passthrough_base + path, bearer),
        "proxy": Request("GET", stack.scim_base + path, bearer),
    }


async def check_answers(
    http: aiohttp.ClientSession, requests: dict[str, Request], user_id: str
) -> None:
    """Each target must find the user before we time it; a fast wrong answer is no baseline."""
    for name, request in requests.items():
        status, _, body = await timed(
            http, request.method, request.url, data=request.data, headers=request.headers
        )
        if status != 200 or _found_ids(body) != [user_id]:
            raise RuntimeError(f"{name} did not find the user: {status} {body}")


def _found_ids(body: Any) -> list[str]:
    """User ids in a SCIM ListResponse, a SCIM User, or a GraphQL `users` answer."""
    if not isinstance(body, dict):
        return []
    if "Resources" in body:
        return [r["id"] for r in body["Resources"]]
    if "data" in body:
        return [u["id"] for u in body["data"]["page"]["items"]]
    return [body["id"]] if "id" in body else []


async def scenario(
    http: aiohttp.ClientSession,
    stack: Stack,
    upstream: Upstream,
    requests: dict[str, Request],
    *,
    count: int,
    clients: int,
    rounds: int,
    warmup: int,
) -> dict[str, Series]:
    results = {name: Series() for name in requests}
    for request in requests.values():
        await send(http, request, warmup, clients)
    per_round = max(1, count // rounds)
    for _ in range(rounds):
        for name, request in requests.items():
            await upstream.reset_stats()
            before = stack.cpu_seconds()
            part = await send(http, request, per_round, clients)
            cpu = cpu_used(before, stack.cpu_seconds())
            results[name].add(part, (await upstream.stats()).requests, cpu)
    return results


async def run_overhead(args: argparse.Namespace) -> dict[str, Any]:
    async with running_stack(
        seed_users=args.seed_users,
        proxy_log_level=args.proxy_log_level,
        profile_proxy=args.profile_proxy.resolve() if args.profile_proxy else None,
    ) as stack:
        connector = aiohttp.TCPConnector(limit=args.concurrency + 2)
        async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as http:
            upstream = Upstream(http, stack)
            directory_id = await upstream.directory_id()
            user_id = await create_user(http, stack)
            port = free_port()
            passthrough_base = f"http://127.0.0.1:{port}/scim/v2"
            await stack.add(
                "passthrough",
                [
                    *(sys.executable, "-m", "bench.passthrough", "--port", str(port)),
                    *("--graphql-url", stack.graphql_url, "--directory-id", directory_id),
                ],
                ready="Running on",
                cwd=REPO_ROOT,
            )
            scenarios: list[dict[str, Any]] = []
            for lookup in ("filter", "get"):
                requests = requests_for(lookup, stack, passthrough_base, directory_id, user_id)
                await check_answers(http, requests, user_id)
                for mode, clients in (
                    ("sequential", 1),
                    (f"{args.concurrency} clients", args.concurrency),
                ):
                    results = await scenario(
                        http,
                        stack,
                        upstream,
                        requests,
                        count=args.requests,
                        clients=clients,
                        rounds=args.rounds,
                        warmup=args.warmup,
                    )
                    stack.check_alive()
                    targets = {name: s.summary() for name, s in results.items()}
                    scenarios.append(
                        {
                            "lookup": lookup,
                            "mode": mode,
                            "targets": targets,
                            "ratios": ratios(targets),
                        }
                    )
    return {
        "benchmark": "overhead",
        "machine": machine(),
        "settings": {
            "requests": args.requests,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "seed_users": args.seed_users,
            "proxy_log_level": args.proxy_log_level,
        },
        "scenarios": scenarios,
    }


async def create_user(http: aiohttp.ClientSession, stack: Stack) -> str:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": USER_NAME,
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "active": True,
        "displayName": "Overhead User",
        "emails": [{"primary": True, "type": "work", "value": "overhead@contoso.com"}],
        "name": {"familyName": "User", "givenName": "Overhead"},
    }
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
    status, _, created = await timed(
        http, "POST", stack.scim_base + "/Users", body=body, headers=headers
    )
    if status != 201:
        raise RuntimeError(f"could not create the user: {status} {created}")
    return str(created["id"])


def ratios(targets: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    proxy, raw, thru = targets["proxy"], targets["raw"], targets["passthrough"]

    def div(a: float, b: float) -> float | None:
        return round(a / b, 2) if b else None

    return {
        "proxy_over_raw_p50": div(proxy["p50_ms"], raw["p50_ms"]),
        "proxy_over_passthrough_p50": div(proxy["p50_ms"], thru["p50_ms"]),
        "passthrough_over_raw_p50": div(thru["p50_ms"], raw["p50_ms"]),
        "proxy_minus_raw_p50_ms": round(proxy["p50_ms"] - raw["p50_ms"], 3),
        "proxy_minus_passthrough_p50_ms": round(proxy["p50_ms"] - thru["p50_ms"], 3),
        "raw_over_proxy_throughput": div(raw["req_per_s"], proxy["req_per_s"]),
    }


def render(result: dict[str, Any]) -> str:
    s, m = result["settings"], result["machine"]
    lines = [
        f"Proxy overhead: {s['requests']} requests per target and scenario in {s['rounds']} "
        f"rounds (+{s['warmup']} warm-up), {s['seed_users']} seeded users, proxy log level "
        f"{s['proxy_log_level']} (nproc={m['nproc']}, Python {m['python']})",
        "",
    ]
    columns = ["requests", "req_per_s", "p50_ms", "p95_ms", "p99_ms", "mean_ms"]
    headers = ["requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "mean ms"]
    rows = [
        [
            f"{sc['lookup']}, {sc['mode']}",
            name,
            *(t[c] for c in columns),
            t["upstream_per_request"],
            # CPU of the process the target adds in front of the emulator, and the emulator's.
            t["cpu_ms_per_request"].get(name, 0.0) if name != "raw" else None,
            t["cpu_ms_per_request"].get("emulator"),
            t["failures"],
        ]
        for sc in result["scenarios"]
        for name, t in sc["targets"].items()
    ]
    extra = ["up/req", "hop cpu ms", "emulator cpu ms", "failed"]
    lines.append(table(["scenario", "target", *headers, *extra], rows))
    lines += ["", "ratios (p50 latency; throughput for raw/proxy):"]
    keys = {
        "proxy/raw": "proxy_over_raw_p50",
        "proxy/thru": "proxy_over_passthrough_p50",
        "thru/raw": "passthrough_over_raw_p50",
        "proxy-raw ms": "proxy_minus_raw_p50_ms",
        "proxy-thru ms": "proxy_minus_passthrough_p50_ms",
        "raw/proxy req/s": "raw_over_proxy_throughput",
    }
    ratio_rows = [
        [f"{sc['lookup']}, {sc['mode']}", *(sc["ratios"][k] for k in keys.values())]
        for sc in result["scenarios"]
    ]
    lines.append(table(["scenario", *keys], ratio_rows))
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.overhead", description=__doc__)
    parser.add_argument(
        "--requests", type=int, default=1000, help="timed requests per target and scenario"
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="clients of the concurrent scenarios (C)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="turns the targets take")
    parser.add_argument("--warmup", type=int, default=100, help="untimed requests per target first")
    parser.add_argument(
        "--seed-users", type=int, default=10_000, help="users seeded in the emulator"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_proxy_arguments(parser)
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.rounds) < 1 or args.warmup < 0:
        parser.error("--requests, --concurrency and --rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return main_of(
        lambda: run_overhead(args),
        as_json=args.json,
        render=render,
        failed=lambda result: any(
            t["failures"] for sc in result["scenarios"] for t in sc["targets"].values()
        ),
        stopped="emulator, proxy and passthrough",
    )


if __name__ == "__main__":
    sys.exit(main())
