"""Entra's group lifecycle through the proxy, in both dialects (docs/entra-dialect.md,
items 5-7 and 12)."""

import asyncio
from typing import Any

import pytest

from tests.harness import (
    Scim,
    add,
    create_group,
    member_ids,
    new_group,
    users,
)
from wfgen_scim.proxy.state import WORKFLOWGEN


async def test_test_connection_group_probe_is_an_empty_list(scim: Scim) -> None:
    status, body, _ = await scim.get(
        '/Groups?excludedAttributes=members&filter=displayName eq "1e2bb0a8-not-there"'
    )
    assert (status, body["totalResults"], body["Resources"]) == (200, 0, [])


async def test_create_with_entra_schema_urn_and_duplicate_in_another_case(scim: Scim) -> None:
    status, body, headers = await scim.post("/Groups", new_group("Sales"))
    assert status == 201
    assert body["displayName"] == "Sales"
    assert body["members"] == []
    assert body["externalId"] == "ext-Sales"
    assert headers["Location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/Groups/{body['id']}")
    status, error, _ = await scim.post("/Groups", new_group("SALES", externalId="other"))
    assert (status, error["scimType"], error["status"]) == (409, "uniqueness", "409")


async def test_reads_with_excluded_members_have_no_members_key(scim: Scim) -> None:
    ids = await users(scim, 2)
    group = await create_group(scim, "Readers", members=[{"value": i} for i in ids])
    status, body, _ = await scim.get(f"/Groups/{group['id']}?excludedAttributes=members")
    assert status == 200
    assert "members" not in body
    assert body["displayName"] == "Readers"
    for filter_ in ('displayName eq "readers"', f'externalId eq "{group["externalId"]}"'):
        status, listed, _ = await scim.get(f"/Groups?excludedAttributes=members&filter={filter_}")
        assert (status, listed["totalResults"]) == (200, 1), filter_
        assert "members" not in listed["Resources"][0]
    _, full, _ = await scim.get(f"/Groups/{group['id']}")
    assert {m["value"] for m in full["members"]} == set(ids)
    assert all(m["type"] == "User" and m["$ref"].endswith(m["value"]) for m in full["members"])


@pytest.mark.parametrize(
    "rename",
    [
        {"op": "Replace", "path": "displayName", "value": "Renamed"},
        {"op": "replace", "value": {"displayName": "Renamed"}},
    ],
)
async def test_rename_in_both_dialects(scim: Scim, rename: dict[str, Any]) -> None:
    group = await create_group(scim, "Before")
    status, body, _ = await scim.patch(f"/Groups/{group['id']}", rename)
    assert (status, body) == (204, None)
    _, listed, _ = await scim.get('/Groups?filter=displayName eq "renamed"')
    assert [g["id"] for g in listed["Resources"]] == [group["id"]]


async def test_rename_onto_another_group_is_409(scim: Scim) -> None:
    await create_group(scim, "Taken")
    group = await create_group(scim, "Free")
    status, body, _ = await scim.patch(
        f"/Groups/{group['id']}", {"op": "Replace", "path": "displayName", "value": "TAKEN"}
    )
    assert (status, body["scimType"]) == (409, "uniqueness")


async def test_external_id_replace_and_pathless(scim: Scim) -> None:
    group = await create_group(scim, "Ext")
    await scim.patch(f"/Groups/{group['id']}", {"op": "replace", "value": {"externalId": "new"}})
    _, body, _ = await scim.get(f"/Groups/{group['id']}")
    assert body["externalId"] == "new"


@pytest.mark.parametrize("op", ["Add", "add", "ADD"])
async def test_add_many_members_and_re_add_is_fine(scim: Scim, op: str) -> None:
    ids = await users(scim, 5)
    group = await create_group(scim, "Team")
    assert (await scim.patch(f"/Groups/{group['id']}", add(*ids[:3], op=op)))[0] == 204
    assert (await scim.patch(f"/Groups/{group['id']}", add(*ids, op=op)))[0] == 204
    assert await member_ids(scim, group["id"]) == set(ids)


REMOVALS = [
    pytest.param(
        lambda i: {"op": "Remove", "path": "members", "value": [{"value": i}]}, id="default"
    ),
    pytest.param(lambda i: {"op": "remove", "path": f'members[value eq "{i}"]'}, id="flag"),
]


@pytest.mark.parametrize("removal", REMOVALS)
async def test_removing_one_member_keeps_the_others(scim: Scim, removal: Any) -> None:
    ids = await users(scim, 4)
    group = await create_group(scim, "Keep")
    await scim.patch(f"/Groups/{group['id']}", add(*ids))
    status, _, _ = await scim.patch(f"/Groups/{group['id']}", removal(ids[0]))
    assert status == 204
    assert await member_ids(scim, group["id"]) == set(ids[1:])
    # Removing someone who is not a member (or not even a user) is a success.
    assert (await scim.patch(f"/Groups/{group['id']}", removal(ids[0])))[0] == 204
    assert (await scim.patch(f"/Groups/{group['id']}", removal("no-such-user")))[0] == 204
    assert await member_ids(scim, group["id"]) == set(ids[1:])


