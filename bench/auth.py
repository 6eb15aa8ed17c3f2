"""SCIM throughput with an OAuth access token (JWT) against a static bearer token.

    .venv/bin/python -m bench.auth [--requests R] [--concurrency C] [--rounds N] [--json]

The proxy runs with the token endpoint on (an ES256 key, one client). The benchmark gets an
access token the way Entra does (client_secret_basic), then sends the same lookup,
`GET /Users?filter=userName eq "..."`, R times from C concurrent clients with each token;
the two take turns for N rounds so drift on a shared machine lands on both.
"""

from __future__ import annotations

import argparse
import base64
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp

from wfgen_scim.proxy.entra_auth.hashed import printable_hash
from wfgen_scim.proxy.entra_auth.keys import new_key_pem

from .measure import cpu_used, machine, table
from .overhead import Request, Series, send
from .stack import (
    REQUEST_TIMEOUT,
    TOKEN,
    add_proxy_arguments,
    main_of,
    running_stack,
)

CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-client-secret-0123456789"
USER_NAME = "auth.bench@contoso.com"


def oauth_config(key: Path) -> str:
    return f"""
[oauth]
enabled = true
signing_key_paths = ["{key}"]

[[oauth.clients]]
id = "{CLIENT_ID}"
secret_hashes = ["{printable_hash(CLIENT_SECRET)}"]
"""


async def access_token(http: aiohttp.ClientSession, origin: str) -> str:
    credentials = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    async with http.post(
        f"{origin}/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {credentials}"},
    ) as response:
        body: dict[str, Any] = await response.json()
        if response.status != 200:
            raise RuntimeError(f"token endpoint answered {response.status}: {body}")
        return str(body["access_token"])


async def run_auth(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="wfgen-bench-key-") as keys:
        key = Path(keys) / "signing.pem"
        key.write_bytes(new_key_pem())
        async with (
            running_stack(
                proxy_log_level=args.proxy_log_level,
                profile_proxy=args.profile_proxy,
                extra_config=oauth_config(key),
            ) as stack,
            aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as http,
        ):
            origin = stack.scim_base.removesuffix("/scim/v2")
            jwt = await access_token(http, origin)
            query = urllib.parse.quote(f'userName eq "{USER_NAME}"')
            url = f"{stack.scim_base}/Users?filter={query}"
            targets = {"static token": TOKEN, "JWT access token": jwt}
            series = {name: Series() for name in targets}
            for _ in range(args.rounds):
                for name, token in targets.items():
                    request = Request("GET", url, {"Authorization": f"Bearer {token}"})
                    before = stack.cpu_seconds()
                    part = await send(http, request, args.requests, args.concurrency)
                    stack.check_alive()
                    series[name].add(part, 0, cpu_used(before, stack.cpu_seconds()))
    summaries = {name: s.summary() for name, s in series.items()}
    static, bearer = summaries["static token"], summaries["JWT access token"]
    return {
        "machine": machine(),
        "requests_per_round": args.requests,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "targets": summaries,
        "jwt_vs_static_throughput": round(bearer["req_per_s"] / static["req_per_s"], 3)
        if static["req_per_s"]
        else None,
    }


def render(result: dict[str, Any]) -> str:
    rows = [
        [
            name,
            s["requests"],
            s["req_per_s"],
            s["p50_ms"],
            s["p95_ms"],
            s["cpu_ms_per_request"].get("proxy", 0.0),
            s["failures"],
        ]
        for name, s in result["targets"].items()
    ]
    headers = ["token", "requests", "req/s", "p50 ms", "p95 ms", "proxy cpu ms/req", "failures"]
    ratio = result["jwt_vs_static_throughput"]
    return "\n".join(
        [
            f"{result['concurrency']} clients, {result['rounds']} rounds of "
            f"{result['requests_per_round']} lookups per token; {result['machine']}",
            table(headers, rows),
            f"JWT / static throughput: {ratio}",
        ]
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.auth", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="lookups per round per token")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--rounds", type=int, default=4, help="rounds, the tokens taking turns")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_proxy_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def failed(result: dict[str, Any]) -> bool:
        return any(s["failures"] for s in result["targets"].values())

    return main_of(
        lambda: run_auth(args),
        as_json=args.json,
        render=render,
        failed=failed,
        stopped="the emulator and the proxy were",
    )


if __name__ == "__main__":
    raise SystemExit(main())
