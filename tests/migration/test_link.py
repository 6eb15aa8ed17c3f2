"""`wfgen-scim link` over real HTTP against a seeded emulator, then Entra's first cycle
through the proxy (issue 8's acceptance tests)."""

import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer

from tests.harness import Scim, Upstream, new_group, new_user, scim_settings, workflowgen_for
from tests.migration.world import EXPORTED, NEW, eid, gid, link, upn, write_config, write_world
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.emulator import build_app as build_emulator
from wfgen_scim.proxy.app import build_app

SNAPSHOT = """
query($n: Int!) {
  users(page: {number: $n, size: 1000}) { hasNextPage items {
    userName systemIdentifier directory { name } groups(page: {size: 1000}) { items { name } } } }
  groups(page: {size: 1000}) { items { name systemIdentifier directory { name }
    users(page: {size: 1000}) { items { userName } } } }
}
"""


async def snapshot(upstream: Upstream) -> dict[str, Any]:
    data = await upstream.graphql(SNAPSHOT, {"n": 1})
    return {
        "users": {
            u["userName"]: (
                u["directory"]["name"],
                u["systemIdentifier"],
                sorted(g["name"] for g in u["groups"]["items"]),
            )
            for u in data["users"]["items"]
        },
        "groups": {
            (g["directory"]["name"], g["name"]): (
                g["systemIdentifier"],
                sorted(m["userName"] for m in g["users"]["items"]),
            )
            for g in data["groups"]["items"]
        },
    }


@pytest.fixture
async def world(
    tmp_path: Path, aiohttp_server: AiohttpServer
) -> AsyncIterator[tuple[Upstream, Path, list[Path]]]:
    seed_file, exports = write_world(tmp_path)
    server: TestServer = await aiohttp_server(build_emulator(EmulatorSettings(seed_file=seed_file)))
    upstream = Upstream(server)
    await upstream.client.start_server()
    yield upstream, write_config(tmp_path, upstream.graphql_url), exports
    await upstream.client.close()


def counts(report: Path) -> Counter[tuple[str, str]]:
    return Counter((r["kind"], r["outcome"]) for r in json.loads(report.read_text()))


def from_args(exports: list[Path]) -> list[str]:
    return [a for path in exports for a in ("--from", str(path))]


async def test_plan_counts_and_the_report_lists_every_input_once(world, tmp_path) -> None:
    upstream, config, exports = world
    before = await snapshot(upstream)
    report = tmp_path / "plan.json"
    assert await link(config, *from_args(exports), "--report", str(report)) == 0
    assert counts(report) == {
        ("user", "already_linked"): 10,
        ("user", "conflict"): 1,
        ("user", "link"): EXPORTED - 11,
        ("user", "will_create"): NEW,
        ("user", "not_in_entra"): 5,
        ("group", "already_linked"): 1,
        ("group", "link"): 9,
        ("group", "will_create"): 1,
    }
    records = json.loads(report.read_text())
    entra_ids = [r["entra_id"] for r in records if r["entra_id"]]
    assert sorted(entra_ids) == sorted(
        [eid(i) for i in range(EXPORTED)]
        + [eid(1000 + j) for j in range(NEW)]
        + [gid(k) for k in range(10)]
        + [gid(99)]
    )
    conflict = next(r for r in records if r["outcome"] == "conflict")
    assert conflict["name"] == upn(10)
    assert "system identifier" in conflict["reason"]
    assert await snapshot(upstream) == before, "the plan writes nothing"

    email = tmp_path / "email.csv"
    assert await link(config, *from_args(exports), "--match", "email", "--report", str(email)) == 0
    text = email.read_text()
    assert text.count(",ambiguous,") == 3
    assert text.count(",link,") == EXPORTED - 11 - 3 + 9


