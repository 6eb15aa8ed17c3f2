"""What every handler reads from the application: the gateway, the settings, the base URL."""

from aiohttp import web

from ..config import ScimSettings
from ..graphql import WorkflowGen
from ..observability import Metrics

WORKFLOWGEN = web.AppKey("workflowgen", WorkflowGen)
SETTINGS = web.AppKey("scim_settings", ScimSettings)
METRICS = web.AppKey("metrics", Metrics)


def workflowgen(request: web.Request) -> WorkflowGen:
    return request.app[WORKFLOWGEN]


def settings(request: web.Request) -> ScimSettings:
    return request.app[SETTINGS]


def base_url(request: web.Request) -> str:
    """The SCIM base URL for Location and meta.location.

    The configured public URL wins (the proxy usually sits behind a TLS terminator);
    otherwise it is derived from the request, keeping whichever base path it came in on.
    """
    scim = settings(request)
    if scim.public_url is not None:
        return str(scim.public_url).rstrip("/")
    prefix = scim.base_path
    if not request.path.startswith(prefix + "/") and request.path != prefix:
        prefix = prefix.removesuffix("/v2")
    return f"{request.scheme}://{request.host}{prefix}"
