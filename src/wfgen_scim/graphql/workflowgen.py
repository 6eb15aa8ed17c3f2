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
from .client import GraphQLClient
from .errors import (
    UpstreamConflict,
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamOutcomeUnknown,
)
from .groups import Groups
from .mapping import in_scope, user_filter, user_from_wire, user_input
from .operations import load
from .paging import MAX_PAGE_SIZE, plan_pages
from .records import Page, PageWindow, UserProfile, UserQuery, UserRecord
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
        except BaseException:
            await self.client.close()
            raise
        if data["directory"] is None:
            await self.client.close()
            raise UpstreamMisconfigured(
                f"WorkflowGen has no directory named {self.settings.directory!r} "
                "(create it with the 'Azure AD SCIM v2' connector, or fix workflowgen.directory)"
            )
        self._directory_id = str(data["directory"]["id"])
        if self.settings.check_schema_at_start:
            await self._check_schema()

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
        """One window of the directory's users matching `query`, and how many match."""
        plan = plan_pages(window)
        wires: list[dict[str, Any]] = []
        total = 0
        for number, size in plan.pages:
            data = await self._users_page(query, number, size, with_groups)
            total = data["totalCount"]
            wires.extend(data["items"])
            if not data["hasNextPage"]:
                break
        selected = wires[plan.offset : plan.offset + plan.count]
        items = [user_from_wire(w) for w in selected if in_scope(w, self.directory_id)]
        # Archived users still count upstream; they are hidden, so they do not count here.
        hidden = len(selected) - len(items)
        return Page(total=max(total - hidden, len(items)), items=items)

    async def get_users(
        self, ids: Sequence[str], *, with_groups: bool = False
    ) -> dict[str, UserRecord]:
        """The users among `ids` that exist for the proxy, by id. One round trip."""
        unique = tuple(dict.fromkeys(i for i in ids if i))
        if not unique:
            return {}
        found: dict[str, UserRecord] = {}
        for start in range(0, len(unique), MAX_PAGE_SIZE):
            chunk = unique[start : start + MAX_PAGE_SIZE]
            data = await self._users_page(UserQuery(ids=chunk), 1, len(chunk), with_groups)
            for wire in data["items"]:
                if in_scope(wire, self.directory_id):
                    found[wire["id"]] = user_from_wire(wire)
        return found

    async def get_user(self, user_id: str, *, with_groups: bool = False) -> UserRecord | None:
        return (await self.get_users([user_id], with_groups=with_groups)).get(user_id)

    async def create_user(self, profile: UserProfile) -> UserRecord:
        """Create a user; a create whose answer was lost converges instead of duplicating.

        userName is unique across WorkflowGen, so after a lost answer we look the name up:
        if our user is there the create happened; if nobody is, re-sending cannot produce
        a duplicate (a racing copy would be refused as a conflict, which we settle the same
        way).
        """
        variables = {"input": {"directoryId": self.directory_id, **user_input(profile)}}
        for attempt in range(2):
            try:
                data = await self.client.execute(load("CreateUser"), variables)
                return replace(user_from_wire(data["createUser"]["user"]), groups=())
            except (UpstreamOutcomeUnknown, UpstreamConflict) as exc:
                if isinstance(exc, UpstreamConflict) and attempt == 0:
                    raise
                existing = await self._by_user_name(profile["user_name"])
                if existing is not None and self._same_create(existing, profile):
                    log.warning(
                        "create of a user converged after a lost answer",
                        extra={"user_id": existing["id"]},
                    )
                    return user_from_wire(existing)
                if existing is not None:
                    raise UpstreamConflict(
                        "userName already exists in WorkflowGen", operation="CreateUser"
                    ) from None
                if attempt == 1:
                    raise
                log.warning("create of a user lost its answer and did not happen; re-sending")
        raise AssertionError("unreachable")

    async def update_user(
        self, user_id: str, profile: UserProfile, *, with_groups: bool = False
    ) -> UserRecord:
        # Every field is written with an absolute value, so a retried update is harmless.
        variables = {"withGroups": with_groups, "input": {"id": user_id, **user_input(profile)}}
        data = await self.client.execute(load("UpdateUser"), variables, resend_safe=True)
        return user_from_wire(data["updateUser"]["user"])

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
        try:
            problems = problems_with(await fetch_schema(self.client, str(self.settings.url)))
        except BaseException:
            await self.client.close()
            raise
        if problems:
            await self.client.close()
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

    def _same_create(self, wire: dict[str, Any], profile: UserProfile) -> bool:
        if not in_scope(wire, self.directory_id):
            return False
        record = user_from_wire(wire)
        return record.profile.get("external_id") == profile.get("external_id")
