"""Bad input gets a clear SCIM error, never a 500, and nothing half-written."""

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.harness import (
    BASE,
    PATCH_OP,
    TOKEN,
    Scim,
    create_group,
    new_user,
)

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def assert_scim_error(status: int, body: Any, expected: int, scim_type: str | None = None) -> None:
    assert status == expected, body
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(expected)
    assert body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"],
)
async def test_missing_or_wrong_token_is_401_before_any_work(
    scim: Scim, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await scim.client.post(
        f"{BASE}/Users", data=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status == 401
    assert response.headers["Content-Type"].startswith("application/scim+json")
    assert_scim_error(response.status, await response.json(), 401)
    assert await scim.upstream.round_trips() == 0


@pytest.mark.parametrize(
    ("raw", "scim_type"),
    [(b"{not json", "invalidSyntax"), (b"[1, 2]", "invalidSyntax"), (b"", "invalidSyntax")],
)
async def test_unreadable_bodies_are_400(scim: Scim, raw: bytes, scim_type: str) -> None:
    response = await scim.client.post(
        f"{BASE}/Users", data=raw, headers={**scim.headers, "Content-Type": "application/json"}
    )
    assert_scim_error(response.status, await response.json(), 400, scim_type)


async def test_wrong_content_type_is_415(scim: Scim) -> None:
    response = await scim.client.post(
        f"{BASE}/Users",
        data=json.dumps(new_user("ct@contoso.com")),
        headers={**scim.headers, "Content-Type": "text/plain"},
    )
    assert_scim_error(response.status, await response.json(), 415)


async def test_too_many_patch_operations_is_413(start_stack: Any) -> None:
    scim = await start_stack(scim={"max_patch_operations": 3})
    user = await scim.create_user("many@contoso.com")
    operation = {"op": "replace", "path": "title", "value": "x"}
    status, body, _ = await scim.patch(f"/Users/{user['id']}", *([operation] * 4))
    assert_scim_error(status, body, 413)
    status, _, _ = await scim.patch(f"/Users/{user['id']}", *([operation] * 3))
    assert status == 200


async def test_too_large_body_is_413(start_stack: Any) -> None:
    scim = await start_stack(scim={"max_body_bytes": 4096})
    status, body, _ = await scim.post(
        "/Users", new_user("big@contoso.com", displayName="x" * 10_000)
    )
    assert_scim_error(status, body, 413)


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}, "invalidValue"),
        ({"userName": ""}, "invalidValue"),
        ({"userName": "   "}, "invalidValue"),
        ({"userName": "x@y", "active": "maybe"}, "invalidValue"),
        ({"userName": "x@y", "emails": "not-a-list"}, "invalidValue"),
        ({"userName": ["x"]}, "invalidValue"),
        (
            {
                "userName": "x@y",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": 5},
            },
            "invalidValue",
        ),
    ],
)
async def test_invalid_create_bodies(scim: Scim, body: dict[str, Any], scim_type: str) -> None:
    status, error, _ = await scim.post("/Users", body)
    assert_scim_error(status, error, 400, scim_type)
    _, listed, _ = await scim.get("/Users")
    assert listed["totalResults"] == 0


BAD_PATCHES = [
    ({"schemas": [PATCH_OP]}, "invalidSyntax"),
    ({"schemas": [PATCH_OP], "Operations": []}, "invalidValue"),
    ({"schemas": [PATCH_OP], "Operations": "replace"}, "invalidSyntax"),
    ({"schemas": [PATCH_OP], "Operations": [{"path": "title", "value": "x"}]}, "invalidSyntax"),
    (
        {"schemas": [PATCH_OP], "Operations": [{"op": "frob", "path": "title", "value": "x"}]},
        "invalidValue",
    ),
    ({"schemas": [PATCH_OP], "Operations": [{"op": "remove"}]}, "noTarget"),
    (
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "emails[type eq ]", "value": "x"}],
        },
        "invalidPath",
    ),
    (
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "id", "value": "x"}]},
        "mutability",
    ),
    ({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "userName"}]}, "mutability"),
    (
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "active", "value": "perhaps"}],
        },
        "invalidValue",
    ),
    (
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "title", "value": {"a": 1}}],
        },
        "invalidValue",
    ),
    (
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": 7, "value": "x"}]},
        "invalidSyntax",
    ),
    ({"schemas": [PATCH_OP], "Operations": ["replace"]}, "invalidSyntax"),
]


