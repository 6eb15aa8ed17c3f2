"""Groups of the proxy's directory, and their members as deltas.

Membership is only ever changed with the add/remove documents carrying the ids that
change: never by reading the member list, editing it and writing it back, which would be
slow for big groups and would lose members when two PATCHes overlap.
"""

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from ..records import GroupRecord, MemberCheck, Page, PageWindow, Profile, Query, Ref
from .converge import Converged, Holder, create_converging
from .errors import UpstreamBadInput, UpstreamNotFound
from .paging import MAX_PAGE_SIZE, fetch_window
from .results import (
    Acknowledged,
    GroupAndUsersResult,
    GroupMutationResult,
    GroupPage,
    GroupResult,
    GroupsResult,
    GroupWire,
    UserRefsResult,
    UserRefWire,
)
from .scope import Scope
from .users import query_variables

log = logging.getLogger("wfgen_scim.upstream")


def member_ref(wire: UserRefWire) -> Ref:
    return Ref(wire.id, wire.display_name or wire.user_name)


def group_record(wire: GroupWire, members: tuple[Ref, ...] | None = None) -> GroupRecord:
    return GroupRecord(
        id=wire.id,
        profile=wire.attributes(),
        members=members,
        created=wire.created,
        last_modified=wire.last_modified,
    )


