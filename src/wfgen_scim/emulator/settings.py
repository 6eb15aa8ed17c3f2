"""Settings of the WorkflowGen emulator: accounts, credentials, storage and fault knobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_BEARER_TOKEN = "emulator-access-token"
DEFAULT_OAUTH_CLIENT_ID = "emulator-client"
DEFAULT_OAUTH_CLIENT_SECRET = "emulator-client-secret"


class Account(BaseModel):
    """A WorkflowGen account that may authenticate with HTTP Basic.

    Each account is also a user of the built-in WORKFLOWGEN directory, so `viewer` and
    impersonation see it like any other user.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(min_length=1, description="userName of the account's user.")
    password: str = Field(description="Password checked by HTTP Basic.")
    is_admin: bool = Field(default=False, description="May run mutations.")
    may_impersonate: bool = Field(
        default=False,
        description="Listed in ProcessesRuntimeWebServiceAllowedUsers: may send the "
        "impersonation header.",
    )


def _default_bearer_tokens(data: dict[str, Any]) -> dict[str, str]:
    # Stands for the OIDC access token of a Non Interactive Client whose Impersonate
    # username is the administrator, the set-up WorkflowGen recommends for SCIM.
    return {DEFAULT_BEARER_TOKEN: data["admin_username"]}


def _default_oauth_clients(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {DEFAULT_OAUTH_CLIENT_ID: (DEFAULT_OAUTH_CLIENT_SECRET, data["admin_username"])}


class EmulatorSettings(BaseModel):
    """Everything the emulator needs to start; the fault knobs are initial values only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(default="127.0.0.1", description="Interface to listen on.")
    port: int = Field(default=8081, ge=0, le=65535, description="TCP port (0 = any free).")
    db: str | Path = Field(
        default=":memory:", description="SQLite file, or ':memory:' for a throwaway store."
    )
    directory_name: str = Field(
        default="SCIM",
        min_length=1,
        description="Directory created at start besides the built-in WORKFLOWGEN one.",
    )
    admin_username: str = Field(default="wfgen_admin", min_length=1)
    admin_password: str = Field(default="admin-password")
    accounts: tuple[Account, ...] = Field(
        default=(), description="Extra accounts besides the administrator."
    )
    bearer_tokens: dict[str, str] = Field(
        default_factory=_default_bearer_tokens,
        description="Static access token -> userName the token acts as.",
    )
    oauth_clients: dict[str, tuple[str, str]] = Field(
        default_factory=_default_oauth_clients,
        description="client_id -> (client_secret, userName its tokens act as).",
    )
    token_lifetime_seconds: int = Field(default=3600, ge=0)
    impersonation_header: str = Field(default="x-wfgen-impersonate-username", min_length=1)
    seed_users: int = Field(default=0, ge=0, description="Users seeded in the SCIM directory.")
    seed_file: str | Path | None = Field(
        default=None,
        description="JSON file of legacy directories, users and groups (emulator/seed.py).",
    )
    latency_ms: float = Field(default=0, ge=0)
    fail_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    drop_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    commit_then_fail_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    random_seed: int | None = None
    schema_renames: dict[str, str] = Field(
        default_factory=dict,
        description='"Type.field" -> new field name: serves a variant of the model schema '
        "whose renamed fields behave like the model's (see schema_variants.py).",
    )

    def all_accounts(self) -> tuple[Account, ...]:
        """The administrator first, then the extra accounts."""
        admin = Account(
            username=self.admin_username,
            password=self.admin_password,
            is_admin=True,
            may_impersonate=True,
        )
        return (admin, *self.accounts)
