"""Upstream round trips per SCIM operation, counted by the emulator (the issue's budget)."""

from tests.harness import BUDGET, Scim, new_user
from wfgen_scim.translators.attributes import ENTERPRISE_USER


async def _count(scim: Scim) -> dict[str, object]:
    stats = await scim.upstream.stats()
    await scim.upstream.reset_stats()
    return stats


async def test_user_lifecycle_round_trips(scim: Scim) -> None:
    boss = await scim.create_user("boss@contoso.com")
    await scim.upstream.reset_stats()

    await scim.get('/Users?filter=userName eq "nobody@contoso.com"')
    assert (await _count(scim))["requests"] == BUDGET["user_filter"]

    status, user, _ = await scim.post("/Users", new_user("rt@contoso.com"))
    assert status == 201
    stats = await _count(scim)
    assert stats["requests"] == BUDGET["user_create"]
    assert stats["operations"] == {"createUser": 1}

    await scim.get('/Users?filter=userName eq "rt@contoso.com"')
    assert (await _count(scim))["requests"] == BUDGET["user_filter"]

    await scim.get(f"/Users/{user['id']}")
    assert (await _count(scim))["requests"] == BUDGET["user_get"]

    status, _, _ = await scim.patch(
        f"/Users/{user['id']}",
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "n@contoso.com"},
    )
    assert status == 200
    assert (await _count(scim))["requests"] == BUDGET["user_patch"]

    # Setting a manager still reads the user and checks the manager in one query.
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}",
        {"op": "Add", "path": f"{ENTERPRISE_USER}:manager", "value": boss["id"]},
    )
    assert status == 200
    assert body[ENTERPRISE_USER]["manager"]["value"] == boss["id"]
    stats = await _count(scim)
    assert stats["requests"] == BUDGET["user_patch"]
    assert stats["operations"] == {"users": 1, "updateUser": 1}

    # A PATCH that changes nothing WorkflowGen stores does not write.
    await scim.patch(f"/Users/{user['id']}", {"op": "Add", "path": "nickName", "value": "n"})
    assert (await _count(scim))["requests"] == 1

    status, _, _ = await scim.delete(f"/Users/{user['id']}")
    assert status == 204
    assert (await _count(scim))["requests"] == BUDGET["user_delete"]


async def test_list_page_is_one_round_trip(scim: Scim) -> None:
    for i in range(7):
        await scim.create_user(f"list{i}@contoso.com")
    await scim.upstream.reset_stats()
    await scim.get("/Users?startIndex=1&count=5")
    assert (await _count(scim))["requests"] == BUDGET["user_list_page"]
    await scim.get("/Users?startIndex=6&count=5")
    assert (await _count(scim))["requests"] == BUDGET["user_list_page"]
    await scim.get("/Users?startIndex=3&count=4")  # unaligned: one larger page
    assert (await _count(scim))["requests"] == BUDGET["user_list_page"]