@pytest.mark.parametrize(("body", "scim_type"), BAD_PATCHES)
async def test_invalid_patches_change_nothing(
    scim: Scim, body: dict[str, Any], scim_type: str
) -> None:
    user = await scim.create_user("patchme@contoso.com")
    # A valid operation first: a bad one later must not leave it half-applied.
    operations = [{"op": "Replace", "path": "displayName", "value": "Half"}]
    if isinstance(body.get("Operations"), list) and body["Operations"]:
        body = {**body, "Operations": operations + body["Operations"]}
    status, error, _ = await scim.request("PATCH", f"/Users/{user['id']}", body)
    assert_scim_error(status, error, 400, scim_type)
    _, fetched, _ = await scim.get(f"/Users/{user['id']}")
    assert fetched["displayName"] == user["displayName"]


@pytest.mark.parametrize(
    "query",
    [
        'filter=userName co "x"',
        'filter=userName eq "a" or userName eq "b"',
        'filter=not (userName eq "a")',
        "filter=title pr",
        'filter=nickName eq "x"',
        'filter=manager eq "someone"',
        "filter=userName eq",
        'filter=((userName eq "x"',
        "filter=active eq 12",
    ],
)
async def test_unsupported_filters_are_400_invalid_filter(scim: Scim, query: str) -> None:
    status, body, _ = await scim.get(f"/Users?{query}")
    assert_scim_error(status, body, 400, "invalidFilter")


async def test_bad_pagination_parameters(scim: Scim) -> None:
    status, body, _ = await scim.get("/Users?startIndex=abc")
    assert_scim_error(status, body, 400, "invalidValue")
    status, body, _ = await scim.get("/Users?startIndex=-5&count=-1")
    assert (status, body["startIndex"], body["Resources"]) == (200, 1, [])


async def test_unknown_endpoints_and_methods(scim: Scim) -> None:
    status, body, _ = await scim.get("/Nope")
    assert_scim_error(status, body, 404)
    status, body, _ = await scim.delete("/Users")
    assert_scim_error(status, body, 405)
    status, body, _ = await scim.get("/Users/%00%ff..%2F")
    assert_scim_error(status, body, 404)


async def test_unknown_query_parameters_and_alternate_base_paths(scim: Scim) -> None:
    user = await scim.create_user("paths@contoso.com")
    status, body, _ = await scim.get("/Users?aadOptscim062020&foo=bar")
    assert (status, body["totalResults"]) == (200, 1)
    for path in ("/scim/v2/Users/", "/scim/Users", f"/scim/Users/{user['id']}"):
        response = await scim.client.get(path, headers=scim.headers)
        assert response.status == 200, path
    response = await scim.client.get(f"/scim/Users/{user['id']}", headers=scim.headers)
    assert (await response.json())["meta"]["location"].endswith(f"/scim/Users/{user['id']}")


async def test_users_of_other_directories_and_archived_users_are_invisible(scim: Scim) -> None:
    other = await scim.upstream.add_directory("OTHER")
    data = await scim.upstream.graphql(
        "mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        {"i": {"directoryId": other, "userName": "outsider@contoso.com", "systemIdentifier": "o1"}},
    )
    outsider = data["createUser"]["user"]["id"]
    archived = await scim.create_user("archived@contoso.com", externalId="a1")
    await scim.upstream.set_flags(archived["id"], hasHistory=True)
    assert (await scim.delete(f"/Users/{archived['id']}"))[0] == 204

    for user_id, name, external in (
        (outsider, "outsider@contoso.com", "o1"),
        (archived["id"], "archived@contoso.com", "a1"),
    ):
        assert (await scim.get(f"/Users/{user_id}"))[0] == 404
        for query in (f'userName eq "{name}"', f'externalId eq "{external}"', f'id eq "{user_id}"'):
            _, body, _ = await scim.get(f"/Users?filter={query}")
            assert body["totalResults"] == 0, query
        assert (
            await scim.patch(f"/Users/{user_id}", {"op": "replace", "path": "title", "value": "x"})
        )[0] == 404
        assert (await scim.put(f"/Users/{user_id}", new_user(name)))[0] == 404
        assert (await scim.delete(f"/Users/{user_id}"))[0] == 404
    _, body, _ = await scim.get("/Users")
    assert body["totalResults"] == 0
    # The outsider keeps its name: ours may not take it (userName is global).
    status, body, _ = await scim.post("/Users", new_user("OUTSIDER@contoso.com"))
    assert (status, body["scimType"]) == (409, "uniqueness")


