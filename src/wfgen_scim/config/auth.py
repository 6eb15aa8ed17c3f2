"""How Entra proves who it is: static tokens, and the proxy's own OAuth 2.0 token endpoint.

Secrets Entra presents are stored as SHA-256 hashes where they can be (`token_hashes`,
`secret_hashes`): a leaked config file then gives nobody a way in. Hashes need no salt or
slow function because the secrets are random and long (`wfgen-scim token` makes them), not
passwords a person chose.
"""

import re
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl, model_validator

HASH_PREFIX = "sha256:"
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
MIN_LIFETIME_MINUTES = 60
MAX_LIFETIME_MINUTES = 360


def split_list(value: Any) -> Any:
    """A list, or one string of items separated by commas, spaces or new lines.

    The string form is what an environment variable or a `<key>_file` secret gives.
    """
    if isinstance(value, str):
        return [item for item in re.split(r"[\s,]+", value) if item]
    return value


def normalise_hash(value: str) -> str:
    """`sha256:<64 hex digits>` (the prefix optional, any case) -> lower-case hex digest."""
    digest = value.strip().lower().removeprefix(HASH_PREFIX)
    if not _HEX_DIGEST.match(digest):
        raise ValueError(
            "a secret hash is 'sha256:' and 64 hexadecimal digits (`wfgen-scim token` prints one)"
        )
    return digest


def _hashes(value: Any) -> Any:
    value = split_list(value)
    if isinstance(value, list):
        return [normalise_hash(item) if isinstance(item, str) else item for item in value]
    return value


StringList = Annotated[list[str], BeforeValidator(split_list)]
HashList = Annotated[list[str], BeforeValidator(_hashes)]


class OAuthClient(BaseModel):
    """One client allowed at the token endpoint: by secret, by a signed assertion, or both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=256, description="The client identifier.")
    secret_hashes: HashList = Field(
        default_factory=list,
        description="SHA-256 hashes of its active secrets (several during a rotation).",
    )
    scopes: StringList = Field(
        default_factory=list,
        description="Scopes it may ask for; empty: any requested scope is echoed back.",
    )
    assertion_issuer: str | None = Field(
        None,
        description="Workload identity federation: the `iss` of Entra's assertion, "
        "https://login.microsoftonline.com/<tenant id>/v2.0.",
    )
    assertion_subject: str | None = Field(
        None, description="Workload identity federation: the `sub` of Entra's assertion."
    )
    assertion_audience: str | None = Field(
        None, description="Workload identity federation: the `aud` the assertion must carry."
    )
    jwks_url: HttpUrl | None = Field(
        None,
        description="Where the assertion's signing keys are published, "
        "https://login.microsoftonline.com/<tenant id>/discovery/v2.0/keys.",
    )
    jwks_path: str | None = Field(
        None, description="A local JWKS file instead of jwks_url (air-gapped set-ups, tests)."
    )

    @property
    def federated(self) -> bool:
        return self.assertion_issuer is not None

    @model_validator(mode="after")
    def _usable(self) -> Self:
        assertion = (self.assertion_issuer, self.assertion_subject, self.assertion_audience)
        if any(assertion) and not all(assertion):
            raise ValueError(
                f"client {self.id!r}: assertion_issuer, assertion_subject and "
                "assertion_audience go together"
            )
        if self.federated and (self.jwks_url is None) == (self.jwks_path is None):
            raise ValueError(f"client {self.id!r}: set exactly one of jwks_url or jwks_path")
        if not self.federated and not self.secret_hashes:
            raise ValueError(
                f"client {self.id!r} has no way to authenticate: set secret_hashes, or "
                "assertion_issuer / assertion_subject / assertion_audience and a JWKS"
            )
        url = self.jwks_url
        if url is not None and url.scheme != "https" and url.host not in _LOOPBACK:
            raise ValueError(f"client {self.id!r}: jwks_url must be https://")
        return self


class OAuthSettings(BaseModel):
    """The OAuth 2.0 client-credentials token endpoint (RFC 6749 section 4.4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(False, description="Serve the token endpoint and accept its tokens.")
    token_path: str = Field(
        "/oauth2/token",
        pattern=r"^(/[A-Za-z0-9._~-]+)+$",
        description="Path of the token endpoint (Entra's 'Token Endpoint' is the public "
        "origin followed by this path).",
    )
    issuer: str = Field(
        "urn:wfgen-scim", min_length=1, description="`iss` of the access tokens issued."
    )
    audience: str = Field(
        "urn:wfgen-scim:scim", min_length=1, description="`aud` of the access tokens issued."
    )
    token_lifetime_minutes: int = Field(
        60,
        ge=MIN_LIFETIME_MINUTES,
        le=MAX_LIFETIME_MINUTES,
        description="Lifetime of an access token (Microsoft asks for 60 to 360 minutes).",
    )
    signing_key_paths: StringList = Field(
        default_factory=list,
        description="PEM private keys (RSA >= 2048 bits, EC P-256/P-384 or Ed25519). The "
        "first signs new tokens; all are accepted, each by its key id (RFC 7638 thumbprint).",
    )
    clients: list[OAuthClient] = Field(
        default_factory=list, description="The clients allowed to ask for a token."
    )
    jwks_cache_seconds: int = Field(
        3600,
        ge=60,
        le=86400,
        description="How long a downloaded JWKS is used before it is fetched again.",
    )
    clock_skew_seconds: int = Field(
        60, ge=0, le=600, description="Leeway on exp/nbf/iat for clocks that disagree."
    )

    @model_validator(mode="after")
    def _usable(self) -> Self:
        if not self.enabled:
            return self
        problems = []
        if not self.signing_key_paths:
            problems.append("oauth.enabled needs oauth.signing_key_paths")
        if not self.clients:
            problems.append("oauth.enabled needs at least one [[oauth.clients]]")
        ids = [client.id for client in self.clients]
        if len(set(ids)) != len(ids):
            problems.append("oauth.clients: two clients have the same id")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class FailureLimitSettings(BaseModel):
    """Refuse, for a while, a client address that keeps presenting wrong credentials."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_failures: int = Field(
        20, ge=1, description="Failed authentications from one address within the window..."
    )
    window_seconds: float = Field(60.0, gt=0, description="...counted over this many seconds...")
    lockout_seconds: float = Field(
        300.0,
        gt=0,
        le=86400,
        description="...refuse its wrong credentials with 429 for this long. Right "
        "credentials are always served.",
    )
