"""Users of the proxy's directory: typed reads and writes, in the proxy's vocabulary."""

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..records import Page, PageWindow, Profile, Query, Ref, UserRecord
from .converge import Converged, Holder, create_converging
from .errors import UpstreamBadInput, UpstreamNotFound
from .paging import MAX_PAGE_SIZE, fetch_window
from .results import Acknowledged, UserMutationResult, UserPage, UsersResult, UserWire
from .scope import Scope

log = logging.getLogger("wfgen_scim.upstream")


def query_variables(query: Query) -> dict[str, Any]:
    variables: dict[str, Any] = dict(query.equals)
    if query.ids is not None:
        variables["ids"] = list(query.ids)
    return variables


class Users:
    """Reads return None (or leave the id out) for what does not exist for the proxy;
    writes raise UpstreamNotFound. That is the whole not-found policy."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    async def find(
        self, query: Query, window: PageWindow, *, with_groups: bool = False
    ) -> Page[UserRecord]:
        """One window of the directory's users matching `query`, and how many match.

        Archived users are hidden but WorkflowGen's filter cannot leave them out. When the
        window holds every match (a lookup), the total is exact. When it is one page of many,
        archived users still count in the total (the same on every page) and a page holding
        one comes out shorter: a client paging by startIndex and totalResults still sees
        every user exactly once.
        """

        async def fetch(number: int, size: int) -> UserPage:
            return await self._page(query, number, size, with_groups)

        total, wires = await fetch_window(window, fetch)
        items = [self.record(w) for w in wires if self._scope.owns_user(w)]
        if window.start_index == 1 and len(wires) >= total:
            total = len(items)
        return Page(total=total, items=items)

    async def get(self, user_id: str, *, with_groups: bool = False) -> UserRecord | None:
        return (await self.get_many([user_id], with_groups=with_groups)).get(user_id)

    async def get_many(
        self, ids: Sequence[str], *, with_groups: bool = False
    ) -> dict[str, UserRecord]:
        """The users among `ids` that exist for the proxy, by id. One round trip per 1000."""
        unique = tuple(dict.fromkeys(i for i in ids if i))
        found: dict[str, UserRecord] = {}
        for start in range(0, len(unique), MAX_PAGE_SIZE):
            chunk = unique[start : start + MAX_PAGE_SIZE]
            page = await self._page(Query(ids=chunk), 1, len(chunk), with_groups)
            for wire in page.items:
                if self._scope.owns_user(wire):
                    found[wire.id] = self.record(wire)
        return found

    async def create(self, profile: Profile) -> Converged[UserRecord]:
        """Create a user; a create whose answer was lost converges (converge.py)."""
        variables = {"directory_id": self._scope.directory_id, **profile}
        user_name = str(profile["user_name"])

        async def send() -> UserRecord:
            result = await self._scope.run("CreateUser", variables, UserMutationResult, writes=True)
            return replace(self.record(result.result.user), groups=())

        async def holder() -> Holder[UserRecord] | None:
            wire = await self.holder_of(user_name)
            if wire is None:
                return None
            ours = self._scope.owns_user(wire)
            record = self.record(wire)
            where = (
                "this directory"
                if ours
                else f"WorkflowGen directory {_directory_name(wire)!r}, outside the one Entra "
                "provisions: rename, move or delete that user in WorkflowGen"
            )
            same_source = ours and record.profile.get("external_id") == profile.get("external_id")
            return Holder(
                record=record,
                is_our_create=same_source,
                conflict_detail=f"userName {user_name!r} is already taken in {where}",
                same_entra_object=same_source and bool(profile.get("external_id")),
            )

        result = await create_converging(send, holder, taken="userName is already taken")
        self._scope.created("User", result, result.record.id, user_name, profile)
        return result

    async def update(
        self, user_id: str, changes: Profile, *, with_groups: bool = False
    ) -> UserRecord:
        """Write `changes` (absolute values, so a retried update is harmless)."""
        variables = {"id": user_id, "with_groups": with_groups, **changes}
        try:
            result = await self._scope.run(
                "UpdateUser", variables, UserMutationResult, resend_safe=True, writes=True
            )
        except UpstreamBadInput:
            # Archived or moved since we read it: for Entra it no longer exists.
            if await self.get(user_id) is None:
                raise UpstreamNotFound("user not found", operation="UpdateUser") from None
            raise
        record = self.record(result.result.user)
        self._scope.telemetry.change(
            operation="UpdateUser",
            resource="User",
            object_id=user_id,
            name=str(record.profile.get("user_name")),
            attributes=changes,
        )
        return record

    async def delete(self, user_id: str, *, name: str | None = None) -> None:
        """Delete (WorkflowGen archives a user with history). The caller checked scope."""
        try:
            answer = await self._scope.run(
                "DeleteUser", {"id": user_id}, Acknowledged, resend_safe=True
            )
        except UpstreamNotFound:
            # We saw the user a moment ago: a retry of our own delete, or a concurrent one,
            # got there first. Either way it is gone, which is what was asked.
            log.info("user was already gone when deleted", extra={"user_id": user_id})
            return
        archived = isinstance(answer.result, dict) and bool(answer.result.get("archived"))
        self._scope.telemetry.change(
            operation="DeleteUser",
            resource="User",
            object_id=user_id,
            name=name,
            outcome="archived" if archived else "applied",
        )

    async def holder_of(self, user_name: str) -> UserWire | None:
        """The user holding `user_name` in any directory (userName is global)."""
        page = await self._scope.run(
            "Users",
            {"page_number": 1, "page_size": 1, "user_name": user_name},
            UsersResult,
        )
        return page.page.items[0] if page.page.items else None

    def record(self, wire: UserWire) -> UserRecord:
        """Our record of a WorkflowGen user.

        A reference outside our world (an archived manager, or one of another directory)
        stays in the profile - what WorkflowGen stores, and what changes are computed
        against - but is not shown.
        """
        references = {
            name: Ref(ref.id, ref.display_name)
            for name, ref in wire.references().items()
            if self._scope.owns_user(ref)
        }
        groups = (
            tuple(Ref(g.id, g.display_name) for g in wire.groups.items)
            if wire.groups is not None
            else None
        )
        return UserRecord(
            id=wire.id,
            profile=wire.attributes(),
            references=references,
            groups=groups,
            created=wire.created,
            last_modified=wire.last_modified,
        )

    async def _page(self, query: Query, number: int, size: int, with_groups: bool) -> UserPage:
        variables = {
            "page_number": number,
            "page_size": size,
            "directory_id": self._scope.directory_id,
            "with_groups": with_groups,
            **query_variables(query),
        }
        return (await self._scope.run("Users", variables, UsersResult)).page


def _directory_name(wire: UserWire) -> str:
    return (wire.directory.name if wire.directory else None) or "?"