async def test_sole_participant_cannot_be_disabled_or_deleted(scim: Scim) -> None:
    user = await scim.create_user("sole@contoso.com")
    await scim.upstream.set_flags(user["id"], soleParticipant=True)
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "Replace", "path": "active", "value": "False"}
    )
    assert_scim_error(status, body, 409)
    assert "participant" in body["detail"]
    status, body, _ = await scim.delete(f"/Users/{user['id']}")
    assert_scim_error(status, body, 409)
    assert (await scim.get(f"/Users/{user['id']}"))[1]["active"] is True


def _variants(value: Any) -> Iterator[Any]:
    """Every way of breaking one leaf or one container of a JSON document at a time."""
    yield from (None, 0, True, "", [], {}, "x" * 300, "\u0000\ud7ff")
    if isinstance(value, dict):
        for key in value:
            for broken in _variants(value[key]):
                copy_ = copy.deepcopy(value)
                copy_[key] = broken
                yield copy_
            without = {k: v for k, v in value.items() if k != key}
            yield without
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for broken in _variants(item):
                copied = copy.deepcopy(value)
                copied[index] = broken
                yield copied


async def test_mutated_entra_requests_never_get_a_500(scim: Scim) -> None:
    user = await scim.create_user("fuzz@contoso.com")
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "a@b.c"},
            {"op": "Add", "path": "manager", "value": [{"$ref": None, "value": user["id"]}]},
            {"op": "replace", "value": {"name.givenName": "G", "active": "False"}},
        ],
    }
    statuses: set[int] = set()
    for body in list(_variants(patch))[:400]:
        status, _, headers = await scim.request("PATCH", f"/Users/{user['id']}", body)
        assert status < 500, body
        assert headers["Content-Type"].startswith("application/scim+json")
        statuses.add(status)
    for body in list(_variants(new_user("fuzz2@contoso.com")))[:300]:
        status, created, _ = await scim.post("/Users", body)
        assert status < 500, body
        if status == 201:
            await scim.delete(f"/Users/{created['id']}")
    assert {200, 400} <= statuses


async def test_deeply_nested_json_is_400_not_500(scim: Scim) -> None:
    user = await scim.create_user("deep@contoso.com")
    for path, body in (
        ("/Users", b"[" * 200_000 + b"]" * 200_000),
        (f"/Users/{user['id']}", b'{"Operations": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    ):
        response = await scim.client.request(
            "PATCH" if "/Users/" in path else "POST",
            BASE + path,
            data=body,
            headers={**scim.headers, "Content-Type": "application/scim+json"},
        )
        assert response.status == 400, await response.text()
        assert (await response.json())["scimType"] == "invalidSyntax"


async def test_too_long_values_are_400_naming_the_attribute(scim: Scim) -> None:
    status, body, _ = await scim.post("/Users", new_user("long@contoso.com", title="x" * 5000))
    assert (status, body["scimType"]) == (400, "invalidValue")
    assert "title" in body["detail"]
    status, body, _ = await scim.post("/Groups", {"displayName": "g" * 5000})
    assert (status, body["scimType"]) == (400, "invalidValue")


async def test_validation_errors_read_without_pydantic_internals(scim: Scim) -> None:
    for body in (new_user("v1@contoso.com", active="maybe"), new_user("v2@contoso.com", title=5)):
        status, error, _ = await scim.post("/Users", body)
        assert status == 400
        assert "pydantic" not in error["detail"]
        assert "validation error for" not in error["detail"]
    user = await scim.create_user("v3@contoso.com")
    status, error, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "replace", "path": "active", "value": "perhaps"}
    )
    assert status == 400
    assert "pydantic" not in error["detail"]
    assert "active" in error["detail"]


async def test_too_many_group_patch_operations_is_413_and_nothing_applied(
    start_stack: Any,
) -> None:
    scim = await start_stack(scim={"max_patch_operations": 2})
    group = await create_group(scim, "Limited")
    rename = {"op": "replace", "path": "displayName", "value": "Renamed"}
    status, body, _ = await scim.patch(f"/Groups/{group['id']}", *([rename] * 3))
    assert_scim_error(status, body, 413)
    _, shown, _ = await scim.get(f"/Groups/{group['id']}")
    assert shown["displayName"] == "Limited"


