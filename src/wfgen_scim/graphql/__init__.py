"""The WorkflowGen side: the only code that knows gql, HTTP to WorkflowGen and its names.

Callers use the WorkflowGen gateway, the records it returns and the upstream errors it
raises; the client, operation documents and mapping stay inside this package.
"""

from ..records import (
    GroupProfile,
    GroupQuery,
    GroupRecord,
    MemberCheck,
    Page,
    PageWindow,
    Ref,
    UserProfile,
    UserQuery,
    UserRecord,
)
from .errors import (
    UpstreamBadInput,
    UpstreamConflict,
    UpstreamError,
    UpstreamInUse,
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamOutcomeUnknown,
    UpstreamRejected,
    UpstreamUnavailable,
)
from .workflowgen import WorkflowGen

__all__ = [
    "GroupProfile",
    "GroupQuery",
    "GroupRecord",
    "MemberCheck",
    "Page",
    "PageWindow",
    "Ref",
    "UpstreamBadInput",
    "UpstreamConflict",
    "UpstreamError",
    "UpstreamInUse",
    "UpstreamMisconfigured",
    "UpstreamNotFound",
    "UpstreamOutcomeUnknown",
    "UpstreamRejected",
    "UpstreamUnavailable",
    "UserProfile",
    "UserQuery",
    "UserRecord",
    "WorkflowGen",
]
