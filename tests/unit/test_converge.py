"""Creates converge instead of duplicating: every branch of graphql/converge.py.

`send` and `holder` are the two questions a create asks WorkflowGen (create it; who holds
the name now); scripted here, each answer is what WorkflowGen could really say.
"""

from collections.abc import Awaitable, Callable

import pytest

from wfgen_scim.graphql.converge import Holder, create_converging
from wfgen_scim.graphql.errors import UpstreamConflict, UpstreamOutcomeUnknown

OURS = Holder(record="ours", is_our_create=True, conflict_detail="taken by us")
THEIRS = Holder(record="theirs", is_our_create=False, conflict_detail="taken in HR")


def _scripted(*outcomes: object) -> tuple[Callable[[], Awaitable[str]], list[int]]:
    calls = [0]

    async def send() -> str:
        outcome = outcomes[calls[0]]
        calls[0] += 1
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)

    return send, calls


def _holder(*answers: Holder[str] | None) -> Callable[[], Awaitable[Holder[str] | None]]:
    queue = list(answers)

    async def holder() -> Holder[str] | None:
        return queue.pop(0)

    return holder


async def test_a_lost_answer_nobody_holds_is_sent_again() -> None:
    send, calls = _scripted(UpstreamOutcomeUnknown("lost"), "created")
    assert (await create_converging(send, _holder(None), taken="t")).record == "created"
    assert calls == [2]


async def test_a_lost_answer_that_created_ours_is_not_sent_again() -> None:
    send, calls = _scripted(UpstreamOutcomeUnknown("lost"))
    assert (await create_converging(send, _holder(OURS), taken="t")).record == "ours"
    assert calls == [1]


async def test_a_lost_answer_and_someone_else_holding_the_name_is_a_conflict() -> None:
    send, _ = _scripted(UpstreamOutcomeUnknown("lost"))
    with pytest.raises(UpstreamConflict, match="taken in HR"):
        await create_converging(send, _holder(THEIRS), taken="t")


async def test_our_late_first_create_beating_the_resend_is_ours() -> None:
    # The first answer was lost, the name looked free, the re-send is refused as a
    # conflict: the first create landed late, and it is ours.
    send, calls = _scripted(UpstreamOutcomeUnknown("lost"), UpstreamConflict("dup"))
    assert (await create_converging(send, _holder(None, OURS), taken="t")).record == "ours"
    assert calls == [2]


async def test_a_first_attempt_conflict_is_never_taken_for_ours() -> None:
    # Entra creating a name that exists is a conflict even if the holder looks like ours:
    # only a re-send of our own may claim it.
    send, _ = _scripted(UpstreamConflict("dup"))
    with pytest.raises(UpstreamConflict, match="taken by us"):
        await create_converging(send, _holder(OURS), taken="t")


async def test_two_lost_answers_leave_the_outcome_unknown() -> None:
    send, calls = _scripted(UpstreamOutcomeUnknown("lost"), UpstreamOutcomeUnknown("lost"))
    with pytest.raises(UpstreamOutcomeUnknown):
        await create_converging(send, _holder(None, None), taken="t")
    assert calls == [2]


async def test_entra_creating_its_own_object_again_converges_on_it() -> None:
    # Same directory, same non-empty externalId: Entra's object is already here (its
    # earlier create committed behind a 503, or it was linked before the first cycle).
    same = Holder(
        record="existing", is_our_create=True, conflict_detail="x", same_entra_object=True
    )
    send, calls = _scripted(UpstreamConflict("dup"))
    result = await create_converging(send, _holder(same), taken="t")
    assert (result.record, result.existed, calls) == ("existing", True, [1])
