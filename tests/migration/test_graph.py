"""Live fetch from a fake Microsoft Graph on 127.0.0.1 (TLS, as msal requires): client
credentials through msal, pages followed by @odata.nextLink, group members paged."""

import json
import ssl
import subprocess
from pathlib import Path
from typing import Any

from aiohttp import web
from pytest_aiohttp import AiohttpServer

from tests.migration.test_link import counts
from tests.migration.test_link_cli import seeded
from tests.migration.world import link, write_config, write_world

TENANT = "contoso.onmicrosoft.com"
SECRET = "graph-client-secret-value"
CALLS = web.AppKey("calls", dict[str, int])


def certificate(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def fake_graph(users: list[dict[str, Any]], groups: list[dict[str, Any]]) -> web.Application:
    """Pages of 7 objects; every Graph call must carry the token issued for our secret."""
    calls: dict[str, int] = {"token": 0, "pages": 0}

    async def openid(request: web.Request) -> web.Response:
        base = f"https://{request.host}/{TENANT}"
        return web.json_response(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "issuer": f"{base}/v2.0",
            }
        )

    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        calls["token"] += 1
        if form.get("client_secret") != SECRET or form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {"access_token": "graph-token", "token_type": "Bearer", "expires_in": 3600}
        )

    def paged(request: web.Request, items: list[dict[str, Any]]) -> web.Response:
        if request.headers.get("Authorization") != "Bearer graph-token":
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        calls["pages"] += 1
        skip = int(request.query.get("$skiptoken", "0"))
        page: dict[str, Any] = {"value": items[skip : skip + 7]}
        if skip + 7 < len(items):
            page["@odata.nextLink"] = str(request.url.update_query({"$skiptoken": skip + 7}))
        return web.json_response(page)

    async def list_users(request: web.Request) -> web.Response:
        return paged(request, users)

    async def list_groups(request: web.Request) -> web.Response:
        return paged(request, [{k: g[k] for k in ("id", "displayName")} for g in groups])

    async def members(request: web.Request) -> web.Response:
        group = next(g for g in groups if g["id"] == request.match_info["id"])
        return paged(request, group.get("members", []))

    app = web.Application()
    app[CALLS] = calls
    app.router.add_get(f"/{TENANT}/v2.0/.well-known/openid-configuration", openid)
    app.router.add_post(f"/{TENANT}/oauth2/v2.0/token", token)
    app.router.add_get("/v1.0/users", list_users)
    app.router.add_get("/v1.0/groups", list_groups)
    app.router.add_get("/v1.0/groups/{id}/members", members)
    return app


async def test_live_fetch_plans_like_the_export_files(
    tmp_path: Path, aiohttp_server: AiohttpServer
) -> None:
    seed_file, exports = write_world(tmp_path)
    upstream = await seeded(aiohttp_server, seed_file)
    config = write_config(tmp_path, upstream.graphql_url)
    users = json.loads(exports[0].read_text())["value"]
    groups = json.loads(exports[1].read_text())["value"]
    cert, key = certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    app = fake_graph(users, groups)
    graph = await aiohttp_server(app, ssl=context)
    secret = tmp_path / "graph-secret"
    secret.write_text(SECRET + "\n")
    root = f"https://127.0.0.1:{graph.port}"
    live_args = [
        "--graph-tenant", TENANT, "--graph-client-id", "app-id",
        "--graph-client-secret-file", str(secret), "--graph-url", f"{root}/v1.0",
        "--graph-authority-host", root, "--graph-ca-file", str(cert),
    ]  # fmt: skip
    live, files = tmp_path / "live.json", tmp_path / "files.json"
    assert await link(config, *live_args, "--report", str(live)) == 0
    assert await link(config, "--from", str(exports[0]), "--from", str(exports[1]),
                      "--report", str(files)) == 0  # fmt: skip
    assert json.loads(live.read_text()) == json.loads(files.read_text())
    assert counts(live)["user", "will_create"] == 20
    # Every page was followed: 200 users and 11 groups in pages of 7, and members.
    assert app[CALLS]["pages"] > (200 + 11) // 7
    secret.write_text("wrong")
    assert await link(config, *live_args) == 2
