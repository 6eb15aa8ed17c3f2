"""Regressions for what the first review found (see the issue notes)."""

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import HttpUrl, SecretStr
from pytest_aiohttp import AiohttpServer

from tests.harness import (
    BASE,
    Scim,
    StartStack,
    Upstream,
    new_user,
    upstream_settings,
    workflowgen_for,
)
from tests.proxy.test_ms_entra_groups import create_group
from wfgen_scim.config import UpstreamAuthMode
from wfgen_scim.graphql import (
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamUnavailable,
    WorkflowGen,
)
from wfgen_scim.proxy.state import WORKFLOWGEN
from wfgen_scim.translators.attributes import ENTERPRISE_USER


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


async def test_too_long_values_are_400_naming_the_attribute(scim: Scim) -> None:
    status, body, _ = await scim.post("/Users", new_user("long@contoso.com", title="x" * 5000))
    assert (status, body["scimType"]) == (400, "invalidValue")
    assert "title" in body["detail"]
    status, body, _ = await scim.post("/Groups", {"displayName": "g" * 5000})
    assert (status, body["scimType"]) == (400, "invalidValue")


async def test_group_pages_with_members_are_capped(scim: Scim) -> None:
    for i in range(55):
        await create_group(scim, f"Cap{i:02d}")
    _, body, _ = await scim.get("/Groups?count=100")
    assert body["totalResults"] == 55
    assert body["itemsPerPage"] == 50
    _, body, _ = await scim.get("/Groups?count=100&excludedAttributes=members")
    assert body["itemsPerPage"] == 55


async def test_one_deadline_per_request(start_stack: StartStack) -> None:
    scim = await start_stack(
        scim={"request_timeout_seconds": 0.5}, timeout_seconds=2.0, retry_budget_seconds=5.0
    )
    await scim.upstream.knobs(latency_ms=1500)
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, body, headers = await scim.get("/Users")
    assert (status, body["status"]) == (503, "503")
    assert "Retry-After" in headers
    assert loop.time() - started < 1.5
    await scim.upstream.knobs(latency_ms=0)


async def test_an_html_answer_is_a_configuration_problem_not_an_outage(
    aiohttp_server: AiohttpServer, upstream: Upstream
) -> None:
    async def login_page(request: web.Request) -> web.Response:
        return web.Response(text="<html>Sign in</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/wfgen/graphql", login_page)
    server = await aiohttp_server(app)
    wf = WorkflowGen(upstream_settings(str(server.make_url("/wfgen/graphql"))))
    with pytest.raises(UpstreamMisconfigured, match="did not answer with GraphQL"):
        await wf.start()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_the_identity_provider_is_verified_even_when_workflowgen_is_not(
    tmp_path: Path, aiohttp_server: AiohttpServer, upstream: Upstream
) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received: list[str] = []

    async def token(request: web.Request) -> web.Response:
        received.append(await request.text())
        return web.json_response({"access_token": "stolen", "expires_in": 3600})

    app = web.Application()
    app.router.add_post("/token", token)
    server = await aiohttp_server(app, ssl=context)
    settings: dict[str, Any] = {
        "auth": UpstreamAuthMode.client_credentials,
        "token_endpoint": HttpUrl(f"https://127.0.0.1:{server.port}/token"),
        "client_id": "c",
        "client_secret": SecretStr("TOP-SECRET"),
        "verify_tls": False,
        "retry_budget_seconds": 0.5,
    }
    wf = workflowgen_for(upstream, **settings)
    with pytest.raises(UpstreamUnavailable):
        await wf.start()
    assert received == []  # the secret never reached an unverified endpoint
    # With the CA trusted through ca_file, the same endpoint is accepted.
    wf = workflowgen_for(upstream, **{**settings, "ca_file": str(cert)})
    with pytest.raises(UpstreamMisconfigured):  # the emulator refuses the fake token
        await wf.start()
    # The first token, then one renewal after WorkflowGen refused it; no more.
    assert len(received) == 2


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


async def test_updating_a_user_archived_meanwhile_is_404(scim: Scim) -> None:
    user = await scim.create_user("racer@contoso.com")
    await scim.upstream.set_flags(user["id"], hasHistory=True)
    await scim.delete(f"/Users/{user['id']}")
    assert scim.client.app is not None
    with pytest.raises(UpstreamNotFound):
        await scim.client.app[WORKFLOWGEN].users.update(user["id"], {"title": "late"})


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
