"""`wfgen-scim`: serve, demo, emulator, check, link."""

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import ConfigError, InstanceConfig, LoggingSettings, load_config
from .demo import DEFAULT_CLIENT_SECRET, DEFAULT_TOKEN, run_demo
from .emulator import cli as emulator_cli
from .emulator.seed import SeedError, read_seed
from .graphql import UpstreamError, WorkflowGen
from .graphql.schema_check import check
from .migration import command as link_command
from .migration.entra import InputError
from .proxy.app import build_app
from .proxy.entra_auth.hashed import new_secret, printable_hash
from .proxy.logs import configure_logging
from .proxy.server import serve_until_stopped
from .translators.attributes import VOCABULARY

log = logging.getLogger("wfgen_scim")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="wfgen-scim", description="SCIM v2 bridge from Microsoft Entra ID to WorkflowGen"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the proxy for one WorkflowGen instance")
    serve.add_argument("--config", required=True, type=Path, help="instance TOML file")

    check_cmd = commands.add_parser("check", help="verify a deployment before pointing Entra at it")
    check_cmd.add_argument("--config", required=True, type=Path, help="instance TOML file")

    demo = commands.add_parser("demo", help="emulator and proxy in one command, on this machine")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080, help="SCIM port")
    demo.add_argument("--emulator-port", type=int, default=8081, help="emulator GraphQL port")
    demo.add_argument("--token", default=DEFAULT_TOKEN, help="the bearer token Entra would send")
    demo.add_argument("--db", default="wfgen-demo.sqlite3", help="emulator SQLite file")
    demo.add_argument(
        "--client-secret", default=DEFAULT_CLIENT_SECRET, help="the demo OAuth client's secret"
    )
    demo.add_argument(
        "--seed", metavar="FILE", help="legacy directories, users and groups (examples/)"
    )

    token = commands.add_parser(
        "token", help="generate a secret for Entra and print the hash to put in the config"
    )
    token.add_argument(
        "--stdin", action="store_true", help="hash a secret read from standard input instead"
    )

    link = commands.add_parser(
        "link", help="link existing WorkflowGen users and groups to Entra before its first cycle"
    )
    link_command.add_arguments(link)

    emulator = commands.add_parser("emulator", help="the WorkflowGen emulator alone")
    emulator_cli.add_arguments(emulator)

    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(_config(args.config))
        if args.command == "check":
            return _check(_config(args.config))
        if args.command == "link":
            export = link_command.prepare(args)
            return link_command.main(args, _config(args.config), export)
        if args.command == "demo":
            configure_logging(LoggingSettings(level="WARNING", format="text"))
            if args.seed is not None:
                read_seed(args.seed)
            return _run(
                run_demo(
                    args.host,
                    args.port,
                    args.emulator_port,
                    args.token,
                    args.db,
                    args.seed,
                    client_secret=args.client_secret,
                )
            )
        if args.command == "token":
            return _token(from_stdin=args.stdin)
        configure_logging(LoggingSettings(level="INFO", format="text"))
        settings = emulator_cli.settings_from_args(args)
        return _run(emulator_cli.serve(settings, ready=_announce_emulator))
    except (ConfigError, SeedError, InputError) as exc:
        print(f"wfgen-scim: {exc}", file=sys.stderr)
        return 2


def _announce_emulator(url: str) -> None:
    print(f"emulator ready: {url}", flush=True)


def _config(path: Path) -> InstanceConfig:
    config = load_config(path)
    configure_logging(config.logging)
    return config


def _run(coroutine: "asyncio.Future[None] | object") -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(coroutine)  # type: ignore[arg-type]
    return 0


def _serve(config: InstanceConfig) -> int:
    if config.scim.public_url is None:
        log.warning(
            "scim.public_url is not set: Location headers will follow each request's Host "
            "header; set it to the URL Entra uses"
        )
    if not config.workflowgen.verify_tls:
        log.warning("workflowgen.verify_tls is false: WorkflowGen's certificate is not checked")
    try:
        wf = WorkflowGen(config.workflowgen, vocabulary=VOCABULARY)
        app = build_app(
            config.scim,
            wf,
            metrics=config.metrics,
            audit=config.audit,
            oauth=config.oauth,
            auth_limits=config.auth_limits,
        )
        asyncio.run(
            serve_until_stopped(
                app,
                config.scim.host,
                config.scim.port,
                grace_seconds=config.scim.shutdown_grace_seconds,
            )
        )
    except UpstreamError as exc:
        log.error("cannot start: %s", exc.message)
        return 1
    return 0


def _check(config: InstanceConfig) -> int:
    from .proxy.entra_auth.report import auth_report  # loads PyJWT only when asked

    passed, problems = asyncio.run(auth_report(config))
    report = asyncio.run(check(config.workflowgen, VOCABULARY))
    for line in passed + report.passed:
        print(f"ok   {line}")
    for line in report.notes:
        print(f"note {line}")
    for line in problems + report.problems:
        print(f"FAIL {line}")
    return 0 if report.ok and not problems else 1


def _token(*, from_stdin: bool) -> int:
    """A new secret and its hash; the secret goes to Entra, the hash to the config."""
    if from_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            print("wfgen-scim: nothing to hash on standard input", file=sys.stderr)
            return 2
        print(printable_hash(secret))
        return 0
    secret = new_secret()
    print(f"Secret (give it to Entra, then forget it): {secret}")
    print(f"Hash (scim.token_hashes or a client's secret_hashes): {printable_hash(secret)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