class Groups:
    """Same not-found policy as Users: reads return None, writes raise UpstreamNotFound."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    # Reads -------------------------------------------------------------------------------

    async def find(
        self,
        query: Query,
        window: PageWindow,
        *,
        with_members: bool,
        member_budget: int = 10_000,
    ) -> Page[GroupRecord]:
        """One window of the directory's groups, members included when asked.

        With members, a page holds at most `member_budget` members (but always at least
        one group): the page is shortened rather than the proxy's memory and the request
        deadline stretched by thousands of big groups at once. RFC 7644 lets a server
        return fewer results than asked; clients follow startIndex and totalResults.
        """
        if query.ids is not None:
            # WorkflowGen filters groups by name, external id and member, not by id.
            return await self._find_by_id(query, window, with_members=with_members)
        # The first members of each group come with the list, sized so that the whole
        # answer stays within the budget; bigger groups are read page by page after.
        first_members = max(1, min(MAX_PAGE_SIZE, member_budget // max(window.count, 1)))

        async def fetch(number: int, size: int) -> GroupPage:
            variables = {
                "page_number": number,
                "page_size": size,
                "directory_id": self._scope.directory_id,
                "with_members": with_members,
                "members_page_size": first_members,
                **query_variables(query),
            }
            return (await self._scope.run("Groups", variables, GroupsResult)).page

        total, wires = await fetch_window(window, fetch)
        if not with_members:
            return Page(total=total, items=[group_record(w) for w in wires])
        records: list[GroupRecord] = []
        used = 0
        for wire in wires:
            size = wire.members.total if wire.members is not None else 0
            if records and used + size > member_budget:
                break
            used += size
            records.append(await self._record(wire, with_members=True))
        return Page(total=total, items=records)

    async def get(self, group_id: str, *, with_members: bool = False) -> GroupRecord | None:
        wire = await self._group(group_id, with_members=with_members)
        return None if wire is None else await self._record(wire, with_members)

    async def members(self, group_id: str, *, first_page: tuple[Ref, ...] = ()) -> tuple[Ref, ...]:
        """Every member, page by page: a 10,000-member group is ten pages of 1000.

        `first_page`: members of page 1 the caller already has, so it is not read again.
        """
        refs = list(first_page)
        number = 2 if first_page else 1
        while True:
            wire = await self._group(group_id, with_members=True, page=(number, MAX_PAGE_SIZE))
            if wire is None or wire.members is None:
                raise UpstreamNotFound("group not found", operation="Group")
            refs.extend(member_ref(u) for u in wire.members.items)
            if not wire.members.has_next:
                return tuple(refs)
            number += 1

    async def check_members(self, group_id: str | None, user_ids: Iterable[str]) -> MemberCheck:
        """In one round trip: is the group ours, and which ids are users of our directory."""
        ids = tuple(dict.fromkeys(user_ids))
        users: dict[str, Ref] = {}
        group: GroupRecord | None = None
        chunks = [ids[i : i + MAX_PAGE_SIZE] for i in range(0, len(ids), MAX_PAGE_SIZE)] or [()]
        for index, chunk in enumerate(chunks):
            variables: dict[str, Any] = {
                "page_number": 1,
                "page_size": max(len(chunk), 1),
                "ids": list(chunk),
            }
            items: list[UserRefWire]
            if index == 0 and group_id is not None:
                both = await self._scope.run(
                    "GroupAndUsers", {"group_id": group_id, **variables}, GroupAndUsersResult
                )
                if self._scope.owns_group(both.group):
                    assert both.group is not None
                    group = group_record(both.group)
                items = both.page.items
            else:
                items = (await self._scope.run("UserRefs", variables, UserRefsResult)).page.items
            if chunk:
                users.update({u.id: member_ref(u) for u in items if self._scope.owns_user(u)})
        return MemberCheck(group=group, users=users)

    # Writes ------------------------------------------------------------------------------

    async def create(self, profile: Profile) -> Converged[GroupRecord]:
        """Create a group; a create whose answer was lost converges (converge.py): group
        names are unique in a directory."""
        variables = {"directory_id": self._scope.directory_id, **profile}
        name = str(profile["display_name"])

        async def send() -> GroupRecord:
            result = await self._scope.run(
                "CreateGroup", variables, GroupMutationResult, writes=True
            )
            return group_record(result.result.group, members=())

        async def holder() -> Holder[GroupRecord] | None:
            found = await self._by_name(name)
            if found is None:
                return None
            same_source = found.profile.get("external_id") == profile.get("external_id")
            return Holder(
                record=found,
                is_our_create=same_source,
                conflict_detail=f"a group named {found.profile.get('display_name')!r} "
                "already exists in this directory",
                same_entra_object=same_source and bool(profile.get("external_id")),
            )

        result = await create_converging(send, holder, taken="the group name is already taken")
        self._scope.created("Group", result, result.record.id, name, profile)
        return result

    async def update(self, group_id: str, changes: Profile) -> GroupRecord:
        result = await self._scope.run(
            "UpdateGroup",
            {"id": group_id, **changes},
            GroupMutationResult,
            resend_safe=True,
            writes=True,
        )
        record = group_record(result.result.group)
        self._scope.telemetry.change(
            operation="UpdateGroup",
            resource="Group",
            object_id=group_id,
            name=str(record.profile.get("display_name")),
            attributes=changes,
        )
        return record

    async def delete(self, group_id: str, *, name: str | None = None) -> None:
        try:
            await self._scope.run("DeleteGroup", {"id": group_id}, Acknowledged, resend_safe=True)
        except UpstreamNotFound:
            log.info("group was already gone when deleted")
            return
        self._scope.telemetry.change(
            operation="DeleteGroup", resource="Group", object_id=group_id, name=name
        )

    async def add_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        """Add members; returns the ids added (a user deleted meanwhile is left out)."""
        return await self._change_members("AddUsersToGroup", group_id, user_ids)

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> list[str]:
        return await self._change_members("RemoveUsersFromGroup", group_id, user_ids)

    async def _change_members(
        self, operation: str, group_id: str, user_ids: Sequence[str]
    ) -> list[str]:
        """One membership delta. Idempotent in WorkflowGen, so safe to re-send.

        The ids were checked just before; if WorkflowGen now refuses one, a user was deleted
        or archived in between. Such a user can be neither added nor removed, so the others
        go through rather than failing the whole request.
        """
        if not user_ids:
            return []
        try:
            await self._send_members(operation, group_id, user_ids)
            return list(user_ids)
        except UpstreamBadInput:
            still = (await self.check_members(None, user_ids)).users
            remaining = [i for i in user_ids if i in still]
            if len(remaining) == len(user_ids):
                raise
            log.info(
                "%d member(s) vanished during a membership change", len(user_ids) - len(remaining)
            )
            if remaining:
                await self._send_members(operation, group_id, remaining)
            return remaining

    async def _send_members(self, operation: str, group_id: str, user_ids: Sequence[str]) -> None:
        await self._scope.run(
            operation,
            {"group_id": group_id, "user_ids": list(user_ids)},
            Acknowledged,
            resend_safe=True,
        )
        # Member ids, not names: which users joined or left is what an auditor asks.
        self._scope.telemetry.change(
            operation=operation,
            resource="Group",
            object_id=group_id,
            name=None,
            attributes={"members": list(user_ids)},
        )

    # Helpers -----------------------------------------------------------------------------

    async def _group(
        self,
        group_id: str,
        *,
        with_members: bool,
        page: tuple[int, int] = (1, MAX_PAGE_SIZE),
        member_ids: list[str] | None = None,
    ) -> GroupWire | None:
        variables: dict[str, Any] = {
            "id": group_id,
            "with_members": with_members,
            "members_page_number": page[0],
            "members_page_size": page[1],
        }
        if member_ids is not None:
            variables["member_ids"] = member_ids
        wire = (await self._scope.run("Group", variables, GroupResult)).result
        return wire if self._scope.owns_group(wire) else None

    async def _record(self, wire: GroupWire, with_members: bool) -> GroupRecord:
        if not with_members or wire.members is None:
            return group_record(wire)
        members = tuple(member_ref(u) for u in wire.members.items)
        if wire.members.has_next:
            if len(members) == MAX_PAGE_SIZE:
                members = await self.members(wire.id, first_page=members)
            else:
                # The list brought a smaller first page: read the group in whole pages.
                members = await self.members(wire.id)
        return group_record(wire, members=members)

    async def _find_by_id(
        self, query: Query, window: PageWindow, *, with_members: bool
    ) -> Page[GroupRecord]:
        assert query.ids is not None
        group_id = query.ids[0]
        equals = dict(query.equals)
        member_id = equals.pop("member_id", None)
        record: GroupRecord | None = None
        if member_id is None:
            wire = await self._group(group_id, with_members=with_members)
            record = None if wire is None else await self._record(wire, with_members)
        else:
            # `id eq g and members eq u`: one member-filtered page of one answers it.
            wire = await self._group(
                group_id, with_members=True, page=(1, 1), member_ids=[str(member_id)]
            )
            if wire is not None and wire.members is not None and wire.members.total > 0:
                members = await self.members(group_id) if with_members else None
                record = group_record(wire, members=members)
        if record is None or not _matches(record, equals):
            return Page(total=0)
        return Page(total=1, items=[record] if window.start_index == 1 and window.count else [])

    async def _by_name(self, name: str) -> GroupRecord | None:
        variables = {
            "page_number": 1,
            "page_size": 1,
            "directory_id": self._scope.directory_id,
            "display_name": name,
        }
        items = (await self._scope.run("Groups", variables, GroupsResult)).page.items
        return group_record(items[0]) if items else None


def _matches(record: GroupRecord, equals: dict[str, str | bool]) -> bool:
    """The other equalities of an `id eq` filter, checked on the one group it names
    (WorkflowGen compares strings case-insensitively, so do we)."""
    for key, wanted in equals.items():
        value = record.profile.get(key)
        if not isinstance(value, str) or value.lower() != str(wanted).lower():
            return False
    return True