async def test_apply_links_exactly_the_matched_keeps_memberships_and_is_idempotent(
    world, tmp_path
) -> None:
    upstream, config, exports = world
    before = await snapshot(upstream)
    report = tmp_path / "apply.json"
    assert await link(config, *from_args(exports), "--apply", "--report", str(report)) == 0
    records = json.loads(report.read_text())
    assert all(r["applied"] is True for r in records if r["outcome"] == "link")
    after = await snapshot(upstream)
    for i in range(200):
        directory, system_id, groups = after["users"][upn(i)]
        if 11 <= i < EXPORTED:
            assert (directory, system_id) == ("SCIM", eid(i))
            assert groups == before["users"][upn(i)][2]
            assert groups == ([f"Team {i % 10}"] if i % 10 < 9 else [])
        else:
            assert after["users"][upn(i)] == before["users"][upn(i)], i
    for k in range(9):
        system_id, members = after["groups"]["SCIM", f"Team {k}"]
        assert system_id == gid(k)
        assert members == before["groups"][("CORP", f"Team {k}")][1]
    # A second run changes nothing and has nothing left to do.
    again = tmp_path / "again.json"
    assert await link(config, *from_args(exports), "--apply", "--report", str(again)) == 0
    assert await snapshot(upstream) == after
    assert counts(again)["user", "link"] == counts(again)["group", "link"] == 0
    assert counts(again)["user", "already_linked"] == EXPORTED - 1
    # Drift: the linked directory now agrees with the export, apart from what the plan said.
    drift = tmp_path / "drift.json"
    assert await link(config, *from_args(exports), "--drift", "--report", str(drift)) == 1
    found = Counter((d["kind"], d["difference"]) for d in json.loads(drift.read_text()))
    assert found == {
        ("user", "missing"): NEW + 1,  # the new ones, and the conflicting user 10
        ("user", "extra"): 5,
        ("group", "missing"): 1,
        ("group", "members"): 1,  # Team 9: Entra has members, WorkflowGen's is empty
    }


async def entra_cycle(scim: Scim, users: list[dict[str, Any]], groups, by: str) -> Counter[str]:
    """Entra's first cycle: find each object (by userName, or GET objectId then filter
    externalId as WorkflowGen's guide maps it), create what is not found."""
    seen: Counter[str] = Counter()
    for kind, items, key in (
        ("Users", users, "userPrincipalName"),
        ("Groups", groups, "displayName"),
    ):
        for item in items:
            if by == "name":
                attribute = "userName" if kind == "Users" else "displayName"
                query = f'{attribute} eq "{item[key]}"'
            else:
                status, _, _ = await scim.get(f"/{kind}/{item['id']}")
                assert status == 404
                query = f'externalId eq "{item["id"]}"'
            status, body, _ = await scim.get(f"/{kind}?filter={quote(query)}")
            assert status == 200
            if body["totalResults"] == 1:
                seen[f"{kind} found"] += 1
                continue
            if kind == "Users":
                payload = new_user(item[key], externalId=item["id"])
            else:
                payload = new_group(item[key], externalId=item["id"])
            status, body, _ = await scim.post(f"/{kind}", payload)
            seen[f"{kind} {status}"] += 1
    return seen


@pytest.mark.parametrize("by", ["name", "external_id"])
async def test_entra_first_cycle_after_apply_creates_only_the_new_ones(
    world, tmp_path, aiohttp_client: AiohttpClient, by: str
) -> None:
    upstream, config, exports = world
    report = tmp_path / "apply.json"
    assert await link(config, *from_args(exports), "--apply", "--report", str(report)) == 0
    planned = {r["entra_id"]: r["outcome"] for r in json.loads(report.read_text())}
    users = json.loads(exports[0].read_text())["value"]
    groups = json.loads(exports[1].read_text())["value"]
    # The conflicting user is the plan's warning: Entra would get a 409 for it.
    users = [u for u in users if planned[u["id"]] != "conflict"]
    client = await aiohttp_client(build_app(scim_settings(), workflowgen_for(upstream)))
    seen = await entra_cycle(Scim(client, upstream), users, groups, by)
    assert seen == {
        "Users found": EXPORTED - 1,
        "Users 201": NEW,
        "Groups found": 10,
        "Groups 201": 1,
    }
