"""Reads an instance config: TOML file, then environment overrides, then secret files.

Precedence (last wins): the file, then environment variables named
WFGEN_SCIM__<SECTION>__<KEY> (e.g. WFGEN_SCIM__WORKFLOWGEN__PASSWORD). Any key may instead
be given as <key>_file (in the file or the environment): its value is a path whose content,
without the trailing newline, becomes the key's value - how container secrets are mounted.
"""

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .settings import InstanceConfig

ENV_PREFIX = "WFGEN_SCIM__"
FILE_SUFFIX = "_file"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and says why."""


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> InstanceConfig:
    environ = os.environ if environ is None else environ
    raw = _read_toml(Path(path))
    _apply_environment(raw, environ)
    _resolve_secret_files(raw)
    try:
        return InstanceConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _apply_environment(raw: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = name.removeprefix(ENV_PREFIX).lower().split("__")
        if len(parts) != 2 or not all(parts):
            raise ConfigError(
                f"environment variable {name} must look like {ENV_PREFIX}<SECTION>__<KEY>"
            )
        section, key = parts
        target = raw.setdefault(section, {})
        if not isinstance(target, dict):
            raise ConfigError(f"environment variable {name}: [{section}] is not a section")
        target[key] = value
        # An explicit value in the environment beats a secret file named in the file.
        target.pop(f"{key}{FILE_SUFFIX}", None)


def _resolve_secret_files(raw: dict[str, Any]) -> None:
    for section_name, section in raw.items():
        if not isinstance(section, dict):
            continue
        for key in [k for k in section if k.endswith(FILE_SUFFIX)]:
            target = key.removesuffix(FILE_SUFFIX)
            file_path = Path(str(section.pop(key)))
            try:
                section[target] = file_path.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise ConfigError(
                    f"{section_name}.{key}: cannot read secret file {file_path}: {exc.strerror}"
                ) from None


def _describe(exc: ValidationError, path: str | Path) -> str:
    lines = [f"invalid configuration in {path}:"]
    for error in exc.errors(include_url=False, include_input=False):
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)
