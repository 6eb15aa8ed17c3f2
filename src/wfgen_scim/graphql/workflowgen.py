"""The WorkflowGen directory as the proxy sees it: typed async operations, one directory.

Everything above this module works with records and never with GraphQL. Scope is
enforced here, so no caller can see or touch a user of another directory or an archived
user by accident: such objects simply do not exist at this interface.
"""

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..config import WorkflowGenSettings
from ..records import Page, PageWindow, UserProfile, UserQuery, UserRecord
from .client import GraphQLClient
from .converge import Holder, create_converging
from .errors import UpstreamBadInput, UpstreamMisconfigured, UpstreamNotFound
from .groups import Groups
from .mapping import directory_name, in_scope, user_filter, user_from_wire, user_input
from .operations import load
from .paging import MAX_PAGE_SIZE, fetch_window
from .schema_check import fetch_schema, problems_with

log = logging.getLogger("wfgen_scim.upstream")


class WorkflowGen:
    """Typed operations on the users (and groups) of the configured directory."""

    def __init__(self, settings: WorkflowGenSettings, client: GraphQLClient | None = None) -> None:
        self.settings = settings
        self.client = client or GraphQLClient(settings)
        self._directory_id: str | None = None
        self.groups = Groups(self.client, lambda: self.directory_id)

    async def start(self) -> None:
        """Connect and resolve the directory once, so no request pays for it."""
        await self.client.start()
        try:
            data = await self.client.execute(load("Directory"), {"name": self.settings.directory})
            if data["directory"] is None:
                raise UpstreamMisconfigured(
                    f"WorkflowGen has no directory named {self.settings.directory!r} (create "
                    "it with the 'Azure AD SCIM v2' connector, or fix workflowgen.directory)"
                )
            if self.settings.check_schema_at_start:
                await self._check_schema()
        except BaseException:
            await self.client.close()
            raise
        self._directory_id = str(data["directory"]["id"])

    async def close(self) -> None:
        await self.client.close()

    @property
    def started(self) -> bool:
        return self._directory_id is not None

    @property
    def directory_id(self) -> str:
        if self._directory_id is None:
            raise RuntimeError("WorkflowGen.start() was not called")
        return self._directory_id

    # Users -------------------------------------------------------------------------------

    async def find_users(
        self, query: UserQuery, window: PageWindow, *, with_groups: bool = False
    ) -> Page[UserRecord]:
        """One window of the directory's users matching `query`, and how many match.

        Archived users are hidden but WorkflowGen's filter cannot leave them out. When the
        window holds every match (a lookup), the total is exact. When it is one page of many,
        archived users still count in the total (the same on every page) and a page holding
        one comes out shorter: a client paging by startIndex and totalResults still sees
        every user exactly once.
        """

        async def fetch(number: int, size: int) -> dict[str, Any]:
            return await self._users_page(query, number, size, with_groups)

        total, wires = await fetch_window(window, fetch)
        items = [self._user(w) for w in wires if in_scope(w, self.directory_id)]
        if window.start_index == 1 and len(wires) >= total:
            total = len(items)
        return Page(total=total, items=items)

    async def get_users(
        self, ids: Sequence[str], *, with_groups: bool = False
    ) -> dict[str, UserRecord]:
        """The users among `ids` that exist for the proxy, by id. One round trip."""
        unique = tuple(dict.fromkeys(i for i in ids if i))
        found: dict[str, UserRecord] = {}
        for start in range(0, len(unique), MAX_PAGE_SIZE):
            chunk = unique[start : start + MAX_PAGE_SIZE]
            data = await self._users_page(UserQuery(ids=chunk), 1, len(chunk), with_groups)
            for wire in data["items"]:
                if in_scope(wire, self.directory_id):
                    found[wire["id"]] = self._user(wire)
        return found

    async def create_user(self, profile: UserProfile) -> UserRecord:
        """Create a user; a create whose answer was lost converges (graphql/converge.py)."""
        variables = {"input": {"directoryId": self.directory_id, **user_input(profile)}}

        async def send() -> UserRecord:
            data = await self.client.execute(load("CreateUser"), variables)
            return replace(self._user(data["createUser"]["user"]), groups=())

        async def holder() -> Holder[UserRecord] | None:
            wire = await self._by_user_name(profile["user_name"])
            if wire is None:
                return None
            ours = in_scope(wire, self.directory_id)
            record = self._user(wire)
            where = (
                "this directory"
                if ours
                else f"WorkflowGen directory {directory_name(wire)!r}, outside the one Entra "
                "provisions: rename, move or delete that user in WorkflowGen"
            )
            return Holder(
                record=record,
                is_our_create=ours
                and record.profile.get("external_id") == profile.get("external_id"),
                conflict_detail=f"userName {profile['user_name']!r} is already taken in {where}",
            )

        return await create_converging(send, holder, taken="userName is already taken")

    async def update_user(
        self, user_id: str, profile: UserProfile, *, with_groups: bool = False
    ) -> UserRecord:
        # Every field is written with an absolute value, so a retried update is harmless.
        variables = {"withGroups": with_groups, "input": {"id": user_id, **user_input(profile)}}
        try:
            data = await self.client.execute(load("UpdateUser"), variables, resend_safe=True)
        except UpstreamBadInput:
            # Archived or moved since we read it: for Entra it no longer exists.
            if not await self.get_users([user_id]):
                raise UpstreamNotFound("user not found", operation="UpdateUser") from None
            raise
        return self._user(data["updateUser"]["user"])

    async def delete_user(self, user_id: str) -> None:
        """Delete (WorkflowGen archives a user with history). The caller checked scope."""
        try:
            await self.client.execute(
                load("DeleteUser"), {"input": {"id": user_id}}, resend_safe=True
            )
        except UpstreamNotFound:
            # We saw the user a moment ago: a retry of our own delete, or a concurrent one,
            # got there first. Either way it is gone, which is what was asked.
            log.info("user was already gone when deleted", extra={"user_id": user_id})

    # Helpers -----------------------------------------------------------------------------

    async def _check_schema(self) -> None:
        """Refuse to serve against a WorkflowGen whose schema our documents do not fit."""
        problems = problems_with(await fetch_schema(self.client, str(self.settings.url)))
        if problems:
            raise UpstreamMisconfigured(
                "WorkflowGen's schema does not fit the proxy's operations: " + "; ".join(problems)
            )

    async def _users_page(
        self, query: UserQuery, number: int, size: int, with_groups: bool
    ) -> dict[str, Any]:
        data = await self.client.execute(
            load("Users"),
            {
                "page": {"number": number, "size": size},
                "filter": user_filter(query, self.directory_id),
                "withGroups": with_groups,
            },
        )
        users: dict[str, Any] = data["users"]
        return users

    async def _by_user_name(self, user_name: str) -> dict[str, Any] | None:
        """The user holding `user_name` in any directory (userName is global)."""
        data = await self.client.execute(
            load("Users"),
            {
                "page": {"number": 1, "size": 1},
                "filter": user_filter(UserQuery(user_name=user_name), None),
            },
        )
        items: list[dict[str, Any]] = data["users"]["items"]
        return items[0] if items else None

    def _user(self, wire: dict[str, Any]) -> UserRecord:
        return user_from_wire(wire, self.directory_id)
