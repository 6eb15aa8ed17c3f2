"""Secrets Entra presents (static tokens, client secrets), matched by their SHA-256 hash.

Every presented value is hashed and compared with every stored digest through
hmac.compare_digest, without stopping at the first match: neither the time taken nor the
position of the right entry tells a guesser anything.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from ...config import normalise_hash

TOKEN_BYTES = 32


def digest(secret: str) -> bytes:
    # surrogatepass: a header with bytes that are not UTF-8 hashes too, it never raises.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def printable_hash(secret: str) -> str:
    """The form config files store: `sha256:<hex>`."""
    return "sha256:" + digest(secret).hex()


def new_secret() -> str:
    """256 random bits, URL-safe: fits a header, a form body and Entra's Secret Token field."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class SecretSet:
    """A set of accepted secrets, known only by their digests."""

    def __init__(self, clear: Iterable[str] = (), hashes: Iterable[str] = ()) -> None:
        self._digests = [digest(value) for value in clear]
        self._digests += [bytes.fromhex(normalise_hash(value)) for value in hashes]

    def __len__(self) -> int:
        return len(self._digests)

    def matches(self, presented: str) -> bool:
        candidate = digest(presented)
        found = False
        for stored in self._digests:
            found |= hmac.compare_digest(candidate, stored)
        return found
