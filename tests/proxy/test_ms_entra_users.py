"""Entra's user lifecycle against the proxy and the emulator, over HTTP, in both dialects.

Bodies are Entra's own (Microsoft Learn tutorial and the aadOptscim062020 page); item
numbers refer to docs/entra-dialect.md.
"""

from typing import Any

import pytest

from tests.harness import (
    PATCH_OP,
    Scim,
    create_group,
    new_user,
)
from wfgen_scim.graphql import (
    UpstreamNotFound,
)
from wfgen_scim.proxy.state import WORKFLOWGEN
from wfgen_scim.translators.attributes import ENTERPRISE_USER

MANAGER_URN = f"{ENTERPRISE_USER}:manager"


async def test_test_connection_and_filters_find_or_miss(scim: Scim) -> None:
    created = await scim.create_user("Test_User_1@contoso.com", externalId="0a21f0f2")

    status, body, _ = await scim.get('/Users?filter=userName eq "c0ffee00-not-there"')
    assert (status, body["totalResults"], body["Resources"]) == (200, 0, [])
    assert body["startIndex"] == 1
    assert body["itemsPerPage"] == 0

    # Entra URL-encodes with '+' or %20 for spaces; values compare case-insensitively.
    for query in (
        'filter=userName+eq+"test_user_1%40contoso.com"',
        "filter=userName%20eq%20%22TEST_USER_1@CONTOSO.COM%22",
        'filter=externalId eq "0a21f0f2"',
        "filter=externalId eq 0a21f0f2",  # unquoted, as one Microsoft example shows
        'filter=emails[type eq "work"].value eq "mail.Test_User_1@contoso.com"',
        f'filter=id eq "{created["id"]}"',
    ):
        status, body, _ = await scim.get(f"/Users?{query}")
        assert status == 200, query
        assert [r["id"] for r in body["Resources"]] == [created["id"]], query
        assert body["totalResults"] == 1


async def test_create_returns_201_location_and_the_stored_user(scim: Scim) -> None:
    status, body, headers = await scim.post("/Users", new_user("Alice@contoso.com"))
    assert status == 201
    assert headers["Location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{body['id']}")
    assert body["userName"] == "Alice@contoso.com"
    assert body["active"] is True
    assert body["emails"] == [{"value": "mail.Alice@contoso.com", "type": "work", "primary": True}]
    assert body["name"] == {"givenName": "Given", "familyName": "Family"}
    assert "roles" not in body
    status, again, _ = await scim.get(f"/Users/{body['id']}")
    assert status == 200
    assert again == body


async def test_duplicate_user_name_in_another_case_is_409_uniqueness(scim: Scim) -> None:
    await scim.create_user("Bob@contoso.com")
    status, body, headers = await scim.post("/Users", new_user("BOB@CONTOSO.COM"))
    assert status == 409
    assert body["scimType"] == "uniqueness"
    assert body["status"] == "409"
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert headers["Content-Type"].startswith("application/scim+json")


@pytest.mark.parametrize("op", ["Replace", "replace"])
async def test_patch_multi_valued_and_name_in_both_dialects(scim: Scim, op: str) -> None:
    user = await scim.create_user("carol@contoso.com")
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}",
        {"op": op, "path": 'emails[type eq "work"].value', "value": "updated@microsoft.com"},
        {"op": op, "path": "name.familyName", "value": "updatedFamilyName"},
    )
    assert status == 200
    assert body["emails"][0]["value"] == "updated@microsoft.com"
    assert body["name"]["familyName"] == "updatedFamilyName"
    assert body["name"]["givenName"] == "Given"


async def test_patch_default_dialect_replace_multiple(scim: Scim) -> None:
    user = await scim.create_user("dave@contoso.com")
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}",
        {"op": "Replace", "path": "displayName", "value": "Pvlo"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "T@test.microsoft.com"},
        {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
        {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
        {"op": "Replace", "path": "externalId", "value": "Eqpj"},
        {"op": "Replace", "path": f"{ENTERPRISE_USER}:employeeNumber", "value": "Eqpj"},
    )
    assert status == 200
    assert body["displayName"] == "Pvlo"
    assert body["emails"][0]["value"] == "T@test.microsoft.com"
    assert body["name"] == {"givenName": "Gtfd", "familyName": "Pkqf"}
    assert body["externalId"] == "Eqpj"
    assert body[ENTERPRISE_USER]["employeeNumber"] == "Eqpj"


async def test_patch_flag_dialect_pathless_dotted_and_urn_keys(scim: Scim) -> None:
    user = await scim.create_user("erin@contoso.com")
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}",
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "TestM@t.com"},
        {
            "op": "replace",
            "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                f"{ENTERPRISE_USER}:employeeNumber": "Aklq",
            },
        },
    )
    assert status == 200
    assert body["displayName"] == "Bjfe"
    assert body["name"] == {"givenName": "Kkom", "familyName": "Unua"}
    assert body[ENTERPRISE_USER]["employeeNumber"] == "Aklq"
    assert body["emails"][0]["value"] == "TestM@t.com"


