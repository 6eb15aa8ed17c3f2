"""Entra's provisioning cycle for N users, driven by C concurrent clients.

    .venv/bin/python -m bench.entra_cycle [--users N] [--concurrency C] [--latency-ms L] [--json]

Phases, each measured on its own (the emulator's round-trip counters are reset in between):
  create    per user: GET /Users?filter=userName eq "..." (a miss), then POST /Users
  update    per user: the same filter (a hit), a PATCH of its attributes, and for every other
            user a PATCH setting a manager (default dialect: "Replace", string booleans,
            value-path e-mail, enterprise URN path)
  discover  account discovery: GET /Users?startIndex=k*100+1&count=100 through every user
  groups    only if GET /Groups answers 200: create a group, add every user 100 members a
            PATCH, then remove one member in each dialect
  delete    per user: PATCH active "False", then DELETE

Entra works through users in parallel but sends one user's requests one after the other,
so each client takes the next user and runs that user's requests in order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tomllib
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from .measure import Phase, machine, table, timed
from .stack import (
    REQUEST_TIMEOUT,
    TOKEN,
    Stack,
    Upstream,
    add_proxy_arguments,
    main_of,
    running_stack,
)

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTRA_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"
PAGE_SIZE = 100
MEMBER_BATCH = 100

# The design's budget of WorkflowGen round trips per SCIM request, stated once in
# docs/round-trips.toml (read by the tests and checked against README's table too).
_BUDGET = tomllib.loads(
    (Path(__file__).resolve().parents[1] / "docs" / "round-trips.toml").read_text()
)
BUDGET_FILTER = _BUDGET["user_filter"]["round_trips"]
BUDGET_CREATE = _BUDGET["user_create"]["round_trips"]
BUDGET_USER_PATCH = _BUDGET["user_patch"]["round_trips"]
BUDGET_DELETE = _BUDGET["user_delete"]["round_trips"]
BUDGET_LIST_PAGE = _BUDGET["user_list_page"]["round_trips"]
# Adding 100 members: one query validating them, one mutation.
BUDGET_GROUP_PATCH = _BUDGET["group_patch_members"]["round_trips"]

OK = frozenset({200})
CREATED = frozenset({201})
NO_CONTENT = frozenset({204})


@dataclass
class BenchUser:
    index: int
    user_name: str
    external_id: str
    id: str | None = None


def entra_user(user: BenchUser) -> dict[str, Any]:
    """Entra's create body for the default attribute mapping (docs/entra-dialect.md)."""
    return {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "externalId": user.external_id,
        "userName": user.user_name,
        "active": True,
        "displayName": f"Bench User {user.index}",
        "emails": [{"primary": True, "type": "work", "value": f"mail.{user.user_name}"}],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": f"Bench User{user.index}",
            "familyName": f"User{user.index}",
            "givenName": "Bench",
        },
        "roles": [],
    }


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def filter_query(expression: str) -> str:
    # Entra URL-encodes the filter (spaces as %20, quotes as %22).
    return "filter=" + urllib.parse.quote(expression, safe="")


