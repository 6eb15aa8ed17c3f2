"""Group round trips counted by the emulator, big groups, and lost answers."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pytest_aiohttp import AiohttpServer

from tests.harness import BUDGET, Scim, StartStack, Upstream, add, create_group, new_group
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.emulator import build_app as build_emulator


async def _counted(scim: Scim) -> dict[str, Any]:
    stats = await scim.upstream.stats()
    await scim.upstream.reset_stats()
    return stats


SEEDED = 10_000


@pytest.fixture
async def upstream(aiohttp_server: AiohttpServer) -> AsyncIterator[Upstream]:
    """This module's emulator starts with SEEDED users in the SCIM directory."""
    server = await aiohttp_server(build_emulator(EmulatorSettings(seed_users=SEEDED)))
    controls = Upstream(server)
    yield controls
    await controls.client.close()


async def _seeded_ids(scim: Scim, count: int) -> list[str]:
    ids: list[str] = []
    number = 1
    while len(ids) < count:
        data = await scim.upstream.graphql(
            "query ($n: Int) { "
            "users(page: {number: $n, size: 1000}) { items { id directory { name } } } }",
            {"n": number},
        )
        ids += [u["id"] for u in data["users"]["items"] if u["directory"]["name"] == "SCIM"]
        number += 1
    return ids[:count]


async def test_group_round_trips(scim: Scim) -> None:
    ids = await _seeded_ids(scim, 500)
    await scim.upstream.reset_stats()

    status, group, _ = await scim.post("/Groups", new_group("Counted"))
    assert status == 201
    stats = await _counted(scim)
    assert stats["operations"] == {"createGroup": 1}
    assert stats["requests"] == BUDGET["group_create"]

    await scim.get('/Groups?excludedAttributes=members&filter=displayName eq "Counted"')
    stats = await _counted(scim)
    assert stats["requests"] == BUDGET["group_filter"]

    assert (await scim.patch(f"/Groups/{group['id']}", add(*ids)))[0] == 204
    stats = await _counted(scim)
    assert stats["requests"] == BUDGET["group_patch_members"]
    assert stats["operations"] == {"group": 1, "users": 1, "addUsersToGroup": 1}

    removal = {"op": "Remove", "path": "members", "value": [{"value": i} for i in ids]}
    assert (await scim.patch(f"/Groups/{group['id']}", removal))[0] == 204
    stats = await _counted(scim)
    assert stats["requests"] == BUDGET["group_patch_members"]
    assert stats["operations"] == {"group": 1, "users": 1, "removeUsersFromGroup": 1}

    # Removing an id that is no user of ours is a no-op, not a failed mutation to retry.
    assert (await scim.patch(f"/Groups/{group['id']}", add(ids[0])))[0] == 204
    await _counted(scim)
    other = await scim.upstream.add_directory("HR")
    foreign = await scim.upstream.graphql(
        "mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        {"i": {"directoryId": other, "userName": "foreign@contoso.com"}},
    )
    await _counted(scim)
    foreign_id = foreign["createUser"]["user"]["id"]
    stranger = {"op": "Remove", "path": "members", "value": [{"value": foreign_id}]}
    mixed = {"op": "Remove", "path": "members", "value": [{"value": ids[0]}]}
    assert (await scim.patch(f"/Groups/{group['id']}", stranger, mixed))[0] == 204
    assert (await _counted(scim))["requests"] == BUDGET["group_patch_members"]

    await scim.get(f"/Groups/{group['id']}?excludedAttributes=members")
    assert (await _counted(scim))["requests"] == BUDGET["group_get"]

    assert (await scim.delete(f"/Groups/{group['id']}"))[0] == 204
    assert (await _counted(scim))["requests"] == BUDGET["group_delete"]


async def test_a_ten_thousand_member_group_is_read_page_by_page(scim: Scim) -> None:
    ids = await _seeded_ids(scim, 10_000)
    group = await create_group(scim, "Huge")
    for start in range(0, len(ids), 2500):
        assert (await scim.patch(f"/Groups/{group['id']}", add(*ids[start : start + 2500])))[
            0
        ] == 204
    await scim.upstream.reset_stats()
    status, body, _ = await scim.get(f"/Groups/{group['id']}")
    assert status == 200
    assert len(body["members"]) == 10_000
    assert {m["value"] for m in body["members"]} == set(ids)
    stats = await scim.upstream.stats()
    # Never one giant page: WorkflowGen pages hold at most 1000 members.
    assert stats["requests"] == BUDGET["group_get_members"] * 10
    # Removing one member of the huge group still costs two round trips, no member read.
    await scim.upstream.reset_stats()
    await scim.patch(
        f"/Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{ids[0]}"]'}
    )
    assert (await scim.upstream.stats())["requests"] == BUDGET["group_patch_members"]


async def test_a_group_create_whose_answer_is_lost_converges(scim: Scim) -> None:
    await scim.upstream.knobs(commit_then_fail_next=1)
    status, body, _ = await scim.post("/Groups", new_group("Lost"))
    assert status == 201, body
    _, listed, _ = await scim.get('/Groups?filter=displayName eq "Lost"')
    assert listed["totalResults"] == 1
    assert listed["Resources"][0]["id"] == body["id"]


async def test_a_membership_change_whose_answer_is_lost_is_resent(scim: Scim) -> None:
    ids = await _seeded_ids(scim, 3)
    group = await create_group(scim, "Resend")
    await scim.upstream.knobs(commit_then_fail_next=1)
    assert (await scim.patch(f"/Groups/{group['id']}", add(*ids)))[0] == 204
    _, body, _ = await scim.get(f"/Groups/{group['id']}")
    assert {m["value"] for m in body["members"]} == set(ids)


async def test_a_page_of_big_groups_is_shortened_to_the_member_budget(
    start_stack: StartStack,
) -> None:
    scim = await start_stack(scim={"max_members_per_response": 1000})
    ids = await _seeded_ids(scim, 1800)
    groups = []
    for number in range(3):
        group = await create_group(scim, f"Big {number}")
        members = ids[number * 600 : (number + 1) * 600]
        assert (await scim.patch(f"/Groups/{group['id']}", add(*members)))[0] == 204
        groups.append(group["id"])
    seen: list[str] = []
    start = 1
    while True:
        status, page, _ = await scim.get(f"/Groups?startIndex={start}&count=3")
        assert status == 200
        assert page["totalResults"] == 3
        # 600 members each: a second group would pass 1000, so one group per page.
        assert page["itemsPerPage"] == 1
        assert len(page["Resources"][0]["members"]) == 600
        seen += [g["id"] for g in page["Resources"]]
        start += page["itemsPerPage"]
        if start > page["totalResults"]:
            break
    assert seen == groups
    # Without members, the page is whole again.
    _, page, _ = await scim.get("/Groups?count=3&excludedAttributes=members")
    assert page["itemsPerPage"] == 3
