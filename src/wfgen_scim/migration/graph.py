"""Fetching Entra's users and groups live from Microsoft Graph (client credentials).

The token comes from msal (Microsoft's own library, which knows Entra's token endpoints and
their quirks); the pages come from Graph with aiohttp, following `@odata.nextLink`. Both
URLs are settings, so national clouds work, and so do the tests' local fake Graph. The app
registration needs the application permissions User.Read.All and GroupMember.Read.All.
"""

import asyncio
import functools
import ssl
from dataclasses import dataclass
from typing import Any

import aiohttp
import msal  # type: ignore[import-untyped]
import requests

from .entra import EntraExport, InputError

GRAPH_URL = "https://graph.microsoft.com/v1.0"
AUTHORITY_HOST = "https://login.microsoftonline.com"
_USER_FIELDS = "id,userPrincipalName,mail,displayName,givenName,surname,accountEnabled"


@dataclass(frozen=True)
class GraphSource:
    tenant: str
    client_id: str
    client_secret: str
    graph_url: str = GRAPH_URL
    authority_host: str = AUTHORITY_HOST
    ca_file: str | None = None

    def __repr__(self) -> str:  # the secret never reaches a log or a traceback
        return f"GraphSource(tenant={self.tenant!r}, client_id={self.client_id!r})"


def _token(source: GraphSource) -> str:
    """A Graph access token for the app itself (sync: msal uses requests)."""
    app = msal.ConfidentialClientApplication(
        source.client_id,
        client_credential=source.client_secret,
        authority=f"{source.authority_host.rstrip('/')}/{source.tenant}",
        # A custom authority host (national cloud, test) is not in Microsoft's list.
        instance_discovery=source.authority_host == AUTHORITY_HOST,
        http_client=_session(source.ca_file),
    )
    scope = source.graph_url.split("/v1.0")[0].rstrip("/") + "/.default"
    result: dict[str, Any] = app.acquire_token_for_client(scopes=[scope])
    if "access_token" not in result:
        # Entra's error_description's first line says why; the rest is trace ids.
        why = str(result.get("error_description") or "").split("\n")[0]
        raise InputError(
            f"Microsoft Graph refused the client credentials: {result.get('error', '?')}: {why}"
        )
    return str(result["access_token"])


def _session(ca_file: str | None) -> requests.Session:
    session = requests.Session()
    if ca_file:
        # Per request: requests lets REQUESTS_CA_BUNDLE override a session-wide `verify`.
        session.request = functools.partial(session.request, verify=ca_file)  # type: ignore[method-assign]
    return session


async def fetch(source: GraphSource, export: EntraExport) -> None:
    """Add every user and group (with their members) of the tenant to `export`."""
    try:
        token = await asyncio.to_thread(_token, source)
    except InputError:
        raise
    except ValueError as exc:  # msal refuses a malformed authority this way
        raise InputError(f"Microsoft Graph authority: {exc}") from None
    context = ssl.create_default_context(cafile=source.ca_file)
    headers = {"Authorization": f"Bearer {token}"}
    base = source.graph_url.rstrip("/")
    async with aiohttp.ClientSession(headers=headers) as http:
        try:
            async for page in _pages(
                http, f"{base}/users?$select={_USER_FIELDS}&$top=999", context
            ):
                export.add_graph_page(page, "Microsoft Graph /users", kind="users")
            groups: list[dict[str, Any]] = []
            async for page in _pages(
                http, f"{base}/groups?$select=id,displayName&$top=999", context
            ):
                groups.extend(page.get("value", []))
            for group in groups:
                members: list[dict[str, Any]] = []
                url = f"{base}/groups/{group.get('id')}/members?$select=id&$top=999"
                async for page in _pages(http, url, context):
                    members.extend(page.get("value", []))
                group["members"] = members
            export.add_graph_page({"value": groups}, "Microsoft Graph /groups", kind="groups")
        except aiohttp.ClientError as exc:
            raise InputError(f"Microsoft Graph: {type(exc).__name__}: {exc}") from None


async def _pages(http: aiohttp.ClientSession, url: str | None, context: ssl.SSLContext) -> Any:
    while url:
        async with http.get(url, ssl=context) as response:
            if response.status != 200:
                raise InputError(f"Microsoft Graph answered HTTP {response.status} to {url}")
            page = await response.json()
        yield page
        url = page.get("@odata.nextLink")
