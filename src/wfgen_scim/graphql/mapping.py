"""The WorkflowGen values no document can alias: error codes and the archived status.

Field, argument and type names live in the operation documents (documents/*.graphql); this
module holds the few WorkflowGen-specific *values* the proxy must recognise in answers.
"""

from collections.abc import Mapping

from .errors import (
    UpstreamBadInput,
    UpstreamConflict,
    UpstreamError,
    UpstreamInUse,
    UpstreamMisconfigured,
    UpstreamNotFound,
)

# A user WorkflowGen archived instead of deleting (it had history): renamed, no access.
ARCHIVED_STATUS = "ARCHIVED"

# WorkflowGen's `extensions.code` -> what the proxy should conclude. One table.
ERROR_CODES: Mapping[str, type[UpstreamError]] = {
    "NOT_FOUND": UpstreamNotFound,
    "CONFLICT": UpstreamConflict,
    "BAD_USER_INPUT": UpstreamBadInput,
    "USER_IN_USE": UpstreamInUse,
    "UNAUTHENTICATED": UpstreamMisconfigured,
    "FORBIDDEN": UpstreamMisconfigured,
}

# Codes that mean "this credential is stale": a renewable token is fetched again once.
STALE_CREDENTIAL_CODES = frozenset({"UNAUTHENTICATED"})
