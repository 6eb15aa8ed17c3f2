"""The upstream exception family: what went wrong on the WorkflowGen side.

Each class says what the caller should conclude, not how the failure looked on the wire
(the same idea as gql's TransportServerError vs TransportQueryError). The proxy turns
them into SCIM responses in one table (proxy/errors.py). Elsewhere they are caught only to
settle an outcome (a delete that already happened, a create to undo), never to answer.
"""


class UpstreamError(Exception):
    """WorkflowGen refused or failed an operation."""

    def __init__(self, message: str, *, operation: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation


class UpstreamUnanswered(UpstreamError):
    """WorkflowGen gave no usable answer in time (unreachable, 5xx, timeouts, after the
    retries we allow). Only a later attempt can help: Entra gets 503 with Retry-After.
    Whether anything changed is told by the subclass."""

    retry_after_seconds = 30


class UpstreamUnavailable(UpstreamUnanswered):
    """Nothing was changed: a query failed, or a mutation never reached WorkflowGen or was
    proven not to have been applied. Safe to try again as it is."""


class UpstreamOutcomeUnknown(UpstreamUnanswered):
    """A mutation was sent and its answer lost: it may or may not have been applied.

    Re-sending it blindly could apply it twice, so the caller must settle what happened
    first (creates converge by looking the unique name up: converge.py).
    """


class UpstreamRejected(UpstreamError):
    """WorkflowGen answered, and refused the operation (a business or input error)."""


class UpstreamNotFound(UpstreamRejected):
    """The object does not exist (anymore)."""


class UpstreamConflict(UpstreamRejected):
    """A uniqueness rule would be broken (userName across directories, group name)."""


class UpstreamBadInput(UpstreamRejected):
    """WorkflowGen refused a value (unknown manager, member of another directory, ...)."""


class UpstreamInUse(UpstreamRejected):
    """The user is the only member of a participant, so it cannot be disabled or deleted."""


class UpstreamMisconfigured(UpstreamError):
    """WorkflowGen refused our credentials or rights, or speaks a schema we do not know.

    Only an administrator fixing the proxy or WorkflowGen configuration helps here.
    """