async def test_patch_rfc_nested_object_without_path(scim: Scim) -> None:
    user = await scim.create_user("fay@contoso.com")
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}",
        {
            "op": "replace",
            "value": {"name": {"givenName": "Nested"}, ENTERPRISE_USER: {"department": "R&D"}},
        },
    )
    assert status == 200
    assert body["name"]["givenName"] == "Nested"
    assert body[ENTERPRISE_USER]["department"] == "R&D"


async def test_value_paths_create_missing_elements(scim: Scim) -> None:
    user = await scim.create_user("gil@contoso.com")
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}",
        {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555 0100"},
        {"op": "Replace", "path": 'phoneNumbers[type eq "work"].value', "value": "555-0101"},
        {"op": "Add", "path": 'phoneNumbers[type eq "fax"].value', "value": "555-0102"},
        {"op": "Replace", "path": 'addresses[type eq "work"].streetAddress', "value": "1 Main"},
        {"op": "Replace", "path": 'addresses[type eq "work"].postalCode', "value": "H0H 0H0"},
        {"op": "Replace", "path": 'addresses[type eq "other"].Formatted', "value": "Room 7"},
        {"op": "Add", "path": "title", "value": "Engineer"},
    )
    assert status == 200
    assert sorted((p["type"], p["value"]) for p in body["phoneNumbers"]) == [
        ("fax", "555-0102"),
        ("mobile", "+1 555 0100"),
        ("work", "555-0101"),
    ]
    addresses = {a["type"]: a for a in body["addresses"]}
    assert addresses["work"]["streetAddress"] == "1 Main"
    assert addresses["work"]["postalCode"] == "H0H 0H0"
    assert addresses["other"]["formatted"] == "Room 7"
    assert body["title"] == "Engineer"
    # Stored, not just echoed:
    _, fetched, _ = await scim.get(f"/Users/{user['id']}")
    assert fetched == body


@pytest.mark.parametrize(
    ("disable", "enable"),
    [
        ({"op": "Replace", "path": "active", "value": "False"}, "True"),
        ({"op": "replace", "path": "active", "value": False}, True),
        ({"op": "Replace", "value": {"active": "false"}}, "TRUE"),
    ],
)
async def test_disable_keeps_the_user_visible_and_reenable(
    scim: Scim, disable: dict[str, Any], enable: Any
) -> None:
    user = await scim.create_user("hal@contoso.com")
    status, body, _ = await scim.patch(f"/Users/{user['id']}", disable)
    assert (status, body["active"]) == (200, False)
    status, body, _ = await scim.get(f"/Users/{user['id']}")
    assert (status, body["active"]) == (200, False)
    _, listed, _ = await scim.get('/Users?filter=userName eq "hal@contoso.com"')
    assert listed["totalResults"] == 1
    assert listed["Resources"][0]["active"] is False
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "Replace", "path": "active", "value": enable}
    )
    assert (status, body["active"]) == (200, True)


async def test_rename_user_name_then_find_by_the_new_name(scim: Scim) -> None:
    user = await scim.create_user("ivy@contoso.com")
    new_name = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "Replace", "path": "userName", "value": new_name}
    )
    assert (status, body["userName"]) == (200, new_name)
    _, found, _ = await scim.get(f'/Users?filter=userName eq "{new_name.upper()}"')
    assert [r["id"] for r in found["Resources"]] == [user["id"]]
    _, old, _ = await scim.get('/Users?filter=userName eq "ivy@contoso.com"')
    assert old["totalResults"] == 0


async def test_rename_to_a_taken_name_is_409(scim: Scim) -> None:
    await scim.create_user("jo@contoso.com")
    user = await scim.create_user("kim@contoso.com")
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "replace", "path": "userName", "value": "JO@contoso.com"}
    )
    assert (status, body["scimType"]) == (409, "uniqueness")


