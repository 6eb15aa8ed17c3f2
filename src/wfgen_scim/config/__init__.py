"""Per-instance configuration: one TOML file per WorkflowGen instance."""

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
    "InstanceConfig",
    "LogFormat",
    "LoggingSettings",
    "MetricsSettings",
    "ScimSettings",
    "UpstreamAuthMode",
    "WorkflowGenSettings",
    "load_config",
]
