"""WorkflowGen failing under the proxy: retries that never duplicate, fast 503s."""

import asyncio
import socket
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from tests.harness import (
    BASE,
    TOKEN,
    Scim,
    StartStack,
    Upstream,
    member_ids,
    new_group,
    new_user,
    scim_settings,
    upstream_settings,
)
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.emulator import build_app as build_emulator
from wfgen_scim.graphql import (
    UpstreamMisconfigured,
    UpstreamUnavailable,
    WorkflowGen,
)
from wfgen_scim.proxy.app import build_app


async def _users_named(scim: Scim, user_name: str) -> int:
    data = await scim.upstream.graphql(
        "query ($f: UserFilterInput) { users(filter: $f) { totalCount } }",
        {"f": {"userName": user_name}},
    )
    return int(data["users"]["totalCount"])


async def test_a_query_is_retried_after_a_503_and_a_dropped_connection(scim: Scim) -> None:
    await scim.create_user("retry@contoso.com")
    for knob in ("fail_next", "drop_next"):
        await scim.upstream.knobs(**{knob: 1})
        await scim.upstream.reset_stats()
        status, body, _ = await scim.get('/Users?filter=userName eq "retry@contoso.com"')
        assert (status, body["totalResults"]) == (200, 1), knob
        assert await scim.upstream.round_trips() == 2, knob


async def test_a_create_whose_answer_is_lost_converges_without_a_duplicate(scim: Scim) -> None:
    await scim.upstream.knobs(commit_then_fail_next=1)
    status, body, headers = await scim.post("/Users", new_user("lost@contoso.com"))
    assert status == 201, body
    assert body["userName"] == "lost@contoso.com"
    assert headers["Location"].endswith(body["id"])
    assert await _users_named(scim, "lost@contoso.com") == 1
    stats = await scim.upstream.stats()
    # The create ran once; the proxy then looked the name up instead of re-sending it.
    assert stats["operations"]["createUser"] == 1


async def test_a_create_refused_with_503_is_sent_again_once_proven_absent(scim: Scim) -> None:
    await scim.upstream.knobs(fail_next=1)
    status, body, _ = await scim.post("/Users", new_user("again@contoso.com"))
    assert status == 201, body
    assert await _users_named(scim, "again@contoso.com") == 1


async def test_entra_retrying_a_create_that_committed_behind_a_503_converges(
    scim: Scim,
) -> None:
    # The create commits, its answer is lost, and the lookup that would settle it fails
    # too: Entra gets a 503. Its retry must find its own user, not a 409 every cycle.
    await scim.upstream.knobs(commit_then_fail_next=1, fail_operations={"Users": 3})
    first, body, headers = await scim.post("/Users", new_user("twice@contoso.com"))
    assert (first, "Retry-After" in headers) == (503, True), body
    assert await _users_named(scim, "twice@contoso.com") == 1
    retried = new_user("twice@contoso.com", title="Changed since")
    second, body, headers = await scim.post("/Users", retried)
    assert second == 201, body
    assert body["title"] == "Changed since"  # it ends as the body describes it
    assert headers["Location"].endswith(body["id"])
    assert await _users_named(scim, "twice@contoso.com") == 1


async def test_a_create_of_a_name_held_by_another_entra_object_is_still_409(
    scim: Scim,
) -> None:
    await scim.create_user("held@contoso.com", externalId="object-1")
    status, body, _ = await scim.post("/Users", new_user("HELD@contoso.com", externalId="object-2"))
    assert (status, body["scimType"]) == (409, "uniqueness")
    status, body, _ = await scim.post("/Users", new_user("held@contoso.com", externalId=None))
    assert (status, body["scimType"]) == (409, "uniqueness")


async def test_a_group_whose_member_add_and_undo_both_failed_converges_on_retry(
    scim: Scim,
) -> None:
    member = await scim.create_user("m.lost@contoso.com")
    body = new_group("Half made", members=[{"value": member["id"]}])
    await scim.upstream.knobs(fail_operations={"AddUsersToGroup": 3, "DeleteGroup": 3})
    status, error, _ = await scim.post("/Groups", body)
    assert status == 503, error
    _, found, _ = await scim.get('/Groups?filter=displayName eq "Half made"')
    assert found["totalResults"] == 1  # the memberless group stayed
    status, created, _ = await scim.post("/Groups", body)
    assert status == 201, created
    assert created["id"] == found["Resources"][0]["id"]
    assert [m["value"] for m in created["members"]] == [member["id"]]
    assert await member_ids(scim, created["id"]) == {member["id"]}


async def test_updates_and_deletes_whose_answers_are_lost_are_safely_resent(scim: Scim) -> None:
    user = await scim.create_user("resend@contoso.com")
    await scim.upstream.knobs(commit_then_fail_next=1)
    status, body, _ = await scim.patch(
        f"/Users/{user['id']}", {"op": "Replace", "path": "title", "value": "Resent"}
    )
    assert (status, body["title"]) == (200, "Resent")
    await scim.upstream.knobs(commit_then_fail_next=1)
    status, _, _ = await scim.delete(f"/Users/{user['id']}")
    assert status == 204
    assert (await scim.get(f"/Users/{user['id']}"))[0] == 404


async def test_workflowgen_down_is_a_fast_503_with_retry_after(scim: Scim) -> None:
    await scim.create_user("down@contoso.com")
    await scim.upstream.knobs(fail_rate=1.0)
    started = time.monotonic()
    status, body, headers = await scim.get('/Users?filter=userName eq "down@contoso.com"')
    assert (status, body["status"]) == (503, "503")
    assert int(headers["Retry-After"]) > 0
    assert time.monotonic() - started < 5  # the retry budget, not a hang
    status, body, _ = await scim.post("/Users", new_user("never@contoso.com"))
    assert status == 503
    await scim.upstream.knobs(fail_rate=0.0)
    assert await _users_named(scim, "never@contoso.com") == 0


