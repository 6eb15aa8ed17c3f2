"""Per-instance configuration: one TOML file per WorkflowGen instance."""

from .auth import FailureLimitSettings, OAuthClient, OAuthSettings, normalise_hash
from .loader import ConfigError, load_config
from .settings import (
    AuditSettings,
    InstanceConfig,
    LogFormat,
    LoggingSettings,
    MetricsSettings,
    ScimSettings,
    UpstreamAuthMode,
    WorkflowGenSettings,
)

__all__ = [
    "AuditSettings",
    "ConfigError",
    "FailureLimitSettings",
    "InstanceConfig",
    "LogFormat",
    "LoggingSettings",
    "MetricsSettings",
    "OAuthClient",
    "OAuthSettings",
    "ScimSettings",
    "UpstreamAuthMode",
    "WorkflowGenSettings",
    "load_config",
    "normalise_hash",
]
