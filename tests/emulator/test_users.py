"""User queries and mutations: the semantics the proxy relies on."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.emulator.emulator_harness import CREATE_USER, USER_FIELDS, Emulator

UPDATE_USER = f"""
mutation ($input: UpdateUserInput!) {{
  updateUser(input: $input) {{ clientMutationId user {{ {USER_FIELDS} }} }}
}}
"""
DELETE_USER = """
mutation ($id: ID!) { deleteUser(input: {id: $id}) { deletedUserId archived } }
"""
LIST_USERS = """
query ($page: PageInput, $filter: UserFilterInput) {
  users(page: $page, filter: $filter) {
    totalCount hasNextPage hasPreviousPage items { id userName }
  }
}
"""
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def update(emulator: Emulator, **fields: Any) -> dict[str, Any]:
    return await emulator.gql(UPDATE_USER, {"input": fields})


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def list_users(emulator: Emulator, **variables: Any) -> dict[str, Any]:
    data = await emulator.data(LIST_USERS, variables)
    users: dict[str, Any] = data["users"]
    return users


async def test_create_user_defaults_and_shape(emulator: Emulator) -> None:
    directory_id = await emulator.directory_id()
    data = await emulator.data(
        CREATE_USER,
        {
            "input": {
                "clientMutationId": "c-1",
                "directoryId": directory_id,
                "userName": "alice@example.com",
                "email": "Alice@Example.com",
                "systemIdentifier": "entra-1",
            }
        },
    )
    assert data["createUser"]["clientMutationId"] == "c-1"
    user = data["createUser"]["user"]
    assert user["isActive"] is True
    assert user["status"] == "ACTIVE"
    assert user["directory"] == {"id": directory_id, "name": "SCIM"}
    assert user["manager"] is None
    assert TIMESTAMP.match(user["createdAt"])
    assert TIMESTAMP.match(user["updatedAt"])
    inactive = await emulator.create_user("bob@example.com", isActive=False)
    assert (inactive["isActive"], inactive["status"]) == (False, "INACTIVE")


async def test_create_user_refusals(emulator: Emulator) -> None:
    await emulator.create_user("alice@example.com")
    directory_id = await emulator.directory_id()
    workflowgen_id = await emulator.directory_id("WORKFLOWGEN")

    async def create(**fields: Any) -> list[str]:
        body = await emulator.gql(CREATE_USER, {"input": fields})
        return codes(body)

    # userName is unique across all directories, case-insensitively.
    assert await create(directoryId=workflowgen_id, userName="ALICE@example.com") == ["CONFLICT"]
    assert await create(directoryId="RGlyZWN0b3J5Ojk5", userName="x") == ["NOT_FOUND"]
    assert await create(directoryId="garbage", userName="x") == ["NOT_FOUND"]
    assert await create(directoryId=directory_id, userName="") == ["BAD_USER_INPUT"]
    body = await emulator.gql(
        CREATE_USER, {"input": {"directoryId": directory_id, "userName": "x", "manager": "nope"}}
    )
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "nope" in body["errors"][0]["message"]
    assert (await list_users(emulator, filter={"directoryId": directory_id}))["totalCount"] == 1


async def test_user_lookup_by_id_and_user_name(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com")
    data = await emulator.data(
        "query ($id: ID) { byId: user(id: $id) { userName } "
        'byName: user(userName: "ALICE@EXAMPLE.COM") { id } '
        'unknown: user(id: "VXNlcjo5OTk") { id } malformed: user(id: "%%%") { id } '
        'groupId: user(id: "R3JvdXA6MQ") { id } none: user { id } }',
        {"id": alice["id"]},
    )
    assert data == {
        "byId": {"userName": "alice@example.com"},
        "byName": {"id": alice["id"]},
        "unknown": None,
        "malformed": None,
        "groupId": None,
        "none": None,
    }


async def test_paging_in_creation_order(emulator: Emulator) -> None:
    directory_id = await emulator.directory_id()
    names = [f"user{n}@example.com" for n in range(5)]
    for name in reversed(names):  # creation order, not alphabetical order
        await emulator.create_user(name)
    scim = {"directoryId": directory_id}

    first = await list_users(emulator, page={"number": 1, "size": 2}, filter=scim)
    last = await list_users(emulator, page={"number": 3, "size": 2}, filter=scim)
    beyond = await list_users(emulator, page={"number": 4, "size": 2}, filter=scim)
    default = await list_users(emulator, filter=scim)

    assert [u["userName"] for u in first["items"]] == names[::-1][:2]
    assert (first["totalCount"], first["hasNextPage"], first["hasPreviousPage"]) == (5, True, False)
    assert [u["userName"] for u in last["items"]] == [names[0]]
    assert (last["hasNextPage"], last["hasPreviousPage"]) == (False, True)
    assert beyond["items"] == []
    assert len(default["items"]) == 5


@pytest.mark.parametrize(
    "page", [{"number": 0}, {"size": 0}, {"size": 1001}, {"number": -1, "size": 5}]
)
async def test_out_of_range_pages_are_bad_user_input(
    emulator: Emulator, page: dict[str, int]
) -> None:
    body = await emulator.gql(LIST_USERS, {"page": page})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_filters_are_exact_case_insensitive_and_combined(emulator: Emulator) -> None:
    alice = await emulator.create_user(
        "alice@example.com", email="Alice.Smith@Example.com", systemIdentifier="AbC-1"
    )
    bob = await emulator.create_user("bob@example.com", systemIdentifier="abc-2", isActive=False)
    other_directory = await emulator.add_directory("Partners")
    await emulator.create_user("carol@example.com", directoryId=other_directory)

    async def names(**filters: Any) -> list[str]:
        users = await list_users(emulator, filter=filters)
        return [u["userName"] for u in users["items"]]

    assert await names(userName="ALICE@EXAMPLE.COM") == ["alice@example.com"]
    assert await names(userName="alice") == []  # exact, not a substring
    assert await names(email="alice.smith@example.COM") == ["alice@example.com"]
    assert await names(systemIdentifier="abc-1") == ["alice@example.com"]
    assert await names(systemIdentifier="ABC") == []
    assert await names(directoryId=other_directory) == ["carol@example.com"]
    assert await names(directoryId="unknown") == []
    assert await names(isActive=False) == ["bob@example.com"]
    assert await names(isActive=True, systemIdentifier="abc-2") == []
    assert await names(ids=[bob["id"], "VXNlcjo5OTk", "junk", alice["id"]]) == [
        "alice@example.com",
        "bob@example.com",
    ]
    assert await names(ids=[]) == []
    assert await names(userName=None, ids=None) != []  # explicit nulls filter nothing

    body = await emulator.gql(LIST_USERS, {"filter": {"ids": ["x"] * 1001}})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_update_keeps_absent_fields_and_clears_explicit_nulls(emulator: Emulator) -> None:
    user = await emulator.create_user(
        "alice@example.com", firstName="Alice", email="a@example.com", systemIdentifier="s-1"
    )
    body = await update(emulator, id=user["id"], firstName=None, phone="555", clientMutationId="m")
    assert "errors" not in body
    updated = body["data"]["updateUser"]["user"]
    assert body["data"]["updateUser"]["clientMutationId"] == "m"
    assert updated["firstName"] is None
    assert updated["phone"] == "555"
    assert updated["email"] == "a@example.com"
    assert updated["systemIdentifier"] == "s-1"
    assert updated["userName"] == "alice@example.com"
    assert updated["isActive"] is True


async def test_update_refusals_change_nothing(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com", firstName="Alice")
    await emulator.create_user("bob@example.com")
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"userName": None}, "BAD_USER_INPUT"),
        ({"userName": "  "}, "BAD_USER_INPUT"),
        ({"isActive": None}, "BAD_USER_INPUT"),
        ({"directoryId": None}, "BAD_USER_INPUT"),
        ({"userName": "BOB@example.com"}, "CONFLICT"),
        ({"manager": alice["id"]}, "BAD_USER_INPUT"),
        ({"manager": "VXNlcjo5OTk"}, "BAD_USER_INPUT"),
        ({"directoryId": "RGlyZWN0b3J5Ojk5"}, "NOT_FOUND"),
    ]
    for fields, code in refusals:
        # firstName comes first: a refusal must roll back the fields already handled.
        body = await update(emulator, id=alice["id"], firstName="Changed", **fields)
        assert codes(body) == [code], fields
    assert codes(await update(emulator, id="VXNlcjo5OTk", firstName="x")) == ["NOT_FOUND"]
    user = await emulator.user(alice["id"])
    assert user is not None
    assert user["firstName"] == "Alice"
    assert user["userName"] == "alice@example.com"
    assert user["manager"] is None


async def test_update_user_name_case_and_manager(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com")
    boss = await emulator.create_user("boss@example.com")
    body = await update(emulator, id=alice["id"], userName="Alice@Example.com", manager=boss["id"])
    assert body["data"]["updateUser"]["user"]["userName"] == "Alice@Example.com"
    assert body["data"]["updateUser"]["user"]["manager"]["id"] == boss["id"]
    body = await update(emulator, id=alice["id"], manager=None)
    assert body["data"]["updateUser"]["user"]["manager"] is None


async def test_directory_move_leaves_the_old_directory_groups(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com")
    group_id = await emulator.create_group("Sales")
    assert "errors" not in await emulator.add_members(group_id, [alice["id"]])
    partners = await emulator.add_directory("Partners")

    body = await update(emulator, id=alice["id"], directoryId=partners)
    moved = body["data"]["updateUser"]["user"]
    assert moved["directory"]["name"] == "Partners"
    assert moved["groups"]["totalCount"] == 0
    assert await emulator.member_ids(group_id) == []


async def test_delete_without_history_removes_the_row(emulator: Emulator) -> None:
    boss = await emulator.create_user("boss@example.com")
    report = await emulator.create_user("report@example.com", manager=boss["id"])
    group_id = await emulator.create_group("Sales")
    await emulator.add_members(group_id, [boss["id"], report["id"]])

    data = await emulator.data(DELETE_USER, {"id": boss["id"]})
    assert data["deleteUser"] == {"deletedUserId": boss["id"], "archived": False}
    assert await emulator.user(boss["id"]) is None
    report_now = await emulator.user(report["id"])
    assert report_now is not None
    assert report_now["manager"] is None
    assert await emulator.member_ids(group_id) == [report["id"]]
    body = await emulator.gql(DELETE_USER, {"id": boss["id"]})
    assert codes(body) == ["NOT_FOUND"]


async def test_delete_with_history_archives(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com")
    group_id = await emulator.create_group("Sales")
    await emulator.add_members(group_id, [alice["id"]])
    await emulator.set_flags(alice["id"], hasHistory=True)

    data = await emulator.data(DELETE_USER, {"id": alice["id"]})
    assert data["deleteUser"] == {"deletedUserId": alice["id"], "archived": True}
    archived = await emulator.user(alice["id"])
    assert archived is not None
    assert archived["status"] == "ARCHIVED"
    assert archived["isActive"] is False
    assert archived["userName"] != "alice@example.com"
    assert archived["userName"].startswith("alice@example.com_archived_")
    assert archived["groups"]["totalCount"] == 0

    # Deleting again answers the same and changes nothing; updating is refused.
    again = await emulator.data(DELETE_USER, {"id": alice["id"]})
    assert again["deleteUser"] == {"deletedUserId": alice["id"], "archived": True}
    assert codes(await update(emulator, id=alice["id"], firstName="x")) == ["BAD_USER_INPUT"]
    # The archived user cannot join a group, and its old name is free again.
    assert codes(await emulator.add_members(group_id, [alice["id"]])) == ["BAD_USER_INPUT"]
    await emulator.create_user("alice@example.com")


async def test_sole_participant_cannot_be_deactivated_or_deleted(emulator: Emulator) -> None:
    alice = await emulator.create_user("alice@example.com")
    await emulator.set_flags(alice["id"], soleParticipant=True, hasHistory=True)

    assert codes(await update(emulator, id=alice["id"], isActive=False)) == ["USER_IN_USE"]
    assert codes(await emulator.gql(DELETE_USER, {"id": alice["id"]})) == ["USER_IN_USE"]
    user = await emulator.user(alice["id"])
    assert user is not None
    assert user["status"] == "ACTIVE"
    # Other changes stay possible.
    assert "errors" not in await update(emulator, id=alice["id"], firstName="Alice")


async def test_hidden_flags_endpoint_refuses_unknown_users(emulator: Emulator) -> None:
    response = await emulator.client.post(
        "/wfgen/emulator/users/VXNlcjo5OTk/flags", json={"hasHistory": True}
    )
    assert response.status == 404


async def test_non_ascii_ids_are_unknown_ids(emulator: Emulator) -> None:
    data = await emulator.data('{ user(id: "é") { id } group(id: "ü") { id } }')
    assert data == {"user": None, "group": None}
    assert codes(await update(emulator, id="é", firstName="x")) == ["NOT_FOUND"]
    assert (await list_users(emulator, filter={"ids": ["é"]}))["items"] == []
