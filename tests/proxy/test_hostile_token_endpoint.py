"""Hostile bytes on a raw socket against the token endpoint, on the proxy's real server.

Whatever arrives - broken framing, bytes that are not UTF-8, control characters, a huge
or repeated form, a forged assertion - the answer is a 4xx (never a 5xx), no traceback is
logged, and no client secret, assertion or access token shows up in an answer or a log line.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from tests.auth_harness import BASIC_CLIENT, BASIC_SECRET, JWT_BEARER, Entra, basic
from tests.harness import Upstream, scim_settings, serve_on_free_port, workflowgen_for
from tests.proxy.test_hostile_http import _exchange
from wfgen_scim.config import OAuthSettings
from wfgen_scim.proxy.app import build_app


@pytest.fixture
async def token_port(upstream: Upstream, oauth: OAuthSettings) -> AsyncIterator[int]:
    runner, port = await serve_on_free_port(
        build_app(scim_settings(), workflowgen_for(upstream), oauth=oauth)
    )
    yield port
    await runner.cleanup()


def post(form: bytes, *headers: bytes) -> bytes:
    lines = [
        b"POST /oauth2/token HTTP/1.1",
        b"Host: x",
        b"Connection: close",
        b"Content-Type: application/x-www-form-urlencoded",
        b"Content-Length: " + str(len(form)).encode(),
        *headers,
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + form


SECRET_AUTH = b"Authorization: " + basic(BASIC_CLIENT, BASIC_SECRET).encode()
GRANT = b"grant_type=client_credentials"


def hostile(entra: Entra) -> dict[str, bytes]:
    assertion = Entra.new().assertion(kid=entra.kid).encode()
    return {
        "non-UTF-8 in Basic": post(GRANT, b"Authorization: Basic \xff\xfe" + BASIC_SECRET.encode()),
        "control character after the secret": post(GRANT, SECRET_AUTH + b"\x01"),
        "non-UTF-8 form": post(GRANT + b"&client_id=\xff&client_secret=" + BASIC_SECRET.encode()),
        "NUL in the form": post(GRANT + b"&client_id=a%00b&client_secret=x"),
        "repeated parameter": post(GRANT + b"&" + GRANT),
        "form of 200 kB": post(GRANT + b"&x=" + b"a" * 200_000),
        "form cut short": post(GRANT)[:-5],
        "forged assertion": post(
            GRANT
            + b"&client_assertion_type="
            + JWT_BEARER.encode()
            + b"&client_assertion="
            + assertion
        ),
        "assertion of 100 kB": post(
            GRANT
            + b"&client_assertion_type="
            + JWT_BEARER.encode()
            + b"&client_assertion="
            + b"e" * 100_000
        ),
        "header line over 8190 bytes": post(GRANT, SECRET_AUTH + b"a" * 9000),
        "duplicate Content-Length": post(GRANT, b"Content-Length: 3", SECRET_AUTH),
        "JSON instead of a form": post(b'{"grant_type":"client_credentials"}').replace(
            b"x-www-form-urlencoded", b"json"
        ),
        "GET on the endpoint": b"GET /oauth2/token?"
        + GRANT
        + b" HTTP/1.1\r\nHost: x\r\n"
        + SECRET_AUTH
        + b"\r\nConnection: close\r\n\r\n",
    }


CASES = list(hostile(Entra.new()))


@pytest.mark.parametrize("case", CASES)
async def test_hostile_token_requests_get_a_4xx_and_leak_nothing(
    token_port: int,
    entra: Entra,
    case: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    raw = hostile(entra)[case]
    status, content_type, answer = await _exchange(token_port, raw)
    assert 400 <= status < 500, answer[:300]
    assert content_type.startswith(("application/json", "application/scim+json"))
    assert BASIC_SECRET.encode() not in answer
    assert b"access_token" not in answer
    for record in caplog.records:
        assert not record.exc_info, record.getMessage()
        text = record.getMessage() + repr(vars(record))
        assert BASIC_SECRET not in text
        assert "eyJ" not in text  # no JWT, assertion or access token
