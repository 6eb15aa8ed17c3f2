"""/Groups: Entra's group lifecycle, membership as deltas.

Round trips (counted by the tests): filter with members excluded 1; create without members
1; PATCH adding or removing any number of members: 1 query (is the group ours, which ids
are our users) + 1 mutation per kind of change; delete 2.
"""

from dataclasses import replace

from aiohttp import web
from scim2_models import InvalidValueException, NotFoundException

from ..graphql import (
    GroupProfile,
    GroupRecord,
    MemberCheck,
    Page,
    Ref,
    UpstreamError,
    WorkflowGen,
)
from ..translators.filters import group_filter
from ..translators.groups import group_body, parse_group_patch, to_scim_group
from ..translators.listing import list_response, page_window
from ..translators.projection import Projection
from .bodies import query_param, read_json
from .responses import scim_json
from .state import base_url, settings, workflowgen

# How many unknown member ids an error message lists before it just counts them.
_NAMED_IN_ERRORS = 20


def _projection(request: web.Request) -> Projection:
    return Projection.from_query(
        query_param(request, "attributes"), query_param(request, "excludedAttributes")
    )


def _render(request: web.Request, record: GroupRecord, projection: Projection) -> dict[str, object]:
    return projection.apply(to_scim_group(record, base_url(request)))


def _refuse_strangers(wanted: tuple[str, ...], check: MemberCheck) -> None:
    """Members must be users of this directory; name the ones that are not, apply nothing."""
    strangers = [i for i in wanted if i not in check.users]
    if strangers:
        named = ", ".join(repr(i) for i in strangers[:_NAMED_IN_ERRORS])
        more = len(strangers) - _NAMED_IN_ERRORS
        raise InvalidValueException(
            detail=f"not users of this directory: {named}"
            + (f" and {more} more" if more > 0 else "")
        )


def _changed(current: GroupProfile, wanted: GroupProfile) -> GroupProfile:
    changes = GroupProfile()
    for key, value in wanted.items():
        if value != current.get(key):
            changes[key] = value  # type: ignore[literal-required]
    return changes


async def list_groups(request: web.Request) -> web.Response:
    scim = settings(request)
    wanted = group_filter(query_param(request, "filter"))
    window = page_window(
        query_param(request, "startIndex"),
        query_param(request, "count"),
        default=scim.default_page_size,
        maximum=scim.max_page_size,
    )
    projection = _projection(request)
    page: Page[GroupRecord] = Page(total=0)
    if not wanted.matches_nothing:
        page = await workflowgen(request).groups.find(
            wanted.query, window, with_members=projection.wants("members")
        )
    resources = [_render(request, record, projection) for record in page.items]
    return scim_json(list_response(resources, page.total, window.start_index))


async def create_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    body = group_body(await read_json(request), replacement=False)
    members: tuple[Ref, ...] = ()
    if body.member_ids:
        check = await wf.groups.check_members(None, body.member_ids)
        _refuse_strangers(body.member_ids, check)
        members = tuple(check.users[i] for i in body.member_ids)
    record = await wf.groups.create(body.profile)
    if members:
        await _add_or_undo(wf, record, [m.id for m in members])
    resource = to_scim_group(replace(record, members=members), base_url(request))
    location = resource["meta"]["location"]
    return scim_json(
        _projection(request).apply(resource), status=201, headers={"Location": location}
    )


async def _add_or_undo(wf: WorkflowGen, record: GroupRecord, member_ids: list[str]) -> None:
    # The members were checked a moment ago, so this rarely fails; if it does, the group
    # goes too, so that a failed POST leaves nothing behind for Entra to trip over.
    try:
        await wf.groups.add_members(record.id, member_ids)
    except UpstreamError:
        await wf.groups.delete(record.id)
        raise


async def get_group(request: web.Request) -> web.Response:
    projection = _projection(request)
    record = await workflowgen(request).groups.get(
        request.match_info["id"], with_members=projection.wants("members")
    )
    if record is None:
        raise NotFoundException(detail=f"group {request.match_info['id']} not found")
    return scim_json(_render(request, record, projection))


async def patch_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    group_id = request.match_info["id"]
    patch = parse_group_patch(
        await read_json(request), max_operations=settings(request).max_patch_operations
    )
    check = await wf.groups.check_members(group_id, patch.mentioned)
    if check.group is None:
        raise NotFoundException(detail=f"group {group_id} not found")
    _refuse_strangers(patch.joining, check)
    current: tuple[str, ...] = ()
    if patch.needs_current_members:
        current = tuple(m.id for m in await wf.groups.members(group_id))
    to_add, to_remove = patch.delta(current)
    # Ids that are not our users cannot be members: removing them is a no-op (item 6).
    to_remove = [i for i in to_remove if i in check.users or i in current]
    changes = _changed(check.group.profile, patch.profile)
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
    _refuse_strangers(body.member_ids, check)
    # PUT states the whole member list, so here (and only here) we compare with it.
    current = {m.id for m in await wf.groups.members(group_id)}
    changes = _changed(check.group.profile, body.profile)
    record = await wf.groups.update(group_id, changes) if changes else check.group
    await wf.groups.add_members(group_id, [i for i in body.member_ids if i not in current])
    await wf.groups.remove_members(group_id, sorted(current - set(body.member_ids)))
    members = tuple(check.users[i] for i in body.member_ids)
    resource = to_scim_group(replace(record, members=members), base_url(request))
    return scim_json(_projection(request).apply(resource))


async def delete_group(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    group_id = request.match_info["id"]
    if await wf.groups.get(group_id, with_members=False) is None:
        raise NotFoundException(detail=f"group {group_id} not found")
    await wf.groups.delete(group_id)
    return scim_json(None, status=204)


def add_routes(app: web.Application, prefix: str) -> None:
    for suffix in ("/Groups", "/Groups/"):
        app.router.add_get(prefix + suffix, list_groups)
        app.router.add_post(prefix + suffix, create_group)
    item = prefix + "/Groups/{id}"
    app.router.add_get(item, get_group)
    app.router.add_patch(item, patch_group)
    app.router.add_put(item, replace_group)
    app.router.add_delete(item, delete_group)