async def test_add_then_remove_in_one_request_leaves_the_member_out(scim: Scim) -> None:
    ids = await users(scim, 2)
    group = await create_group(scim, "Sequence")
    status, _, _ = await scim.patch(
        f"/Groups/{group['id']}",
        add(*ids),
        {"op": "remove", "path": f'members[value eq "{ids[0]}"]'},
    )
    assert status == 204
    assert await member_ids(scim, group["id"]) == {ids[1]}
    # And the reverse order keeps it.
    await scim.patch(
        f"/Groups/{group['id']}",
        {"op": "Remove", "path": "members", "value": [{"value": ids[1]}]},
        add(ids[1]),
    )
    assert await member_ids(scim, group["id"]) == {ids[1]}


async def test_remove_all_members(scim: Scim) -> None:
    ids = await users(scim, 3)
    group = await create_group(scim, "Emptied", members=[{"value": i} for i in ids])
    status, _, _ = await scim.patch(f"/Groups/{group['id']}", {"op": "remove", "path": "members"})
    assert status == 204
    assert await member_ids(scim, group["id"]) == set()
    for user_id in ids:  # members leave the group; they are not deleted
        assert (await scim.get(f"/Users/{user_id}"))[0] == 200


async def test_replace_members_sets_the_list(scim: Scim) -> None:
    # The SCIM Validator adds members with `replace`.
    ids = await users(scim, 3)
    group = await create_group(scim, "Replaced", members=[{"value": ids[0]}])
    status, _, _ = await scim.patch(f"/Groups/{group['id']}", add(ids[1], ids[2], op="replace"))
    assert status == 204
    assert await member_ids(scim, group["id"]) == {ids[1], ids[2]}


async def test_members_that_are_not_our_users_are_refused_and_nothing_applies(
    scim: Scim,
) -> None:
    ids = await users(scim, 2)
    group = await create_group(scim, "Strict")
    other = await scim.upstream.add_directory("OTHER")
    data = await scim.upstream.graphql(
        "mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        {"i": {"directoryId": other, "userName": "foreign@contoso.com"}},
    )
    foreign = data["createUser"]["user"]["id"]
    status, body, _ = await scim.patch(
        f"/Groups/{group['id']}",
        {"op": "Replace", "path": "displayName", "value": "Changed"},
        add(ids[0], "ghost-id", foreign, ids[1]),
    )
    assert (status, body["scimType"]) == (400, "invalidValue")
    assert "ghost-id" in body["detail"]
    assert foreign in body["detail"]
    assert ids[0] not in body["detail"]
    _, after, _ = await scim.get(f"/Groups/{group['id']}")
    assert after["members"] == []
    assert after["displayName"] == "Strict"
    status, body, _ = await scim.post("/Groups", new_group("Bad", members=[{"value": "ghost"}]))
    assert (status, body["scimType"]) == (400, "invalidValue")
    _, listed, _ = await scim.get('/Groups?filter=displayName eq "Bad"')
    assert listed["totalResults"] == 0


async def test_member_filters(scim: Scim) -> None:
    ids = await users(scim, 2)
    group = await create_group(scim, "Filtered", members=[{"value": ids[0]}])
    for query, expected in (
        (f'id eq "{group["id"]}" and members eq "{ids[0]}"', 1),
        (f'id eq "{group["id"]}" and members eq "{ids[1]}"', 0),
        (f'members[value eq "{ids[0]}"]', 1),
        (f'displayName eq "filtered" and members eq "{ids[1]}"', 0),
        (f'id eq "{group["id"]}"', 1),
        ('id eq "nope"', 0),
    ):
        status, body, _ = await scim.get(f"/Groups?filter={query}&excludedAttributes=members")
        assert (status, body["totalResults"]) == (200, expected), query
    status, body, _ = await scim.get('/Groups?filter=displayName co "x"')
    assert (status, body["scimType"]) == (400, "invalidFilter")


async def test_put_replaces_name_and_members(scim: Scim) -> None:
    ids = await users(scim, 3)
    group = await create_group(scim, "Put", members=[{"value": ids[0]}, {"value": ids[1]}])
    status, body, _ = await scim.put(
        f"/Groups/{group['id']}",
        new_group("Put2", members=[{"value": ids[1]}, {"value": ids[2]}]),
    )
    assert status == 200
    assert body["displayName"] == "Put2"
    assert {m["value"] for m in body["members"]} == {ids[1], ids[2]}
    assert await member_ids(scim, group["id"]) == {ids[1], ids[2]}


