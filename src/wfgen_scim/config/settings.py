"""One WorkflowGen instance's proxy settings, validated at start.

Every setting has a description; config/example.toml documents the same keys. Secrets are
SecretStr so they never show up in a repr, a log line or an error message.
"""

from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    model_validator,
)

from .auth import FailureLimitSettings, HashList, OAuthSettings, split_list

MIN_TOKEN_LENGTH = 16
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class _Section(BaseModel):
    # A misspelled key must fail loudly rather than silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScimSettings(_Section):
    host: str = Field("0.0.0.0", description="Address the SCIM server listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port the SCIM server listens on.")
    base_path: str = Field(
        "/scim/v2",
        pattern=r"^(/[A-Za-z0-9._~-]+)+$",
        description="SCIM base path; also served without a trailing '/v2'.",
    )
    token: SecretStr | None = Field(
        None,
        description="Bearer token Entra sends (its 'Secret Token'). Use token_file or the "
        "environment rather than writing it here.",
    )
    tokens: Annotated[list[SecretStr], BeforeValidator(split_list)] = Field(
        default_factory=list,
        description="More accepted tokens, for a rotation without downtime (tokens_file: "
        "one per line).",
    )
    token_hashes: HashList = Field(
        default_factory=list,
        description="Accepted tokens stored as SHA-256 hashes ('sha256:<hex>', printed by "
        "`wfgen-scim token`): the clear value then lives only in Entra.",
    )
    public_url: HttpUrl | None = Field(
        None,
        description="External URL of the SCIM base (e.g. https://scim.example.com/scim/v2), "
        "used in Location headers and meta.location. Default: from the request's Host.",
    )
    max_body_bytes: int = Field(
        2_000_000, ge=1024, description="Largest request body accepted (413 above)."
    )
    max_page_size: int = Field(
        1000, ge=1, le=1000, description="Largest 'count' served in one list page."
    )
    default_page_size: int = Field(100, ge=1, le=1000, description="'count' when Entra omits it.")
    max_patch_operations: int = Field(
        1000, ge=1, description="Most PATCH operations accepted in one request."
    )
    max_members_per_response: int = Field(
        10_000,
        ge=1000,
        le=1_000_000,
        description="Most group members in one list response: a page of groups with "
        "members is shortened to stay within it (at least one group), which bounds the "
        "proxy's memory and keeps the request within its deadline.",
    )
    request_timeout_seconds: float = Field(
        25.0,
        gt=0,
        le=300,
        description="Deadline of one SCIM request, retries included; past it Entra gets a "
        "503 with Retry-After rather than a hung connection.",
    )

    max_concurrent_requests: int = Field(
        64,
        ge=1,
        le=10_000,
        description="Most authenticated SCIM requests served at once; more get an immediate "
        "429 with Retry-After instead of queueing behind a slow WorkflowGen.",
    )
    shutdown_grace_seconds: float = Field(
        8.0,
        gt=0,
        le=300,
        description="On SIGTERM or SIGINT, how long requests in flight may take to finish "
        "before the proxy stops. Keep it below the orchestrator's kill timeout (docker "
        "stop: 10 s).",
    )

    @property
    def clear_tokens(self) -> list[SecretStr]:
        return ([self.token] if self.token is not None else []) + list(self.tokens)

    @property
    def has_static_tokens(self) -> bool:
        return bool(self.clear_tokens or self.token_hashes)

    @model_validator(mode="after")
    def _token_is_strong(self) -> Self:
        for key, values in (("scim.token", [self.token]), ("scim.tokens", self.tokens)):
            if any(v is not None and len(v.get_secret_value()) < MIN_TOKEN_LENGTH for v in values):
                raise ValueError(
                    f"{key} must be at least {MIN_TOKEN_LENGTH} characters: "
                    "it is what protects your WorkflowGen directory"
                )
        return self


class UpstreamAuthMode(StrEnum):
    basic = "basic"
    bearer = "bearer"
    client_credentials = "client_credentials"


