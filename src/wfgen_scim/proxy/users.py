"""/Users: Entra's user lifecycle, each request in as few WorkflowGen round trips as it takes.

Round trips (counted by the tests): filter lookup 1, create 1, get 1, PATCH 2 (read the
user - and any manager it sets - in one query, then one update), PUT 2, delete 2.
"""

from aiohttp import web
from scim2_models import InvalidValueException, NotFoundException

from ..graphql import Page, PageWindow, UserProfile, UserRecord, WorkflowGen
from ..translators.changes import changed_fields
from ..translators.filters import user_filter
from ..translators.listing import list_response, select
from ..translators.projection import Projection
from ..translators.users import (
    apply_user_patch,
    parse_user_patch,
    profile_for_create,
    profile_for_replace,
    to_scim_user,
)
from .bodies import projection, query_param, read_json, window
from .responses import created, scim_json
from .routes import ResourceHandlers
from .state import base_url, settings, workflowgen


def _render(request: web.Request, record: UserRecord, shown: Projection) -> dict[str, object]:
    return shown.apply(to_scim_user(record, base_url(request)))


async def _existing(
    wf: WorkflowGen, user_id: str, *also: str, with_groups: bool = False
) -> tuple[UserRecord, dict[str, UserRecord]]:
    found = await wf.get_users([user_id, *also], with_groups=with_groups)
    record = found.get(user_id)
    if record is None:
        raise NotFoundException(detail=f"user {user_id} not found")
    return record, found


def _check_manager(manager_id: object, users_of_directory: dict[str, UserRecord]) -> None:
    if isinstance(manager_id, str) and manager_id not in users_of_directory:
        raise InvalidValueException(
            detail=f"manager {manager_id!r} is not a user of this directory"
        )


async def list_users(request: web.Request) -> web.Response:
    scim = settings(request)
    wf = workflowgen(request)
    wanted = user_filter(query_param(request, "filter"))
    asked = window(request)
    shown = projection(request)
    page: Page[UserRecord]
    if wanted.matches_nothing:
        page = Page(total=0)
    elif wanted.needs_check:
        # The indexed equality (id, userName, externalId) leaves a handful of candidates.
        candidates = await wf.find_users(
            wanted.query, PageWindow(1, scim.max_page_size), with_groups=shown.wants("groups")
        )
        page = select(candidates.items, wanted.accepts, asked)
    else:
        page = await wf.find_users(wanted.query, asked, with_groups=shown.wants("groups"))
    resources = [_render(request, record, shown) for record in page.items]
    return scim_json(list_response(resources, page.total, asked.start_index))


async def create_user(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    profile = profile_for_create(await read_json(request))
    manager_id = profile.get("manager_id")
    if manager_id:
        _check_manager(manager_id, await wf.get_users([manager_id]))
    record = await wf.create_user(profile)
    resource = to_scim_user(record, base_url(request))
    return created(resource, projection(request))


async def get_user(request: web.Request) -> web.Response:
    shown = projection(request)
    record, _ = await _existing(
        workflowgen(request), request.match_info["id"], with_groups=shown.wants("groups")
    )
    return scim_json(_render(request, record, shown))


async def patch_user(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    user_id = request.match_info["id"]
    patch = parse_user_patch(
        await read_json(request), max_operations=settings(request).max_patch_operations
    )
    shown = projection(request)
    groups = shown.wants("groups")
    record, found = await _existing(wf, user_id, *patch.manager_ids, with_groups=groups)
    return await _write(request, record, apply_user_patch(record, patch), found, shown)


async def replace_user(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    user_id = request.match_info["id"]
    replacement = profile_for_replace(await read_json(request))
    manager_id = replacement.get("manager_id")
    shown = projection(request)
    groups = shown.wants("groups")
    also = [manager_id] if manager_id else []
    record, found = await _existing(wf, user_id, *also, with_groups=groups)
    changes = changed_fields(record.profile, replacement)
    return await _write(request, record, changes, found, shown)


async def _write(
    request: web.Request,
    record: UserRecord,
    changes: UserProfile,
    users_of_directory: dict[str, UserRecord],
    shown: Projection,
) -> web.Response:
    """Send what a PATCH or PUT changes (nothing when nothing changes); answer the user."""
    if changes.get("manager_id"):
        _check_manager(changes["manager_id"], users_of_directory)
    if changes:
        record = await workflowgen(request).update_user(
            record.id, changes, with_groups=shown.wants("groups")
        )
    return scim_json(_render(request, record, shown))


async def delete_user(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    user_id = request.match_info["id"]
    await _existing(wf, user_id)
    await wf.delete_user(user_id)
    return scim_json(None, status=204)


HANDLERS = ResourceHandlers(
    list=list_users,
    create=create_user,
    get=get_user,
    patch=patch_user,
    replace=replace_user,
    delete=delete_user,
)
