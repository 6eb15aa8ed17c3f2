"""Each way the proxy can authenticate to WorkflowGen, against the emulator."""

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import HttpUrl, SecretStr
from pytest_aiohttp import AiohttpServer

from tests.harness import (
    StartStack,
    Upstream,
    new_user,
    upstream_settings,
    workflowgen_for,
)
from wfgen_scim.config import UpstreamAuthMode
from wfgen_scim.emulator.settings import (
    DEFAULT_BEARER_TOKEN,
    DEFAULT_OAUTH_CLIENT_ID,
    DEFAULT_OAUTH_CLIENT_SECRET,
)
from wfgen_scim.graphql import (
    UpstreamMisconfigured,
    UpstreamUnavailable,
)
from wfgen_scim.graphql.schema_check import check
from wfgen_scim.proxy.state import WORKFLOWGEN
from wfgen_scim.translators.attributes import VOCABULARY


def _oauth(upstream: Upstream, secret: str = DEFAULT_OAUTH_CLIENT_SECRET) -> dict[str, object]:
    return {
        "auth": UpstreamAuthMode.client_credentials,
        "token_endpoint": HttpUrl(str(upstream.server.make_url("/wfgen/emulator/oauth/token"))),
        "client_id": DEFAULT_OAUTH_CLIENT_ID,
        "client_secret": SecretStr(secret),
        "scope": "api://wfgen/.default",
    }


async def test_bearer_access_token(start_stack: StartStack) -> None:
    scim = await start_stack(
        auth=UpstreamAuthMode.bearer, access_token=SecretStr(DEFAULT_BEARER_TOKEN)
    )
    status, body, _ = await scim.post("/Users", new_user("bearer@contoso.com"))
    assert status == 201, body


async def test_client_credentials_fetches_and_renews_its_token(
    start_stack: StartStack, upstream: Upstream
) -> None:
    scim = await start_stack(**_oauth(upstream))
    status, body, _ = await scim.post("/Users", new_user("oauth@contoso.com"))
    assert status == 201, body
    # WorkflowGen stops accepting the token we cached (expired, revoked, IdP key roll):
    assert scim.client.app is not None
    auth = scim.client.app[WORKFLOWGEN].client._auth
    auth._token = "revoked-token"
    auth._token_expires_at = time.monotonic() + 3600
    status, body, _ = await scim.get(f"/Users/{body['id']}")
    assert status == 200, body
    assert auth._token != "revoked-token"


@pytest.mark.parametrize(
    "overrides",
    [
        {"password": SecretStr("wrong")},
        {"auth": UpstreamAuthMode.bearer, "access_token": SecretStr("not-a-token")},
        {"directory": "NO-SUCH-DIRECTORY"},
    ],
    ids=["bad-password", "bad-token", "missing-directory"],
)
async def test_start_fails_clearly_when_misconfigured(
    upstream: Upstream, overrides: dict[str, object]
) -> None:
    wf = workflowgen_for(upstream, **overrides)
    with pytest.raises(UpstreamMisconfigured) as caught:
        await wf.start()
    assert "wrong" not in caught.value.message
    assert "not-a-token" not in caught.value.message


async def test_start_fails_clearly_with_a_bad_client_secret(upstream: Upstream) -> None:
    wf = workflowgen_for(upstream, **_oauth(upstream, secret="bad-secret"))
    with pytest.raises(UpstreamMisconfigured, match=DEFAULT_OAUTH_CLIENT_ID) as caught:
        await wf.start()
    assert "bad-secret" not in str(caught.value)


async def test_start_fails_when_workflowgen_is_unreachable(upstream: Upstream) -> None:
    wf = workflowgen_for(upstream, retry_budget_seconds=0.5)
    url = upstream.graphql_url
    await upstream.client.close()
    await upstream.server.close()
    with pytest.raises(UpstreamUnavailable) as caught:
        await wf.start()
    # The administrator reads where and why, not "ClientConnectorError".
    assert url in caught.value.message
    assert "connection refused" in caught.value.message


async def test_check_names_the_url_and_cause_of_a_failed_schema_download() -> None:
    settings = upstream_settings("http://127.0.0.1:9/wfgen/graphql")
    report = await check(settings, VOCABULARY)
    assert report.problems == [
        "cannot download the schema from http://127.0.0.1:9/wfgen/graphql/schema: "
        "connection refused"
    ]


async def test_impersonation_header(start_stack: StartStack, upstream: Upstream) -> None:
    scim = await start_stack(impersonate_username="wfgen_admin")
    assert (await scim.post("/Users", new_user("imp@contoso.com")))[0] == 201
    # Impersonating a user who is not an administrator: reads work, changes are refused,
    # and Entra sees a 502 that points the administrator at the proxy's configuration.
    await upstream.graphql(
        "mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
        {"i": {"directoryId": (await _directory(upstream)), "userName": "plain.user"}},
    )
    scim = await start_stack(impersonate_username="plain.user")
    assert (await scim.get('/Users?filter=userName eq "imp@contoso.com"'))[1]["totalResults"] == 1
    status, body, _ = await scim.post("/Users", new_user("refused@contoso.com"))
    assert (status, body["status"]) == (502, "502")


async def _directory(upstream: Upstream) -> str:
    data = await upstream.graphql('{ directory(name: "WORKFLOWGEN") { id } }')
    return str(data["directory"]["id"])


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
