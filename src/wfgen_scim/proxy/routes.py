"""The routes of one SCIM resource type: /<Type> and /<Type>/{id}, each method once."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ResourceHandlers:
    list: Handler
    create: Handler
    get: Handler
    patch: Handler
    replace: Handler
    delete: Handler


def add_resource_routes(
    app: web.Application, prefix: str, endpoint: str, handlers: ResourceHandlers
) -> None:
    # Entra's Tenant URL may end with a slash, so the collection answers both ways.
    for collection in (f"{prefix}/{endpoint}", f"{prefix}/{endpoint}/"):
        app.router.add_get(collection, handlers.list)
        app.router.add_post(collection, handlers.create)
    item = f"{prefix}/{endpoint}/{{id}}"
    app.router.add_get(item, handlers.get)
    app.router.add_patch(item, handlers.patch)
    app.router.add_put(item, handlers.replace)
    app.router.add_delete(item, handlers.delete)
