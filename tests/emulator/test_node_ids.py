"""Opaque ids: round trips, and anything else decodes to "no such node" without raising."""

from __future__ import annotations

import base64

import pytest

from wfgen_scim.emulator.node_ids import decode_id, encode_id


def test_ids_round_trip_without_padding() -> None:
    node_id = encode_id("User", 42)
    assert "=" not in node_id
    assert base64.urlsafe_b64decode(node_id + "==") == b"User:42"
    assert decode_id("User", node_id) == 42
    assert decode_id("Group", node_id) is None


@pytest.mark.parametrize(
    "node_id",
    [
        None,
        42,
        "",
        "é",
        "VXNlcjo0Mg==é",
        "%%%",
        "VXNlcjowNDI",  # "User:042": one id has one spelling
        "VXNlcjotMQ",  # "User:-1"
        "VXNlcjo",  # "User:"
        "VXNlcg",  # "User"
        "A" * 1000,
        base64.urlsafe_b64encode(b"User:\xff").decode(),
    ],
)
def test_anything_else_is_no_id(node_id: object) -> None:
    assert decode_id("User", node_id) is None
