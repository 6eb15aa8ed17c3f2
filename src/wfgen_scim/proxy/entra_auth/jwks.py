"""The keys Entra signs its client assertions with: a JWKS file, or a URL with a cache.

A URL is fetched at most once per `jwks_cache_seconds`, and once more (at most every
REFRESH_FLOOR_SECONDS) when an assertion names a key id the cache does not know: Entra
rotates its keys, but a stream of made-up key ids must not turn into a stream of downloads.
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import jwt

log = logging.getLogger("wfgen_scim.auth")

REFRESH_FLOOR_SECONDS = 60.0
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=10)
MAX_JWKS_BYTES = 1_000_000
# Asymmetric algorithms only: a JWKS is public, so an HMAC "key" from it proves nothing.
ASSERTION_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"}
)


class JwksUnavailable(Exception):
    """The key set could not be read or downloaded, and none is cached."""


def parse_jwks(data: Any) -> dict[str, jwt.PyJWK]:
    """kid -> key, keeping only signing keys of an accepted algorithm."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise JwksUnavailable("not a JWKS document (no 'keys' list)")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in data["keys"]:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig" or "kid" not in entry:
            continue
        try:
            key = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            continue  # an algorithm or key type we do not use
        if key.algorithm_name in ASSERTION_ALGORITHMS:
            keys[str(entry["kid"])] = key
    return keys


class JwksSource:
    def __init__(
        self,
        *,
        url: str | None = None,
        path: str | None = None,
        cache_seconds: float = 3600,
        session: Callable[[], aiohttp.ClientSession] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._path = path
        self._cache_seconds = cache_seconds
        self._session = session
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._loaded_at = float("-inf")
        self._file_mtime: float | None = None
        self._lock = asyncio.Lock()

    @property
    def where(self) -> str:
        return self._url or self._path or "?"

    async def key(self, kid: str) -> jwt.PyJWK | None:
        keys = await self._current()
        if kid not in keys and self._clock() - self._loaded_at >= REFRESH_FLOOR_SECONDS:
            keys = await self._current(force=True)
        return keys.get(kid)

    async def load(self) -> int:
        """Read or download now (for `check` and start); the number of usable keys."""
        return len(await self._current(force=True))

    async def _current(self, force: bool = False) -> dict[str, jwt.PyJWK]:
        async with self._lock:
            stale = self._clock() - self._loaded_at >= self._cache_seconds
            if self._keys is None or force or stale or self._file_changed():
                try:
                    self._keys = await self._read()
                    self._loaded_at = self._clock()
                except JwksUnavailable as exc:
                    if self._keys is None:
                        raise
                    # Keep serving with the keys we had; Entra's keys change rarely.
                    log.warning("JWKS %s could not be refreshed: %s", self.where, exc)
                    self._loaded_at = self._clock()
            return self._keys

    def _file_changed(self) -> bool:
        if self._path is None:
            return False
        try:
            return Path(self._path).stat().st_mtime != self._file_mtime
        except OSError:
            return False

    def _read_file(self, path: str) -> dict[str, jwt.PyJWK]:
        # A small local file: reading it in the loop costs less than a thread hop.
        try:
            self._file_mtime = Path(path).stat().st_mtime
            return parse_jwks(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise JwksUnavailable(f"cannot read {path}: {type(exc).__name__}") from None

    async def _read(self) -> dict[str, jwt.PyJWK]:
        if self._path is not None:
            return self._read_file(self._path)
        assert self._url is not None
        assert self._session is not None
        try:
            async with self._session().get(self._url, timeout=FETCH_TIMEOUT) as response:
                if response.status != 200:
                    raise JwksUnavailable(f"{self._url} answered {response.status}")
                body = await response.content.read(MAX_JWKS_BYTES + 1)
                if len(body) > MAX_JWKS_BYTES:
                    raise JwksUnavailable(f"{self._url}: document too large")
                return parse_jwks(json.loads(body))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise JwksUnavailable(f"cannot download {self._url}: {type(exc).__name__}") from None
