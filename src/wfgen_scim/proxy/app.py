"""The aiohttp application: routes under the SCIM base path, auth, errors, lifecycle."""

from aiohttp import web

from ..config import (
    AuditSettings,
    ConfigError,
    FailureLimitSettings,
    MetricsSettings,
    OAuthSettings,
    ScimSettings,
)
from ..graphql import WorkflowGen
from ..observability import AuditLog, Metrics, Telemetry
from ..translators.attributes import VOCABULARY
from . import discovery, groups, health, users
from .auth import bearer_auth
from .deadlines import IN_FLIGHT, InFlight
from .entra_auth.service import ENTRA_AUTH, EntraAuth
from .errors import scim_errors
from .lifecycle import ready_gate, upstream_lifecycle
from .limits import concurrency_cap
from .logs import access_log
from .observe import metrics_listener, observe
from .routes import add_resource_routes
from .state import METRICS, SETTINGS, WORKFLOWGEN


def base_paths(scim: ScimSettings) -> tuple[str, ...]:
    """The configured base path, and the same without '/v2' (Entra's Tenant URL varies)."""
    paths = [scim.base_path]
    short = scim.base_path.removesuffix("/v2")
    if short and short != scim.base_path:
        paths.append(short)
    return tuple(paths)


def build_app(
    scim: ScimSettings,
    wf: WorkflowGen,
    *,
    manage_upstream: bool = True,
    metrics: MetricsSettings | None = None,
    audit: AuditSettings | None = None,
    oauth: OAuthSettings | None = None,
    auth_limits: FailureLimitSettings | None = None,
) -> web.Application:
    """The proxy app. With manage_upstream, the app starts and closes the gateway itself.

    Metrics are always counted (the tests read them from `app[METRICS]`); `metrics`
    settings also serve them on their own listener. `audit` settings turn the audit log on.
    `oauth` turns the token endpoint on. Raises ConfigError when a signing key cannot load.
    """
    prefixes = base_paths(scim)
    oauth = oauth or OAuthSettings()
    auth = EntraAuth(scim, oauth, auth_limits or FailureLimitSettings())
    if wf.vocabulary is None:
        wf.vocabulary = VOCABULARY
    counted = Metrics()
    audit_log = (
        AuditLog(
            audit.file,
            values=audit.values,
            max_bytes=audit.max_bytes,
            backup_count=audit.backup_count,
        )
        if audit is not None and audit.enabled
        else None
    )
    wf.attach(Telemetry(metrics=counted, audit=audit_log))
    app = web.Application(
        client_max_size=scim.max_body_bytes,
        middlewares=[
            observe(counted, prefixes),
            access_log,
            scim_errors,
            bearer_auth(auth, prefixes),
            concurrency_cap(scim.max_concurrent_requests, prefixes),
            ready_gate(wf, prefixes),
        ],
    )
    app[SETTINGS] = scim
    app[IN_FLIGHT] = InFlight()
    app[WORKFLOWGEN] = wf
    app[METRICS] = counted
    app[ENTRA_AUTH] = auth
    if oauth.enabled:
        if oauth.token_path.startswith(prefixes):
            raise ConfigError("oauth.token_path must lie outside scim.base_path")
        from .entra_auth.endpoint import token_endpoint

        app.router.add_post(oauth.token_path, token_endpoint)

    async def close_auth(app: web.Application) -> None:
        await auth.close()

    app.on_cleanup.append(close_auth)
    for prefix in prefixes:
        add_resource_routes(app, prefix, "Users", users.HANDLERS)
        add_resource_routes(app, prefix, "Groups", groups.HANDLERS)
        discovery.add_routes(app, prefix)
    health.add_routes(app)
    if metrics is not None and metrics.enabled:
        app.cleanup_ctx.append(metrics_listener(counted, metrics))
    if manage_upstream:

        def closed() -> None:
            if audit_log is not None:
                audit_log.close()

        app.cleanup_ctx.append(upstream_lifecycle(wf, counted, closed))
    return app