MANAGER_SHAPES = [
    pytest.param(lambda m: {"op": "Add", "path": "manager", "value": m}, id="bare-string"),
    pytest.param(
        lambda m: {"op": "Add", "path": MANAGER_URN, "value": m}, id="urn-path-bare-string"
    ),
    pytest.param(
        lambda m: {"op": "Replace", "path": MANAGER_URN, "value": {"value": m}}, id="object"
    ),
    pytest.param(
        lambda m: {
            "op": "Add",
            "path": "manager",
            "value": [{"$ref": f"http://x/scim/Users/{m}", "value": m}],
        },
        id="array-of-one",
    ),
    pytest.param(
        lambda m: {"op": "replace", "value": {MANAGER_URN: {"value": m}}}, id="pathless-urn-key"
    ),
    pytest.param(
        lambda m: {"op": "replace", "value": {ENTERPRISE_USER: {"manager": m}}},
        id="pathless-nested",
    ),
]

MANAGER_REMOVALS = [
    pytest.param({"op": "Replace", "path": MANAGER_URN, "value": ""}, id="empty-string"),
    pytest.param({"op": "Replace", "path": MANAGER_URN, "value": {"value": ""}}, id="empty-value"),
    pytest.param({"op": "Replace", "path": "manager", "value": None}, id="null"),
    pytest.param({"op": "Remove", "path": MANAGER_URN}, id="remove-urn"),
    pytest.param({"op": "remove", "path": "manager"}, id="remove-short"),
]


@pytest.mark.parametrize("set_manager", MANAGER_SHAPES)
@pytest.mark.parametrize("removal", MANAGER_REMOVALS)
async def test_manager_in_every_shape_and_its_removal(
    scim: Scim, set_manager: Any, removal: dict[str, Any]
) -> None:
    boss = await scim.create_user("boss@contoso.com", displayName="The Boss")
    user = await scim.create_user("report@contoso.com")
    status, body, _ = await scim.patch(f"/Users/{user['id']}", set_manager(boss["id"]))
    assert status == 200, body
    manager = body[ENTERPRISE_USER]["manager"]
    # Always an object: a string manager makes Entra fail to parse the resource.
    assert manager["value"] == boss["id"]
    assert manager["displayName"] == "The Boss"
    assert manager["$ref"].endswith(f"/Users/{boss['id']}")
    _, fetched, _ = await scim.get(f"/Users/{user['id']}")
    assert fetched[ENTERPRISE_USER]["manager"]["value"] == boss["id"]

    status, body, _ = await scim.patch(f"/Users/{user['id']}", removal)
    assert status == 200
    assert "manager" not in body.get(ENTERPRISE_USER, {})
    _, fetched, _ = await scim.get(f"/Users/{user['id']}")
    assert "manager" not in fetched.get(ENTERPRISE_USER, {})


async def test_manager_that_is_not_ours_is_400_and_nothing_changes(scim: Scim) -> None:
    user = await scim.create_user("lee@contoso.com")
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}",
        {"op": "Replace", "path": "displayName", "value": "Changed"},
        {"op": "Add", "path": "manager", "value": "no-such-user"},
    )
    assert (status, body["scimType"]) == (400, "invalidValue")
    assert "no-such-user" in body["detail"]
    _, fetched, _ = await scim.get(f"/Users/{user['id']}")
    assert fetched["displayName"] == user["displayName"]


async def test_manager_eq_filter_with_id(scim: Scim) -> None:
    boss = await scim.create_user("chief@contoso.com")
    user = await scim.create_user("staff@contoso.com")
    await scim.patch(f"/Users/{user['id']}", {"op": "Add", "path": "manager", "value": boss["id"]})
    _, yes, _ = await scim.get(
        f'/Users?filter=id eq "{user["id"]}" and manager eq "{boss["id"]}"&attributes=id'
    )
    assert yes["totalResults"] == 1
    assert yes["Resources"] == [{"schemas": yes["Resources"][0]["schemas"], "id": user["id"]}]
    _, no, _ = await scim.get(f'/Users?filter=id eq "{boss["id"]}" and manager eq "{user["id"]}"')
    assert (no["totalResults"], no["Resources"]) == (0, [])


