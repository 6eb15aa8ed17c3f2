"""Entra's OAuth2 client credentials and workload identity federation, over HTTP.

Each client gets a token the way Entra does (Basic, form, signed assertion) and provisions
a user with it; bad access tokens are refused before any upstream call; a second replica
with the same configuration accepts the first one's tokens.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import SecretStr

from tests.auth_harness import (
    BASIC_CLIENT,
    BASIC_SECRET,
    FEDERATED_CLIENT,
    FORM_CLIENT,
    FORM_SECRET,
    FORM_SECRET_NEXT,
    JWT_BEARER,
    TOKEN_PATH,
    Entra,
    basic,
    write_key,
)
from tests.harness import Scim, new_user
from tests.proxy.conftest import StartAuth
from wfgen_scim.config import OAuthSettings
from wfgen_scim.proxy.entra_auth.keys import load_signing_key
from wfgen_scim.proxy.entra_auth.tokens import AccessTokens


async def token_request(
    scim: Scim, form: dict[str, str], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], Any]:
    response = await scim.client.post(TOKEN_PATH, data=form, headers=headers or {})
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = await response.json()
    return response.status, body, response.headers


async def get_token(scim: Scim, form: dict[str, str], headers: dict[str, str] | None = None) -> str:
    status, body, _ = await token_request(scim, form, headers)
    assert status == 200, body
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    return str(body["access_token"])


def as_bearer(scim: Scim, token: str) -> Scim:
    scim.headers = {"Authorization": f"Bearer {token}"}
    return scim


async def test_basic_form_and_assertion_clients_each_provision_a_user(
    start_auth: StartAuth, oauth: OAuthSettings, entra: Entra
) -> None:
    scim = await start_auth(oauth)
    by_basic = await get_token(
        scim,
        {"grant_type": "client_credentials"},
        {"Authorization": basic(BASIC_CLIENT, BASIC_SECRET)},
    )
    by_form = await get_token(
        scim,
        {
            "grant_type": "client_credentials",
            "client_id": FORM_CLIENT,
            "client_secret": FORM_SECRET,
        },
    )
    by_assertion = await get_token(
        scim,
        {
            "grant_type": "client_credentials",
            "client_id": FEDERATED_CLIENT,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": entra.assertion(),
            "scope": "scim",
        },
    )
    for index, token in enumerate((by_basic, by_form, by_assertion)):
        await as_bearer(scim, token).create_user(f"oauth{index}@contoso.com")
    status, body, _ = await scim.get("/Users")
    assert status == 200
    assert body["totalResults"] == 3
    claims = jwt.decode(by_assertion, options={"verify_signature": False})
    assert claims["sub"] == FEDERATED_CLIENT
    assert claims["scope"] == "scim"


async def test_every_active_secret_of_a_client_works_and_scopes_are_limited(
    start_auth: StartAuth, oauth: OAuthSettings
) -> None:
    scim = await start_auth(oauth)
    form = {"grant_type": "client_credentials", "client_id": FORM_CLIENT}
    await get_token(scim, {**form, "client_secret": FORM_SECRET_NEXT})
    status, body, _ = await token_request(scim, {**form, "client_secret": FORM_SECRET})
    assert body["scope"] == "scim scim.read"
    status, body, _ = await token_request(
        scim, {**form, "client_secret": FORM_SECRET, "scope": "admin"}
    )
    assert (status, body["error"]) == (400, "invalid_scope")


def forged_tokens(oauth: OAuthSettings, tmp_path: Path, good: str) -> dict[str, str]:
    key = load_signing_key(oauth.signing_key_paths[0])
    other = load_signing_key(write_key(tmp_path / "other.pem"))
    past = AccessTokens(oauth, [key], clock=lambda: time.time() - 7 * 3600)
    elsewhere = AccessTokens(oauth.model_copy(update={"audience": "urn:other"}), [key])
    unknown = AccessTokens(oauth, [other])
    # Another key's signature under our key id.
    claims = jwt.decode(good, options={"verify_signature": False})
    wrong_signature = jwt.encode(
        claims, other.private, algorithm="ES256", headers={"kid": key.kid, "typ": "at+jwt"}
    )
    header, payload, signature = good.split(".")
    tampered_claims = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"entra-basic"', b'"entra-admin"')
    ).decode()
    return {
        "expired": past.issue(BASIC_CLIENT, "").token,
        "wrong audience": elsewhere.issue(BASIC_CLIENT, "").token,
        "unknown key": unknown.issue(BASIC_CLIENT, "").token,
        "wrong signature": wrong_signature,
        "tampered": f"{header}.{tampered_claims}.{signature}",
        "not a JWT": "a.b.c",
    }


async def test_bad_access_tokens_get_401_with_no_upstream_call(
    start_auth: StartAuth, oauth: OAuthSettings, tmp_path: Path
) -> None:
    scim = await start_auth(oauth)
    good = await get_token(
        scim,
        {"grant_type": "client_credentials"},
        {"Authorization": basic(BASIC_CLIENT, BASIC_SECRET)},
    )
    for name, token in forged_tokens(oauth, tmp_path, good).items():
        assert token != good
        status, body, headers = await as_bearer(scim, token).post("/Users", new_user("x@y.z"))
        assert status == 401, name
        assert headers["Content-Type"].startswith("application/scim+json"), name
        assert body["status"] == "401", name
        assert 'error="invalid_token"' in headers["WWW-Authenticate"], name
    assert await scim.upstream.round_trips() == 0
    status, _, _ = await as_bearer(scim, good).get("/Users")
    assert status == 200


async def test_a_second_replica_with_the_same_config_accepts_the_first_ones_tokens(
    start_auth: StartAuth, oauth: OAuthSettings
) -> None:
    first = await start_auth(oauth)
    second = await start_auth(oauth.model_copy())
    token = await get_token(
        first,
        {"grant_type": "client_credentials"},
        {"Authorization": basic(BASIC_CLIENT, BASIC_SECRET)},
    )
    status, body, _ = await as_bearer(second, token).get("/Users")
    assert status == 200, body


async def test_a_key_removed_from_the_config_no_longer_verifies_and_rotation_keeps_old_tokens(
    start_auth: StartAuth, oauth: OAuthSettings, tmp_path: Path
) -> None:
    old = await start_auth(oauth)
    token = await get_token(
        old,
        {"grant_type": "client_credentials"},
        {"Authorization": basic(BASIC_CLIENT, BASIC_SECRET)},
    )
    new_key = str(write_key(tmp_path / "next.pem"))
    rotated = oauth.model_copy(update={"signing_key_paths": [new_key, *oauth.signing_key_paths]})
    status, _, _ = await as_bearer(await start_auth(rotated), token).get("/Users")
    assert status == 200  # the old key still verifies while it is listed
    retired = oauth.model_copy(update={"signing_key_paths": [new_key]})
    status, _, _ = await as_bearer(await start_auth(retired), token).get("/Users")
    assert status == 401


async def test_static_tokens_keep_working_beside_oauth(
    start_auth: StartAuth, oauth: OAuthSettings
) -> None:
    scim_token = "static-token-beside-oauth-01"
    scim = await start_auth(oauth, scim={"tokens": [SecretStr(scim_token)]})
    status, _, _ = await as_bearer(scim, scim_token).get("/Users")
    assert status == 200


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"aud": "api://someone-else"}, "wrong audience"),
        ({"exp": int(time.time()) - 3600, "nbf": int(time.time()) - 7200}, "expired"),
        ({"iss": "https://login.microsoftonline.com/other/v2.0"}, "other tenant"),
        ({"sub": "someone-else"}, "other subject"),
        ({"exp": None}, "no expiry"),
    ],
)
async def test_bad_assertions_are_invalid_client(
    start_auth: StartAuth, oauth: OAuthSettings, entra: Entra, change: dict[str, Any], reason: str
) -> None:
    scim = await start_auth(oauth)
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": entra.assertion(**change),
    }
    status, body, _ = await token_request(scim, form)
    assert (status, body["error"]) == (401, "invalid_client"), reason
    assert await scim.upstream.round_trips() == 0


async def test_assertions_signed_by_an_unknown_key_or_another_signer_are_refused(
    start_auth: StartAuth, oauth: OAuthSettings, entra: Entra
) -> None:
    scim = await start_auth(oauth)
    impostor = Entra.new()
    form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER}
    for assertion in (impostor.assertion(), impostor.assertion(kid=entra.kid)):
        status, body, _ = await token_request(scim, {**form, "client_assertion": assertion})
        assert (status, body["error"]) == (401, "invalid_client")
    # And an assertion of the right signer for another client id.
    status, body, _ = await token_request(
        scim, {**form, "client_assertion": entra.assertion(), "client_id": BASIC_CLIENT}
    )
    assert (status, body["error"]) == (401, "invalid_client")
