"""Keys, clients and Entra-like assertions for the authentication tests, all local.

An "Entra" here is a P-256 key whose public half is written to a JWKS file (or served by a
127.0.0.1 server); its assertions carry the claims Entra's workload identity federation
sends (issuer, subject, audience, iat/nbf/exp).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from wfgen_scim.config import OAuthClient, OAuthSettings
from wfgen_scim.proxy.entra_auth.hashed import printable_hash
from wfgen_scim.proxy.entra_auth.keys import new_key_pem, public_jwk, thumbprint

TOKEN_PATH = "/oauth2/token"
BASIC_CLIENT, BASIC_SECRET = "entra-basic", "basic-client-secret-0123456789"
FORM_CLIENT, FORM_SECRET = "entra-form", "form-client-secret-0123456789"
FORM_SECRET_NEXT = "form-client-secret-rotated-0123"
FEDERATED_CLIENT = "entra-federated"
TENANT_ISSUER = "https://login.microsoftonline.com/00000000-0000-0000-0000-00000000abcd/v2.0"
ASSERTION_SUBJECT = "11111111-2222-3333-4444-555555555555"
ASSERTION_AUDIENCE = "api://66666666-7777-8888-9999-000000000000"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def write_key(path: Path) -> Path:
    path.write_bytes(new_key_pem())
    return path


@dataclass
class Entra:
    """The identity provider that signs client assertions."""

    key: ec.EllipticCurvePrivateKey
    kid: str

    @classmethod
    def new(cls) -> Entra:
        key = ec.generate_private_key(ec.SECP256R1())
        return cls(key, thumbprint(public_jwk(key.public_key())))

    def jwks(self) -> dict[str, Any]:
        jwk = public_jwk(self.key.public_key())
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "ES256"}]}

    def write_jwks(self, path: Path) -> Path:
        path.write_text(json.dumps(self.jwks()))
        return path

    def assertion(self, *, kid: str | None = None, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": TENANT_ISSUER,
            "sub": ASSERTION_SUBJECT,
            "aud": ASSERTION_AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            "ver": "2.0",
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        headers = {"kid": kid or self.kid, "typ": "JWT"}
        return jwt.encode(claims, self.key, algorithm="ES256", headers=headers)


def oauth_settings(
    key_paths: list[Path], *, jwks_path: Path | None = None, jwks_url: str | None = None, **kw: Any
) -> OAuthSettings:
    clients = [
        OAuthClient(id=BASIC_CLIENT, secret_hashes=[printable_hash(BASIC_SECRET)]),
        OAuthClient(
            id=FORM_CLIENT,
            secret_hashes=[printable_hash(FORM_SECRET), printable_hash(FORM_SECRET_NEXT)],
            scopes=["scim", "scim.read"],
        ),
    ]
    if jwks_path is not None or jwks_url is not None:
        clients.append(
            OAuthClient.model_validate(
                {
                    "id": FEDERATED_CLIENT,
                    "assertion_issuer": TENANT_ISSUER,
                    "assertion_subject": ASSERTION_SUBJECT,
                    "assertion_audience": ASSERTION_AUDIENCE,
                    "jwks_path": None if jwks_path is None else str(jwks_path),
                    "jwks_url": jwks_url,
                }
            )
        )
    values: dict[str, Any] = {
        "enabled": True,
        "signing_key_paths": [str(p) for p in key_paths],
        "clients": clients,
    }
    values.update(kw)
    return OAuthSettings.model_validate(values)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
