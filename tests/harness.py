"""The proxy in front of a real emulator, both over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from pydantic import HttpUrl, SecretStr

from wfgen_scim.config import ScimSettings, UpstreamAuthMode, WorkflowGenSettings
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.graphql import WorkflowGen
from wfgen_scim.translators.attributes import CORE_USER, ENTERPRISE_USER

REPO = Path(__file__).resolve().parents[1]
# The round-trip budget, stated once for tests, bench and README.
BUDGET_FILE = REPO / "docs" / "round-trips.toml"
BUDGET_ROWS: dict[str, dict[str, Any]] = tomllib.loads(BUDGET_FILE.read_text())
BUDGET: dict[str, int] = {key: int(row["round_trips"]) for key, row in BUDGET_ROWS.items()}


def budget_table_rows() -> list[str]:
    """README's round-trip table, row by row, as the budget file states it."""
    rows = []
    for row in BUDGET_ROWS.values():
        count, detail = row["round_trips"], row.get("detail")
        if detail is None:
            shown = str(count)
        elif detail.startswith(("+", "per")):
            shown = f"{count} {detail}"
        else:
            shown = f"{count} ({detail})"
        rows.append(f"| {row['request']} | {shown} |")
    return rows


TOKEN = "test-secret-token-0123456789"
BASE = "/scim/v2"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"


def upstream_settings(url: str, **overrides: Any) -> WorkflowGenSettings:
    emulator = EmulatorSettings()
    values: dict[str, Any] = {
        "url": HttpUrl(url),
        "directory": emulator.directory_name,
        "auth": UpstreamAuthMode.basic,
        "username": emulator.admin_username,
        "password": SecretStr(emulator.admin_password),
        "timeout_seconds": 2.0,
        "retry_attempts": 3,
        "retry_budget_seconds": 2.0,
    }
    values.update(overrides)
    return WorkflowGenSettings(**values)


def scim_settings(**overrides: Any) -> ScimSettings:
    return ScimSettings(**{"token": SecretStr(TOKEN), **overrides})


class Upstream:
    """The emulator's test controls: round-trip counters, fault knobs, fixtures."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.client = TestClient(server)

    @property
    def graphql_url(self) -> str:
        return str(self.server.make_url("/wfgen/graphql"))

    async def stats(self) -> dict[str, Any]:
        response = await self.client.get("/wfgen/stats")
        body: dict[str, Any] = await response.json()
        return body

    async def reset_stats(self) -> None:
        await self.client.delete("/wfgen/stats")

    async def round_trips(self) -> int:
        return int((await self.stats())["requests"])

    async def knobs(self, **values: Any) -> None:
        response = await self.client.put("/wfgen/emulator/knobs", json=values)
        assert response.status == 200, await response.text()

    async def add_directory(self, name: str) -> str:
        response = await self.client.post("/wfgen/emulator/directories", json={"name": name})
        assert response.status == 201, await response.text()
        return str((await response.json())["id"])

    async def set_flags(self, user_id: str, **flags: bool) -> None:
        response = await self.client.post(f"/wfgen/emulator/users/{user_id}/flags", json=flags)
        assert response.status == 200, await response.text()

    async def graphql(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        emulator = EmulatorSettings()
        credentials = f"{emulator.admin_username}:{emulator.admin_password}".encode()
        response = await self.client.post(
            "/wfgen/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()},
        )
        body = await response.json()
        assert "errors" not in body, body
        return body["data"]


class Scim:
    """A SCIM client speaking to the proxy the way Entra does."""

    def __init__(self, client: TestClient[Any, Any], upstream: Upstream) -> None:
        self.client = client
        self.upstream = upstream
        self.headers = {"Authorization": f"Bearer {TOKEN}"}

    async def request(
        self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, Any]:
        """(status, JSON body or None, response headers)."""
        merged = {**self.headers, **(headers or {})}
        kwargs: dict[str, Any] = {"headers": merged}
        if body is not None:
            kwargs["json"] = body
            merged.setdefault("Content-Type", SCIM_JSON)
        response = await self.client.request(method, BASE + path, **kwargs)
        text = await response.text()
        payload = json.loads(text) if text else None
        return response.status, payload, response.headers

    async def get(self, path: str, **kw: Any) -> tuple[int, Any, Any]:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, body: Any, **kw: Any) -> tuple[int, Any, Any]:
        return await self.request("POST", path, body, **kw)

    async def put(self, path: str, body: Any, **kw: Any) -> tuple[int, Any, Any]:
        return await self.request("PUT", path, body, **kw)

    async def patch(
        self, path: str, *operations: dict[str, Any], **kw: Any
    ) -> tuple[int, Any, Any]:
        return await self.request(
            "PATCH", path, {"schemas": [PATCH_OP], "Operations": list(operations)}, **kw
        )

    async def delete(self, path: str, **kw: Any) -> tuple[int, Any, Any]:
        return await self.request("DELETE", path, **kw)

    async def create_user(self, user_name: str, **attributes: Any) -> dict[str, Any]:
        status, body, _ = await self.post("/Users", new_user(user_name, **attributes))
        assert status == 201, body
        created: dict[str, Any] = body
        return created


def new_user(user_name: str, **attributes: Any) -> dict[str, Any]:
    """A create body shaped like Entra's default mapping (docs/entra-dialect.md)."""
    return {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "externalId": attributes.pop("externalId", f"ext-{user_name}"),
        "userName": user_name,
        "active": True,
        "displayName": attributes.pop("displayName", user_name.split("@")[0]),
        "emails": [{"primary": True, "type": "work", "value": f"mail.{user_name}"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "roles": [],
        **attributes,
    }


StartStack = Callable[..., Awaitable[Scim]]


def workflowgen_for(upstream: Upstream, **overrides: Any) -> WorkflowGen:
    return WorkflowGen(upstream_settings(upstream.graphql_url, **overrides))


# Groups, the way Entra creates and changes them.
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ADSCIM = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"


def new_group(name: str, **attributes: Any) -> dict[str, Any]:
    """Entra's create body (MS Learn tutorial, Create Group)."""
    return {
        "schemas": [CORE_GROUP, ADSCIM],
        "externalId": attributes.pop("externalId", f"ext-{name}"),
        "displayName": name,
        "meta": {"resourceType": "Group"},
        **attributes,
    }


async def create_group(scim: Scim, name: str, **attributes: Any) -> dict[str, Any]:
    status, body, _ = await scim.post("/Groups", new_group(name, **attributes))
    assert status == 201, body
    created: dict[str, Any] = body
    return created


async def users(scim: Scim, count: int, prefix: str = "member") -> list[str]:
    return [(await scim.create_user(f"{prefix}{i}@contoso.com"))["id"] for i in range(count)]


async def member_ids(scim: Scim, group_id: str) -> set[str]:
    status, body, _ = await scim.get(f"/Groups/{group_id}")
    assert status == 200
    return {m["value"] for m in body["members"]}


def add(*ids: str, op: str = "Add") -> dict[str, Any]:
    return {"op": op, "path": "members", "value": [{"$ref": None, "value": i} for i in ids]}


async def serve_on_free_port(app: Any) -> tuple[Any, int]:
    """The proxy app behind its real HTTP server (proxy/server.py) on a free 127.0.0.1
    port, for raw-socket tests: (runner to clean up, port)."""
    import socket

    from aiohttp import web

    from wfgen_scim.proxy.server import ScimRunner

    runner = ScimRunner(app, shutdown_timeout=1)
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, port
