"""`wfgen-scim check`: is this WorkflowGen the one our operation documents were written for?

WorkflowGen's user and group operations are not publicly documented, so every document is
validated against the live SDL (GET <graphql url>/schema) with graphql-core; each problem
names the missing type, field or argument. Then the directory and the account's rights are
checked with harmless calls.
"""

from dataclasses import dataclass, field

import aiohttp
from graphql import GraphQLError, GraphQLSchema, build_schema, validate

from ..config import WorkflowGenSettings
from .client import GraphQLClient
from .errors import UpstreamError, UpstreamMisconfigured, UpstreamNotFound
from .operations import all_operations, load


@dataclass
class CheckReport:
    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def schema_url(graphql_url: str) -> str:
    return graphql_url.rstrip("/") + "/schema"


def problems_with(schema: GraphQLSchema) -> list[str]:
    """Every way our operation documents do not fit `schema` (empty: they all fit)."""
    problems: list[str] = []
    for operation in all_operations():
        errors: list[GraphQLError] = validate(schema, operation.document)
        problems.extend(f"{operation.name}: {error.message}" for error in errors)
    return problems


async def fetch_schema(client: GraphQLClient, url: str) -> GraphQLSchema:
    headers = await client.auth_headers()
    try:
        async with client.http.get(schema_url(url), headers=headers) as response:
            text = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UpstreamMisconfigured(f"cannot download the schema: {type(exc).__name__}") from exc
    if status != 200:
        raise UpstreamMisconfigured(f"GET {schema_url(url)} answered HTTP {status}")
    try:
        return build_schema(text)
    except GraphQLError as exc:
        raise UpstreamMisconfigured(
            f"the schema at {schema_url(url)} is not valid SDL: {exc}"
        ) from None


async def check(settings: WorkflowGenSettings) -> CheckReport:
    report = CheckReport()
    client = GraphQLClient(settings)
    await client.start()
    try:
        await _check(client, settings, report)
    finally:
        await client.close()
    return report


async def _check(client: GraphQLClient, settings: WorkflowGenSettings, report: CheckReport) -> None:
    url = str(settings.url)
    try:
        schema = await fetch_schema(client, url)
    except UpstreamError as exc:
        report.problems.append(exc.message)
        return
    report.passed.append(f"downloaded the schema from {schema_url(url)}")
    problems = problems_with(schema)
    if problems:
        report.problems.extend(problems)
        return
    report.passed.append(f"all {len(all_operations())} operation documents fit the schema")
    try:
        viewer = (await client.execute(load("Viewer")))["viewer"]
        report.passed.append(f"authenticated as {viewer['userName'] if viewer else '?'}")
        directory = (await client.execute(load("Directory"), {"name": settings.directory}))[
            "directory"
        ]
        if directory is None:
            report.problems.append(f"WorkflowGen has no directory named {settings.directory!r}")
            return
        report.passed.append(f"directory {settings.directory!r} exists")
        await _check_rights(client, report)
    except UpstreamError as exc:
        report.problems.append(f"{exc.operation or 'request'}: {exc.message}")


async def _check_rights(client: GraphQLClient, report: CheckReport) -> None:
    """Probe administrator rights with a mutation that cannot change anything.

    Deleting a user id that does not exist is refused as NOT_FOUND by an administrator
    and as FORBIDDEN by anyone else; either way nothing is written.
    """
    try:
        await client.execute(load("DeleteUser"), {"input": {"id": "wfgen-scim-check-probe"}})
    except UpstreamNotFound:
        report.passed.append("the account may change users (administrator)")
    except UpstreamMisconfigured as exc:
        report.problems.append(f"the account may not change users: {exc.message}")
