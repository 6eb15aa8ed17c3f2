"""The console script's side of Entra authentication: token, demo, check, two replicas."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from pathlib import Path

import aiohttp

from tests.auth_harness import BASIC_CLIENT, BASIC_SECRET, basic, write_key
from tests.harness import new_user
from tests.proxy.test_cli import _run, free_port, running
from wfgen_scim.proxy.entra_auth.hashed import printable_hash

GRANT = {"grant_type": "client_credentials"}


async def test_token_prints_a_new_secret_and_its_hash() -> None:
    code, out = await _run("token")
    assert code == 0
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    secret = lines["Secret (give it to Entra, then forget it)"]
    assert len(secret) >= 40
    assert lines["Hash (scim.token_hashes or a client's secret_hashes)"] == (
        "sha256:" + hashlib.sha256(secret.encode()).hexdigest()
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wfgen_scim.cli",
        "token",
        "--stdin",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out_bytes, _ = await process.communicate(b"my-chosen-secret-0123\n")
    assert out_bytes.decode().strip() == printable_hash("my-chosen-secret-0123")


async def test_demo_prints_the_oauth_fields_and_they_work(tmp_path: Path) -> None:
    port, emulator_port = free_port(), free_port()
    args = ("demo", "--port", str(port), "--emulator-port", str(emulator_port))
    async with running(*args, ready="is ready", cwd=tmp_path) as output:
        fields = dict(
            (name.strip(), value.strip())
            for name, _, value in (line.partition(":") for line in output)
            if name in ("Token Endpoint", "Client Identifier", "Client Secret")
        )
        assert fields["Token Endpoint"] == f"http://127.0.0.1:{port}/oauth2/token"
        auth = basic(fields["Client Identifier"], fields["Client Secret"])
        async with aiohttp.ClientSession() as http:
            async with http.post(
                fields["Token Endpoint"], data=GRANT, headers={"Authorization": auth}
            ) as r:
                assert r.status == 200
                token = (await r.json())["access_token"]
            async with http.post(
                f"http://127.0.0.1:{port}/scim/v2/Users",
                json=new_user("demo-oauth@contoso.com"),
                headers={"Authorization": f"Bearer {token}"},
            ) as r:
                assert r.status == 201
    assert (tmp_path / "wfgen-demo-signing-key.pem").exists()


def _oauth_instance(tmp_path: Path, graphql_port: int, key: Path) -> Path:
    path = tmp_path / "oauth.toml"
    path.write_text(
        f"""
[scim]
host = "127.0.0.1"
token_hashes = ["{printable_hash("static-token-of-the-cli-test-01")}"]
[workflowgen]
url = "http://127.0.0.1:{graphql_port}/wfgen/graphql"
username = "wfgen_admin"
[metrics]
enabled = false
[oauth]
enabled = true
signing_key_paths = ["{key}"]
[[oauth.clients]]
id = "{BASIC_CLIENT}"
secret_hashes = ["{printable_hash(BASIC_SECRET)}"]
"""
    )
    return path


async def test_check_reports_the_methods_and_two_replicas_share_tokens(tmp_path: Path) -> None:
    graphql_port = free_port()
    password = {"WFGEN_SCIM__WORKFLOWGEN__PASSWORD": "admin-password"}
    config = _oauth_instance(tmp_path, graphql_port, write_key(tmp_path / "key.pem"))
    emulator = ("emulator", "--port", str(graphql_port), "--db", str(tmp_path / "e.db"))
    async with running(*emulator, ready="emulator ready", cwd=tmp_path):
        code, out = await _run("check", "--config", str(config), env=password)
        assert code == 0, out
        assert "ok   Entra static tokens: 0 clear, 1 hashed" in out
        assert "ok   OAuth2 client credentials token endpoint: enabled at /oauth2/token" in out
        assert "(ES256, signs and verifies) loads from" in out
        assert f"ok   client '{BASIC_CLIENT}': 1 secret hash(es)" in out

        (tmp_path / "key.pem").write_text("not a key")
        code, out = await _run("check", "--config", str(config), env=password)
        assert code == 1
        assert "FAIL signing key:" in out
        assert "not a key" not in out
        write_key(tmp_path / "key.pem")

        ports = free_port(), free_port()
        replicas = [
            running(
                "serve",
                "--config",
                str(config),
                ready="Running on",
                cwd=tmp_path,
                env={**password, "WFGEN_SCIM__SCIM__PORT": str(port)},
            )
            for port in ports
        ]
        async with replicas[0], replicas[1], aiohttp.ClientSession() as http:
            first, second = (f"http://127.0.0.1:{port}" for port in ports)
            async with http.post(
                f"{first}/oauth2/token",
                data=GRANT,
                headers={"Authorization": basic(BASIC_CLIENT, BASIC_SECRET)},
            ) as r:
                assert r.status == 200
                token = (await r.json())["access_token"]
            async with http.get(
                f"{second}/scim/v2/Users", headers={"Authorization": f"Bearer {token}"}
            ) as r:
                assert r.status == 200
