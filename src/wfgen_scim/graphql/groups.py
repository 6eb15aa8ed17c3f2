"""Groups of the proxy's directory, and their members as deltas.

Membership is only ever changed with addUsersToGroup / removeUsersFromGroup carrying the
ids that change: never by reading the member list, editing it and writing it back, which
would be slow for big groups and would lose members when two PATCHes overlap.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..records import (
    GroupProfile,
    GroupQuery,
    GroupRecord,
    MemberCheck,
    Page,
    PageWindow,
    Ref,
    UserQuery,
)
from .client import GraphQLClient
from .converge import Holder, create_converging
from .errors import UpstreamBadInput, UpstreamNotFound
from .mapping import (
    directory_of,
    group_filter,
    group_from_wire,
    group_input,
    in_scope,
    member_ref,
    user_filter,
)
from .operations import load
from .paging import MAX_PAGE_SIZE, fetch_window

log = logging.getLogger("wfgen_scim.upstream")


class Groups:
    """Typed group operations; `directory_id` is read when needed (set at start)."""

    def __init__(self, client: GraphQLClient, directory_id: Callable[[], str]) -> None:
        self.client = client
        self._directory_id = directory_id

    # Reads -------------------------------------------------------------------------------

    async def find(
        self, query: GroupQuery, window: PageWindow, *, with_members: bool
    ) -> Page[GroupRecord]:
        if query.ids is not None:
            # WorkflowGen filters groups by name, systemIdentifier and member, not by id.
            return await self._find_by_id(query, window, with_members=with_members)

        async def fetch(number: int, size: int) -> dict[str, Any]:
            data = await self.client.execute(
                load("Groups"),
                {
                    "page": {"number": number, "size": size},
                    "filter": group_filter(query, self._directory_id()),
                    "withMembers": with_members,
                },
            )
            groups: dict[str, Any] = data["groups"]
            return groups

        total, wires = await fetch_window(window, fetch)
        return Page(total=total, items=[await self._record(w, with_members) for w in wires])

    async def get(self, group_id: str, *, with_members: bool) -> GroupRecord | None:
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
            if wire is None:
                raise UpstreamNotFound("group not found", operation="Group")
            refs.extend(member_ref(u) for u in wire["users"]["items"])
            if not wire["users"]["hasNextPage"]:
                return tuple(refs)
            number += 1

    async def check_members(self, group_id: str | None, user_ids: Iterable[str]) -> MemberCheck:
        """In one round trip: is the group ours, and which ids are users of our directory."""
        ids = tuple(dict.fromkeys(user_ids))
        users: dict[str, Ref] = {}
        group: GroupRecord | None = None
        chunks = [ids[i : i + MAX_PAGE_SIZE] for i in range(0, len(ids), MAX_PAGE_SIZE)] or [()]
        for index, chunk in enumerate(chunks):
            variables = {
                "page": {"number": 1, "size": max(len(chunk), 1)},
                "filter": user_filter(UserQuery(ids=chunk), self._directory_id()),
            }
            if index == 0 and group_id is not None:
                data = await self.client.execute(
                    load("GroupAndUsers"), {"groupId": group_id, **variables}
                )
                wire = data["group"]
                if wire is not None and self._ours(wire):
                    group = group_from_wire(wire)
            else:
                data = await self.client.execute(load("UserRefs"), variables)
            if chunk:
                for item in data["users"]["items"]:
                    if in_scope(item, self._directory_id()):
                        users[item["id"]] = member_ref(item)
        return MemberCheck(group=group, users=users)

    # Writes ------------------------------------------------------------------------------

    async def create(self, profile: GroupProfile) -> GroupRecord:
        """Create a group; a create whose answer was lost converges (converge.py): group
        names are unique in a directory."""
        variables = {"input": {"directoryId": self._directory_id(), **group_input(profile)}}

        async def send() -> GroupRecord:
            data = await self.client.execute(load("CreateGroup"), variables)
            return group_from_wire(data["createGroup"]["group"], members=())

        async def holder() -> Holder[GroupRecord] | None:
            found = await self._by_name(profile["display_name"])
            if found is None:
                return None
            return Holder(
                record=found,
                is_our_create=found.profile.get("external_id") == profile.get("external_id"),
                conflict_detail=f"a group named {found.profile.get('display_name')!r} "
                "already exists in this directory",
            )

        return await create_converging(send, holder, taken="the group name is already taken")

    async def update(self, group_id: str, profile: GroupProfile) -> GroupRecord:
        data = await self.client.execute(
            load("UpdateGroup"),
            {"input": {"id": group_id, **group_input(profile)}},
            resend_safe=True,
        )
        return group_from_wire(data["updateGroup"]["group"])

    async def delete(self, group_id: str) -> None:
        try:
            await self.client.execute(
                load("DeleteGroup"), {"input": {"id": group_id}}, resend_safe=True
            )
        except UpstreamNotFound:
            log.info("group was already gone when deleted")

    async def add_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        await self._change_members("AddUsersToGroup", group_id, user_ids)

    async def remove_members(self, group_id: str, user_ids: Sequence[str]) -> None:
        await self._change_members("RemoveUsersFromGroup", group_id, user_ids)

    async def _change_members(self, operation: str, group_id: str, user_ids: Sequence[str]) -> None:
        """One membership delta. Idempotent in WorkflowGen, so safe to re-send.

        The ids were checked just before; if WorkflowGen now refuses one, a user was deleted
        or archived in between. Such a user can be neither added nor removed, so the others
        go through rather than failing the whole request.
        """
        if not user_ids:
            return
        try:
            await self._send_members(operation, group_id, user_ids)
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

    async def _send_members(self, operation: str, group_id: str, user_ids: Sequence[str]) -> None:
        await self.client.execute(
            load(operation),
            {"input": {"groupId": group_id, "userIds": list(user_ids)}},
            resend_safe=True,
        )

    # Helpers -----------------------------------------------------------------------------

    def _ours(self, wire: dict[str, Any]) -> bool:
        return directory_of(wire) == self._directory_id()

    async def _group(
        self,
        group_id: str,
        *,
        with_members: bool,
        page: tuple[int, int] = (1, MAX_PAGE_SIZE),
        member_filter: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        data = await self.client.execute(
            load("Group"),
            {
                "id": group_id,
                "withMembers": with_members,
                "membersPage": {"number": page[0], "size": page[1]},
                "memberFilter": member_filter,
            },
        )
        wire: dict[str, Any] | None = data["group"]
        return wire if wire is not None and self._ours(wire) else None

    async def _record(self, wire: dict[str, Any], with_members: bool) -> GroupRecord:
        if not with_members:
            return group_from_wire(wire)
        page = wire["users"]
        members = tuple(member_ref(u) for u in page["items"])
        if page["hasNextPage"]:
            members = await self.members(wire["id"], first_page=members)
        return group_from_wire(wire, members=members)

    async def _find_by_id(
        self, query: GroupQuery, window: PageWindow, *, with_members: bool
    ) -> Page[GroupRecord]:
        assert query.ids is not None
        group_id = query.ids[0]
        record: GroupRecord | None = None
        if query.member_id is None:
            wire = await self._group(group_id, with_members=with_members)
            record = None if wire is None else await self._record(wire, with_members)
        else:
            # `id eq g and members eq u`: one member-filtered page of one answers it.
            member_filter = user_filter(UserQuery(ids=(query.member_id,)), None)
            wire = await self._group(
                group_id, with_members=True, page=(1, 1), member_filter=member_filter
            )
            if wire is not None and wire["users"]["totalCount"] > 0:
                members = await self.members(group_id) if with_members else None
                record = group_from_wire(wire, members=members)
        if record is None or not _matches(record, query):
            return Page(total=0)
        return Page(total=1, items=[record] if window.start_index == 1 and window.count else [])

    async def _by_name(self, name: str) -> GroupRecord | None:
        data = await self.client.execute(
            load("Groups"),
            {
                "page": {"number": 1, "size": 1},
                "filter": group_filter(GroupQuery(display_name=name), self._directory_id()),
            },
        )
        items = data["groups"]["items"]
        return group_from_wire(items[0]) if items else None


def _matches(record: GroupRecord, query: GroupQuery) -> bool:
    """The other equalities of an `id eq` filter, checked on the one group it names."""
    for key, wanted in (("display_name", query.display_name), ("external_id", query.external_id)):
        value = record.profile.get(key)
        if wanted is not None and (not isinstance(value, str) or value.lower() != wanted.lower()):
            return False
    return True