class Cycle:
    """One Entra tenant's worth of requests against the running stack."""

    def __init__(
        self, http: aiohttp.ClientSession, stack: Stack, upstream: Upstream, concurrency: int
    ) -> None:
        self.http = http
        self.stack = stack
        self.upstream = upstream
        self.concurrency = concurrency
        self.phase = Phase("setup")
        self.problems: Counter[str] = Counter()

    async def call(
        self,
        kind: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        budget: float | None,
        expect: frozenset[int],
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if body is not None:
            headers["Content-Type"] = SCIM_JSON
        status, seconds, parsed = await timed(
            self.http, method, self.stack.scim_base + path, body=body, headers=headers
        )
        self.phase.record(kind, status, seconds, budget=budget, expected=expect)
        return status, parsed

    def problem(self, text: str) -> None:
        self.problems[f"{self.phase.name}: {text}"] += 1

    async def measure(self, name: str, work: Callable[[], Awaitable[None]]) -> Phase:
        await self.upstream.reset_stats()
        self.phase = Phase(name)
        self.phase.start(self.stack.cpu_seconds())
        await work()
        self.phase.finish(await self.upstream.stats(), self.stack.cpu_seconds())
        self.stack.check_alive()
        return self.phase

    async def for_each(
        self, users: list[BenchUser], work: Callable[[BenchUser], Awaitable[None]]
    ) -> None:
        """C clients, each taking the next user; one user's requests stay in order."""
        pending = iter(users)

        async def client() -> None:
            for user in pending:
                await work(user)

        async with asyncio.TaskGroup() as group:
            for _ in range(self.concurrency):
                group.create_task(client())

    # Phases ------------------------------------------------------------------------------

    async def create(self, user: BenchUser) -> None:
        query = filter_query(f'userName eq "{user.user_name}"')
        status, body = await self.call(
            "GET filter (miss)", "GET", f"/Users?{query}", budget=BUDGET_FILTER, expect=OK
        )
        if status == 200 and body.get("totalResults") != 0:
            self.problem("filter for a new user was not empty")
        status, body = await self.call(
            "POST /Users", "POST", "/Users", entra_user(user), budget=BUDGET_CREATE, expect=CREATED
        )
        if status == 201:
            user.id = body["id"]

    async def update(self, user: BenchUser, manager: BenchUser | None) -> None:
        query = filter_query(f'userName eq "{user.user_name}"')
        status, body = await self.call(
            "GET filter (hit)", "GET", f"/Users?{query}", budget=BUDGET_FILTER, expect=OK
        )
        if status == 200 and [r.get("id") for r in body.get("Resources", [])] != [user.id]:
            self.problem("filter did not find exactly the created user")
        n = user.index
        await self.call(
            "PATCH attributes",
            "PATCH",
            f"/Users/{user.id}",
            patch(
                {"op": "Replace", "path": "displayName", "value": f"Bench User {n} (updated)"},
                {
                    "op": "Replace",
                    "path": 'emails[type eq "work"].value',
                    "value": f"new.{user.user_name}",
                },
                {"op": "Replace", "path": "name.familyName", "value": f"Updated{n}"},
                {"op": "Add", "path": "title", "value": "Engineer"},
                # Entra's string boolean; the user stays active until the delete phase.
                {"op": "Replace", "path": "active", "value": "True"},
            ),
            budget=BUDGET_USER_PATCH,
            expect=OK,
        )
        if manager is not None:
            await self.call(
                "PATCH manager",
                "PATCH",
                f"/Users/{user.id}",
                patch({"op": "Add", "path": f"{ENTERPRISE_USER}:manager", "value": manager.id}),
                budget=BUDGET_USER_PATCH,
                expect=OK,
            )

    async def discover(self, expected: int) -> None:
        seen: set[str] = set()
        start = 1
        while True:
            status, body = await self.call(
                "GET page of 100",
                "GET",
                f"/Users?startIndex={start}&count={PAGE_SIZE}",
                budget=BUDGET_LIST_PAGE,
                expect=OK,
            )
            if status != 200:
                break
            seen.update(r["id"] for r in body["Resources"])
            start += PAGE_SIZE
            if start > body["totalResults"] or not body["Resources"]:
                break
        if len(seen) != expected:
            self.problem(f"discovery saw {len(seen)} users, expected {expected}")

    async def groups(self, users: list[BenchUser], name: str) -> None:
        status, body = await self.call(
            "GET /Groups filter (miss)",
            "GET",
            f"/Groups?{filter_query(f'displayName eq {json.dumps(name)}')}"
            "&excludedAttributes=members",
            budget=BUDGET_FILTER,
            # 404: this proxy does not serve groups yet; the phase is then skipped.
            expect=frozenset({200, 404}),
        )
        if status == 404:
            self.phase.skipped = "GET /Groups?filter=... answered 404: groups not served yet"
            return
        create = {
            "schemas": [CORE_GROUP, ENTRA_GROUP],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": name,
            "meta": {"resourceType": "Group"},
        }
        status, body = await self.call(
            "POST /Groups", "POST", "/Groups", create, budget=BUDGET_CREATE, expect=CREATED
        )
        if status != 201:
            return
        group = f"/Groups/{body['id']}"
        ids = [u.id for u in users if u.id]
        # One group's membership changes are sent one after the other.
        for start in range(0, len(ids), MEMBER_BATCH):
            members = [{"$ref": None, "value": i} for i in ids[start : start + MEMBER_BATCH]]
            await self.call(
                f"PATCH add <={MEMBER_BATCH} members",
                "PATCH",
                group,
                patch({"op": "Add", "path": "members", "value": members}),
                budget=BUDGET_GROUP_PATCH,
                expect=NO_CONTENT,
            )
        if len(ids) >= 2:
            await self.call(
                "PATCH remove member (default)",
                "PATCH",
                group,
                patch({"op": "Remove", "path": "members", "value": [{"value": ids[0]}]}),
                budget=BUDGET_GROUP_PATCH,
                expect=NO_CONTENT,
            )
            await self.call(
                "PATCH remove member (flag)",
                "PATCH",
                group,
                patch({"op": "remove", "path": f'members[value eq "{ids[1]}"]'}),
                budget=BUDGET_GROUP_PATCH,
                expect=NO_CONTENT,
            )

    async def delete(self, user: BenchUser) -> None:
        await self.call(
            "PATCH active False",
            "PATCH",
            f"/Users/{user.id}",
            patch({"op": "Replace", "path": "active", "value": "False"}),
            budget=BUDGET_USER_PATCH,
            expect=OK,
        )
        await self.call(
            "DELETE /Users/{id}",
            "DELETE",
            f"/Users/{user.id}",
            budget=BUDGET_DELETE,
            expect=NO_CONTENT,
        )


async def run_cycle(args: argparse.Namespace) -> dict[str, Any]:
    users = [
        BenchUser(i, f"bench.user{i:05d}@contoso.com", f"00000000-0000-4000-8000-{i:012x}")
        for i in range(args.users)
    ]
    async with running_stack(
        latency_ms=args.latency_ms,
        proxy_log_level=args.proxy_log_level,
        profile_proxy=args.profile_proxy.resolve() if args.profile_proxy else None,
    ) as stack:
        connector = aiohttp.TCPConnector(limit=args.concurrency + 2)
        async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as http:
            cycle = Cycle(http, stack, Upstream(http, stack), args.concurrency)
            phases = [await cycle.measure("create", lambda: cycle.for_each(users, cycle.create))]
            created = [u for u in users if u.id]

            def manager_of(user: BenchUser) -> BenchUser | None:
                # Every odd user reports to the user before it: half the users get one.
                return users[user.index - 1] if user.index % 2 else None

            async def update_all() -> None:
                await cycle.for_each(created, lambda u: cycle.update(u, manager_of(u)))

            phases.append(await cycle.measure("update", update_all))
            phases.append(await cycle.measure("discover", lambda: cycle.discover(len(created))))
            phases.append(
                await cycle.measure("groups", lambda: cycle.groups(created, "Bench Group"))
            )
            phases.append(
                await cycle.measure("delete", lambda: cycle.for_each(created, cycle.delete))
            )
    return {
        "benchmark": "entra_cycle",
        "machine": machine(),
        "settings": {
            "users": args.users,
            "concurrency": args.concurrency,
            "emulator_latency_ms": args.latency_ms,
            "proxy_log_level": args.proxy_log_level,
        },
        "phases": [p.summary() for p in phases],
        "problems": dict(cycle.problems),
    }


# Printed column -> key of a phase summary (and of a request kind's, for KIND_COLUMNS).
PHASE_COLUMNS = {
    "requests": "requests",
    "wall s": "wall_s",
    "req/s": "req_per_s",
    "p50 ms": "p50_ms",
    "p95 ms": "p95_ms",
    "p99 ms": "p99_ms",
    "upstream": "upstream_requests",
    "up/req": "upstream_per_request",
    "budget/req": "budget_per_request",
}
KIND_COLUMNS = {
    "requests": "requests",
    "p50 ms": "p50_ms",
    "p95 ms": "p95_ms",
    "p99 ms": "p99_ms",
    "budget": "budget_per_request",
}
CPU_PROCESSES = ("proxy", "emulator", "load generator")


def render(result: dict[str, Any]) -> str:
    s, m = result["settings"], result["machine"]
    measured = [p for p in result["phases"] if "skipped" not in p]
    phase_rows = [[p["phase"], *(p[k] for k in PHASE_COLUMNS.values())] for p in measured]
    kind_rows = [
        [
            f"{p['phase']}: {kind}",
            *(k[key] for key in KIND_COLUMNS.values()),
            " ".join(f"{status}x{n}" for status, n in k["statuses"].items()),
        ]
        for p in measured
        for kind, k in p["kinds"].items()
    ]
    cpu_rows = [[p["phase"], *(_cpu_cell(p, name) for name in CPU_PROCESSES)] for p in measured]
    over = [p["phase"] for p in measured if _over_budget(p)]
    unexpected = _unexpected(result)
    lines = [
        f"Entra cycle: {s['users']} users, {s['concurrency']} clients, emulator latency "
        f"{s['emulator_latency_ms']} ms, proxy log level {s['proxy_log_level']} "
        f"(nproc={m['nproc']}, Python {m['python']})",
        "",
        table(["phase", *PHASE_COLUMNS], phase_rows),
        *(f"{p['phase']}: skipped ({p['skipped']})" for p in result["phases"] if "skipped" in p),
        "",
        "by request kind:",
        table(["kind", *KIND_COLUMNS, "statuses"], kind_rows),
        "",
        "CPU ms per SCIM request (cores kept busy), per process:",
        table(["phase", *CPU_PROCESSES], cpu_rows),
        "",
        "upstream operations (GraphQL root fields) per phase:",
        *(
            f"  {p['phase']}: "
            + (", ".join(f"{op}={n}" for op, n in p["upstream_operations"].items()) or "-")
            for p in measured
        ),
        "",
        f"over budget: {', '.join(over)}" if over else "round trips: within budget",
        "unexpected statuses: "
        + (", ".join(f"{kind} {st}" for kind, st in unexpected.items()) or "none"),
        *(f"problem: {text} (x{n})" for text, n in result["problems"].items()),
    ]
    return "\n".join(lines)


def _cpu_cell(phase: dict[str, Any], name: str) -> str:
    if name not in phase["cpu_ms_per_request"]:
        return "-"
    return f"{phase['cpu_ms_per_request'][name]:.2f} ({phase['cores_busy'][name]:.2f})"


def _over_budget(phase: dict[str, Any]) -> bool:
    budget = phase["budget_per_request"]
    return budget is not None and phase["upstream_per_request"] > budget + 1e-9


def _unexpected(result: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        f"{p['phase']}: {kind}": k["unexpected_statuses"]
        for p in result["phases"]
        if "skipped" not in p
        for kind, k in p["kinds"].items()
        if k["unexpected_statuses"]
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.entra_cycle", description=__doc__)
    parser.add_argument("--users", type=int, default=1000, help="users provisioned (N)")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel clients (C)")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="emulator delay per GraphQL request"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_proxy_arguments(parser)
    args = parser.parse_args(argv)
    if args.users < 1 or args.concurrency < 1:
        parser.error("--users and --concurrency must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return main_of(
        lambda: run_cycle(args),
        as_json=args.json,
        render=render,
        failed=lambda result: bool(_unexpected(result) or result["problems"]),
        stopped="emulator and proxy",
    )


if __name__ == "__main__":
    sys.exit(main())