async def test_roles_are_accepted_and_ignored(scim: Scim) -> None:
    body = new_user("roles@contoso.com")
    body["roles"] = [
        {"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}
    ]
    status, created, _ = await scim.post("/Users", body)
    assert status == 201
    status, patched, _ = await scim.patch(
        f"/Users/{created['id']}",
        {
            "op": "Add",
            "path": "roles",
            "value": [{"value": '{"id":"06b07648","value":"25","displayName":"Role1234"}'}],
        },
    )
    assert status == 200
    assert "roles" not in patched


async def test_unknown_attributes_schemas_and_meta_are_ignored(scim: Scim) -> None:
    body = new_user("odd@contoso.com")
    body["schemas"].append("urn:ietf:params:scim:schemas:extension:enterprise:2.0User")
    body["nickName"] = "Babs"
    body["urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"] = {"x": "y"}
    body["addresses"] = None
    status, created, _ = await scim.post("/Users", body)
    assert status == 201, created
    for op in ("Add", "add"):
        status, patched, _ = await scim.patch(
            f"/Users/{created['id']}", {"op": op, "path": "nickName", "value": "Babs"}
        )
        assert status == 200
        assert "nickName" not in patched


async def test_put_replaces_the_user(scim: Scim) -> None:
    user = await scim.create_user("put@contoso.com", title="Old title")
    replacement = new_user("put@contoso.com", displayName="Replaced")
    replacement["id"] = user["id"]
    status, body, _ = await scim.put(f"/Users/{user['id']}", replacement)
    assert status == 200
    assert body["displayName"] == "Replaced"
    assert "title" not in body  # absent from the replacement: cleared
    status, body, _ = await scim.put("/Users/nope", replacement)
    assert status == 404


async def test_delete_then_404_twice(scim: Scim) -> None:
    user = await scim.create_user("gone@contoso.com")
    status, body, _ = await scim.delete(f"/Users/{user['id']}")
    assert (status, body) == (204, None)
    for _ in range(2):
        assert (await scim.get(f"/Users/{user['id']}"))[0] == 404
        status, body, _ = await scim.delete(f"/Users/{user['id']}")
        assert (status, body["status"]) == (404, "404")
    _, listed, _ = await scim.get('/Users?filter=userName eq "gone@contoso.com"')
    assert listed["totalResults"] == 0


async def test_pagination_over_more_than_one_page(scim: Scim) -> None:
    ids = [(await scim.create_user(f"page{i:02d}@contoso.com"))["id"] for i in range(12)]
    seen: list[str] = []
    start = 1
    while True:
        status, body, _ = await scim.get(f"/Users?startIndex={start}&count=5")
        assert status == 200
        assert body["totalResults"] == 12
        assert body["startIndex"] == start
        assert body["itemsPerPage"] == len(body["Resources"])
        if not body["Resources"]:
            break
        seen.extend(r["id"] for r in body["Resources"])
        start += 5
    assert seen == ids
    # An unaligned window is served too.
    _, body, _ = await scim.get("/Users?startIndex=4&count=3")
    assert [r["id"] for r in body["Resources"]] == ids[3:6]
    # count=0 answers the total only.
    _, body, _ = await scim.get("/Users?count=0")
    assert (body["totalResults"], body["Resources"]) == (12, [])


async def test_attributes_and_excluded_attributes(scim: Scim) -> None:
    user = await scim.create_user("proj@contoso.com")
    _, body, _ = await scim.get(f"/Users/{user['id']}?attributes=userName,emails.value")
    assert body == {
        "schemas": body["schemas"],
        "id": user["id"],
        "userName": "proj@contoso.com",
        "emails": [{"value": "mail.proj@contoso.com"}],
    }
    _, body, _ = await scim.get(f"/Users/{user['id']}?excludedAttributes=emails,name,meta")
    assert "emails" not in body
    assert "name" not in body
    assert "meta" not in body
    assert body["userName"] == "proj@contoso.com"


async def test_patch_response_is_the_full_resource_with_patch_schema_only(scim: Scim) -> None:
    user = await scim.create_user("full@contoso.com")
    status, body, _ = await scim.request(
        "PATCH",
        f"/Users/{user['id']}",
        {"Operations": [{"op": "Replace", "path": "title", "value": "X"}], "schemas": [PATCH_OP]},
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert status == 200
    assert body["id"] == user["id"]
    assert body["title"] == "X"
    assert body["userName"]


@pytest.mark.parametrize("resource", ["Users", "Groups"])
async def test_a_start_index_beyond_any_page_is_an_empty_page(scim: Scim, resource: str) -> None:
    await scim.create_user("one@contoso.com")
    await create_group(scim, "One")
    status, body, _ = await scim.get(f"/{resource}?startIndex=99999999999&count=10")
    assert status == 200
    assert (body["totalResults"], body["Resources"]) == (1, [])


async def test_a_user_name_taken_in_another_directory_says_where(scim: Scim) -> None:
    other = await scim.upstream.add_directory("LEGACY")
    await scim.upstream.graphql(
        "mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        {"i": {"directoryId": other, "userName": "ceo@contoso.com"}},
    )
    status, body, _ = await scim.post("/Users", new_user("CEO@contoso.com"))
    assert (status, body["scimType"]) == (409, "uniqueness")
    assert "LEGACY" in body["detail"]


async def test_a_manager_outside_the_directory_is_not_shown(scim: Scim) -> None:
    other = await scim.upstream.add_directory("ELSEWHERE")
    data = await scim.upstream.graphql(
        "mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        {"i": {"directoryId": other, "userName": "foreign.boss@contoso.com"}},
    )
    foreign = data["createUser"]["user"]["id"]
    user = await scim.create_user("local@contoso.com")
    await scim.upstream.graphql(
        "mutation ($i: UpdateUserInput!) { updateUser(input: $i) { user { id } } }",
        {"i": {"id": user["id"], "manager": foreign}},
    )
    _, body, _ = await scim.get(f"/Users/{user['id']}")
    assert "manager" not in body.get(ENTERPRISE_USER, {})
    assert foreign not in str(body)


async def _update_upstream(scim: Scim, user_id: str, **fields: Any) -> None:
    await scim.upstream.graphql(
        "mutation ($i: UpdateUserInput!) { updateUser(input: $i) { user { id } } }",
        {"i": {"id": user_id, **fields}},
    )


async def test_a_too_long_stored_value_does_not_block_disabling_the_user(scim: Scim) -> None:
    user = await scim.create_user("leaver@contoso.com")
    await _update_upstream(scim, user["id"], jobTitle="t" * 1500)
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "Replace", "path": "active", "value": "False"}
    )
    assert (status, body["active"]) == (200, False)


