"""The HTTP surface: GET/POST, error statuses, the schema, stats and the fault knobs."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from aiohttp import ClientConnectionError, ServerDisconnectedError

import wfgen_scim.emulator
from tests.emulator.emulator_harness import (
    CREATE_USER,
    GRAPHQL,
    Emulator,
    StartEmulator,
    default_settings,
)

SCHEMA_FILE = Path(wfgen_scim.emulator.__file__).with_name("schema.graphql")
CREATE_ALICE = {"input": {"directoryId": "RGlyZWN0b3J5OjI", "userName": "alice@example.com"}}
FIND_ALICE = '{ user(userName: "alice@example.com") { id } }'


async def alice_exists(emulator: Emulator) -> bool:
    data = await emulator.data(FIND_ALICE)
    return data["user"] is not None


async def test_get_runs_queries(emulator: Emulator) -> None:
    response = await emulator.client.get(
        GRAPHQL,
        params={
            "query": "query Me($n: String) { user(userName: $n) { userName } }",
            "variables": json.dumps({"n": "WFGEN_ADMIN"}),
            "operationName": "Me",
        },
        headers=emulator.admin_headers,
    )
    assert response.status == 200
    assert await response.json() == {"data": {"user": {"userName": "wfgen_admin"}}}


async def test_get_refuses_mutations_without_executing(emulator: Emulator) -> None:
    response = await emulator.client.get(
        GRAPHQL,
        params={"query": CREATE_USER, "variables": json.dumps(CREATE_ALICE)},
        headers=emulator.admin_headers,
    )
    assert response.status == 405
    assert "errors" in await response.json()
    assert not await alice_exists(emulator)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"query": 42}',
        b'{"variables": {}}',
        b'{"query": "{ viewer { id } }", "variables": [1]}',
        b'{"query": "query ($n: String) { user(userName: $n) { id } }",'
        b' "variables": {"n": "\\ud800"}}',
    ],
    ids=[
        "not-json",
        "not-utf8",
        "not-object",
        "query-not-string",
        "no-query",
        "variables-not-object",
        "lone-surrogate",
    ],
)
async def test_malformed_bodies_are_400(emulator: Emulator, body: bytes) -> None:
    response = await emulator.client.post(
        GRAPHQL, data=body, headers={**emulator.admin_headers, "Content-Type": "application/json"}
    )
    assert response.status == 400


async def test_graphql_errors_come_with_200_and_a_code(emulator: Emulator) -> None:
    cases = {
        "{ viewer { nope } }": "GRAPHQL_VALIDATION_FAILED",
        "{ viewer ": "GRAPHQL_PARSE_FAILED",
        "query ($p: PageInput!) { users(page: $p) { totalCount } }": "BAD_REQUEST",
    }
    for query, code in cases.items():
        status, body = await emulator.post(query)
        assert status == 200
        assert "data" not in body
        assert [error["extensions"]["code"] for error in body["errors"]] == [code]
    assert (await emulator.stats())["operations"] == {}


async def test_schema_endpoint_serves_the_sdl(emulator: Emulator) -> None:
    response = await emulator.client.get("/wfgen/graphql/schema")
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == SCHEMA_FILE.read_text(encoding="utf-8")


async def test_stats_count_requests_and_root_fields_exactly(emulator: Emulator) -> None:
    await emulator.reset_stats()
    await emulator.data('{ a: users { totalCount } b: users { totalCount } group(id: "x") { id } }')
    await emulator.data("query { viewer { id } } ", headers=None)
    await emulator.gql("{ nope }")  # refused by validation: a request, no operation
    await emulator.client.post(GRAPHQL, json={"query": "{ viewer { id } }"})  # 401
    await emulator.data("fragment F on Query { viewer { id } } { ...F __typename }")
    await emulator.data('{ users(filter: {userName: "x"}) { items { id } } }')

    assert await emulator.stats() == {
        "requests": 6,
        "operations": {"users": 3, "group": 1, "viewer": 2},
    }
    await emulator.reset_stats()
    assert await emulator.stats() == {"requests": 0, "operations": {}}


async def test_fail_next_answers_503_without_executing(emulator: Emulator) -> None:
    await emulator.put_knobs(fail_next=1)
    await emulator.reset_stats()
    response = await emulator.client.post(
        GRAPHQL,
        json={"query": CREATE_USER, "variables": CREATE_ALICE},
        headers=emulator.admin_headers,
    )
    assert response.status == 503
    assert response.content_type == "text/plain"
    with pytest.raises(json.JSONDecodeError):
        json.loads(await response.text())
    assert await emulator.stats() == {"requests": 1, "operations": {}}
    assert not await alice_exists(emulator)
    assert (await emulator.put_knobs())["fail_next"] == 0


async def test_drop_next_closes_the_connection_without_executing(emulator: Emulator) -> None:
    await emulator.put_knobs(drop_next=1)
    await emulator.reset_stats()
    with pytest.raises(ServerDisconnectedError):
        await emulator.post(CREATE_USER, CREATE_ALICE)
    assert await emulator.stats() == {"requests": 1, "operations": {}}
    assert not await alice_exists(emulator)


async def test_commit_then_fail_commits_and_loses_the_answer(emulator: Emulator) -> None:
    await emulator.put_knobs(commit_then_fail_next=1)
    # Queries are not affected and do not use up the counter.
    assert not await alice_exists(emulator)
    await emulator.reset_stats()
    with pytest.raises(ServerDisconnectedError):
        await emulator.post(CREATE_USER, CREATE_ALICE)
    assert await emulator.stats() == {"requests": 1, "operations": {"createUser": 1}}
    assert await alice_exists(emulator)
    # A blind retry of the create now meets the committed user.
    body = await emulator.gql(CREATE_USER, CREATE_ALICE)
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_latency_delays_each_request(emulator: Emulator) -> None:
    await emulator.put_knobs(latency_ms=150)
    started = time.perf_counter()
    await emulator.data("{ viewer { id } }")
    assert time.perf_counter() - started >= 0.15
    await emulator.put_knobs(latency_ms=0)


async def test_rates_are_seeded_and_replayable(start_emulator: StartEmulator) -> None:
    async def outcomes(emulator: Emulator) -> list[int]:
        results = []
        for _ in range(20):
            try:
                response = await emulator.client.post(
                    GRAPHQL, json={"query": "{ viewer { id } }"}, headers=emulator.admin_headers
                )
                results.append(response.status)
            except ClientConnectionError:
                results.append(0)
        return results

    settings = default_settings(fail_rate=0.3, drop_rate=0.2, random_seed=7)
    first = await outcomes(await start_emulator(settings))
    second = await outcomes(await start_emulator(settings))
    assert first == second
    assert {200, 503, 0} <= set(first)


async def test_knobs_merge_and_validate(emulator: Emulator) -> None:
    response = await emulator.client.get("/wfgen/emulator/knobs")
    knobs = await response.json()
    assert knobs["fail_rate"] == 0.0
    assert knobs["drop_next"] == 0
    merged = await emulator.put_knobs(fail_rate=0.25)
    assert (merged["fail_rate"], merged["latency_ms"]) == (0.25, 0)
    for invalid in ({"fail_rate": 2}, {"unknown": 1}, {"drop_next": -1}):
        response = await emulator.client.put("/wfgen/emulator/knobs", json=invalid)
        assert response.status == 400, invalid
    assert (await emulator.put_knobs())["fail_rate"] == 0.25


async def test_directories_control(emulator: Emulator) -> None:
    directory_id = await emulator.add_directory("Partners")
    assert await emulator.directory_id("partners") == directory_id
    response = await emulator.client.post("/wfgen/emulator/directories", json={"name": "PARTNERS"})
    assert response.status == 409
    data = await emulator.data("{ directories { totalCount items { name } } }")
    assert [d["name"] for d in data["directories"]["items"]] == ["WORKFLOWGEN", "SCIM", "Partners"]


async def test_a_late_commit_lands_after_the_client_gave_up(emulator: Emulator) -> None:
    await emulator.put_knobs(late_commit_next=1, late_commit_delay_ms=300)
    # Queries are not affected and do not use up the counter.
    assert not await alice_exists(emulator)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await emulator.post(CREATE_USER, CREATE_ALICE)
    assert not await alice_exists(emulator)  # not yet: the write is still "running"
    for _ in range(100):
        if await alice_exists(emulator):
            break
        await asyncio.sleep(0.02)
    assert await alice_exists(emulator)  # IIS finished it after the client hung up
    response = await emulator.client.get("/wfgen/emulator/faults")
    assert await response.json() == {"late_commit": 1}
    assert (await emulator.put_knobs())["late_commit_next"] == 0
