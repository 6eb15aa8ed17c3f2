"""`wfgen-scim link`: read the exports, read WorkflowGen, plan, and apply or compare.

Every input is checked before anything is written: the exports, the report's file name
and the directory names (exit code 2 with a clear message).
"""

import argparse
import asyncio
import csv
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from ..config import InstanceConfig
from ..graphql import UpstreamError, WorkflowGen
from ..graphql.directories import Directories
from .apply import apply
from .drift import Drift, drift
from .entra import EntraExport, InputError, read_exports
from .graph import AUTHORITY_HOST, GRAPH_URL, GraphSource, fetch
from .plan import BUILTIN_DIRECTORY, Match, default_sources, plan
from .plan import Directories as Scope
from .report import check_report_path, details, table, write_report

SECRET_ENV = "WFGEN_SCIM_GRAPH_CLIENT_SECRET"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="instance TOML file")
    parser.add_argument(
        "--from",
        dest="exports",
        action="append",
        type=Path,
        default=[],
        metavar="EXPORT",
        help="Microsoft Graph JSON (/users, /groups pages) or the portal's users CSV; repeatable",
    )
    parser.add_argument(
        "--match",
        choices=("user-name", "email"),
        default="user-name",
        help="match Entra users by userName = userPrincipalName (default) or by e-mail",
    )
    parser.add_argument(
        "--source-directory",
        action="append",
        metavar="NAME",
        help="directory to take users and groups from; repeatable (default: all but the "
        f"SCIM directory and {BUILTIN_DIRECTORY})",
    )
    parser.add_argument("--report", type=Path, help="write every record to FILE (.json or .csv)")
    parser.add_argument("--apply", action="store_true", help="move and link the matched objects")
    parser.add_argument(
        "--drift", action="store_true", help="compare the export with the SCIM directory instead"
    )
    live = parser.add_argument_group("live from Microsoft Graph (client credentials)")
    live.add_argument("--graph-tenant", metavar="TENANT", help="tenant id or domain")
    live.add_argument("--graph-client-id", metavar="ID", help="app registration's client id")
    live.add_argument(
        "--graph-client-secret-file",
        type=Path,
        metavar="FILE",
        help=f"file holding the client secret (or the environment variable {SECRET_ENV})",
    )
    live.add_argument("--graph-url", default=GRAPH_URL, help=f"default {GRAPH_URL}")
    live.add_argument(
        "--graph-authority-host", default=AUTHORITY_HOST, help=f"default {AUTHORITY_HOST}"
    )
    live.add_argument("--graph-ca-file", help="extra CA bundle for Graph and its token endpoint")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="changes in flight at once (default 4)"
    )


def prepare(args: argparse.Namespace) -> EntraExport:
    """Everything that can be checked without WorkflowGen; InputError otherwise."""
    if args.apply and args.drift:
        raise InputError("--apply and --drift exclude each other")
    if not 1 <= args.concurrency <= 64:
        raise InputError("--concurrency must be between 1 and 64")
    check_report_path(args.report)
    if not args.exports and not args.graph_tenant:
        raise InputError("nothing to link from: give --from EXPORT or --graph-tenant")
    return read_exports(args.exports)


def graph_source(args: argparse.Namespace) -> GraphSource | None:
    if not args.graph_tenant:
        return None
    secret = os.environ.get(SECRET_ENV)
    if args.graph_client_secret_file is not None:
        try:
            secret = args.graph_client_secret_file.read_text().strip()
        except OSError as exc:
            raise InputError(f"--graph-client-secret-file: {exc.strerror}") from None
    if not args.graph_client_id or not secret:
        raise InputError(
            f"--graph-tenant needs --graph-client-id and a secret (--graph-client-secret-file "
            f"or {SECRET_ENV})"
        )
    return GraphSource(
        args.graph_tenant,
        args.graph_client_id,
        secret,
        graph_url=args.graph_url,
        authority_host=args.graph_authority_host,
        ca_file=args.graph_ca_file,
    )


async def run(args: argparse.Namespace, config: InstanceConfig, export: EntraExport) -> int:
    """The exit code: 0 done, 1 WorkflowGen failed or (drift) differences, 2 bad input."""
    try:
        return await _connect(args, config, export)
    except InputError as exc:
        print(f"wfgen-scim link: {exc}", file=sys.stderr)
        return 2
    except UpstreamError as exc:
        print(f"wfgen-scim link: WorkflowGen: {exc.message}", file=sys.stderr)
        return 1


async def _connect(args: argparse.Namespace, config: InstanceConfig, export: EntraExport) -> int:
    source = graph_source(args)
    if source is not None:
        await fetch(source, export)
        export.check()
    wf = WorkflowGen(config.workflowgen)
    await wf.start()
    try:
        return await _run(args, config, export, Directories(wf))
    finally:
        await wf.close()


async def _run(
    args: argparse.Namespace, config: InstanceConfig, export: EntraExport, dirs: Directories
) -> int:
    names = await dirs.names()
    scim = config.workflowgen.directory
    scope = Scope(scim, _sources(args.source_directory, names, scim))
    taken = [(n, i) for n, i in names.items() if scope.takes(n)]
    users = await dirs.users()
    groups = await dirs.groups(taken)
    if args.drift:
        found = drift(export, users, groups, scim)
        for item in found:
            print(f"{item.difference:<9} {item.kind:<5} {item.name}: {item.detail}")
        print(f"{len(found)} difference(s)")
        if args.report:
            _write_drift(args.report, found)
        return 1 if found else 0
    match: Match = "email" if args.match == "email" else "user_name"
    records = plan(export, users, groups, scope, match)
    print(table(records))
    listed = details(records)
    if listed:
        print(listed)
    failed = 0
    if args.apply:
        failed = await apply(dirs, records, concurrency=args.concurrency)
        linked = sum(1 for r in records if r.applied)
        print(f"applied: {linked} linked, {failed} failed")
    if args.report:
        write_report(args.report, records)
    return 1 if failed else 0


def _sources(wanted: list[str] | None, names: dict[str, str], scim: str) -> frozenset[str]:
    if scim not in names:
        raise InputError(f"WorkflowGen has no directory named {scim!r} (workflowgen.directory)")
    if not wanted:
        return default_sources(names, scim)
    by_fold = {n.casefold(): n for n in names}
    chosen = set()
    for name in wanted:
        actual = by_fold.get(name.casefold())
        if actual is None:
            raise InputError(
                f"--source-directory {name!r}: WorkflowGen has no such directory "
                f"(it has {', '.join(sorted(names))})"
            )
        if actual in (scim, BUILTIN_DIRECTORY):
            raise InputError(f"--source-directory {name!r}: that directory cannot be a source")
        chosen.add(actual)
    return frozenset(chosen)


def _write_drift(path: Path, found: list[Drift]) -> None:
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps([asdict(d) for d in found], indent=2) + "\n")
    else:
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["kind", "entra_id", "workflowgen_id", "name", "difference", "detail"])
            for d in found:
                writer.writerow(list(asdict(d).values()))


def main(args: argparse.Namespace, config: InstanceConfig, export: EntraExport) -> int:
    return asyncio.run(run(args, config, export))
