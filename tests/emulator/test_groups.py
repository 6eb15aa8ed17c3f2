"""Groups and memberships: uniqueness, filters, atomic and idempotent membership changes."""

from __future__ import annotations

import time
from typing import Any

from tests.emulator.emulator_harness import Emulator, StartEmulator, default_settings

CREATE_GROUP = """
mutation ($i: CreateGroupInput!) {
  createGroup(input: $i) { group { id name description systemIdentifier directory { name } } }
}
"""
UPDATE_GROUP = """
mutation ($i: UpdateGroupInput!) {
  updateGroup(input: $i) { group { id name description systemIdentifier directory { name }
                                   users { totalCount } } }
}
"""
REMOVE_USERS = """
mutation ($i: GroupUsersInput!) { removeUsersFromGroup(input: $i) { group { id } } }
"""
LIST_GROUPS = """
query ($filter: GroupFilterInput) { groups(filter: $filter) { totalCount items { name } } }
"""


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def group_names(emulator: Emulator, **filters: Any) -> list[str]:
    data = await emulator.data(LIST_GROUPS, {"filter": filters})
    return [group["name"] for group in data["groups"]["items"]]


async def test_group_name_unique_within_its_directory(emulator: Emulator) -> None:
    scim = await emulator.directory_id()
    partners = await emulator.add_directory("Partners")
    await emulator.create_group("Sales", scim)

    duplicate = await emulator.gql(CREATE_GROUP, {"i": {"directoryId": scim, "name": "SALES"}})
    assert codes(duplicate) == ["CONFLICT"]
    elsewhere = await emulator.gql(CREATE_GROUP, {"i": {"directoryId": partners, "name": "sales"}})
    assert elsewhere["data"]["createGroup"]["group"]["directory"]["name"] == "Partners"
    empty = await emulator.gql(CREATE_GROUP, {"i": {"directoryId": scim, "name": ""}})
    assert codes(empty) == ["BAD_USER_INPUT"]
    unknown = await emulator.gql(CREATE_GROUP, {"i": {"directoryId": "x", "name": "Ops"}})
    assert codes(unknown) == ["NOT_FOUND"]


async def test_group_filters(emulator: Emulator) -> None:
    partners = await emulator.add_directory("Partners")
    alice = await emulator.create_user("alice@example.com")
    sales = await emulator.create_group("Sales")
    await emulator.data(
        CREATE_GROUP,
        {"i": {"directoryId": partners, "name": "Sales", "systemIdentifier": "G-1"}},
    )
    await emulator.create_group("Support")
    await emulator.add_members(sales, [alice["id"]])

    assert await group_names(emulator, name="sAlEs") == ["Sales", "Sales"]
    assert await group_names(emulator, name="Sale") == []
    assert await group_names(emulator, name="sales", directoryId=partners) == ["Sales"]
    assert await group_names(emulator, systemIdentifier="g-1") == ["Sales"]
    assert await group_names(emulator, userId=alice["id"]) == ["Sales"]
    assert await group_names(emulator, userId="bogus") == []
    data = await emulator.data(
        'query ($id: ID) { group(id: $id) { name } missing: group(id: "R3JvdXA6OTk") { id } }',
        {"id": sales},
    )
    assert data == {"group": {"name": "Sales"}, "missing": None}


