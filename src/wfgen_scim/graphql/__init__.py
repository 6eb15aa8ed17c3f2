"""The WorkflowGen side: the only code that knows gql, HTTP to WorkflowGen and its names.

Callers use the WorkflowGen gateway, the records it returns and the upstream errors it
raises; the client, operation documents and mapping stay inside this package.
"""

from ..records import (
    GroupRecord,
    MemberCheck,
    Page,
    PageWindow,
    Profile,
    Query,
    Ref,
    UserRecord,
    Vocabulary,
)
from .converge import Converged
from .deadline import bounded_by
from .errors import (
    UpstreamBadInput,
    UpstreamConflict,
    UpstreamError,
    UpstreamInUse,
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamOutcomeUnknown,
    UpstreamRejected,
    UpstreamUnanswered,
    UpstreamUnavailable,
)
from .workflowgen import WorkflowGen

__all__ = [
    "Converged",
    "GroupRecord",
    "MemberCheck",
    "Page",
    "PageWindow",
    "Profile",
    "Query",
    "Ref",
    "UpstreamBadInput",
    "UpstreamConflict",
    "UpstreamError",
    "UpstreamInUse",
    "UpstreamMisconfigured",
    "UpstreamNotFound",
    "UpstreamOutcomeUnknown",
    "UpstreamRejected",
    "UpstreamUnanswered",
    "UpstreamUnavailable",
    "UserRecord",
    "Vocabulary",
    "WorkflowGen",
    "bounded_by",
]
