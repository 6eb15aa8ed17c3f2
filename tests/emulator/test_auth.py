"""Authentication of /wfgen/graphql: Basic, static Bearer, OAuth tokens, impersonation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.emulator.emulator_harness import (
    DELEGATE,
    GRAPHQL,
    READER,
    Emulator,
    StartEmulator,
    basic,
    bearer,
    default_settings,
)

VIEWER = "{ viewer { userName } }"
TOKEN_PATH = "/wfgen/emulator/oauth/token"


async def viewer_name(emulator: Emulator, headers: dict[str, str]) -> str:
    data = await emulator.data(VIEWER, headers=headers)
    name: str = data["viewer"]["userName"]
    return name


async def refused(emulator: Emulator, headers: dict[str, str]) -> tuple[int, list[str]]:
    response = await emulator.client.post(GRAPHQL, json={"query": VIEWER}, headers=headers)
    body = await response.json()
    assert "data" not in body
    return response.status, [error["extensions"]["code"] for error in body["errors"]]


async def test_basic_authenticates_the_administrator(emulator: Emulator) -> None:
    assert await viewer_name(emulator, basic("WFGEN_ADMIN", "admin-password")) == "wfgen_admin"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("wfgen_admin", "wrong"),
        basic("nobody", "admin-password"),
        {"Authorization": "Basic not-base64!"},
        bearer("not-a-token"),
        {"Authorization": "Digest abc"},
    ],
    ids=["missing", "bad-password", "unknown-user", "malformed", "bad-token", "bad-scheme"],
)
async def test_missing_or_bad_credentials_are_401(
    emulator: Emulator, headers: dict[str, str]
) -> None:
    assert await refused(emulator, headers) == (401, ["UNAUTHENTICATED"])
    assert (await emulator.stats())["operations"] == {}


async def test_static_bearer_token_acts_as_its_user(emulator: Emulator) -> None:
    assert await viewer_name(emulator, bearer("emulator-access-token")) == "wfgen_admin"


async def test_static_bearer_token_can_stand_for_a_non_administrator(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(default_settings(bearer_tokens={"reader-token": "reader"}))
    assert await viewer_name(emulator, bearer("reader-token")) == "reader"
    assert await refused(emulator, bearer("emulator-access-token")) == (401, ["UNAUTHENTICATED"])


async def request_token(emulator: Emulator, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    response = await emulator.client.post(TOKEN_PATH, **kwargs)
    return response.status, await response.json()


async def test_oauth_client_credentials_token_acts_as_the_client_user(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(
        default_settings(oauth_clients={"proxy": ("s3cret", "wfgen_admin")})
    )
    status, body = await request_token(
        emulator,
        data={
            "grant_type": "client_credentials",
            "client_id": "proxy",
            "client_secret": "s3cret",
            "scope": "api://wfgen/.default",
        },
    )
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert await viewer_name(emulator, bearer(body["access_token"])) == "wfgen_admin"

    # The same client authenticating with HTTP Basic instead of form fields.
    status, body = await request_token(
        emulator, data={"grant_type": "client_credentials"}, headers=basic("proxy", "s3cret")
    )
    assert status == 200
    assert await viewer_name(emulator, bearer(body["access_token"])) == "wfgen_admin"


async def test_oauth_refuses_bad_clients_and_grants(emulator: Emulator) -> None:
    bad_secret = {
        "grant_type": "client_credentials",
        "client_id": "emulator-client",
        "client_secret": "wrong",
    }
    assert await request_token(emulator, data=bad_secret) == (401, {"error": "invalid_client"})
    status, body = await request_token(
        emulator, data={"grant_type": "password", "client_id": "emulator-client"}
    )
    assert (status, body["error"]) == (400, "unsupported_grant_type")


async def test_expired_oauth_token_is_refused(start_emulator: StartEmulator) -> None:
    emulator = await start_emulator(default_settings(token_lifetime_seconds=0))
    status, body = await request_token(
        emulator,
        data={
            "grant_type": "client_credentials",
            "client_id": "emulator-client",
            "client_secret": "emulator-client-secret",
        },
    )
    assert status == 200
    assert body["expires_in"] == 0
    assert await refused(emulator, bearer(body["access_token"])) == (401, ["UNAUTHENTICATED"])


async def test_administrator_may_impersonate_and_acts_as_the_user(emulator: Emulator) -> None:
    await emulator.create_user("alice@example.com")
    headers = {**emulator.admin_headers, "x-wfgen-impersonate-username": "ALICE@example.com"}
    assert await viewer_name(emulator, headers) == "alice@example.com"
    # Alice is no administrator: impersonating her removes the right to mutate.
    codes = await emulator.error_codes(
        'mutation { deleteUser(input: {id: "VXNlcjox"}) { archived } }', headers=headers
    )
    assert codes == ["FORBIDDEN"]
    assert await viewer_name(emulator, emulator.admin_headers) == "wfgen_admin"


async def test_impersonation_by_an_allowed_non_administrator(emulator: Emulator) -> None:
    headers = {
        **basic(DELEGATE.username, DELEGATE.password),
        "x-wfgen-impersonate-username": "wfgen_admin",
    }
    assert await viewer_name(emulator, headers) == "wfgen_admin"


async def test_impersonation_refused_for_other_accounts_and_unknown_users(
    emulator: Emulator,
) -> None:
    from_reader = {
        **basic(READER.username, READER.password),
        "x-wfgen-impersonate-username": "wfgen_admin",
    }
    assert await refused(emulator, from_reader) == (403, ["FORBIDDEN"])
    unknown = {**emulator.admin_headers, "x-wfgen-impersonate-username": "ghost"}
    assert await refused(emulator, unknown) == (403, ["FORBIDDEN"])


async def test_impersonation_header_name_comes_from_settings(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(default_settings(impersonation_header="x-run-as"))
    headers = {**emulator.admin_headers, "x-run-as": "reader"}
    assert await viewer_name(emulator, headers) == "reader"
    ignored = {**emulator.admin_headers, "x-wfgen-impersonate-username": "reader"}
    assert await viewer_name(emulator, ignored) == "wfgen_admin"


async def test_non_administrator_reads_but_cannot_mutate(emulator: Emulator) -> None:
    reader = basic(READER.username, READER.password)
    directory_id = await emulator.directory_id()
    data = await emulator.data("{ users { totalCount } }", headers=reader)
    assert data["users"]["totalCount"] == 3  # the three accounts

    body = await emulator.gql(
        "mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        {"i": {"directoryId": directory_id, "userName": "mallory"}},
        headers=reader,
    )
    assert body["data"] == {"createUser": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    found = await emulator.data('{ user(userName: "mallory") { id } }')
    assert found["user"] is None


async def test_non_ascii_credentials_are_401_not_500(emulator: Emulator) -> None:
    headers = {"Authorization": "Basic d2ZnZW5fYWRtaW46é"}
    assert await refused(emulator, headers) == (401, ["UNAUTHENTICATED"])
    status, body = await request_token(
        emulator, data={"grant_type": "client_credentials"}, headers=headers
    )
    assert (status, body) == (401, {"error": "invalid_client"})


async def test_undecodable_impersonation_header_is_403_not_500(emulator: Emulator) -> None:
    # aiohttp's client cannot send non-UTF-8 header bytes, so speak HTTP by hand.
    body = b'{"query": "{ viewer { id } }"}'
    request = b"\r\n".join(
        [
            b"POST /wfgen/graphql HTTP/1.1",
            b"Host: 127.0.0.1",
            b"Authorization: Bearer emulator-access-token",
            b"x-wfgen-impersonate-username: \xff\xfe",
            b"Content-Type: application/json",
            b"Content-Length: %d" % len(body),
            b"Connection: close",
            b"",
            body,
        ]
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", emulator.client.port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    assert answer.startswith(b"HTTP/1.1 403 ")
    assert b'"FORBIDDEN"' in answer