async def test_group_users_applies_the_user_filter(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com")
    bob = await emulator.create_user("bob@example.com", isActive=False)
    await emulator.create_user("carol@example.com")
    group_id = await emulator.create_group("Sales")
    await emulator.add_members(group_id, [alice["id"], bob["id"]])

    data = await emulator.data(
        "query ($id: ID) { group(id: $id) {"
        " all: users { totalCount items { userName } }"
        " active: users(filter: {isActive: true}) { items { userName } }"
        ' carol: users(filter: {userName: "carol@example.com"}) { totalCount } } }',
        {"id": group_id},
    )
    group = data["group"]
    assert group["all"]["totalCount"] == 2
    assert [u["userName"] for u in group["active"]["items"]] == ["alice@example.com"]
    assert group["carol"]["totalCount"] == 0
    members = await emulator.data(
        "query ($g: ID) { users(filter: {groupId: $g}) { items { userName } } }", {"g": group_id}
    )
    assert len(members["users"]["items"]) == 2


async def test_membership_changes_are_idempotent(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com")
    bob = await emulator.create_user("bob@example.com")
    group_id = await emulator.create_group("Sales")

    await emulator.add_members(group_id, [alice["id"]])
    body = await emulator.add_members(group_id, [alice["id"], bob["id"], bob["id"]])
    assert "errors" not in body
    assert body["data"]["addUsersToGroup"]["group"]["users"]["totalCount"] == 2

    for _ in range(2):  # removing a non-member is fine too
        removed = await emulator.gql(
            REMOVE_USERS, {"i": {"groupId": group_id, "userIds": [bob["id"]]}}
        )
        assert "errors" not in removed
    assert await emulator.member_ids(group_id) == [alice["id"]]


async def test_membership_change_with_one_bad_user_applies_nothing(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com")
    archived = await emulator.create_user("old@example.com")
    await emulator.set_flags(archived["id"], hasHistory=True)
    await emulator.data(
        "mutation ($id: ID!) { deleteUser(input: {id: $id}) { archived } }", {"id": archived["id"]}
    )
    partners = await emulator.add_directory("Partners")
    outsider = await emulator.create_user("out@example.com", directoryId=partners)
    group_id = await emulator.create_group("Sales")
    unknown = "VXNlcjo5OTk"

    body = await emulator.add_members(
        group_id, [alice["id"], unknown, archived["id"], outsider["id"]]
    )
    assert codes(body) == ["BAD_USER_INPUT"]
    error = body["errors"][0]
    for bad in (unknown, archived["id"], outsider["id"]):
        assert bad in error["message"]
    assert alice["id"] not in error["message"]
    assert sorted(error["extensions"]["invalidUserIds"]) == sorted(
        [unknown, archived["id"], outsider["id"]]
    )
    assert await emulator.member_ids(group_id) == []

    await emulator.add_members(group_id, [alice["id"]])
    removal = await emulator.gql(
        REMOVE_USERS, {"i": {"groupId": group_id, "userIds": [alice["id"], "junk"]}}
    )
    assert codes(removal) == ["BAD_USER_INPUT"]
    assert await emulator.member_ids(group_id) == [alice["id"]]
    missing_group = await emulator.add_members("R3JvdXA6OTk", [alice["id"]])
    assert codes(missing_group) == ["NOT_FOUND"]


async def test_a_thousand_members_in_one_call(start_emulator: StartEmulator) -> None:
    emulator = await start_emulator(default_settings(seed_users=1000))
    data = await emulator.data(
        '{ users(page: {size: 1000}, filter: {directoryId: "RGlyZWN0b3J5OjI"}) { items { id } } }'
    )
    user_ids = [item["id"] for item in data["users"]["items"]]
    assert len(user_ids) == 1000
    group_id = await emulator.create_group("Everyone")
    await emulator.reset_stats()

    started = time.perf_counter()
    body = await emulator.add_members(group_id, user_ids)
    removed = await emulator.gql(
        REMOVE_USERS, {"i": {"groupId": group_id, "userIds": user_ids[:500]}}
    )
    elapsed = time.perf_counter() - started

    assert body["data"]["addUsersToGroup"]["group"]["users"]["totalCount"] == 1000
    assert "errors" not in removed
    assert len(await emulator.member_ids(group_id)) == 500
    assert (await emulator.stats())["operations"]["addUsersToGroup"] == 1
    assert elapsed < 1.0, elapsed


async def test_update_group_keeps_clears_and_moves(emulator: Emulator) -> None:
    scim = await emulator.directory_id()
    partners = await emulator.add_directory("Partners")
    created = await emulator.data(
        CREATE_GROUP,
        {"i": {"directoryId": scim, "name": "Sales", "description": "d", "systemIdentifier": "s"}},
    )
    group_id = created["createGroup"]["group"]["id"]
    alice = await emulator.create_user("alice@example.com")
    await emulator.add_members(group_id, [alice["id"]])
    await emulator.create_group("Taken", partners)

    cleared = await emulator.data(UPDATE_GROUP, {"i": {"id": group_id, "description": None}})
    group = cleared["updateGroup"]["group"]
    assert (group["name"], group["description"], group["systemIdentifier"]) == ("Sales", None, "s")
    assert group["users"]["totalCount"] == 1

    assert codes(await emulator.gql(UPDATE_GROUP, {"i": {"id": group_id, "name": None}})) == [
        "BAD_USER_INPUT"
    ]
    clash = {"id": group_id, "directoryId": partners, "name": "TAKEN"}
    assert codes(await emulator.gql(UPDATE_GROUP, {"i": clash})) == ["CONFLICT"]
    assert codes(await emulator.gql(UPDATE_GROUP, {"i": {"id": "nope", "name": "x"}})) == [
        "NOT_FOUND"
    ]

    moved = await emulator.data(UPDATE_GROUP, {"i": {"id": group_id, "directoryId": partners}})
    group = moved["updateGroup"]["group"]
    assert group["directory"]["name"] == "Partners"
    assert group["users"]["totalCount"] == 0  # its members belonged to the old directory


async def test_delete_group_keeps_its_users(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com")
    group_id = await emulator.create_group("Sales")
    await emulator.add_members(group_id, [alice["id"]])

    data = await emulator.data(
        "mutation ($id: ID!) { deleteGroup(input: {id: $id}) { deletedGroupId } }", {"id": group_id}
    )
    assert data["deleteGroup"]["deletedGroupId"] == group_id
    user = await emulator.user(alice["id"])
    assert user is not None
    assert user["groups"]["totalCount"] == 0
    again = await emulator.gql(
        "mutation ($id: ID!) { deleteGroup(input: {id: $id}) { deletedGroupId } }", {"id": group_id}
    )
    assert codes(again) == ["NOT_FOUND"]
