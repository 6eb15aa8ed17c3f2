"""An Entra-like provisioning client under injected faults, and the check of where it ends.

Shared by `bench/chaos.py` (proxy and emulator as separate processes) and
`tests/proxy/test_chaos.py` (in-process, small): both hand it a `Channel`.

How it behaves like Entra's provisioning service:
- one object's operations are sent one after the other, many objects in parallel;
- an operation that gets a 5xx, a 429 or no answer is retried later, as the same logical
  operation (Entra escrows it and retries in a following cycle); the operations queued
  behind it for the same object wait for it;
- a create first looks the object up by its matching attribute (userName, displayName);
  a 409 on a create re-queries and updates the object it found;
- a DELETE answered 404 is done.
"""

from __future__ import annotations

import asyncio
import json
import random
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTRA_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MEMBER_BATCH = 50

Outcome = Literal["done", "retry"]


class Channel(Protocol):
    """How the client reaches the proxy and the emulator's controls."""

    async def scim(self, method: str, path: str, body: Any | None) -> tuple[int, Any]:
        """(status, parsed JSON or None); status 0 when no answer came (timeout, reset)."""
        ...

    async def graphql(self, query: str, variables: dict[str, Any]) -> Any:
        """`data` of a query sent straight to the emulator (faults off)."""
        ...

    async def knobs(self, **values: Any) -> None: ...

    async def faults_injected(self) -> dict[str, int]: ...


@dataclass
class EntraUser:
    """Entra's intended state of one user."""

    index: int
    user_name: str
    external_id: str
    display_name: str
    given_name: str
    family_name: str
    email: str
    title: str | None = None
    department: str | None = None
    active: bool = True
    manager: EntraUser | None = None
    deleted: bool = False
    id: str | None = None


@dataclass
class EntraGroup:
    index: int
    name: str
    external_id: str
    members: set[int] = field(default_factory=set)
    id: str | None = None


@dataclass
class Op:
    key: str  # one object: its operations run in order
    name: str
    run: Callable[[], Awaitable[Outcome]]
    tried: bool = False


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    operations: int = 0
    retries: int = 0  # operations run again after a 5xx/429/no answer
    conflicts_settled: int = 0  # 409 on a create, re-queried and updated
    unexpected: Counter[str] = field(default_factory=Counter)


def _transient(status: int) -> bool:
    return status == 0 or status == 429 or status >= 500


def _filter(expression: str) -> str:
    return "filter=" + urllib.parse.quote(expression, safe="")


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


