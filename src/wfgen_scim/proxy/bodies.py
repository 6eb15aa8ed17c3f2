"""Reading request bodies and query parameters the way Entra sends them."""

import json
import re
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
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
    try:
        raw = await request.read()
    except (ConnectionError, HttpProcessingError):
        # The client went away or broke the chunked framing mid-body: a client's problem,
        # not ours, so no traceback in the log (and usually nobody left to read the answer).
        raise InvalidSyntaxException(detail="the request body was cut short") from None
    if not raw.strip():
        raise InvalidSyntaxException(detail="the request body is empty")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise InvalidSyntaxException(detail="the request body is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidSyntaxException(detail=f"the request body is not valid JSON: {exc}") from None
    if (_SURROGATE_ESCAPE.search(raw) or b"\x00" in raw[:4]) and not _is_unicode(body):
        raise InvalidSyntaxException(
            detail="the request body has a \\u escape of an unpaired UTF-16 surrogate "
            "(\\ud800-\\udfff), which is not a character"
        )
    return body


# UTF-8 bytes cannot encode a surrogate, so a lone one can only come from a \u escape: the
# full walk below runs only for the rare body that has such an escape (or is UTF-16/32,
# which json.loads also accepts and where the escape's bytes look different).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _is_unicode(body: Any) -> bool:
    """No string (key or value) holds a lone surrogate, which WorkflowGen would refuse.

    Iterative, so a deeply nested body cannot exhaust the stack here.
    """
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return True


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
