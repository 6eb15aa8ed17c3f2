"""Opaque node ids: urlsafe base64 of "<Type>:<row id>", without padding."""

from __future__ import annotations

import base64
from typing import Literal

NodeType = Literal["User", "Group", "Directory"]

# Longer strings cannot be one of our ids; refusing them early keeps decoding cheap.
_MAX_ID_LENGTH = 64


def encode_id(node_type: NodeType, pk: int) -> str:
    raw = f"{node_type}:{pk}".encode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_id(node_type: NodeType, node_id: object) -> int | None:
    """The row id behind `node_id`, or None when it is malformed or names another type."""
    if not isinstance(node_id, str) or not node_id or len(node_id) > _MAX_ID_LENGTH:
        return None
    padded = node_id + "=" * (-len(node_id) % 4)
    try:
        # validate=True: the lenient decoder would silently drop stray characters and
        # accept many spellings of one id.
        text = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except ValueError:  # bad base64, or non-ASCII text in or out
        return None
    prefix, _, number = text.partition(":")
    if prefix != node_type or not number.isdigit() or number != str(int(number)):
        return None
    return int(number)
