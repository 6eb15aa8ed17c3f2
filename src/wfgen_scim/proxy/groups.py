"""/Groups: Entra's group lifecycle, membership as deltas.

Round trips (counted by the tests): filter with members excluded 1; create without members
1; PATCH adding or removing up to 1000 members: 1 query (is the group ours, which ids are
our users) + 1 mutation per kind of change; delete 2. README has the full table.
"""

from dataclasses import replace

from aiohttp import web
from scim2_models import NotFoundException

from ..graphql import (
    GroupRecord,
    Page,
    Ref,
    UpstreamError,
    WorkflowGen,
)
from ..translators.changes import changed_fields
from ..translators.filters import group_filter
from ..translators.groups import group_body, parse_group_patch, refuse_strangers, to_scim_group
from ..translators.listing import list_response
from ..translators.projection import Projection
from .bodies import projection, query_param, read_json, window
from .responses import created, scim_json
from .routes import ResourceHandlers
from .state import base_url, settings, workflowgen

_GROUPS_PER_PAGE_WITH_MEMBERS = 50


def _render(request: web.Request, record: GroupRecord, shown: Projection) -> dict[str, object]:
    return shown.apply(to_scim_group(record, base_url(request)))


async def list_groups(request: web.Request) -> web.Response:
    wanted = group_filter(query_param(request, "filter"))
    asked = window(request)
    shown = projection(request)
    with_members = shown.wants("members")
    if with_members:
        # Each group may bring thousands of members: fewer groups per page (RFC 7644 lets
        # the server return fewer than `count`; clients follow totalResults).
        asked = replace(asked, count=min(asked.count, _GROUPS_PER_PAGE_WITH_MEMBERS))
    page: Page[GroupRecord] = Page(total=0)
    if not wanted.matches_nothing:
        page = await workflowgen(request).groups.find(
            wanted.query, asked, with_members=with_members
        )
    resources = [_render(request, record, shown) for record in page.items]
    return scim_json(list_response(resources, page.total, asked.start_index))


async def create_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    body = group_body(await read_json(request), replacement=False)
    members: tuple[Ref, ...] = ()
    if body.member_ids:
        check = await wf.groups.check_members(None, body.member_ids)
        refuse_strangers(body.member_ids, check.users)
        members = tuple(check.users[i] for i in body.member_ids)
    record = await wf.groups.create(body.profile)
    if members:
        await _add_or_undo(wf, record, [m.id for m in members])
    resource = to_scim_group(replace(record, members=members), base_url(request))
    return created(resource, projection(request))


async def _add_or_undo(wf: WorkflowGen, record: GroupRecord, member_ids: list[str]) -> None:
    # The members were checked a moment ago, so this rarely fails; if it does, the group
    # goes too, so that a failed POST leaves nothing behind for Entra to trip over.
    try:
        await wf.groups.add_members(record.id, member_ids)
    except UpstreamError:
        await wf.groups.delete(record.id)
        raise


async def get_group(request: web.Request) -> web.Response:
    shown = projection(request)
    record = await workflowgen(request).groups.get(
        request.match_info["id"], with_members=shown.wants("members")
    )
    if record is None:
        raise NotFoundException(detail=f"group {request.match_info['id']} not found")
    return scim_json(_render(request, record, shown))


async def patch_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    group_id = request.match_info["id"]
    patch = parse_group_patch(
        await read_json(request), max_operations=settings(request).max_patch_operations
    )
    check = await wf.groups.check_members(group_id, patch.mentioned)
    if check.group is None:
        raise NotFoundException(detail=f"group {group_id} not found")
    refuse_strangers(patch.joining, check.users)
    current: tuple[str, ...] = ()
    if patch.needs_current_members:
        current = tuple(m.id for m in await wf.groups.members(group_id))
    to_add, to_remove = patch.delta(current)
    # Ids that are not our users cannot be members: removing them is a no-op (item 6).
    to_remove = [i for i in to_remove if i in check.users or i in current]
    changes = changed_fields(check.group.profile, patch.profile)
    if changes:
        await wf.groups.update(group_id, changes)
    await wf.groups.add_members(group_id, to_add)
    await wf.groups.remove_members(group_id, to_remove)
    return scim_json(None, status=204)


async def replace_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    group_id = request.match_info["id"]
    body = group_body(await read_json(request), replacement=True)
    check = await wf.groups.check_members(group_id, body.member_ids)
    if check.group is None:
        raise NotFoundException(detail=f"group {group_id} not found")
    refuse_strangers(body.member_ids, check.users)
    # PUT states the whole member list, so here (and only here) we compare with it.
    current = {m.id for m in await wf.groups.members(group_id)}
    changes = changed_fields(check.group.profile, body.profile)
    record = await wf.groups.update(group_id, changes) if changes else check.group
    await wf.groups.add_members(group_id, [i for i in body.member_ids if i not in current])
    await wf.groups.remove_members(group_id, sorted(current - set(body.member_ids)))
    members = tuple(check.users[i] for i in body.member_ids)
    resource = to_scim_group(replace(record, members=members), base_url(request))
    return scim_json(projection(request).apply(resource))


async def delete_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    group_id = request.match_info["id"]
    if await wf.groups.get(group_id, with_members=False) is None:
        raise NotFoundException(detail=f"group {group_id} not found")
    await wf.groups.delete(group_id)
    return scim_json(None, status=204)


HANDLERS = ResourceHandlers(
    list=list_groups,
    create=create_group,
    get=get_group,
    patch=patch_group,
    replace=replace_group,
    delete=delete_group,
)
