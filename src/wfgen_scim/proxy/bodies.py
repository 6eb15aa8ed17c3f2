"""Reading request bodies and query parameters the way Entra sends them."""

import json
from typing import Any

from aiohttp import web
from scim2_models import InvalidSyntaxException

from ..records import PageWindow
from ..translators.listing import page_window
from ..translators.projection import Projection
from .errors import UnsupportedMediaTypeError
from .state import settings

_JSON_TYPES = frozenset({"application/json", "application/scim+json"})


async def read_json(request: web.Request) -> Any:
    """The JSON body; application/scim+json or application/json, with or without charset."""
    content_type = request.content_type.lower()
    if request.headers.get("Content-Type") and content_type not in _JSON_TYPES:
        raise UnsupportedMediaTypeError(
            detail=f"send application/scim+json or application/json, not {content_type}"
        )
    raw = await request.read()
    if not raw.strip():
        raise InvalidSyntaxException(detail="the request body is empty")
    try:
        return json.loads(raw)
    except RecursionError:
        raise InvalidSyntaxException(detail="the request body is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidSyntaxException(detail=f"the request body is not valid JSON: {exc}") from None


def query_param(request: web.Request, name: str) -> str | None:
    """A query parameter by case-insensitive name; unknown parameters are ignored."""
    wanted = name.lower()
    for key, value in request.query.items():
        if key.lower() == wanted:
            return value
    return None


def projection(request: web.Request) -> Projection:
    """What the client asked to see: `attributes` / `excludedAttributes`."""
    return Projection.from_query(
        query_param(request, "attributes"), query_param(request, "excludedAttributes")
    )


def window(request: web.Request) -> PageWindow:
    """The `startIndex` / `count` window a list request asked for, within our limits."""
    scim = settings(request)
    return page_window(
        query_param(request, "startIndex"),
        query_param(request, "count"),
        default=scim.default_page_size,
        maximum=scim.max_page_size,
    )