class Entra:
    def __init__(self, channel: Channel, *, concurrency: int) -> None:
        self.channel = channel
        self.concurrency = concurrency
        self.tally = Tally()
        # Per object, the operations not done yet, in order.
        self.chains: dict[str, list[Op]] = {}

    # Sending -------------------------------------------------------------------------

    async def send(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        self.tally.requests += 1
        status, parsed = await self.channel.scim(method, path, body)
        self.tally.statuses[status] += 1
        return status, parsed

    def unexpected(self, op: str, status: int) -> Outcome:
        # Entra would log and retry a failure it cannot classify; counting it keeps the run
        # honest, retrying it keeps the run going.
        self.tally.unexpected[f"{op} {status}"] += 1
        return "retry"

    # Scheduling ----------------------------------------------------------------------

    def queue(self, ops: list[Op]) -> None:
        for op in ops:
            self.chains.setdefault(op.key, []).append(op)

    async def settle(self, passes: int) -> None:
        """Run every queued operation; each pass retries what the previous one could not."""
        for _ in range(passes):
            keys = [k for k, chain in self.chains.items() if chain]
            if not keys:
                return
            pending = iter(keys)
            async with asyncio.TaskGroup() as group:
                for _ in range(self.concurrency):
                    group.create_task(self._worker(pending))

    async def _worker(self, keys: Iterator[str]) -> None:
        for key in keys:
            await self._run_chain(key)

    async def _run_chain(self, key: str) -> None:
        chain = self.chains[key]
        while chain:
            op = chain[0]
            if op.tried:
                self.tally.retries += 1
            else:
                self.tally.operations += 1
                op.tried = True
            if await op.run() == "retry":
                return  # the rest of this object's chain waits for the next pass
            chain.pop(0)

    def still_failing(self) -> Counter[str]:
        return Counter(op.name for chain in self.chains.values() for op in chain)

    # Users -----------------------------------------------------------------------------

    def create_user(self, user: EntraUser) -> Op:
        async def run() -> Outcome:
            found = await self._lookup_user(user)
            if found == "retry":
                return "retry"
            if found is not None:
                user.id = found
                return await self._full_update(user, "create (found)")
            body = {
                "schemas": [CORE_USER, ENTERPRISE_USER],
                "externalId": user.external_id,
                "userName": user.user_name,
                "active": user.active,
                "displayName": user.display_name,
                "emails": [{"primary": True, "type": "work", "value": user.email}],
                "meta": {"resourceType": "User"},
                "name": {"familyName": user.family_name, "givenName": user.given_name},
                "roles": [],
            }
            status, answer = await self.send("POST", "/Users", body)
            if status == 201:
                user.id = answer["id"]
                return "done"
            if status == 409:
                # Entra: re-query by the matching attribute, then update what it found.
                self.tally.conflicts_settled += 1
                found = await self._lookup_user(user)
                if found in (None, "retry"):
                    return "retry"
                user.id = found
                return await self._full_update(user, "create (after 409)")
            return "retry" if _transient(status) else self.unexpected("POST /Users", status)

        return Op(f"user:{user.index}", "create user", run)

    async def _lookup_user(self, user: EntraUser) -> str | Literal["retry"] | None:
        status, body = await self.send(
            "GET", f"/Users?{_filter(f'userName eq {json.dumps(user.user_name)}')}"
        )
        if status != 200:
            return "retry" if _transient(status) else self.unexpected("GET /Users", status)
        resources = body.get("Resources") or []
        return str(resources[0]["id"]) if resources else None

    async def _full_update(self, user: EntraUser, what: str) -> Outcome:
        ops: list[dict[str, Any]] = [
            {"op": "Replace", "path": "displayName", "value": user.display_name},
            {"op": "Replace", "path": "name.givenName", "value": user.given_name},
            {"op": "Replace", "path": "name.familyName", "value": user.family_name},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": user.email},
            {"op": "Replace", "path": "active", "value": "True" if user.active else "False"},
        ]
        return await self._patch_user(user, ops, what)

    async def _patch_user(self, user: EntraUser, ops: list[dict[str, Any]], what: str) -> Outcome:
        if user.id is None:
            return "retry"  # its create has not gone through yet
        status, _ = await self.send("PATCH", f"/Users/{user.id}", _patch(*ops))
        if status in (200, 204):
            return "done"
        return "retry" if _transient(status) else self.unexpected(f"PATCH user {what}", status)

    def update_user(self, user: EntraUser, **changes: Any) -> Op:
        """Change Entra's state now; the PATCH carries the new values (Entra's diff)."""
        ops: list[dict[str, Any]] = []
        for name, value in changes.items():
            setattr(user, name, value)
            if name == "display_name":
                ops.append({"op": "Replace", "path": "displayName", "value": value})
            elif name == "title":
                ops.append({"op": "Add", "path": "title", "value": value})
            elif name == "department":
                ops.append({"op": "Add", "path": f"{ENTERPRISE_USER}:department", "value": value})
            elif name == "active":
                ops.append({"op": "Replace", "path": "active", "value": str(value)})
            else:
                raise ValueError(name)

        async def run() -> Outcome:
            return await self._patch_user(user, ops, "attributes")

        return Op(f"user:{user.index}", "update user", run)

    def set_manager(self, user: EntraUser, manager: EntraUser | None) -> Op:
        user.manager = manager

        async def run() -> Outcome:
            if manager is None:
                op = {"op": "Remove", "path": f"{ENTERPRISE_USER}:manager"}
            elif manager.id is None:
                return "retry"
            else:
                op = {"op": "Add", "path": f"{ENTERPRISE_USER}:manager", "value": manager.id}
            return await self._patch_user(user, [op], "manager")

        return Op(f"user:{user.index}", "set manager", run)

    def delete_user(self, user: EntraUser) -> Op:
        user.deleted = True

        async def run() -> Outcome:
            if user.id is None:
                return "retry"
            status, _ = await self.send("DELETE", f"/Users/{user.id}")
            if status in (204, 404):
                return "done"
            return "retry" if _transient(status) else self.unexpected("DELETE /Users", status)

        return Op(f"user:{user.index}", "delete user", run)

    # Groups ----------------------------------------------------------------------------

    def create_group(self, group: EntraGroup) -> Op:
        async def run() -> Outcome:
            found = await self._lookup_group(group)
            if found == "retry":
                return "retry"
            if found is not None:
                group.id = found
                return "done"
            body = {
                "schemas": [CORE_GROUP, ENTRA_GROUP],
                "externalId": group.external_id,
                "displayName": group.name,
                "meta": {"resourceType": "Group"},
            }
            status, answer = await self.send("POST", "/Groups", body)
            if status == 201:
                group.id = answer["id"]
                return "done"
            if status == 409:
                self.tally.conflicts_settled += 1
                found = await self._lookup_group(group)
                if found in (None, "retry"):
                    return "retry"
                group.id = found
                return "done"
            return "retry" if _transient(status) else self.unexpected("POST /Groups", status)

        return Op(f"group:{group.index}", "create group", run)

    async def _lookup_group(self, group: EntraGroup) -> str | Literal["retry"] | None:
        query = _filter(f"displayName eq {json.dumps(group.name)}")
        status, body = await self.send("GET", f"/Groups?{query}&excludedAttributes=members")
        if status != 200:
            return "retry" if _transient(status) else self.unexpected("GET /Groups", status)
        resources = body.get("Resources") or []
        return str(resources[0]["id"]) if resources else None

    def change_members(self, group: EntraGroup, users: list[EntraUser], *, add: bool) -> list[Op]:
        if add:
            group.members.update(u.index for u in users)
        else:
            group.members.difference_update(u.index for u in users)
        ops = []
        for start in range(0, len(users), MEMBER_BATCH):
            batch = users[start : start + MEMBER_BATCH]

            async def run(batch: list[EntraUser] = batch) -> Outcome:
                if group.id is None or any(u.id is None for u in batch):
                    return "retry"
                values = [{"value": u.id} for u in batch]
                op = {"op": "Add" if add else "Remove", "path": "members", "value": values}
                status, _ = await self.send("PATCH", f"/Groups/{group.id}", _patch(op))
                if status in (200, 204):
                    return "done"
                if _transient(status):
                    return "retry"
                return self.unexpected("PATCH group members", status)

            ops.append(Op(f"group:{group.index}", "add members" if add else "remove members", run))
        return ops


# The intended Entra state and the cycles that bring WorkflowGen there ----------------


@dataclass
class Plan:
    users: list[EntraUser]
    groups: list[EntraGroup]


def make_plan(n_users: int, n_groups: int) -> Plan:
    users = [
        EntraUser(
            index=i,
            user_name=f"chaos.user{i:05d}@contoso.com",
            external_id=f"00000000-0000-4000-8000-{i:012x}",
            display_name=f"Chaos User {i}",
            given_name="Chaos",
            family_name=f"User{i}",
            email=f"chaos.user{i:05d}@contoso.com",
        )
        for i in range(n_users)
    ]
    groups = [
        EntraGroup(i, f"Chaos Group {i:02d}", f"10000000-0000-4000-8000-{i:012x}")
        for i in range(n_groups)
    ]
    return Plan(users, groups)


CycleStep = tuple[str, list[Op]]


def cycles(entra: Entra, plan: Plan, seed: int) -> list[CycleStep]:
    """Entra's cycles, each a list of operations; Entra's state changes as they are made."""
    rng = random.Random(seed)
    users, groups = plan.users, plan.groups
    n = len(users)
    # The first tenth are managers; they are never disabled or deleted.
    managers = users[: max(1, n // 10)]
    others = users[len(managers) :]
    leavers = rng.sample(others, k=len(others) // 5)
    deleted, disabled = leavers[: len(leavers) // 2], leavers[len(leavers) // 2 :]

    initial: list[Op] = [entra.create_user(u) for u in users]
    initial += [entra.create_group(g) for g in groups]
    for group in groups:
        members = rng.sample(users, k=max(1, min(n, rng.randint(n // 10, n // 3))))
        initial += entra.change_members(group, members, add=True)

    updates: list[Op] = []
    for user in users:
        if rng.random() < 0.6:
            updates.append(
                entra.update_user(
                    user,
                    title=rng.choice(["Engineer", "Analyst", "Manager", "Clerk"]),
                    department=rng.choice(["Sales", "R&D", "Finance"]),
                    display_name=f"{user.display_name} (updated)",
                )
            )
        if user not in managers and rng.random() < 0.5:
            updates.append(entra.set_manager(user, rng.choice(managers)))
    for group in groups:
        current = [users[i] for i in sorted(group.members)]
        leaving = rng.sample(current, k=max(1, len(current) // 4))
        if leaving:
            updates += entra.change_members(group, leaving, add=False)
        joining = rng.sample(users, k=max(1, n // 20))
        updates += entra.change_members(group, joining, add=True)

    later: list[Op] = []
    for user in users:
        if user.manager is not None and rng.random() < 0.2:
            later.append(entra.set_manager(user, None))  # manager removed in Entra
        elif user not in managers and user.manager is None and rng.random() < 0.2:
            later.append(entra.set_manager(user, rng.choice(managers)))
        if rng.random() < 0.3:
            later.append(entra.update_user(user, title=f"Title {rng.randint(1, 9)}"))

    leaving_ops: list[Op] = []
    for user in disabled:
        leaving_ops.append(entra.update_user(user, active=False))
    gone = set(u.index for u in deleted)
    for group in groups:
        removed = [users[i] for i in sorted(group.members & gone)]
        if removed:
            leaving_ops += entra.change_members(group, removed, add=False)
    for user in deleted:
        # Soft delete (disable), then hard delete.
        leaving_ops.append(entra.update_user(user, active=False))
        leaving_ops.append(entra.delete_user(user))
    return [
        ("initial", initial),
        ("updates", updates),
        ("managers and titles", later),
        ("disables and deletes", leaving_ops),
    ]


# The check, faults off, straight against WorkflowGen ---------------------------------

_USERS = """query($dir: ID!, $n: Int!) { users(filter: {directoryId: $dir}, page: {number: $n,
size: 1000}) { hasNextPage items { id userName systemIdentifier commonName firstName lastName
jobTitle department email isActive status manager { userName } } } }"""
_GROUPS = """query($dir: ID!) { groups(filter: {directoryId: $dir}, page: {size: 1000}) {
items { id name systemIdentifier } } }"""
_MEMBERS = """query($id: ID, $n: Int!) { group(id: $id) { users(page: {number: $n, size: 1000})
{ hasNextPage items { userName } } } }"""


@dataclass
class Verdict:
    duplicates: int = 0
    missing: int = 0
    not_deleted: int = 0
    wrong_attributes: int = 0
    wrong_memberships: int = 0
    still_failing: int = 0
    unexpected_answers: int = 0
    examples: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "duplicates": self.duplicates,
            "missing": self.missing,
            "deleted in Entra, still in WorkflowGen": self.not_deleted,
            "wrong attributes": self.wrong_attributes,
            "wrong memberships": self.wrong_memberships,
            "requests still failing": self.still_failing,
            "unexpected answers (4xx)": self.unexpected_answers,
        }

    @property
    def clean(self) -> bool:
        return not any(self.counts().values())

    def note(self, text: str) -> None:
        if len(self.examples) < 20:
            self.examples.append(text)


async def verify(channel: Channel, plan: Plan, directory: str) -> Verdict:
    verdict = Verdict()
    query = "query($n: String) { directory(name: $n) { id } }"
    data = await channel.graphql(query, {"n": directory})
    directory_id = data["directory"]["id"]
    stored: list[dict[str, Any]] = []
    page = 1
    while True:
        data = await channel.graphql(_USERS, {"dir": directory_id, "n": page})
        stored += [u for u in data["users"]["items"] if u["status"] != "ARCHIVED"]
        if not data["users"]["hasNextPage"]:
            break
        page += 1
    by_name: dict[str, list[dict[str, Any]]] = {}
    for record in stored:
        by_name.setdefault(record["userName"].lower(), []).append(record)
    by_external = Counter(r["systemIdentifier"] for r in stored if r["systemIdentifier"])
    verdict.duplicates += sum(len(v) - 1 for v in by_name.values() if len(v) > 1)
    verdict.duplicates += sum(n - 1 for n in by_external.values() if n > 1)
    for user in plan.users:
        records = by_name.get(user.user_name.lower(), [])
        if user.deleted:
            if records:
                verdict.not_deleted += 1
                verdict.note(f"{user.user_name}: deleted in Entra, still in WorkflowGen")
            continue
        if not records:
            verdict.missing += 1
            verdict.note(f"{user.user_name}: missing")
            continue
        wrong = _wrong_attributes(user, records[0])
        if wrong:
            verdict.wrong_attributes += 1
            verdict.note(f"{user.user_name}: {wrong}")
    data = await channel.graphql(_GROUPS, {"dir": directory_id})
    groups_by_name: dict[str, list[dict[str, Any]]] = {}
    for record in data["groups"]["items"]:
        groups_by_name.setdefault(record["name"].lower(), []).append(record)
    verdict.duplicates += sum(len(v) - 1 for v in groups_by_name.values() if len(v) > 1)
    for group in plan.groups:
        found = groups_by_name.get(group.name.lower(), [])
        if not found:
            verdict.missing += 1
            verdict.note(f"group {group.name}: missing")
            continue
        members = await _member_names(channel, found[0]["id"])
        wanted = {plan.users[i].user_name.lower() for i in group.members}
        if members != wanted:
            verdict.wrong_memberships += 1
            verdict.note(
                f"group {group.name}: {len(wanted - members)} members missing, "
                f"{len(members - wanted)} members too many"
            )
    return verdict


async def _member_names(channel: Channel, group_id: str) -> set[str]:
    names: set[str] = set()
    page = 1
    while True:
        data = await channel.graphql(_MEMBERS, {"id": group_id, "n": page})
        users = data["group"]["users"]
        names.update(u["userName"].lower() for u in users["items"])
        if not users["hasNextPage"]:
            return names
        page += 1


def _wrong_attributes(user: EntraUser, record: dict[str, Any]) -> dict[str, Any]:
    manager = record["manager"]["userName"] if record["manager"] else None
    expected = {
        "systemIdentifier": user.external_id,
        "commonName": user.display_name,
        "firstName": user.given_name,
        "lastName": user.family_name,
        "email": user.email,
        "jobTitle": user.title,
        "department": user.department,
        "isActive": user.active,
        "manager": user.manager.user_name if user.manager else None,
    }
    actual = {**record, "manager": manager}
    return {k: (actual[k], v) for k, v in expected.items() if actual[k] != v}


# One run --------------------------------------------------------------------------------


def fault_knobs(rate: float, seed: int) -> dict[str, Any]:
    """`rate` of requests fail: half answered 503, a quarter dropped before they run, and a
    quarter of mutations committed with their answer lost."""
    return {
        "fail_rate": rate / 2,
        "drop_rate": rate / 4,
        "commit_then_fail_rate": rate / 4,
        "random_seed": seed,
    }


@dataclass
class ChaosResult:
    verdict: Verdict
    tally: Tally
    faults: dict[str, int]
    still_failing: dict[str, int]
    cycles: list[str]


async def chaos_run(
    channel: Channel,
    *,
    users: int,
    groups: int,
    fault_rate: float,
    seed: int,
    directory: str,
    concurrency: int = 8,
    passes: int = 10,
) -> ChaosResult:
    """Entra's cycles under faults, each retried for up to `passes` passes (failures left
    over join the next cycle), then the check with faults off."""
    plan = make_plan(users, groups)
    entra = Entra(channel, concurrency=concurrency)
    steps = cycles(entra, plan, seed)
    await channel.knobs(**fault_knobs(fault_rate, seed))
    try:
        for _, ops in steps:
            entra.queue(ops)
            await entra.settle(passes)
    finally:
        await channel.knobs(fail_rate=0.0, drop_rate=0.0, commit_then_fail_rate=0.0)
    faults = await channel.faults_injected()
    verdict = await verify(channel, plan, directory)
    still = entra.still_failing()
    verdict.still_failing = sum(still.values())
    verdict.unexpected_answers = sum(entra.tally.unexpected.values())
    return ChaosResult(verdict, entra.tally, faults, dict(still), [name for name, _ in steps])
