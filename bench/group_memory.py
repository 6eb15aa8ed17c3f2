"""Memory and time of listing big groups with their members.

    .venv/bin/python -m bench.group_memory                 # 50 groups x 10,000 members, 4 clients
    .venv/bin/python -m bench.group_memory --groups 10 --members 2000 --clients 2 --json

Seeds the emulator with `--members` users and `--groups` groups that each hold all of
them, then has `--clients` clients page at once through `GET /Groups?count=50` (members
included, as a client that does not send excludedAttributes=members gets them), while the
proxy's resident memory is sampled every 20 ms from /proc. Prints each request's latency
and size, the proxy's RSS before, at its peak and after, and whether every request
answered within the request deadline (`scim.request_timeout_seconds`, 25 s by default).
Exit code 1 if a request failed or passed the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp

from .measure import percentile
from .stack import REQUEST_TIMEOUT, TOKEN, Upstream, add_proxy_arguments, main_of, running_stack

DEADLINE_SECONDS = 25.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _seed(upstream: Upstream, groups: int, members: int) -> None:
    directory = await upstream.directory_id()
    ids: list[str] = []
    number = 1
    while len(ids) < members:
        data = await upstream.graphql(
            "query($n: Int!, $d: ID) { users(page: {number: $n, size: 1000}, "
            "filter: {directoryId: $d}) { items { id } } }",
            {"n": number, "d": directory},
        )
        ids += [u["id"] for u in data["users"]["items"]]
        number += 1
    ids = ids[:members]
    for index in range(groups):
        created = await upstream.graphql(
            "mutation($i: CreateGroupInput!) { createGroup(input: $i) { group { id } } }",
            {"i": {"directoryId": directory, "name": f"Big group {index}"}},
        )
        group_id = created["createGroup"]["group"]["id"]
        for start in range(0, len(ids), 5000):
            await upstream.graphql(
                "mutation($i: GroupUsersInput!) { addUsersToGroup(input: $i) { group { id } } }",
                {"i": {"groupId": group_id, "userIds": ids[start : start + 5000]}},
            )


async def _client(http: aiohttp.ClientSession, base: str, results: list[dict[str, Any]]) -> None:
    start = 1
    while True:
        began = time.perf_counter()
        async with http.get(
            f"{base}/Groups",
            params={"startIndex": str(start), "count": "50"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as response:
            raw = await response.read()
            status = response.status
        seconds = time.perf_counter() - began
        body = await asyncio.to_thread(_decode, raw) if status == 200 else {}
        items = int(body.get("itemsPerPage", 0))
        results.append({"status": status, "seconds": seconds, "bytes": len(raw), "groups": items})
        if status != 200 or items == 0:
            return
        start += items
        if start > int(body["totalResults"]):
            return


def _decode(raw: bytes) -> dict[str, Any]:
    import json

    decoded: dict[str, Any] = json.loads(raw)
    return decoded


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    async with running_stack(
        seed_users=args.members, proxy_log_level=args.proxy_log_level
    ) as stack:
        proxy_pid = next(c.process.pid for c in stack.children if c.name == "proxy")
        async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as http:
            await _seed(Upstream(http, stack), args.groups, args.members)
            before = rss_mb(proxy_pid)
            peak = before
            done = asyncio.Event()

            async def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, rss_mb(proxy_pid))
                    await asyncio.sleep(0.02)

            sampler = asyncio.create_task(sample())
            results: list[dict[str, Any]] = []
            began = time.perf_counter()
            await asyncio.gather(
                *(_client(http, stack.scim_base, results) for _ in range(args.clients))
            )
            wall = time.perf_counter() - began
            done.set()
            await sampler
            after = rss_mb(proxy_pid)
        stack.check_alive()
    latencies = [r["seconds"] for r in results]
    return {
        "groups": args.groups,
        "members_per_group": args.members,
        "clients": args.clients,
        "requests": len(results),
        "failures": sum(1 for r in results if r["status"] != 200),
        "groups_per_page": sorted({r["groups"] for r in results}),
        "latency_p50_s": round(percentile(sorted(latencies), 50), 2),
        "latency_max_s": round(max(latencies), 2),
        "largest_answer_mb": round(max(r["bytes"] for r in results) / 1e6, 1),
        "wall_s": round(wall, 1),
        "proxy_rss_mb": {"before": round(before), "peak": round(peak), "after": round(after)},
        "within_deadline": all(s < DEADLINE_SECONDS for s in latencies),
    }


def render(result: dict[str, Any]) -> str:
    rss = result["proxy_rss_mb"]
    return "\n".join(
        [
            f"{result['groups']} groups x {result['members_per_group']} members, "
            f"{result['clients']} clients paging through GET /Groups?count=50 at once",
            f"requests {result['requests']} (failures {result['failures']}), groups per page "
            f"{result['groups_per_page']}, largest answer {result['largest_answer_mb']} MB",
            f"latency p50 {result['latency_p50_s']} s, max {result['latency_max_s']} s "
            f"(deadline {DEADLINE_SECONDS:.0f} s: "
            f"{'all within' if result['within_deadline'] else 'PASSED'}), "
            f"wall {result['wall_s']} s",
            f"proxy RSS: {rss['before']} MB before, {rss['peak']} MB peak, {rss['after']} MB after",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    add_proxy_arguments(parser)
    args = parser.parse_args()
    return main_of(
        lambda: measure(args),
        as_json=args.json,
        render=render,
        failed=lambda r: bool(r["failures"]) or not r["within_deadline"],
        stopped="the emulator and the proxy",
    )


if __name__ == "__main__":
    raise SystemExit(main())