async def test_a_hidden_manager_can_still_be_cleared(scim: Scim) -> None:
    boss = await scim.create_user("gone.boss@contoso.com")
    user = await scim.create_user("report@contoso.com")
    await scim.patch(f"/Users/{user['id']}", {"op": "Add", "path": "manager", "value": boss["id"]})
    await scim.upstream.set_flags(boss["id"], hasHistory=True)
    assert (await scim.delete(f"/Users/{boss['id']}"))[0] == 204  # archived, now hidden
    _, shown, _ = await scim.get(f"/Users/{user['id']}")
    assert "manager" not in shown.get(ENTERPRISE_USER, {})

    # An unrelated change leaves WorkflowGen's manager alone...
    await scim.patch(f"/Users/{user['id']}", {"op": "Replace", "path": "title", "value": "X"})
    query = "query ($id: ID) { user(id: $id) { manager { id } } }"
    assert (await scim.upstream.graphql(query, {"id": user["id"]}))["user"]["manager"] is not None
    # ...and Entra removing the manager really removes it.
    status, _, _ = await scim.patch(f"/Users/{user['id']}", {"op": "Remove", "path": "manager"})
    assert status == 200
    assert (await scim.upstream.graphql(query, {"id": user["id"]}))["user"]["manager"] is None


async def test_updating_a_user_archived_meanwhile_is_404(scim: Scim) -> None:
    user = await scim.create_user("racer@contoso.com")
    await scim.upstream.set_flags(user["id"], hasHistory=True)
    await scim.delete(f"/Users/{user['id']}")
    assert scim.client.app is not None
    with pytest.raises(UpstreamNotFound):
        await scim.client.app[WORKFLOWGEN].users.update(user["id"], {"title": "late"})


async def test_a_manager_inside_an_operation_on_the_extension_is_set(scim: Scim) -> None:
    boss = await scim.create_user("ext.boss@contoso.com")
    user = await scim.create_user("ext.report@contoso.com")
    extension = {"employeeNumber": "9", "manager": {"value": boss["id"]}}
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "add", "path": ENTERPRISE_USER, "value": extension}
    )
    assert status == 200, body
    assert body[ENTERPRISE_USER]["employeeNumber"] == "9"
    assert body[ENTERPRISE_USER]["manager"]["value"] == boss["id"]
    # An unknown manager in the same shape is refused, and nothing of it is applied.
    extension = {"employeeNumber": "10", "manager": {"value": "no-such-user"}}
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "add", "path": ENTERPRISE_USER, "value": extension}
    )
    assert (status, body["scimType"]) == (400, "invalidValue")
    _, shown, _ = await scim.get(f"/Users/{user['id']}")
    assert shown[ENTERPRISE_USER]["employeeNumber"] == "9"
