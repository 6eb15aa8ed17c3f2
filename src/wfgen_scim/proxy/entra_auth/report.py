"""What `wfgen-scim check` says about Entra's side: methods enabled, keys and secrets loaded."""

import aiohttp

from ...config import InstanceConfig, OAuthClient
from .jwks import JwksSource, JwksUnavailable
from .keys import KeyFileError, load_signing_key


async def auth_report(config: InstanceConfig) -> tuple[list[str], list[str]]:
    """(lines that passed, problems), in the order an administrator reads them."""
    passed: list[str] = []
    problems: list[str] = []
    scim, oauth, limits = config.scim, config.oauth, config.auth_limits
    if scim.has_static_tokens:
        passed.append(
            f"Entra static tokens: {len(scim.clear_tokens)} clear, "
            f"{len(scim.token_hashes)} hashed (Authentication Method: Bearer authentication)"
        )
    else:
        passed.append("Entra static tokens: none configured (disabled)")
    if not oauth.enabled:
        passed.append("OAuth2 client credentials token endpoint: disabled")
    else:
        passed.append(
            f"OAuth2 client credentials token endpoint: enabled at {oauth.token_path}, "
            f"access tokens live {oauth.token_lifetime_minutes} minutes"
        )
        for index, path in enumerate(oauth.signing_key_paths):
            role = "signs and verifies" if index == 0 else "verifies"
            try:
                key = load_signing_key(path)
            except KeyFileError as exc:
                problems.append(f"signing key: {exc}")
                continue
            passed.append(f"signing key {key.kid} ({key.algorithm}, {role}) loads from {path}")
        for client in oauth.clients:
            methods = []
            if client.secret_hashes:
                methods.append(f"{len(client.secret_hashes)} secret hash(es)")
            if client.federated:
                found = await _jwks(client)
                if isinstance(found, str):
                    problems.append(found)
                    continue
                methods.append(f"workload identity federation ({found} keys in JWKS)")
            passed.append(f"client {client.id!r}: " + ", ".join(methods))
    passed.append(
        f"failed-authentication limit: {limits.max_failures} failures within "
        f"{limits.window_seconds:g}s refuse an address for {limits.lockout_seconds:g}s"
    )
    return passed, problems


async def _jwks(client: OAuthClient) -> int | str:
    """How many usable keys the client's JWKS has, or the problem."""
    async with aiohttp.ClientSession() as session:
        source = JwksSource(
            url=None if client.jwks_url is None else str(client.jwks_url),
            path=client.jwks_path,
            session=lambda: session,
        )
        try:
            count = await source.load()
        except JwksUnavailable as exc:
            return f"client {client.id!r}: JWKS {exc}"
    if count == 0:
        return f"client {client.id!r}: JWKS {source.where} has no usable signing key"
    return count
