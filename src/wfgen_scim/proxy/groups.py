"""/Groups: Entra's group lifecycle, membership as deltas.

Every handler reads the request, calls the gateway, and renders through the translators;
round trips per request are stated in docs/round-trips.toml (and tested).
"""

from dataclasses import replace

from aiohttp import web

from ..graphql import GroupRecord, Page, Ref, UpstreamError, WorkflowGen
from ..translators.filters import group_filter
from ..translators.groups import (
    group_body,
    members_of,
    membership_delta,
    parse_group_patch,
    to_scim_group,
)
from ..translators.listing import list_response
from ..translators.models import GROUP_MODELS
from ..translators.projection import Projection
from ..translators.resources import changed_fields
from .bodies import projection, query_param, read_json, window
from .errors import require
from .responses import created, scim_json
from .routes import ResourceHandlers
from .state import base_url, settings, workflowgen

_GROUPS_PER_PAGE_WITH_MEMBERS = 50


def _render(request: web.Request, record: GroupRecord, shown: Projection) -> dict[str, object]:
    return shown.apply(to_scim_group(record, base_url(request)), GROUP_MODELS)


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
            wanted.query,
            asked,
            with_members=with_members,
            member_budget=settings(request).max_members_per_response,
        )
    resources = [_render(request, record, shown) for record in page.items]
    return scim_json(list_response(resources, page.total, asked.start_index))


async def create_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    body = group_body(await read_json(request), replacement=False)
    members: tuple[Ref, ...] = ()
    if body.member_ids:
        members = members_of(
            body.member_ids, (await wf.groups.check_members(None, body.member_ids)).users
        )
    result = await wf.groups.create(body.profile)
    record = result.record
    wanted = [m.id for m in members]
    if result.existed:
        # Entra's own group (same externalId) was already here, perhaps without its
        # members (a create whose member add failed): converge on it, as the body says.
        changes = changed_fields(record.profile, body.profile)
        if changes:
            record = await wf.groups.update(record.id, changes)
        current = {m.id for m in await wf.groups.members(record.id)}
        held = set(await wf.groups.add_members(record.id, [i for i in wanted if i not in current]))
        await wf.groups.remove_members(record.id, sorted(current - set(wanted)))
        held |= current
    else:
        held = set(await _add_or_undo(wf, record, wanted)) if wanted else set()
    # Only the members the group really has: one deleted since the check is not listed.
    shown = tuple(m for m in members if m.id in held)
    resource = to_scim_group(replace(record, members=shown), base_url(request))
    return created(resource, projection(request), GROUP_MODELS)


async def _add_or_undo(wf: WorkflowGen, record: GroupRecord, member_ids: list[str]) -> list[str]:
    # The members were checked a moment ago, so this rarely fails; if it does, the group
    # goes too, so that a failed POST leaves nothing behind for Entra to trip over (and
    # if even that fails, Entra's retry converges on the group: see converge.py).
    try:
        return await wf.groups.add_members(record.id, member_ids)
    except UpstreamError:
        await wf.groups.delete(record.id)
        raise


async def get_group(request: web.Request) -> web.Response:
    shown = projection(request)
    group_id = request.match_info["id"]
    record = await workflowgen(request).groups.get(group_id, with_members=shown.wants("members"))
    return scim_json(_render(request, require(record, "group", group_id), shown))


async def patch_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    group_id = request.match_info["id"]
    patch = parse_group_patch(
        await read_json(request), max_operations=settings(request).max_patch_operations
    )
    check = await wf.groups.check_members(group_id, patch.mentioned)
    group = require(check.group, "group", group_id)
    current: tuple[str, ...] = ()
    if patch.needs_current_members:
        current = tuple(m.id for m in await wf.groups.members(group_id))
    to_add, to_remove = membership_delta(patch, check.users, current)
    changes = changed_fields(group.profile, patch.profile)
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
    group = require(check.group, "group", group_id)
    members = members_of(body.member_ids, check.users)
    # PUT states the whole member list, so here (and only here) we compare with it.
    current = {m.id for m in await wf.groups.members(group_id)}
    changes = changed_fields(group.profile, body.profile)
    record = await wf.groups.update(group_id, changes) if changes else group
    await wf.groups.add_members(group_id, [i for i in body.member_ids if i not in current])
    await wf.groups.remove_members(group_id, sorted(current - set(body.member_ids)))
    resource = to_scim_group(replace(record, members=members), base_url(request))
    return scim_json(projection(request).apply(resource, GROUP_MODELS))


async def delete_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    group_id = request.match_info["id"]
    record = require(await wf.groups.get(group_id), "group", group_id)
    await wf.groups.delete(group_id, name=str(record.profile.get("display_name")))
    return scim_json(None, status=204)


HANDLERS = ResourceHandlers(
    list=list_groups,
    create=create_group,
    get=get_group,
    patch=patch_group,
    replace=replace_group,
    delete=delete_group,
)
