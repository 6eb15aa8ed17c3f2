"""Creates that converge instead of duplicating when their answer is lost.

WorkflowGen has no idempotency key, but userNames are unique across WorkflowGen and group
names within a directory. So after a create whose answer was lost we look the name up: if
it holds what we sent, the create happened and we return it; if nobody holds it, re-sending
cannot duplicate (a racing copy of our own create is refused as a conflict, which is settled
the same way); if someone else holds it, that is a genuine conflict.

Entra may also send a create again for an object a previous attempt made (its first POST
got a 503 after the create committed, or an administrator linked the object beforehand):
when the name is held in our directory by an object with the same non-empty externalId
(Entra's objectId), the create converges on it instead of failing with 409 every cycle;
the caller then brings it to what was sent.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import UpstreamConflict, UpstreamOutcomeUnknown

R = TypeVar("R")

log = logging.getLogger("wfgen_scim.upstream")


@dataclass(frozen=True)
class Holder(Generic[R]):
    """Who holds the name we tried to create."""

    record: R
    is_our_create: bool  # what we sent: our directory, our externalId
    conflict_detail: str  # what to tell Entra when it is not
    same_entra_object: bool = False  # ours, with the same non-empty externalId


@dataclass(frozen=True)
class Converged(Generic[R]):
    """What a create ended with; `existed`: it was already there, possibly with other
    values than the ones sent. `settled` says how (for the audit log and metrics):
    applied, applied_on_resend, applied_after_lost_answer or already_there."""

    record: R
    existed: bool = False
    settled: str = "applied"


async def create_converging(
    send: Callable[[], Awaitable[R]],
    holder: Callable[[], Awaitable[Holder[R] | None]],
    taken: str,
) -> Converged[R]:
    """Run `send` at most twice; `holder` settles what a lost answer or a conflict means."""
    for attempt in (1, 2):
        try:
            return Converged(
                await send(), settled="applied" if attempt == 1 else "applied_on_resend"
            )
        except UpstreamConflict as exc:
            found = await holder()
            if attempt == 2 and found is not None and found.is_our_create:
                # Our first, lost create won the race with our re-send.
                return Converged(found.record, settled="applied_after_lost_answer")
            if found is not None and found.same_entra_object:
                log.info("a create converged on the object Entra already has here")
                return Converged(found.record, existed=True, settled="already_there")
            detail = found.conflict_detail if found is not None else taken
            raise UpstreamConflict(detail, operation=exc.operation) from None
        except UpstreamOutcomeUnknown:
            found = await holder()
            if found is not None and found.is_our_create:
                log.warning("a create whose answer was lost converged on what it created")
                return Converged(found.record, settled="applied_after_lost_answer")
            if found is not None:
                raise UpstreamConflict(found.conflict_detail) from None
            if attempt == 2:
                raise
            log.warning("a create lost its answer and did not happen; sending it again")
    raise AssertionError("unreachable: the second attempt returns or raises")
