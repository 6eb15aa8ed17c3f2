"""The WorkflowGen directory as the proxy sees it: `wf.users` and `wf.groups`.

Everything above this package works with records and never with GraphQL. Scope is
enforced below (scope.py), so no caller can see or touch a user of another directory or
an archived user by accident: such objects simply do not exist at this interface.
"""

import logging

from ..config import WorkflowGenSettings
from ..observability import Telemetry
from ..records import Vocabulary
from .client import GraphQLClient
from .errors import UpstreamMisconfigured
from .groups import Groups
from .operations import Documents
from .results import DirectoryResult
from .schema_check import binding_gaps, fetch_schema, problems_with
from .scope import Scope
from .users import Users

log = logging.getLogger("wfgen_scim.upstream")


class WorkflowGen:
    """Typed operations on the users and groups of the configured directory."""

    def __init__(
        self,
        settings: WorkflowGenSettings,
        client: GraphQLClient | None = None,
        *,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.settings = settings
        self.client = client or GraphQLClient(settings)
        self.documents = Documents(settings.documents_dir)
        self.vocabulary = vocabulary
        self._directory_id: str | None = None
        scope = Scope(self.client, self.documents, lambda: self.directory_id)
        self.users = Users(scope)
        self.groups = Groups(scope)
        self._scope = scope

    async def start(self) -> None:
        """Connect and resolve the directory once, so no request pays for it."""
        problems = self._binding_problems()
        if problems:
            raise UpstreamMisconfigured(
                "the operation documents do not bind what the proxy needs: " + "; ".join(problems)
            )
        await self.client.start()
        try:
            found = await self._scope.run(
                "Directory", {"name": self.settings.directory}, DirectoryResult
            )
            if found.result is None:
                raise UpstreamMisconfigured(
                    f"WorkflowGen has no directory named {self.settings.directory!r}: create it "
                    "in WorkflowGen's Administration Module, or fix workflowgen.directory"
                )
            if self.settings.check_schema_at_start:
                await self._check_schema()
        except BaseException:
            await self.client.close()
            raise
        self._directory_id = found.result.id

    async def close(self) -> None:
        await self.client.close()

    def attach(self, telemetry: Telemetry) -> None:
        """Report upstream calls, retries, converged creates and applied changes there."""
        self.client.telemetry = telemetry

    @property
    def started(self) -> bool:
        return self._directory_id is not None

    @property
    def directory_id(self) -> str:
        if self._directory_id is None:
            raise RuntimeError("WorkflowGen.start() was not called")
        return self._directory_id

    async def _check_schema(self) -> None:
        """Refuse to serve against a WorkflowGen whose schema our documents do not fit."""
        schema = await fetch_schema(self.client, str(self.settings.url))
        problems = problems_with(schema, self.documents)
        if problems:
            raise UpstreamMisconfigured(
                "WorkflowGen's schema does not fit the proxy's operations: " + "; ".join(problems)
            )

    def _binding_problems(self) -> list[str]:
        """Documents that cannot serve the proxy; attributes they do not store are logged."""
        if self.vocabulary is None:
            return []
        gaps = binding_gaps(self.documents, self.vocabulary)
        for note in gaps.notes:
            log.warning("%s: Entra's values for it are ignored", note)
        return gaps.problems
