"""/ServiceProviderConfig, /ResourceTypes and /Schemas (docs/entra-dialect.md, item 16)."""

from aiohttp import web
from scim2_models import NotFoundException

from ..translators.discovery import resource_types, schemas, service_provider_config
from ..translators.listing import list_response
from .responses import scim_json
from .state import base_url, settings


async def get_service_provider_config(request: web.Request) -> web.Response:
    return scim_json(service_provider_config(base_url(request), settings(request).max_page_size))


async def list_resource_types(request: web.Request) -> web.Response:
    documents = resource_types(base_url(request))
    return scim_json(list_response(documents, len(documents), 1))


async def get_resource_type(request: web.Request) -> web.Response:
    return scim_json(_by_id(resource_types(base_url(request)), request.match_info["id"]))


async def list_schemas(request: web.Request) -> web.Response:
    documents = schemas(base_url(request))
    return scim_json(list_response(documents, len(documents), 1))


async def get_schema(request: web.Request) -> web.Response:
    return scim_json(_by_id(schemas(base_url(request)), request.match_info["id"]))


def _by_id(documents: list[dict[str, object]], wanted: str) -> dict[str, object]:
    for document in documents:
        if str(document["id"]).lower() == wanted.lower():
            return document
    raise NotFoundException(detail=f"{wanted} not found")


def add_routes(app: web.Application, prefix: str) -> None:
    for suffix in ("", "/"):
        app.router.add_get(f"{prefix}/ServiceProviderConfig{suffix}", get_service_provider_config)
        app.router.add_get(f"{prefix}/ResourceTypes{suffix}", list_resource_types)
        app.router.add_get(f"{prefix}/Schemas{suffix}", list_schemas)
    app.router.add_get(prefix + "/ResourceTypes/{id}", get_resource_type)
    app.router.add_get(prefix + "/Schemas/{id}", get_schema)