class WorkflowGenSettings(_Section):
    url: HttpUrl = Field(
        description="WorkflowGen GraphQL endpoint, e.g. https://host/wfgen/graphql."
    )
    directory: str = Field(
        "SCIM",
        min_length=1,
        description="Name of the WorkflowGen directory Entra provisions into. Only its users "
        "and groups exist for the proxy.",
    )
    auth: UpstreamAuthMode = Field(
        UpstreamAuthMode.basic, description="How the proxy authenticates to WorkflowGen."
    )
    username: str | None = Field(None, description="basic: WorkflowGen administrator account.")
    password: SecretStr | None = Field(None, description="basic: its password.")
    access_token: SecretStr | None = Field(
        None, description="bearer: a long-lived access token for WorkflowGen's GraphQL API."
    )
    token_endpoint: HttpUrl | None = Field(
        None, description="client_credentials: the identity provider's OAuth2 token endpoint."
    )
    client_id: str | None = Field(None, description="client_credentials: client id.")
    client_secret: SecretStr | None = Field(None, description="client_credentials: secret.")
    scope: str | None = Field(None, description="client_credentials: scope to request, if any.")
    resource: str | None = Field(
        None, description="client_credentials: 'resource' parameter (Entra v1 endpoints)."
    )
    impersonate_username: str | None = Field(
        None,
        description="Optional: act as this WorkflowGen user through the impersonation header "
        "(the account must be allowed to impersonate; WorkflowGen discourages it).",
    )
    impersonation_header: str = Field(
        "x-wfgen-impersonate-username",
        description="Header name (WorkflowGen's GraphqlImpersonateUserNameHttpHeader).",
    )
    timeout_seconds: float = Field(5.0, gt=0, le=120, description="Timeout of one GraphQL request.")
    max_connections: int = Field(
        16, ge=1, le=512, description="Most concurrent requests sent to WorkflowGen."
    )
    retry_attempts: int = Field(
        3, ge=1, le=10, description="Attempts for a query (or a provably safe mutation)."
    )
    retry_budget_seconds: float = Field(
        12.0,
        gt=0,
        description="Give up retrying after this long, so Entra gets a fast 503 rather "
        "than a timeout.",
    )
    check_schema_at_start: bool = Field(
        True,
        description="Download WorkflowGen's schema at start and refuse to serve if an "
        "operation document does not fit it (what `wfgen-scim check` reports).",
    )
    verify_tls: bool = Field(True, description="Verify WorkflowGen's TLS certificate.")
    allow_insecure_http: bool = Field(
        False,
        description="Allow an http:// WorkflowGen URL on another host (credentials would "
        "cross the network in clear text); http:// to the same machine is always allowed.",
    )
    ca_file: str | None = Field(None, description="Extra CA bundle to trust for WorkflowGen.")
    documents_dir: str | None = Field(
        None,
        description="Folder of .graphql operation documents that replace the packaged ones "
        "of the same file name, for a WorkflowGen whose schema differs from the model "
        "(see docs/workflowgen-binding.md).",
    )

    @model_validator(mode="after")
    def _usable(self) -> Self:
        """Every problem at once, so an administrator fixes the file in one go."""
        problems: list[str] = []
        if self.auth is UpstreamAuthMode.basic:
            missing = [k for k in ("username", "password") if getattr(self, k) is None]
        elif self.auth is UpstreamAuthMode.bearer:
            missing = ["access_token"] if self.access_token is None else []
        else:
            missing = [
                k
                for k in ("token_endpoint", "client_id", "client_secret")
                if getattr(self, k) is None
            ]
        if missing:
            keys = ", ".join(f"workflowgen.{k}" for k in missing)
            problems.append(f"workflowgen.auth = {self.auth.value!r} needs {keys}")
        if (
            self.url.scheme == "http"
            and self.url.host not in _LOOPBACK
            and not self.allow_insecure_http
        ):
            problems.append(
                f"workflowgen.url is http:// to {self.url.host}: credentials would cross the "
                "network in clear text; use https://, or set workflowgen.allow_insecure_http "
                "= true for a private network you trust"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class LogFormat(StrEnum):
    json = "json"
    text = "text"


class LoggingSettings(_Section):
    level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$", description="Log level.")
    format: LogFormat = Field(LogFormat.json, description="json (one object a line) or text.")


class MetricsSettings(_Section):
    enabled: bool = Field(True, description="Serve Prometheus metrics at /metrics.")
    host: str = Field(
        "0.0.0.0",
        description="Address of the metrics listener, separate from Entra's SCIM surface.",
    )
    port: int = Field(9464, ge=0, le=65535, description="Port of the metrics listener.")


class AuditSettings(_Section):
    enabled: bool = Field(True, description="Write one JSON line per change applied.")
    file: str = Field(
        "-", description="Where: a file path (rotated by size), or '-' for standard output."
    )
    max_bytes: int = Field(
        10_000_000, ge=10_000, description="Rotate the audit file when it reaches this size."
    )
    backup_count: int = Field(5, ge=0, le=1000, description="Rotated audit files kept.")
    values: list[str] = Field(
        default_factory=list,
        description="Attribute names (the proxy's, e.g. title, active) whose values are "
        "written too; '*' for all. Names of changed attributes are always written.",
    )


class InstanceConfig(_Section):
    """Everything the proxy needs for one WorkflowGen instance."""

    scim: ScimSettings
    workflowgen: WorkflowGenSettings
    logging: LoggingSettings = LoggingSettings()
    metrics: MetricsSettings = MetricsSettings()
    audit: AuditSettings = AuditSettings()

    oauth: OAuthSettings = OAuthSettings()
    auth_limits: FailureLimitSettings = FailureLimitSettings()

    @model_validator(mode="after")
    def _entra_can_authenticate(self) -> Self:
        if not self.scim.has_static_tokens and not self.oauth.enabled:
            raise ValueError(
                "scim.token is required (or scim.tokens, scim.token_hashes, or [oauth] "
                "enabled = true): Entra needs a way to authenticate"
            )
        return self
