"""`wfgen-scim demo`: the emulator and the proxy in one process, ready for curl or Entra."""

import asyncio
import os
from pathlib import Path

from aiohttp import web
from pydantic import HttpUrl, SecretStr, ValidationError

from .config import (
    ConfigError,
    OAuthClient,
    OAuthSettings,
    ScimSettings,
    UpstreamAuthMode,
    WorkflowGenSettings,
)
from .emulator import EmulatorSettings
from .emulator import build_app as build_emulator
from .graphql import WorkflowGen
from .proxy.app import build_app
from .proxy.entra_auth.hashed import printable_hash

DEFAULT_TOKEN = "demo-secret-token-change-me"
DEFAULT_CLIENT_ID = "entra-demo"
DEFAULT_CLIENT_SECRET = "demo-client-secret-change-me"


def demo_signing_key(db: str) -> Path:
    """A key beside the emulator's data, made once, so tokens survive a restarted demo."""
    from .proxy.entra_auth.keys import new_key_pem  # loads cryptography only for the demo

    path = Path(db).resolve().parent / "wfgen-demo-signing-key.pem"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(new_key_pem())
    return path


async def run_demo(
    host: str,
    port: int,
    emulator_port: int,
    token: str,
    db: str,
    seed: str | None = None,
    *,
    client_secret: str = DEFAULT_CLIENT_SECRET,
) -> None:
    emulator = EmulatorSettings(host=host, port=emulator_port, db=db, seed_file=seed)
    graphql_url = f"http://{host}:{emulator_port}/wfgen/graphql"
    try:
        scim = ScimSettings(host=host, port=port, token=SecretStr(token))
        upstream = WorkflowGenSettings(
            url=HttpUrl(graphql_url),
            directory=emulator.directory_name,
            auth=UpstreamAuthMode.basic,
            username=emulator.admin_username,
            password=SecretStr(emulator.admin_password),
        )
        oauth = OAuthSettings(
            enabled=True,
            signing_key_paths=[str(demo_signing_key(db))],
            clients=[
                OAuthClient(id=DEFAULT_CLIENT_ID, secret_hashes=[printable_hash(client_secret)])
            ],
        )
    except ValidationError as exc:
        raise ConfigError(str(exc)) from None
    runners: list[web.AppRunner] = []
    try:
        for app, app_port in (
            (build_emulator(emulator), emulator_port),
            (build_app(scim, WorkflowGen(upstream), oauth=oauth), port),
        ):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            runners.append(runner)
            await web.TCPSite(runner, host, app_port).start()
        scim_url = f"http://{host}:{port}{scim.base_path}"
        print(f"WorkflowGen emulator (GraphQL): {graphql_url}")
        print(f"SCIM endpoint (Tenant URL):     {scim_url}")
        print(f"Secret Token:                   {token}")
        print(f"Token Endpoint:                 http://{host}:{port}{oauth.token_path}")
        print(f"Client Identifier:              {DEFAULT_CLIENT_ID}")
        print(f"Client Secret:                  {client_secret}")
        print(
            f"WorkflowGen administrator:      {emulator.admin_username} / "
            f'{emulator.admin_password} (auth = "basic", what `check` and the proxy use)'
        )
        print(f"Emulator data:                  {db}")
        print(f'Try: curl -H "Authorization: Bearer {token}" {scim_url}/Users')
        print("wfgen-scim demo is ready (Ctrl-C stops it)", flush=True)
        await asyncio.Event().wait()
    finally:
        for runner in reversed(runners):
            await runner.cleanup()