async def test_delete_removes_the_group_not_its_users(scim: Scim) -> None:
    ids = await users(scim, 2)
    group = await create_group(scim, "Doomed", members=[{"value": i} for i in ids])
    assert (await scim.delete(f"/Groups/{group['id']}"))[0] == 204
    for _ in range(2):
        assert (await scim.get(f"/Groups/{group['id']}"))[0] == 404
        assert (await scim.delete(f"/Groups/{group['id']}"))[0] == 404
    for user_id in ids:
        assert (await scim.get(f"/Users/{user_id}"))[0] == 200


async def test_user_shows_its_groups(scim: Scim) -> None:
    ids = await users(scim, 1)
    group = await create_group(scim, "Visible", members=[{"value": ids[0]}])
    _, user, _ = await scim.get(f"/Users/{ids[0]}")
    assert user["groups"] == [
        {
            "value": group["id"],
            "$ref": group["meta"]["location"],
            "display": "Visible",
            "type": "direct",
        }
    ]
    _, user, _ = await scim.get(f"/Users/{ids[0]}?excludedAttributes=groups")
    assert "groups" not in user


async def test_twenty_concurrent_member_adds_all_land(scim: Scim) -> None:
    ids = await users(scim, 20)
    group = await create_group(scim, "Busy")
    results = await asyncio.gather(*(scim.patch(f"/Groups/{group['id']}", add(i)) for i in ids))
    assert [status for status, _, _ in results] == [204] * 20
    assert await member_ids(scim, group["id"]) == set(ids)


async def test_groups_of_other_directories_are_invisible(scim: Scim) -> None:
    other = await scim.upstream.add_directory("OTHER")
    data = await scim.upstream.graphql(
        "mutation ($i: CreateGroupInput!) { createGroup(input: $i) { group { id } } }",
        {"i": {"directoryId": other, "name": "Foreign"}},
    )
    foreign = data["createGroup"]["group"]["id"]
    assert (await scim.get(f"/Groups/{foreign}"))[0] == 404
    assert (await scim.patch(f"/Groups/{foreign}", add("x")))[0] == 404
    assert (await scim.delete(f"/Groups/{foreign}"))[0] == 404
    _, listed, _ = await scim.get('/Groups?filter=displayName eq "Foreign"')
    assert listed["totalResults"] == 0
    # Same name in our directory is fine: names are unique per directory.
    assert (await scim.post("/Groups", new_group("Foreign")))[0] == 201


async def test_group_pagination(scim: Scim) -> None:
    created = [(await create_group(scim, f"G{i:02d}"))["id"] for i in range(7)]
    seen = []
    for start in (1, 4, 7):
        _, body, _ = await scim.get(
            f"/Groups?startIndex={start}&count=3&excludedAttributes=members"
        )
        assert body["totalResults"] == 7
        seen += [g["id"] for g in body["Resources"]]
    assert seen == created


async def test_group_pages_with_members_are_capped(scim: Scim) -> None:
    for i in range(55):
        await create_group(scim, f"Cap{i:02d}")
    _, body, _ = await scim.get("/Groups?count=100")
    assert body["totalResults"] == 55
    assert body["itemsPerPage"] == 50
    _, body, _ = await scim.get("/Groups?count=100&excludedAttributes=members")
    assert body["itemsPerPage"] == 55


async def test_a_member_deleted_between_check_and_change_does_not_block_the_others(
    scim: Scim,
) -> None:
    keep = await scim.create_user("stays@contoso.com")
    leaving = await scim.create_user("leaves@contoso.com")
    group = await create_group(scim, "Racing")
    await scim.upstream.set_flags(leaving["id"], hasHistory=True)
    assert (await scim.delete(f"/Users/{leaving['id']}"))[0] == 204  # archived
    assert scim.client.app is not None
    wf = scim.client.app[WORKFLOWGEN]
    # What the PATCH handler does after its check, had the user vanished in between:
    await wf.groups.add_members(group["id"], [keep["id"], leaving["id"]])
    _, body, _ = await scim.get(f"/Groups/{group['id']}")
    assert [m["value"] for m in body["members"]] == [keep["id"]]
    await wf.groups.remove_members(group["id"], [leaving["id"], keep["id"]])
    _, body, _ = await scim.get(f"/Groups/{group['id']}")
    assert body["members"] == []


async def test_a_create_whose_member_add_fails_leaves_no_group_behind(scim: Scim) -> None:
    member = await scim.create_user("undo.member@contoso.com")
    # Every attempt (the proxy retries the idempotent add) fails: the create is undone.
    await scim.upstream.knobs(fail_operations={"AddUsersToGroup": 3})
    body = new_group("Undone", members=[{"value": member["id"]}])
    status, error, headers = await scim.post("/Groups", body)
    assert (status, "Retry-After" in headers) == (503, True), error
    _, found, _ = await scim.get('/Groups?filter=displayName eq "Undone"')
    assert found["totalResults"] == 0
    # Entra's retry in the next cycle then creates it whole.
    status, created, _ = await scim.post("/Groups", body)
    assert status == 201, created
    assert await member_ids(scim, created["id"]) == {member["id"]}
