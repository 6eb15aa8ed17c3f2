"""What an operator sees: /metrics counts, the audit log, request ids - and no secrets.

An Entra-like cycle runs through the proxy; the audit log must hold exactly one line per
change WorkflowGen applied (the emulator counts its mutations), the metrics must count
exactly the requests sent, and neither may contain the token or the password.
"""

import json
import socket
from collections import Counter
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from pytest_aiohttp import AiohttpClient

from tests.harness import (
    TOKEN,
    Scim,
    Upstream,
    add,
    new_group,
    new_user,
    scim_settings,
    workflowgen_for,
)
from wfgen_scim.config import AuditSettings, MetricsSettings
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.proxy.app import build_app
from wfgen_scim.proxy.state import METRICS
from wfgen_scim.translators.attributes import ENTERPRISE_USER

MUTATIONS = {
    "createUser", "updateUser", "deleteUser", "createGroup", "updateGroup", "deleteGroup",
    "addUsersToGroup", "removeUsersFromGroup",
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _cycle(scim: Scim) -> tuple[list[str], Counter[tuple[str, str, str]]]:
    """An Entra-like cycle; returns the X-Request-Id of every answer and what was sent."""
    ids: list[str] = []
    sent: Counter[tuple[str, str, str]] = Counter()

    async def call(method: str, path: str, body: Any = None, resource: str = "Users") -> Any:
        status, answer, headers = await scim.request(method, path, body)
        ids.append(headers["X-Request-Id"])
        sent[(resource, method, str(status))] += 1
        return answer

    users = []
    for number in range(4):
        name = f"audited{number}@contoso.com"
        await call("GET", f'/Users?filter=userName eq "{name}"')
        users.append(await call("POST", "/Users", new_user(name)))
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
    await call(
        "PATCH",
        f"/Users/{users[0]['id']}",
        {**patch, "Operations": [{"op": "Replace", "path": "title", "value": "Boss"}]},
    )
    await call(
        "PATCH",
        f"/Users/{users[1]['id']}",
        {
            **patch,
            "Operations": [
                {"op": "Add", "path": f"{ENTERPRISE_USER}:manager", "value": users[0]["id"]},
                {"op": "Replace", "path": "active", "value": "False"},
            ],
        },
    )
    group = await call("POST", "/Groups", new_group("Audited"), "Groups")
    body = {**patch, "Operations": [add(users[2]["id"])]}
    await call("PATCH", f"/Groups/{group['id']}", body, "Groups")
    await call(
        "PATCH",
        f"/Groups/{group['id']}",
        {**patch, "Operations": [{"op": "Replace", "path": "displayName", "value": "Renamed"}]},
        "Groups",
    )
    await call("DELETE", f"/Users/{users[3]['id']}")
    await call("DELETE", f"/Groups/{group['id']}", resource="Groups")
    return ids, sent


async def test_one_audit_line_per_applied_change_and_metrics_count_every_request(
    aiohttp_client: AiohttpClient, upstream: Upstream, tmp_path: Path
) -> None:
    audit_file = tmp_path / "audit.jsonl"
    audit = AuditSettings(file=str(audit_file), values=["active"])
    port = _free_port()
    metrics = MetricsSettings(host="127.0.0.1", port=port)
    wf = workflowgen_for(upstream)
    app = build_app(scim_settings(), wf, metrics=metrics, audit=audit)
    scim = Scim(await aiohttp_client(app), upstream)
    await upstream.reset_stats()
    ok_before = _upstream_ok(app[METRICS].exposition().decode())

    ids, sent = await _cycle(scim)

    stats = await upstream.stats()
    applied = sum(n for op, n in stats["operations"].items() if op in MUTATIONS)
    lines = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert len(lines) == applied > 0
    assert {line["request_id"] for line in lines} <= set(ids)
    by_operation = Counter(line["workflowgen_operation"] for line in lines)
    assert by_operation == Counter(
        {
            "CreateUser": 4, "UpdateUser": 2, "DeleteUser": 1, "CreateGroup": 1,
            "AddUsersToGroup": 1, "UpdateGroup": 1, "DeleteGroup": 1,
        }
    )  # fmt: skip
    disabled = next(
        line
        for line in lines
        if line["workflowgen_operation"] == "UpdateUser" and "active" in line["attributes"]
    )
    assert disabled["entra_operation"] == "PATCH /Users/{id}"
    assert disabled["attributes"] == ["active", "manager_id"]
    assert disabled["values"] == {"active": False}  # only the configured attribute's value
    titled = next(line for line in lines if line["attributes"] == ["title"])
    assert "values" not in titled

    async with scim.client.session.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        exposition = await response.text()
    counted = {
        (s.labels["resource"], s.labels["method"], s.labels["status"]): s.value
        for family in text_string_to_metric_families(exposition)
        if family.name == "wfgen_scim_requests"
        for s in family.samples
        if s.name == "wfgen_scim_requests_total"
    }
    assert counted == {key: float(n) for key, n in sent.items()}
    assert _upstream_ok(exposition) - ok_before == stats["requests"]

    secrets = (TOKEN, EmulatorSettings().admin_password)
    for text in (audit_file.read_text(), exposition):
        assert not any(secret in text for secret in secrets)


def _upstream_ok(exposition: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(exposition)
        if family.name == "wfgen_scim_upstream_calls"
        for s in family.samples
        if s.name == "wfgen_scim_upstream_calls_total" and s.labels["outcome"] == "ok"
    )


async def test_a_request_id_is_kept_when_plain_and_replaced_when_not(scim: Scim) -> None:
    _, _, headers = await scim.get("/Users", headers={"X-Request-Id": "entra-42.a"})
    assert headers["X-Request-Id"] == "entra-42.a"
    _, _, headers = await scim.get("/Users", headers={"X-Request-Id": "bad id\twith junk"})
    assert headers["X-Request-Id"] != "bad id\twith junk"
    assert len(headers["X-Request-Id"]) == 32


async def test_a_lost_answer_create_is_audited_with_how_it_converged(
    aiohttp_client: AiohttpClient, upstream: Upstream, tmp_path: Path
) -> None:
    audit_file = tmp_path / "audit.jsonl"
    wf = workflowgen_for(upstream)
    app = build_app(scim_settings(), wf, audit=AuditSettings(file=str(audit_file)))
    scim = Scim(await aiohttp_client(app), upstream)
    await upstream.knobs(commit_then_fail_next=1)
    status, _, _ = await scim.post("/Users", new_user("converged@contoso.com"))
    assert status == 201
    [line] = [json.loads(x) for x in audit_file.read_text().splitlines()]
    assert (line["workflowgen_operation"], line["outcome"]) == (
        "CreateUser",
        "applied_after_lost_answer",
    )
