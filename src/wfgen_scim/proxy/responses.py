"""Every SCIM response is application/scim+json, errors included (docs/entra-dialect.md,
item 13)."""

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..translators.models import Models
from ..translators.projection import Projection

SCIM_CONTENT_TYPE = "application/scim+json"


def scim_json(
    body: Mapping[str, Any] | None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    text = None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    response = web.Response(status=status, text=text, headers=headers)
    response.content_type = SCIM_CONTENT_TYPE
    response.charset = "utf-8"
    return response


def created(resource: dict[str, Any], shown: Projection, models: Models) -> web.Response:
    """201 with the resource as the client asked to see it, and its Location."""
    location = resource["meta"]["location"]
    return scim_json(shown.apply(resource, models), status=201, headers={"Location": location})
