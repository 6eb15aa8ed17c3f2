"""A small Entra cycle under 25% upstream faults, lost answers included, ends exactly where
Entra meant it to: no duplicate, nothing missing, no wrong attribute or membership, no
request left failing. The full-size run is bench/chaos.py."""

from typing import Any

from bench.chaos_client import chaos_run

from tests.harness import Scim, StartStack
from wfgen_scim.emulator import EmulatorSettings


class InProcess:
    """bench.chaos_client's Channel over the test fixtures."""

    def __init__(self, scim: Scim) -> None:
        self._scim = scim

    async def scim(self, method: str, path: str, body: Any | None) -> tuple[int, Any]:
        status, payload, _ = await self._scim.request(method, path, body)
        return status, payload

    async def graphql(self, query: str, variables: dict[str, Any]) -> Any:
        return await self._scim.upstream.graphql(query, variables)

    async def knobs(self, **values: Any) -> None:
        await self._scim.upstream.knobs(**values)

    async def faults_injected(self) -> dict[str, int]:
        response = await self._scim.upstream.client.get("/wfgen/emulator/faults")
        faults: dict[str, int] = await response.json()
        return faults


async def test_an_entra_cycle_under_25_percent_faults_converges(start_stack: StartStack) -> None:
    scim = await start_stack(retry_budget_seconds=1.0)
    result = await chaos_run(
        InProcess(scim),
        users=30,
        groups=3,
        fault_rate=0.25,
        seed=7,
        directory=EmulatorSettings().directory_name,
        concurrency=4,
    )
    assert result.verdict.counts() == dict.fromkeys(result.verdict.counts(), 0), (
        result.verdict.examples
    )
    # The run did meet faults of every kind, and Entra had to retry.
    assert {"fail", "drop", "lost_answer"} <= set(result.faults), result.faults
    assert result.tally.retries > 0
