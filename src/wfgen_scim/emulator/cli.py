"""Command-line options of `wfgen-scim emulator`, and running the server until cancelled."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .app import build_app
from .execution import ExecutableSchema
from .graphql_endpoint import GRAPHQL_PATH
from .schema_variants import SchemaVariantError
from .seed import SeedError, read_seed
from .settings import EmulatorSettings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = EmulatorSettings()
    parser.add_argument("--host", default=defaults.host, help="interface to listen on")
    parser.add_argument(
        "--port", type=int, default=defaults.port, help="TCP port (0 picks a free one)"
    )
    parser.add_argument(
        "--db",
        default=str(defaults.db),
        help="SQLite file (kept across restarts) or ':memory:'",
    )
    parser.add_argument(
        "--directory",
        default=defaults.directory_name,
        help="directory created besides WORKFLOWGEN, for provisioned users",
    )
    parser.add_argument(
        "--admin-user", default=defaults.admin_username, help="administrator's userName"
    )
    parser.add_argument(
        "--admin-password", default=defaults.admin_password, help="administrator's password"
    )
    parser.add_argument(
        "--bearer-token",
        action="append",
        type=_bearer_token,
        metavar="TOKEN[=USERNAME]",
        help="static access token acting as USERNAME (default: the administrator); "
        "repeatable; replaces the default token",
    )
    parser.add_argument(
        "--oauth-client",
        action="append",
        type=_oauth_client,
        metavar="ID:SECRET[:USERNAME]",
        help="client-credentials client whose tokens act as USERNAME (default: the "
        "administrator); repeatable; replaces the default client",
    )
    parser.add_argument(
        "--seed-users", type=int, default=0, help="users seeded in the SCIM directory"
    )
    parser.add_argument(
        "--seed",
        default=None,
        metavar="FILE",
        help="JSON file of legacy directories, users and groups to create once (see examples/)",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay before each GraphQL request"
    )
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help="share of requests answered 503"
    )
    parser.add_argument(
        "--drop-rate", type=float, default=0.0, help="share of requests whose connection is closed"
    )
    parser.add_argument(
        "--commit-then-fail-rate",
        type=float,
        default=0.0,
        help="share of mutation requests committed and then left unanswered",
    )
    parser.add_argument(
        "--random-seed", type=int, default=None, help="seed of the fault rates (replayable)"
    )
    parser.add_argument(
        "--rename",
        action="append",
        type=_rename,
        metavar="TYPE.FIELD=NEWNAME",
        help="serve a variant of the model schema in which TYPE.FIELD is called NEWNAME "
        "(same behaviour); repeatable",
    )


def settings_from_args(ns: argparse.Namespace) -> EmulatorSettings:
    values: dict[str, Any] = {
        "host": ns.host,
        "port": ns.port,
        "db": ns.db,
        "directory_name": ns.directory,
        "admin_username": ns.admin_user,
        "admin_password": ns.admin_password,
        "seed_users": ns.seed_users,
        "seed_file": ns.seed,
        "latency_ms": ns.latency_ms,
        "fail_rate": ns.fail_rate,
        "drop_rate": ns.drop_rate,
        "commit_then_fail_rate": ns.commit_then_fail_rate,
        "random_seed": ns.random_seed,
    }
    # USERNAME left out (None) means the administrator, whatever --admin-user says.
    if ns.bearer_token:
        values["bearer_tokens"] = {
            token: user_name or ns.admin_user for token, user_name in ns.bearer_token
        }
    if ns.oauth_client:
        values["oauth_clients"] = {
            client_id: (secret, user_name or ns.admin_user)
            for client_id, secret, user_name in ns.oauth_client
        }
    if ns.rename:
        values["schema_renames"] = dict(ns.rename)
    settings = EmulatorSettings(**values)
    if settings.seed_file is not None:
        try:
            read_seed(settings.seed_file)
        except SeedError as error:
            raise SystemExit(f"wfgen-scim emulator: {error}") from None
    try:
        # Checked here so that a rename that does not fit is a message, not a traceback.
        ExecutableSchema(settings.schema_renames)
    except SchemaVariantError as error:
        raise SystemExit(f"wfgen-scim emulator: {error}") from None
    return settings


async def serve(settings: EmulatorSettings, ready: Callable[[str], None] | None = None) -> None:
    """Runs the emulator until cancelled; `ready` gets the GraphQL endpoint's URL."""
    runner = web.AppRunner(build_app(settings))
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        if ready is not None:
            ready(
                f"http://{_url_host(settings.host)}:{_bound_port(runner, settings.port)}"
                f"{GRAPHQL_PATH}"
            )
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def _bearer_token(spec: str) -> tuple[str, str | None]:
    token, _, user_name = spec.partition("=")
    if not token:
        raise argparse.ArgumentTypeError(f"{spec!r}: expected TOKEN[=USERNAME]")
    return token, user_name or None


def _oauth_client(spec: str) -> tuple[str, str, str | None]:
    client_id, _, rest = spec.partition(":")
    secret, _, user_name = rest.partition(":")
    if not client_id or not secret:
        raise argparse.ArgumentTypeError(f"{spec!r}: expected ID:SECRET[:USERNAME]")
    return client_id, secret, user_name or None


def _rename(spec: str) -> tuple[str, str]:
    field, _, new_name = spec.partition("=")
    if "." not in field or not new_name:
        raise argparse.ArgumentTypeError(f"{spec!r}: expected TYPE.FIELD=NEWNAME")
    return field, new_name


def _bound_port(runner: web.AppRunner, requested: int) -> int:
    # With port 0 the OS picks one; read it back so that `ready` names a reachable URL.
    for address in runner.addresses:
        if isinstance(address, tuple):
            return int(address[1])
    return requested


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