async def test_query_parameter_names_are_case_insensitive(scim: Scim) -> None:
    first = await scim.create_user("case1@contoso.com")
    await scim.create_user("case2@contoso.com")
    _, body, _ = await scim.get('/Users?FILTER=userName eq "case1@contoso.com"')
    assert [u["id"] for u in body["Resources"]] == [first["id"]]
    _, body, _ = await scim.get("/Users?StartIndex=2&COUNT=1")
    assert (body["startIndex"], body["itemsPerPage"]) == (2, 1)
    _, body, _ = await scim.get(f"/Users/{first['id']}?ATTRIBUTES=userName")
    assert set(body) == {"schemas", "id", "userName"}
    group = await create_group(scim, "Cased")
    _, body, _ = await scim.get(f"/Groups/{group['id']}?excludedattributes=members")
    assert "members" not in body


async def test_an_email_of_another_type_is_kept_by_the_documented_rule(scim: Scim) -> None:
    # WorkflowGen keeps one e-mail: the work one, else the primary one, else the first.
    body = new_user("home.mail@contoso.com", emails=[{"type": "home", "value": "h@contoso.com"}])
    status, created, _ = await scim.post("/Users", body)
    assert status == 201, created
    assert [e["value"] for e in created["emails"]] == ["h@contoso.com"]
    entries = [
        {"type": "other", "value": "o@contoso.com"},
        {"type": "home", "value": "p@contoso.com", "primary": True},
    ]
    status, created, _ = await scim.post("/Users", new_user("primary@contoso.com", emails=entries))
    assert [e["value"] for e in created["emails"]] == ["p@contoso.com"]
    # The work one wins whenever there is one.
    entries = [*entries, {"type": "work", "value": "w@contoso.com"}]
    status, created, _ = await scim.post("/Users", new_user("work@contoso.com", emails=entries))
    assert [e["value"] for e in created["emails"]] == ["w@contoso.com"]


@pytest.mark.parametrize(
    ("attribute", "entries", "named"),
    [
        ("phoneNumbers", [{"type": "home", "value": "+1 555"}], "work, mobile, fax"),
        ("addresses", [{"type": "home", "formatted": "1 Main St"}], "work, other"),
    ],
)
async def test_a_typed_value_that_cannot_be_stored_is_refused_not_dropped(
    scim: Scim, attribute: str, entries: list[dict[str, Any]], named: str
) -> None:
    status, body, _ = await scim.post(
        "/Users", new_user("typed@contoso.com", **{attribute: entries})
    )
    assert_scim_error(status, body, 400, "invalidValue")
    assert named in body["detail"]
    user = await scim.create_user("typed.patch@contoso.com")
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "add", "path": attribute, "value": entries[-1:]}
    )
    assert_scim_error(status, body, 400, "invalidValue")


@pytest.mark.parametrize(
    "user_name",
    [" lead@contoso.com", "trail@contoso.com ", "a\u202eb@contoso.com", "nul\x00@contoso.com",
     "zero\u200bwidth@contoso.com", "tab\t@contoso.com"],
)  # fmt: skip
async def test_user_names_that_would_look_like_another_are_refused(
    scim: Scim, user_name: str
) -> None:
    status, body, _ = await scim.post("/Users", new_user(user_name))
    assert_scim_error(status, body, 400, "invalidValue")
    user = await scim.create_user("plain.name@contoso.com")
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "replace", "path": "userName", "value": user_name}
    )
    assert_scim_error(status, body, 400, "invalidValue")


@pytest.mark.parametrize("value", [{}, "", None])
async def test_emptying_active_is_refused_not_ignored(scim: Scim, value: Any) -> None:
    user = await scim.create_user("keep.active@contoso.com")
    for operation in (
        {"op": "Replace", "path": "active", "value": value},
        {"op": "Replace", "value": {"active": value}},
        {"op": "Remove", "path": "active"},
    ):
        status, body, _ = await scim.patch(f"/Users/{user['id']}", operation)
        assert_scim_error(status, body, 400)
    _, shown, _ = await scim.get(f"/Users/{user['id']}")
    assert shown["active"] is True
