"""Per-instance configuration: one TOML file per WorkflowGen instance."""

from .loader import ConfigError, load_config
from .settings import (
    InstanceConfig,
    LogFormat,
    LoggingSettings,
    ScimSettings,
    UpstreamAuthMode,
    WorkflowGenSettings,
)

__all__ = [
    "ConfigError",
    "InstanceConfig",
    "LogFormat",
    "LoggingSettings",
    "ScimSettings",
    "UpstreamAuthMode",
    "WorkflowGenSettings",
    "load_config",
]
