"""Every way authentication fails: RFC 6749 error bodies, hostile input (never a 5xx),
the failed-authentication limit, and no secret, assertion or token in any log line."""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

import pytest

from tests.auth_harness import (
    BASIC_CLIENT,
    BASIC_SECRET,
    FORM_CLIENT,
    FORM_SECRET,
    JWT_BEARER,
    TOKEN_PATH,
    Entra,
    basic,
)
from tests.harness import TOKEN, Scim
from tests.proxy.conftest import StartAuth
from wfgen_scim.config import OAuthSettings
from wfgen_scim.proxy.state import METRICS

GRANT = {"grant_type": "client_credentials"}


async def post_token(scim: Scim, body: Any, headers: dict[str, str] | None = None) -> Any:
    response = await scim.client.post(TOKEN_PATH, data=body, headers=headers or {})
    return response, await response.json()


@pytest.mark.parametrize(
    ("body", "headers", "status", "error"),
    [
        (GRANT, {"Authorization": basic(BASIC_CLIENT, "wrong-secret")}, 401, "invalid_client"),
        (
            {**GRANT, "client_id": "nobody", "client_secret": BASIC_SECRET},
            {},
            401,
            "invalid_client",
        ),
        (GRANT, {}, 401, "invalid_client"),
        ({"client_id": FORM_CLIENT, "client_secret": FORM_SECRET}, {}, 400, "invalid_request"),
        (
            {"grant_type": "password", "client_id": FORM_CLIENT, "client_secret": FORM_SECRET},
            {},
            400,
            "unsupported_grant_type",
        ),
        (
            {**GRANT, "client_id": BASIC_CLIENT, "client_secret": BASIC_SECRET},
            {"Authorization": basic(BASIC_CLIENT, BASIC_SECRET)},
            400,
            "invalid_request",
        ),
        (
            {**GRANT, "client_assertion_type": "urn:other", "client_assertion": "x"},
            {},
            401,
            "invalid_client",
        ),
        ({**GRANT, "client_assertion_type": JWT_BEARER}, {}, 400, "invalid_request"),
        (
            {**GRANT, "client_assertion_type": JWT_BEARER, "client_assertion": "a.b.c"},
            {},
            401,
            "invalid_client",
        ),
        (
            b'{"grant_type": "client_credentials"}',
            {"Content-Type": "application/json"},
            400,
            "invalid_request",
        ),
        (
            b"grant_type=client_credentials&grant_type=password",
            {"Content-Type": "application/x-www-form-urlencoded"},
            400,
            "invalid_request",
        ),
        (
            b"grant_type=client_credentials&client_id=\xff",
            {"Content-Type": "application/x-www-form-urlencoded"},
            400,
            "invalid_request",
        ),
        (
            b"grant_type=client%00credentials",
            {"Content-Type": "application/x-www-form-urlencoded"},
            400,
            "invalid_request",
        ),
        (GRANT, {"Authorization": "Basic !!!not-base64"}, 401, "invalid_client"),
        (
            GRANT,
            {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
            401,
            "invalid_client",
        ),
        (
            GRANT,
            {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
            401,
            "invalid_client",
        ),
    ],
)
async def test_token_endpoint_errors_follow_rfc_6749(
    start_auth: StartAuth,
    oauth: OAuthSettings,
    body: Any,
    headers: dict[str, str],
    status: int,
    error: str,
) -> None:
    scim = await start_auth(oauth)
    response, answer = await post_token(scim, body, headers)
    assert (response.status, answer["error"]) == (status, error)
    assert response.headers["Content-Type"].startswith("application/json")
    assert "access_token" not in answer
    if status == 401:
        # RFC 6749 s5.2: a 401 names the scheme the client can authenticate with.
        assert response.headers["WWW-Authenticate"].startswith("Basic")


async def test_the_token_endpoint_is_absent_unless_enabled(start_auth: StartAuth) -> None:
    scim = await start_auth()
    response = await scim.client.post(TOKEN_PATH, data=GRANT)
    assert response.status == 404
    assert response.headers["Content-Type"].startswith("application/scim+json")


async def raw_request(scim: Scim, request: bytes) -> tuple[int, str, bytes]:
    server = scim.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read(65536)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    content_type = next(
        (
            line.split(":", 1)[1].strip()
            for line in lines
            if line.lower().startswith("content-type")
        ),
        "",
    )
    return int(lines[0].split()[1]), content_type, body


@pytest.mark.parametrize(
    "authorization",
    [
        b"Bearer \xff",
        b"Bearer " + TOKEN.encode() + b"\xff",
        b"Bearer \xc3\x28" + TOKEN.encode(),
        b"Bearer " + TOKEN.encode() + b"\tx",
        b"Bearer\t" + TOKEN.encode(),
    ],
)
async def test_non_utf8_and_control_bytes_in_authorization_are_a_scim_401(
    start_auth: StartAuth, authorization: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    scim = await start_auth()
    caplog.set_level(logging.DEBUG)
    request = b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: " + authorization
    status, content_type, body = await raw_request(scim, request + b"\r\nConnection: close\r\n\r\n")
    assert status == 401, body
    assert content_type.startswith("application/scim+json")
    assert b"Traceback" not in body
    assert not [r for r in caplog.records if r.exc_info]
    assert await scim.upstream.round_trips() == 0


async def test_the_token_endpoint_gets_the_same_treatment(
    start_auth: StartAuth, oauth: OAuthSettings
) -> None:
    scim = await start_auth(oauth)
    form = b"grant_type=client_credentials"
    for authorization in (b"Basic \xff\xfe", b"Basic x\ty", b"Basic " + b"\x80" * 10):
        request = (
            b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: "
            + str(len(form)).encode()
            + b"\r\nAuthorization: "
            + authorization
            + b"\r\n\r\n"
            + form
        )
        status, content_type, body = await raw_request(scim, request)
        assert status in (400, 401), body
        assert content_type.startswith("application/json")


async def test_an_address_that_keeps_failing_gets_429_but_right_credentials_still_pass(
    start_auth: StartAuth, oauth: OAuthSettings, caplog: pytest.LogCaptureFixture
) -> None:
    scim = await start_auth(oauth, limits={"max_failures": 3, "lockout_seconds": 120})
    caplog.set_level(logging.INFO, logger="wfgen_scim")
    wrong = {"Authorization": "Bearer wrong-token-0123456789"}
    statuses = [(await scim.get("/Users", headers=wrong))[0] for _ in range(3)]
    assert statuses == [401, 401, 401]
    status, body, headers = await scim.get("/Users", headers=wrong)
    assert status == 429
    assert headers["Content-Type"].startswith("application/scim+json")
    assert 0 < int(headers["Retry-After"]) <= 120
    assert body["status"] == "429"
    # The token endpoint shares the limit: a wrong secret is refused, a right one is served.
    response, answer = await post_token(
        scim, GRANT, {"Authorization": basic(BASIC_CLIENT, "guess-0123456789")}
    )
    assert (response.status, answer["error"]) == (429, "invalid_client")
    assert int(response.headers["Retry-After"]) > 0
    response, answer = await post_token(
        scim, GRANT, {"Authorization": basic(BASIC_CLIENT, BASIC_SECRET)}
    )
    assert response.status == 200
    for headers in ({"Authorization": f"Bearer {answer['access_token']}"}, scim.headers):
        for _ in range(5):
            assert (await scim.get("/Users", headers=headers))[0] == 200
    sample = scim.client.app[METRICS].registry.get_sample_value
    failures = "wfgen_scim_auth_failures_total"
    assert sample(failures, {"endpoint": "scim", "outcome": "rejected"}) == 3
    assert sample(failures, {"endpoint": "scim", "outcome": "refused"}) == 1
    assert sample(failures, {"endpoint": "token", "outcome": "refused"}) == 1
    assert sample("wfgen_scim_auth_lockouts_total", {}) == 1
    auth_lines = [r for r in caplog.records if r.name == "wfgen_scim.auth"]
    # Three failures, one lockout line, none for the refused ones, one token issued.
    assert [r.levelname for r in auth_lines] == ["INFO", "INFO", "WARNING", "INFO"]


async def test_no_secret_assertion_or_token_reaches_the_log(
    start_auth: StartAuth, oauth: OAuthSettings, entra: Entra, caplog: pytest.LogCaptureFixture
) -> None:
    scim = await start_auth(oauth, limits={"max_failures": 6})
    caplog.set_level(logging.DEBUG)
    assertion = entra.assertion()
    expired_assertion = entra.assertion(exp=1, nbf=0, iat=0)
    wrong_secret = "almost-the-secret-0123456789"
    _, answer = await post_token(scim, GRANT, {"Authorization": basic(BASIC_CLIENT, BASIC_SECRET)})
    token = answer["access_token"]
    attempts: list[tuple[Any, dict[str, str]]] = [
        (GRANT, {"Authorization": basic(BASIC_CLIENT, wrong_secret)}),
        ({**GRANT, "client_id": wrong_secret, "client_secret": FORM_SECRET}, {}),
        ({**GRANT, "client_id": FORM_CLIENT, "client_secret": wrong_secret}, {}),
        ({**GRANT, "client_assertion_type": JWT_BEARER, "client_assertion": assertion}, {}),
        ({**GRANT, "client_assertion_type": JWT_BEARER, "client_assertion": expired_assertion}, {}),
    ]
    for bearer in (token, token[:-4] + "AAAA", wrong_secret, TOKEN):
        await scim.get("/Users", headers={"Authorization": f"Bearer {bearer}"})
    for body, headers in attempts * 2:  # the second round is past the lockout
        await post_token(scim, body, headers)
    secrets = [BASIC_SECRET, FORM_SECRET, wrong_secret, TOKEN, token, assertion, expired_assertion]
    secrets += [token.split(".")[2], assertion.split(".")[2], token[:-4]]
    auth_lines = [r.levelname for r in caplog.records if r.name == "wfgen_scim.auth"]
    assert auth_lines.count("INFO") >= 6  # failures logged, with the lockout line...
    assert "WARNING" in auth_lines
    for record in caplog.records:
        text = record.getMessage() + repr(vars(record))
        for secret in secrets:
            assert secret not in text, (record.name, record.getMessage())
