"""A legacy WorkflowGen and an Entra export of it, as issue 8 describes them.

200 users: 0-9 already in the SCIM directory and linked, 190-194 in the SCIM directory and
unknown to Entra, the others in the legacy directory CORP; user 10 carries another object's
system identifier; users 20-22 share their e-mail with users 185-187. 10 groups: 0-8 in
CORP, 9 in SCIM and linked. Entra exports users 0-179 plus 20 new ones, groups 0-9 plus one
new group.
"""

import argparse
import json
from pathlib import Path
from typing import Any

from wfgen_scim.config import InstanceConfig, load_config
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.migration import command

LEGACY = "CORP"
EXPORTED, NEW = 180, 20


def eid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def gid(k: int) -> str:
    return f"11111111-0000-4000-8000-{k:012d}"


def upn(i: int) -> str:
    return f"user{i:03d}@contoso.com"


def mail(i: int) -> str:
    return f"dup{i % 165:03d}@contoso.com" if i in (20, 21, 22, 185, 186, 187) else upn(i)


def seed() -> dict[str, Any]:
    scim: dict[str, Any] = {"users": [], "groups": []}
    corp: dict[str, Any] = {"users": [], "groups": []}
    for i in range(200):
        user = {"userName": upn(i), "email": mail(i), "commonName": f"User {i}"}
        if i < 10:
            scim["users"].append({**user, "systemIdentifier": eid(i)})
        elif 190 <= i < 195:
            scim["users"].append(user)
        elif i == 10:
            corp["users"].append(
                {**user, "systemIdentifier": "99999999-dead-beef-0000-000000000000"}
            )
        else:
            corp["users"].append(user)
    for k in range(10):
        members = [upn(i) for i in range(11, 180) if i % 10 == k]
        group = {"name": f"Team {k}", "members": members}
        if k == 9:
            scim["groups"].append({**group, "systemIdentifier": gid(k), "members": []})
        else:
            corp["groups"].append(group)
    return {"directories": {"SCIM": scim, LEGACY: corp}}


def export() -> tuple[dict[str, Any], dict[str, Any]]:
    """Two Graph pages: /users and /groups (with members)."""
    users = [
        {"id": eid(i), "userPrincipalName": upn(i), "mail": mail(i), "displayName": f"User {i}",
         "accountEnabled": True}
        for i in range(EXPORTED)
    ] + [
        {"id": eid(1000 + j), "userPrincipalName": f"new{j:02d}@contoso.com",
         "mail": f"new{j:02d}@contoso.com", "displayName": f"New {j}", "accountEnabled": True}
        for j in range(NEW)
    ]  # fmt: skip
    groups = [
        {"id": gid(k), "displayName": f"Team {k}", "securityEnabled": True,
         "members": [{"id": eid(i)} for i in range(11, 180) if i % 10 == k]}
        for k in range(10)
    ]  # fmt: skip
    groups.append({"id": gid(99), "displayName": "Newcomers", "securityEnabled": True})
    return (
        {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": users},
        {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups", "value": groups},
    )


def write_world(tmp: Path) -> tuple[Path, list[Path]]:
    seed_file = tmp / "seed.json"
    seed_file.write_text(json.dumps(seed()))
    users, groups = export()
    files = [tmp / "users.json", tmp / "groups.json"]
    files[0].write_text(json.dumps(users))
    files[1].write_text(json.dumps(groups))
    return seed_file, files


def write_config(tmp: Path, graphql_url: str) -> Path:
    emulator = EmulatorSettings()
    path = tmp / "instance.toml"
    path.write_text(
        f'[scim]\ntoken = "link-test-token-0123456789"\n'
        f'[workflowgen]\nurl = "{graphql_url}"\ndirectory = "SCIM"\nauth = "basic"\n'
        f'username = "{emulator.admin_username}"\npassword = "{emulator.admin_password}"\n'
        "timeout_seconds = 5.0\nretry_budget_seconds = 5.0\n"
        '[logging]\nlevel = "WARNING"\nformat = "text"\n'
    )
    return path


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(list(argv))


async def link(config: Path, *argv: str) -> int:
    """`wfgen-scim link` in this process (the loop serving the emulator)."""
    args = parse("--config", str(config), *argv)
    instance: InstanceConfig = load_config(config)
    return await command.run(args, instance, command.prepare(args))
