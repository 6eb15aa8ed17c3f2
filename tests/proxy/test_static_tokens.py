"""Several static tokens at once, clear or hashed; a token removed from the config is refused."""

from __future__ import annotations

from pydantic import SecretStr

from tests.harness import TOKEN, Scim
from tests.proxy.conftest import StartAuth
from wfgen_scim.proxy.entra_auth.hashed import printable_hash

NEXT = "the-next-token-during-rotation-0123"
HASHED = "a-token-only-its-hash-is-stored-01"


async def status_with(scim: Scim, token: str) -> int:
    status, _, _ = await scim.get("/Users", headers={"Authorization": f"Bearer {token}"})
    return int(status)


async def test_two_tokens_work_at_once_and_a_removed_one_is_refused(start_auth: StartAuth) -> None:
    both = await start_auth(scim={"tokens": [SecretStr(NEXT)]})
    assert await status_with(both, TOKEN) == 200
    assert await status_with(both, NEXT) == 200
    # Rotation done: the old token leaves the config.
    only_next = await start_auth(scim={"token": None, "tokens": [SecretStr(NEXT)]})
    assert await status_with(only_next, NEXT) == 200
    assert await status_with(only_next, TOKEN) == 401
    assert await only_next.upstream.round_trips() == 1  # the refused request sent none


async def test_a_token_stored_as_its_hash_is_accepted(start_auth: StartAuth) -> None:
    scim = await start_auth(scim={"token": None, "token_hashes": [printable_hash(HASHED)]})
    assert await status_with(scim, HASHED) == 200
    assert await status_with(scim, printable_hash(HASHED)) == 401  # the hash is no password
    assert await status_with(scim, TOKEN) == 401
