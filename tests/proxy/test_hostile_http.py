"""Hostile bytes on a raw socket, against the proxy's real HTTP server (proxy/server.py).

Requests that aiohttp's parser refuses before any middleware, and headers that are not
UTF-8: every answer must be a SCIM error as application/scim+json, never a 5xx, and the
bearer token must appear in no answer and no log line.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import TOKEN, Upstream, scim_settings, serve_on_free_port, workflowgen_for
from tests.proxy.test_cli import _instance, free_port, running
from wfgen_scim.proxy.app import build_app

AUTH = f"Authorization: Bearer {TOKEN}".encode()


@pytest.fixture
async def proxy_port(upstream: Upstream) -> AsyncIterator[int]:
    runner, port = await serve_on_free_port(build_app(scim_settings(), workflowgen_for(upstream)))
    yield port
    await runner.cleanup()


async def _exchange(port: int, raw: bytes) -> tuple[int, str, bytes]:
    """(status, content type, whole answer) for raw request bytes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    try:
        async with asyncio.timeout(5):
            answer = await reader.read(1 << 20)
            while not answer.endswith(b"}") and not reader.at_eof():
                more = await reader.read(1 << 20)
                if not more:
                    break
                answer += more
    finally:
        writer.close()
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status = int(head.split(" ", 2)[1])
    content_type = next(
        (
            line.split(":", 1)[1].strip()
            for line in head.split("\r\n")
            if line.lower().startswith("content-type:")
        ),
        "",
    )
    return status, content_type, answer


HOSTILE = {
    "non-UTF-8 byte in the token": b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + b"Authorization: Bearer \xff"
    + TOKEN.encode()
    + b"\r\n\r\n",
    "control character after the token": b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\x01\r\n\r\n",
    "header line over 8190 bytes": b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"X"
    + b"a" * 9000
    + b"\r\n\r\n",
    "request line too long": b"GET /scim/v2/Users?"
    + b"a" * 9000
    + b" HTTP/1.1\r\n"
    + AUTH
    + b"\r\n\r\n",
    "bad request line": b"GARBAGE\r\n" + AUTH + b"\r\n\r\n",
    "duplicate Content-Length": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    "Transfer-Encoding with Content-Length": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "unknown Expect": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\r\nExpect: "
    + TOKEN.encode()
    + b"\r\nContent-Length: 2\r\n\r\n{}",
    "NUL in a header": b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\r\nX-A: \x00\r\n\r\n",
    "NUL after the token": b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\x00\r\n\r\n",
    "space before the colon": b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH.replace(b":", b" :", 1)
    + b"\r\n\r\n",
    "token folded onto a continuation line": b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + b"Authorization: Bearer\r\n "
    + TOKEN.encode()
    + b"\r\n\r\n",
    "bare LF line ends": b"GET /scim/v2/Users HTTP/1.1\nHost: x\n" + AUTH + b"\n\n",
    "unknown HTTP version": b"GET /scim/v2/Users HTTP/9.9\r\nHost: x\r\n" + AUTH + b"\r\n\r\n",
    "non-UTF-8 bytes in the path": b"GET /scim/v2/Users/\xff\xfe HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\r\n\r\n",
    "TLS on the HTTP port": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + AUTH,
    "negative Content-Length": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\r\nContent-Length: -1\r\n\r\n",
    "Transfer-Encoding not ending in chunked": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    "bad chunk size": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n",
    "too many headers": b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    + AUTH
    + b"\r\n"
    + b"".join(b"X-%d: y\r\n" % i for i in range(200))
    + b"\r\n",
}


@pytest.mark.parametrize("raw", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_hostile_requests_get_a_scim_error_and_never_leak_the_token(
    proxy_port: int, raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    status, content_type, answer = await _exchange(proxy_port, raw)
    assert 400 <= status < 500, answer[:300]
    assert content_type.startswith("application/scim+json"), answer[:300]
    assert TOKEN.encode() not in answer
    assert not any(TOKEN in record.getMessage() for record in caplog.records)
    assert not any(record.exc_info for record in caplog.records)


async def test_the_same_server_serves_a_plain_request(proxy_port: int) -> None:
    raw = (
        b"GET /scim/v2/Users?count=1 HTTP/1.1\r\nHost: x\r\n"
        + AUTH
        + b"\r\nConnection: close\r\n\r\n"
    )
    status, content_type, _ = await _exchange(proxy_port, raw)
    assert (status, content_type.split(";")[0]) == (200, "application/scim+json")


async def test_a_broken_chunk_after_the_headers_is_400_at_once(
    proxy_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    # The framing error arrives while the handler already waits for the body: it must not
    # wait for the request deadline (a 503), nor log a traceback.
    caplog.set_level(logging.DEBUG)
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    writer.write(
        b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
        + AUTH
        + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    await writer.drain()
    await asyncio.sleep(0.2)  # the handler is now reading the body
    writer.write(b"zz\r\n{}\r\n")
    try:
        async with asyncio.timeout(5):
            head = await reader.readuntil(b"\r\n\r\n")
    finally:
        writer.close()
    assert head.startswith(b"HTTP/1.1 400"), head
    assert b"application/scim+json" in head
    assert not any(record.exc_info for record in caplog.records)


async def test_a_real_serve_process_never_logs_the_token_nor_a_traceback(tmp_path: Path) -> None:
    # The same shapes against `wfgen-scim serve` as deployed, its whole log read afterwards
    # (DEBUG level, JSON lines, aiohttp's own loggers included).
    graphql_port, scim_port = free_port(), free_port()
    config = _instance(tmp_path, graphql_port, scim_port)
    config.write_text(
        config.read_text().replace('format = "json"', 'format = "json"\nlevel = "DEBUG"')
    )
    token = (tmp_path / "token").read_text().strip().encode()
    emulator = ("emulator", "--port", str(graphql_port), "--db", str(tmp_path / "e.db"))
    async with running(*emulator, ready="emulator ready", cwd=tmp_path):
        async with running(
            "serve", "--config", str(config), ready="Running on", cwd=tmp_path,
            env={"WFGEN_SCIM__WORKFLOWGEN__PASSWORD": "admin-password"},
        ) as output:  # fmt: skip
            for name, raw in HOSTILE.items():
                status, content_type, answer = await _exchange(
                    scim_port, raw.replace(TOKEN.encode(), token)
                )
                assert 400 <= status < 500, (name, answer[:300])
                assert content_type.startswith("application/scim+json"), name
                assert token not in answer, name
    log = "".join(output)
    assert "rejected a malformed request" in log  # the log after the requests was read
    assert token.decode() not in log
    assert "Traceback" not in log