async def test_a_slow_workflowgen_times_out_into_a_503(start_stack: StartStack) -> None:
    scim = await start_stack(timeout_seconds=0.2, retry_attempts=2, retry_budget_seconds=1.0)
    await scim.upstream.knobs(latency_ms=600)
    status, _, headers = await scim.get('/Users?filter=userName eq "slow@contoso.com"')
    assert status == 503
    assert "Retry-After" in headers
    await scim.upstream.knobs(latency_ms=0)


async def test_workflowgen_dying_under_a_running_proxy_answers_503(scim: Scim) -> None:
    await scim.upstream.client.close()
    await scim.upstream.server.close()
    status, body, headers = await scim.get("/Users")
    assert (status, body["status"]) == (503, "503")
    assert "Retry-After" in headers


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


async def test_requests_past_the_concurrency_cap_get_a_fast_429(start_stack: StartStack) -> None:
    scim = await start_stack(scim={"max_concurrent_requests": 2})
    await scim.upstream.knobs(latency_ms=1000)
    loop = asyncio.get_running_loop()
    slow = [asyncio.create_task(scim.get("/Users?count=1")) for _ in range(2)]
    await asyncio.sleep(0.3)  # both are now waiting on WorkflowGen
    started = loop.time()
    status, body, headers = await scim.get("/Users?count=1")
    assert (status, body["status"], headers["Retry-After"]) == (429, "429", "5")
    assert loop.time() - started < 0.5
    assert [(await task)[0] for task in slow] == [200, 200]
    await scim.upstream.knobs(latency_ms=0)


async def test_retries_never_outlive_the_request_deadline(start_stack: StartStack) -> None:
    # Three attempts of 5 s each would take 15 s; the request has 1.
    scim = await start_stack(
        scim={"request_timeout_seconds": 1.0}, timeout_seconds=5.0, retry_budget_seconds=12.0
    )
    await scim.upstream.knobs(latency_ms=3000)
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, body, headers = await scim.get('/Users?filter=userName eq "x"')
    assert (status, body["status"], "Retry-After" in headers) == (503, "503", True)
    assert loop.time() - started < 1.5
    await scim.upstream.knobs(latency_ms=0)


async def test_started_during_an_outage_it_answers_503_then_becomes_ready(
    aiohttp_client: Any,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}/wfgen/graphql"
    wf = WorkflowGen(upstream_settings(url, retry_budget_seconds=0.3))
    client = await aiohttp_client(build_app(scim_settings(), wf))  # WorkflowGen is down
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert (await client.get("/readyz")).status == 503
    response = await client.get(f"{BASE}/Users", headers=headers)
    assert (response.status, "Retry-After" in response.headers) == (503, True)
    assert response.content_type == "application/scim+json"
    assert (await client.get(f"{BASE}/Users")).status == 401  # auth still comes first

    emulator = TestServer(build_emulator(EmulatorSettings()), port=port)
    await emulator.start_server()
    try:
        async with asyncio.timeout(10):
            # Polling is what an orchestrator's readiness probe does too.
            while (await client.get("/readyz")).status != 200:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        response = await client.get(f"{BASE}/Users", headers=headers)
        assert response.status == 200
    finally:
        await emulator.close()


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_schema_download_refused_by_an_overloaded_workflowgen_is_an_outage(
    aiohttp_server: AiohttpServer, status: int
) -> None:
    # An outage is waited for (the start retries); only a schema that does not fit refuses
    # the start.
    @web.middleware
    async def busy_schema(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.endswith("/schema"):
            return web.Response(status=status, text="busy")
        response: web.StreamResponse = await handler(request)
        return response

    emulator = build_emulator(EmulatorSettings())
    emulator.middlewares.append(busy_schema)
    server = await aiohttp_server(emulator)
    wf = WorkflowGen(upstream_settings(str(server.make_url("/wfgen/graphql"))))
    with pytest.raises(UpstreamUnavailable, match=f"HTTP {status}"):
        await wf.start()
    assert not wf.started


async def test_a_schema_download_that_times_out_is_an_outage(
    aiohttp_server: AiohttpServer,
) -> None:
    @web.middleware
    async def hung_schema(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.endswith("/schema"):
            await asyncio.sleep(3)
        response: web.StreamResponse = await handler(request)
        return response

    emulator = build_emulator(EmulatorSettings())
    emulator.middlewares.append(hung_schema)
    server = await aiohttp_server(emulator)
    url = str(server.make_url("/wfgen/graphql"))
    wf = WorkflowGen(upstream_settings(url, timeout_seconds=0.5))
    with pytest.raises(UpstreamUnavailable, match="schema"):
        await wf.start()


async def test_a_hung_workflowgen_is_a_503_within_the_retry_budget(
    start_stack: StartStack,
) -> None:
    # Attempts of 3 s against a 3.5 s budget: the second attempt is cut to what is left of
    # the budget instead of running its full timeout (which took 6-7 s).
    scim = await start_stack(timeout_seconds=3.0, retry_attempts=3, retry_budget_seconds=3.5)
    await scim.upstream.knobs(latency_ms=60_000)
    url = scim.client.make_url('/scim/v2/Users?filter=userName eq "hung"')
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        # The timeout is the assertion: no answer within it fails the test. (asyncio's, as
        # aiohttp rounds its own timeouts of 5 s and more up to whole seconds.)
        async with aiohttp.ClientSession() as http, asyncio.timeout(5.0):
            async with http.get(url, headers=headers) as response:
                assert response.status == 503
                assert int(response.headers["Retry-After"]) > 0
    finally:
        await scim.upstream.knobs(latency_ms=0)
