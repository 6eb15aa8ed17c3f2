"""A JSON body that is not Unicode text is the client's error: 400, and never sent upstream."""

import json

import pytest

from tests.harness import BASE, PATCH_OP, Scim, new_user
from tests.proxy.test_bad_input import assert_scim_error

# json.dumps escapes a lone surrogate as \ud800, exactly what a broken client sends.
LONE_SURROGATES = [
    json.dumps(new_user("a\ud800@x.com")).encode(),
    json.dumps(new_user("b@x.com", title="tail\udfff")).encode(),
    json.dumps({**new_user("c@x.com"), "key\udc00": "v"}).encode(),
    json.dumps({**new_user("d@x.com"), "nested": [[{"deep": "\ud83d"}]]}).encode(),
    # UTF-16 is valid JSON input (RFC 8259 8.1 says UTF-8, Python accepts both)
    json.dumps(new_user("e\ud800@x.com")).encode("utf-16"),
]


@pytest.mark.parametrize("raw", LONE_SURROGATES)
async def test_a_lone_surrogate_in_a_create_is_400_and_never_forwarded(
    scim: Scim, raw: bytes
) -> None:
    response = await scim.client.post(
        f"{BASE}/Users", data=raw, headers={**scim.headers, "Content-Type": "application/json"}
    )
    assert_scim_error(response.status, await response.json(), 400, "invalidSyntax")
    assert await scim.upstream.round_trips() == 0


async def test_a_lone_surrogate_in_a_patch_is_400_and_changes_nothing(scim: Scim) -> None:
    user = await scim.create_user("patched@contoso.com")
    await scim.upstream.reset_stats()
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "title", "value": "x\ud800"}],
    }
    response = await scim.client.patch(
        f"{BASE}/Users/{user['id']}",
        data=json.dumps(body),
        headers={**scim.headers, "Content-Type": "application/scim+json"},
    )
    assert_scim_error(response.status, await response.json(), 400, "invalidSyntax")
    assert await scim.upstream.round_trips() == 0


async def test_a_surrogate_pair_and_an_escaped_backslash_are_fine(scim: Scim) -> None:
    # \ud83d\ude00 is one character (an emoji); "\\ud800" is six ordinary characters.
    raw = json.dumps(new_user("pair@contoso.com", title="\U0001f600 \\ud800")).encode()
    assert b"\\ud83d\\ude00" in raw
    response = await scim.client.post(
        f"{BASE}/Users", data=raw, headers={**scim.headers, "Content-Type": "application/json"}
    )
    assert response.status == 201, await response.text()
    assert (await response.json())["title"] == "\U0001f600 \\ud800"
