"""/Users: Entra's user lifecycle, each request in as few WorkflowGen round trips as it takes.

Every handler reads the request, calls the gateway, and renders through the translators;
round trips per request are stated in docs/round-trips.toml (and tested).
"""

from aiohttp import web
from scim2_models import InvalidValueException

from ..graphql import Page, PageWindow, Profile, UserRecord
from ..translators.filters import user_filter
from ..translators.listing import list_response, select
from ..translators.models import USER_MODELS
from ..translators.projection import Projection
from ..translators.resources import changed_fields
from ..translators.users import (
    apply_user_patch,
    parse_user_patch,
    profile_for_create,
    profile_for_replace,
    referenced_ids,
    to_scim_user,
)
from .bodies import projection, query_param, read_json, window
from .errors import require
from .responses import created, scim_json
from .routes import ResourceHandlers
from .state import base_url, settings, workflowgen


def _render(request: web.Request, record: UserRecord, shown: Projection) -> dict[str, object]:
    return shown.apply(to_scim_user(record, base_url(request)), USER_MODELS)


def _refuse_strangers(ids: list[str], users_of_directory: dict[str, UserRecord]) -> None:
    for user_id in ids:
        if user_id not in users_of_directory:
            raise InvalidValueException(
                detail=f"manager {user_id!r} is not a user of this directory"
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
        candidates = await wf.users.find(
            wanted.query, PageWindow(1, scim.max_page_size), with_groups=shown.wants("groups")
        )
        page = select(candidates.items, wanted.accepts, asked)
    else:
        page = await wf.users.find(wanted.query, asked, with_groups=shown.wants("groups"))
    resources = [_render(request, record, shown) for record in page.items]
    return scim_json(list_response(resources, page.total, asked.start_index))


async def create_user(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    body = await read_json(request)
    profile = profile_for_create(body)
    references = referenced_ids(profile)
    if references:
        _refuse_strangers(references, await wf.users.get_many(references))
    result = await wf.users.create(profile)
    record = result.record
    if result.existed:
        # Entra's own user (same externalId) was already here - a create whose 503 hid
        # that it committed, or a user linked before the first cycle: the create
        # converges on it, and it ends as the body describes it.
        changes = changed_fields(record.profile, profile_for_replace(body))
        if changes:
            record = await wf.users.update(record.id, changes)
    return created(to_scim_user(record, base_url(request)), projection(request), USER_MODELS)


async def get_user(request: web.Request) -> web.Response:
    shown = projection(request)
    user_id = request.match_info["id"]
    record = await workflowgen(request).users.get(user_id, with_groups=shown.wants("groups"))
    return scim_json(_render(request, require(record, "user", user_id), shown))


async def patch_user(request: web.Request) -> web.Response:
    user_id = request.match_info["id"]
    patch = parse_user_patch(
        await read_json(request), max_operations=settings(request).max_patch_operations
    )
    shown = projection(request)
    # The user and every manager the PATCH names, in one round trip.
    found = await workflowgen(request).users.get_many(
        [user_id, *patch.referenced_ids], with_groups=shown.wants("groups")
    )
    record = require(found.get(user_id), "user", user_id)
    return await _write(request, record, apply_user_patch(record, patch), found, shown)


async def replace_user(request: web.Request) -> web.Response:
    user_id = request.match_info["id"]
    replacement = profile_for_replace(await read_json(request))
    shown = projection(request)
    found = await workflowgen(request).users.get_many(
        [user_id, *referenced_ids(replacement)], with_groups=shown.wants("groups")
    )
    record = require(found.get(user_id), "user", user_id)
    return await _write(request, record, changed_fields(record.profile, replacement), found, shown)


async def _write(
    request: web.Request,
    record: UserRecord,
    changes: Profile,
    users_of_directory: dict[str, UserRecord],
    shown: Projection,
) -> web.Response:
    """Send what a PATCH or PUT changes (nothing when nothing changes); answer the user."""
    _refuse_strangers(referenced_ids(changes), users_of_directory)
    if changes:
        record = await workflowgen(request).users.update(
            record.id, changes, with_groups=shown.wants("groups")
        )
    return scim_json(_render(request, record, shown))


async def delete_user(request: web.Request) -> web.Response:
    wf = workflowgen(request)
    user_id = request.match_info["id"]
    record = require(await wf.users.get(user_id), "user", user_id)
    await wf.users.delete(user_id, name=record.user_name)
    return scim_json(None, status=204)


HANDLERS = ResourceHandlers(
    list=list_users,
    create=create_user,
    get=get_user,
    patch=patch_user,
    replace=replace_user,
    delete=delete_user,
)
