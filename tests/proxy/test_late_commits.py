"""A write WorkflowGen commits after the proxy stopped waiting for it (IIS keeps running a
request whose client hung up), landing after a newer write of the same user.

The proxy cannot stop that write nor see it land: WorkflowGen's API has no precondition to
refuse it. What it does (docs/design.md, "Late commits"): it says so in a warning naming
the user when it gives up waiting, and Entra's next evaluation of that user converges it.
"""

import asyncio
import logging

import pytest

from tests.harness import Scim, StartStack


async def _updates_executed(scim: Scim) -> int:
    return int((await scim.upstream.stats())["operations"].get("updateUser", 0))


async def _title(scim: Scim, user_id: str) -> str | None:
    status, body, _ = await scim.get(f"/Users/{user_id}")
    assert status == 200, body
    title: str | None = body.get("title")
    return title


async def test_a_late_commit_after_a_newer_update_is_not_silent_and_converges(
    start_stack: StartStack, caplog: pytest.LogCaptureFixture
) -> None:
    # The proxy gives up on one attempt after 0.3 s; the late write waits 1 s.
    scim = await start_stack(timeout_seconds=0.3, retry_budget_seconds=5.0)
    user = await scim.create_user("late@contoso.com")
    path = f"/Users/{user['id']}"
    await scim.upstream.knobs(late_commit_next=1, late_commit_delay_ms=1000)
    with caplog.at_level(logging.WARNING, logger="wfgen_scim.upstream"):
        # Entra sets title A: the first attempt hangs, the proxy times out and re-sends
        # (an absolute update), the re-sent copy commits: Entra gets its 200.
        status, body, _ = await scim.patch(path, {"op": "Replace", "path": "title", "value": "A"})
        assert (status, body["title"]) == (200, "A")
        # Entra then sets title B, which commits.
        status, body, _ = await scim.patch(path, {"op": "Replace", "path": "title", "value": "B"})
        assert (status, body["title"]) == (200, "B")
    # The hung attempt still lands, after B.
    for _ in range(100):
        if await _updates_executed(scim) == 3:
            break
        await asyncio.sleep(0.05)
    assert await _updates_executed(scim) == 3
    # The stale value did win in WorkflowGen (no precondition can refuse it there)...
    assert await _title(scim, user["id"]) == "A"
    # ...but not silently: the proxy warned, naming the user, when it stopped waiting.
    warnings = [r for r in caplog.records if getattr(r, "event", None) == "late_commit_risk"]
    assert [(w.levelno, getattr(w, "target_id", None)) for w in warnings] == [
        (logging.WARNING, user["id"])
    ]
    # Entra's next evaluation of the user (a change in Entra, or provision on demand)
    # reads it, sees title A where it holds B, and sends the difference.
    assert await _title(scim, user["id"]) != "B"
    status, body, _ = await scim.patch(path, {"op": "Replace", "path": "title", "value": "B"})
    assert (status, body["title"]) == (200, "B")
    assert await _title(scim, user["id"]) == "B"


async def test_an_update_answered_in_time_warns_of_nothing(
    scim: Scim, caplog: pytest.LogCaptureFixture
) -> None:
    user = await scim.create_user("ontime@contoso.com")
    await scim.upstream.knobs(commit_then_fail_next=1, fail_next=1)
    with caplog.at_level(logging.WARNING, logger="wfgen_scim.upstream"):
        status, _, _ = await scim.patch(
            f"/Users/{user['id']}", {"op": "Replace", "path": "title", "value": "C"}
        )
    assert status == 200
    # A lost answer (connection closed) or a 503 leaves nothing running in WorkflowGen.
    assert not [r for r in caplog.records if getattr(r, "event", None) == "late_commit_risk"]
