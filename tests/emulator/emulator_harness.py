"""A thin client of a running emulator, for tests: GraphQL calls plus the test controls."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from wfgen_scim.emulator import Account, EmulatorSettings

ADMIN = ("wfgen_admin", "admin-password")
READER = Account(username="reader", password="reader-password")
DELEGATE = Account(username="delegate", password="delegate-password", may_impersonate=True)
GRAPHQL = "/wfgen/graphql"

Client = TestClient[web.Request, web.Application]

CREATE_USER = """
mutation ($input: CreateUserInput!) {
  createUser(input: $input) {
    clientMutationId
    user { id userName email isActive status systemIdentifier firstName
           manager { id } directory { id name } createdAt updatedAt }
  }
}
"""

USER_FIELDS = """
id userName firstName lastName email phone systemIdentifier isActive status
manager { id userName } directory { id name } groups { totalCount items { id name } }
createdAt updatedAt
"""


StartEmulator = Callable[[EmulatorSettings], Awaitable["Emulator"]]


def default_settings(**overrides: object) -> EmulatorSettings:
    """An in-memory emulator with a read-only account and a non-admin impersonator."""
    return EmulatorSettings.model_validate({"accounts": (READER, DELEGATE), **overrides})


def basic(user_name: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user_name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Emulator:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.admin_headers = basic(*ADMIN)

    async def close(self) -> None:
        await self.client.close()

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        response = await self.client.post(
            GRAPHQL,
            json={"query": query, "variables": variables},
            headers=self.admin_headers if headers is None else headers,
        )
        return response.status, await response.json()

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The whole GraphQL answer; GraphQL-level errors still come with HTTP 200."""
        status, body = await self.post(query, variables, headers=headers)
        assert status == 200, body
        assert isinstance(body, dict)
        return body

    async def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        body = await self.gql(query, variables, headers=headers)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error_codes(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> list[str]:
        body = await self.gql(query, variables, headers=headers)
        return [error["extensions"]["code"] for error in body.get("errors", [])]

    async def directory_id(self, name: str = "SCIM") -> str:
        data = await self.data("query ($n: String) { directory(name: $n) { id } }", {"n": name})
        directory_id: str = data["directory"]["id"]
        return directory_id

    async def create_user(self, user_name: str, **fields: Any) -> dict[str, Any]:
        fields.setdefault("directoryId", await self.directory_id())
        data = await self.data(CREATE_USER, {"input": {"userName": user_name, **fields}})
        user: dict[str, Any] = data["createUser"]["user"]
        return user

    async def user(self, user_id: str) -> dict[str, Any] | None:
        data = await self.data(
            f"query ($id: ID) {{ user(id: $id) {{ {USER_FIELDS} }} }}", {"id": user_id}
        )
        user: dict[str, Any] | None = data["user"]
        return user

    async def create_group(self, name: str, directory_id: str | None = None) -> str:
        directory_id = directory_id or await self.directory_id()
        data = await self.data(
            "mutation ($i: CreateGroupInput!) { createGroup(input: $i) { group { id } } }",
            {"i": {"directoryId": directory_id, "name": name}},
        )
        group_id: str = data["createGroup"]["group"]["id"]
        return group_id

    async def add_members(self, group_id: str, user_ids: list[str]) -> dict[str, Any]:
        return await self.gql(
            "mutation ($i: GroupUsersInput!) { addUsersToGroup(input: $i) "
            "{ group { users(page: {size: 1000}) { totalCount items { id } } } } }",
            {"i": {"groupId": group_id, "userIds": user_ids}},
        )

    async def member_ids(self, group_id: str) -> list[str]:
        data = await self.data(
            "query ($id: ID) { group(id: $id) { users(page: {size: 1000}) { items { id } } } }",
            {"id": group_id},
        )
        return [item["id"] for item in data["group"]["users"]["items"]]

    async def add_directory(self, name: str) -> str:
        response = await self.client.post("/wfgen/emulator/directories", json={"name": name})
        assert response.status == 201, await response.text()
        directory_id: str = (await response.json())["id"]
        return directory_id

    async def set_flags(self, user_id: str, **flags: bool) -> None:
        response = await self.client.post(f"/wfgen/emulator/users/{user_id}/flags", json=flags)
        assert response.status == 200, await response.text()

    async def put_knobs(self, **knobs: Any) -> dict[str, Any]:
        response = await self.client.put("/wfgen/emulator/knobs", json=knobs)
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body

    async def stats(self) -> dict[str, Any]:
        response = await self.client.get("/wfgen/stats")
        body: dict[str, Any] = await response.json()
        return body

    async def reset_stats(self) -> None:
        response = await self.client.delete("/wfgen/stats")
        assert response.status == 200
