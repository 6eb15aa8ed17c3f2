"""What exists for the proxy, decided in one place, and how an operation is run.

Only users and groups of the configured directory exist for Entra, and archived users do
not (archiving renames them and removes their access). Every read goes through `owns_*`
here, so no caller can see or touch anything else by accident.
"""

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from ..observability import Telemetry
from ..records import Profile
from .client import GraphQLClient
from .converge import Converged
from .errors import UpstreamMisconfigured
from .mapping import ARCHIVED_STATUS
from .operations import Documents
from .results import GroupWire, UserRefWire, UserWire, read

R = TypeVar("R", bound=Any)

log = logging.getLogger("wfgen_scim.upstream")

S = TypeVar("S", bound=BaseModel)


class Scope:
    """The directory the proxy serves, the documents in use, and the client that runs them."""

    def __init__(
        self, client: GraphQLClient, documents: Documents, directory_id: Callable[[], str]
    ) -> None:
        self.client = client
        self.documents = documents
        self._directory_id = directory_id

    @property
    def telemetry(self) -> Telemetry:
        return self.client.telemetry

    @property
    def directory_id(self) -> str:
        return self._directory_id()

    def owns_user(self, wire: UserWire | UserRefWire | None) -> bool:
        """Whether a WorkflowGen user is one Entra may see: ours, and not archived."""
        if wire is None or wire.directory is None:
            return False
        return wire.directory.id == self.directory_id and wire.status != ARCHIVED_STATUS

    def owns_group(self, wire: GroupWire | None) -> bool:
        return (
            wire is not None
            and wire.directory is not None
            and (wire.directory.id == self.directory_id)
        )

    async def run(
        self,
        name: str,
        variables: Mapping[str, Any],
        shape: type[S],
        *,
        resend_safe: bool = False,
        writes: bool = False,
    ) -> S:
        """Run the document `name` with variables in the proxy's vocabulary.

        A variable the document does not declare is an attribute this WorkflowGen does not
        store (warned about at start): a write leaves it out. A lookup never does: a
        filter that silently lost a condition would match the wrong users.
        """
        operation = self.documents[name]
        unbound = operation.unbound(variables)
        if unbound and not writes:
            raise UpstreamMisconfigured(
                f"{operation.source} declares no variable for {', '.join(sorted(unbound))}",
                operation=name,
            )
        sent = {k: v for k, v in variables.items() if k not in unbound}
        data = await self.client.execute(operation, sent, resend_safe=resend_safe)
        return read(shape, data, name)

    def created(
        self, resource: str, result: Converged[R], object_id: str, name: str, profile: Profile
    ) -> None:
        """Report a create: how it converged (metrics) and what it applied (audit)."""
        if result.settled != "applied":
            self.telemetry.converged(resource, result.settled)
        self.telemetry.change(
            operation=f"Create{resource}",
            resource=resource,
            object_id=object_id,
            name=name,
            attributes={} if result.existed else profile,
            outcome=result.settled,
        )
