"""The aiohttp application: routes under the SCIM base path, auth, errors, lifecycle."""

from aiohttp import web

from ..config import ScimSettings
from ..graphql import WorkflowGen
from ..translators.attributes import VOCABULARY
from . import discovery, groups, health, users
from .auth import bearer_auth
from .errors import scim_errors
from .logs import access_log
from .routes import add_resource_routes
from .state import SETTINGS, WORKFLOWGEN


def base_paths(scim: ScimSettings) -> tuple[str, ...]:
    """The configured base path, and the same without '/v2' (Entra's Tenant URL varies)."""
    paths = [scim.base_path]
    short = scim.base_path.removesuffix("/v2")
    if short and short != scim.base_path:
        paths.append(short)
    return tuple(paths)


def build_app(
    scim: ScimSettings, wf: WorkflowGen, *, manage_upstream: bool = True
) -> web.Application:
    """The proxy app. With manage_upstream, the app starts and closes the gateway itself."""
    prefixes = base_paths(scim)
    if wf.vocabulary is None:
        wf.vocabulary = VOCABULARY
    app = web.Application(
        client_max_size=scim.max_body_bytes,
        middlewares=[access_log, scim_errors, bearer_auth(scim.token, prefixes)],
    )
    app[SETTINGS] = scim
    app[WORKFLOWGEN] = wf
    for prefix in prefixes:
        add_resource_routes(app, prefix, "Users", users.HANDLERS)
        add_resource_routes(app, prefix, "Groups", groups.HANDLERS)
        discovery.add_routes(app, prefix)
    health.add_routes(app)
    if manage_upstream:

        async def upstream(app: web.Application) -> object:
            await wf.start()
            yield
            await wf.close()

        app.cleanup_ctx.append(upstream)  # type: ignore[arg-type]
    return app
