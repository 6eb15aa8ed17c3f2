"""Entra's provisioning cycles under injected upstream faults, lost answers included.

    .venv/bin/python -m bench.chaos [--users N] [--groups G] [--rates 0.2,0.3] [--quick] [--json]

For each fault rate, a fresh emulator and proxy (separate processes, bench/stack.py) and an
Entra-like client (bench/chaos_client.py) that retries failed operations in later passes and
settles a 409 on a create by re-querying and updating. Cycles: create users and groups and
add members; update attributes, managers and memberships; change managers and titles;
disable and delete. Then, faults off, WorkflowGen's state is read straight from the
emulator's GraphQL API and compared with Entra's intended state. Exit code 1 if any count
is not 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import aiohttp

from .chaos_client import ChaosResult, chaos_run
from .measure import machine, table
from .stack import (
    DIRECTORY,
    REQUEST_TIMEOUT,
    TOKEN,
    Stack,
    Upstream,
    add_proxy_arguments,
    main_of,
    running_stack,
)


class OverHttp:
    """bench.chaos_client's Channel over real HTTP to the proxy and the emulator."""

    def __init__(self, http: aiohttp.ClientSession, stack: Stack) -> None:
        self.http = http
        self.stack = stack
        self.upstream = Upstream(http, stack)

    async def scim(self, method: str, path: str, body: Any | None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if body is not None:
            headers["Content-Type"] = "application/scim+json"
        try:
            async with self.http.request(
                method, self.stack.scim_base + path, json=body, headers=headers
            ) as response:
                text = await response.text()
                return response.status, (await response.json(content_type=None) if text else None)
        except (aiohttp.ClientError, TimeoutError):
            return 0, None

    async def graphql(self, query: str, variables: dict[str, Any]) -> Any:
        return await self.upstream.graphql(query, variables)

    async def knobs(self, **values: Any) -> None:
        url = f"{self.stack.emulator_base}/wfgen/emulator/knobs"
        async with self.http.put(url, json=values) as response:
            response.raise_for_status()

    async def faults_injected(self) -> dict[str, int]:
        async with self.http.get(f"{self.stack.emulator_base}/wfgen/emulator/faults") as response:
            response.raise_for_status()
            faults: dict[str, int] = await response.json()
            return faults


async def one_rate(args: argparse.Namespace, rate: float) -> dict[str, Any]:
    async with running_stack(proxy_log_level=args.proxy_log_level) as stack:
        connector = aiohttp.TCPConnector(limit=args.concurrency + 4)
        async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as http:
            started = time.monotonic()
            result: ChaosResult = await chaos_run(
                OverHttp(http, stack),
                users=args.users,
                groups=args.groups,
                fault_rate=rate,
                seed=args.seed,
                directory=DIRECTORY,
                concurrency=args.concurrency,
                passes=args.passes,
            )
            seconds = time.monotonic() - started
            stack.check_alive()
    tally = result.tally
    return {
        "fault_rate": rate,
        "wall_s": round(seconds, 1),
        "counts": result.verdict.counts(),
        "examples": result.verdict.examples,
        "faults_injected": result.faults,
        "scim_requests": tally.requests,
        "scim_statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "operations": tally.operations,
        "entra_retries": tally.retries,
        "conflicts_settled": tally.conflicts_settled,
        "still_failing": result.still_failing,
        "unexpected": dict(tally.unexpected),
        "cycles": result.cycles,
    }


async def run_chaos(args: argparse.Namespace) -> dict[str, Any]:
    runs = [await one_rate(args, rate) for rate in args.rates]
    return {
        "benchmark": "chaos",
        "machine": machine(),
        "settings": {
            "users": args.users,
            "groups": args.groups,
            "concurrency": args.concurrency,
            "passes": args.passes,
            "seed": args.seed,
        },
        "runs": runs,
    }


def render(result: dict[str, Any]) -> str:
    s, m = result["settings"], result["machine"]
    lines = [
        f"Chaos: {s['users']} users, {s['groups']} groups, {s['concurrency']} clients, up to "
        f"{s['passes']} passes per cycle, seed {s['seed']} (nproc={m['nproc']}, "
        f"Python {m['python']})",
        "",
    ]
    rates = result["runs"]
    names = list(rates[0]["counts"])
    rows: list[list[object]] = [[name, *(r["counts"][name] for r in rates)] for name in names]
    rows += [
        ["faults injected", *(sum(r["faults_injected"].values()) for r in rates)],
        *(
            [f"  {kind}", *(r["faults_injected"].get(kind, 0) for r in rates)]
            for kind in ("fail", "drop", "lost_answer")
        ),
        ["SCIM requests", *(r["scim_requests"] for r in rates)],
        ["  answered 5xx or not at all", *(_failed(r) for r in rates)],
        ["Entra operations", *(r["operations"] for r in rates)],
        ["Entra re-runs (after a 5xx or a wait)", *(r["entra_retries"] for r in rates)],
        ["409 on create, settled", *(r["conflicts_settled"] for r in rates)],
        ["wall s", *(r["wall_s"] for r in rates)],
    ]
    lines.append(table(["fault rate", *(f"{r['fault_rate']:.0%}" for r in rates)], rows))
    for r in rates:
        for example in r["examples"]:
            lines.append(f"{r['fault_rate']:.0%}: {example}")
        for op, n in r["still_failing"].items():
            lines.append(f"{r['fault_rate']:.0%}: still failing: {op} x{n}")
        for what, n in r["unexpected"].items():
            lines.append(f"{r['fault_rate']:.0%}: unexpected answer: {what} x{n}")
    verdict = "all 0" if not _failed_run(result) else "NOT all 0"
    lines += ["", f"duplicates / missing / wrong attributes / memberships / failing: {verdict}"]
    return "\n".join(lines)


def _failed(run: dict[str, Any]) -> int:
    statuses = {int(status): n for status, n in run["scim_statuses"].items()}
    return sum(n for status, n in statuses.items() if status in (0, 429) or status >= 500)


def _failed_run(result: dict[str, Any]) -> bool:
    return any(any(r["counts"].values()) for r in result["runs"])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--users", type=int, default=300, help="users provisioned")
    parser.add_argument("--groups", type=int, default=20, help="groups provisioned")
    parser.add_argument(
        "--rates",
        type=lambda text: [float(x) for x in text.split(",")],
        default=[0.2, 0.3],
        help="comma-separated shares of upstream requests that fail (default 0.2,0.3)",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="parallel Entra clients")
    parser.add_argument(
        "--passes", type=int, default=10, help="passes per cycle before a failure carries over"
    )
    parser.add_argument("--seed", type=int, default=2026, help="seeds the plan and the faults")
    parser.add_argument("--quick", action="store_true", help="60 users, 5 groups")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_proxy_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.groups = 60, 5
    if args.users < 10 or args.groups < 1 or args.concurrency < 1:
        parser.error("--users must be at least 10, --groups and --concurrency at least 1")
    if any(not 0 <= rate <= 1 for rate in args.rates):
        parser.error("--rates must be between 0 and 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return main_of(
        lambda: run_chaos(args),
        as_json=args.json,
        render=render,
        failed=_failed_run,
        stopped="emulator and proxy",
    )


if __name__ == "__main__":
    sys.exit(main())
