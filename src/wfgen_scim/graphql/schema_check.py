"""`wfgen-scim check`: is this WorkflowGen the one our operation documents were written for?

WorkflowGen's user and group operations are not publicly documented, so every document in
use is validated against the live SDL (GET <graphql url>/schema) with graphql-core. Each
problem names the missing type, field or argument and the closest names the live schema
has, so the administrator knows what to write in an overriding document
(docs/workflowgen-binding.md). Then the directory and the account's rights are checked
with harmless calls.
"""

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

import aiohttp
from graphql import (
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    NamedTypeNode,
    Node,
    ObjectFieldNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    get_named_type,
    validate,
    visit,
)
from graphql.type import GraphQLInterfaceType, GraphQLObjectType

from ..config import WorkflowGenSettings
from ..records import Vocabulary
from .client import GraphQLClient
from .errors import UpstreamError, UpstreamMisconfigured, UpstreamNotFound, UpstreamUnavailable
from .network import why
from .operations import Documents, Operation
from .results import DirectoryResult, ViewerResult, read

_CLOSEST = 3
_UNAVAILABLE_STATUS = frozenset({502, 503, 504})


@dataclass
class CheckReport:
    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def schema_url(graphql_url: str) -> str:
    return graphql_url.rstrip("/") + "/schema"


class _Candidates(Visitor):
    """For each node a validation error may point at, the names the schema has there."""

    def __init__(self, schema: GraphQLSchema, type_info: TypeInfo) -> None:
        super().__init__()
        self.schema = schema
        self.type_info = type_info
        self.names: dict[int, list[str]] = {}

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            self.names[id(node)] = list(parent.fields)

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        definition = self.type_info.get_field_def()
        if definition is not None:
            self.names[id(node)] = list(definition.args)

    def enter_object_field(self, node: ObjectFieldNode, *_: object) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        if isinstance(parent, GraphQLInputObjectType):
            self.names[id(node)] = list(parent.fields)

    def enter_named_type(self, node: NamedTypeNode, *_: object) -> None:
        self.names[id(node)] = [n for n in self.schema.type_map if not n.startswith("__")]


def _wanted_name(node: Node) -> str | None:
    name = getattr(node, "name", None)
    return getattr(name, "value", None)


def closest(wanted: str, candidates: Iterable[str]) -> list[str]:
    """The names most like `wanted`, best first (difflib's ratio, no cut-off: a renamed
    mutation may share little with its old name, and any hint beats none)."""
    scored = sorted(
        candidates,
        key=lambda c: -difflib.SequenceMatcher(None, wanted.lower(), c.lower()).ratio(),
    )
    return scored[:_CLOSEST]


def _explain(error: GraphQLError, candidates: dict[int, list[str]]) -> str:
    message = error.message
    if "Did you mean" in message:
        return message
    for node in error.nodes or ():
        wanted = _wanted_name(node)
        names = [n for n in candidates.get(id(node), []) if n != wanted]
        if wanted and names:
            hint = ", ".join(repr(n) for n in closest(wanted, names))
            return f"{message} The live schema's closest names there: {hint}."
    return message


def problems_with(schema: GraphQLSchema, documents: Documents) -> list[str]:
    """Every way the operation documents in use do not fit `schema` (empty: they fit)."""
    problems: list[str] = []
    for operation in documents.all():
        errors: list[GraphQLError] = validate(schema, operation.document)
        if not errors:
            continue
        type_info = TypeInfo(schema)
        collector = _Candidates(schema, type_info)
        visit(operation.document, TypeInfoVisitor(type_info, collector))
        problems.extend(
            f"{operation.name} ({operation.source}): {_explain(e, collector.names)}" for e in errors
        )
    return problems


# The variables the gateway itself sends to each document, beside attribute values.
_STRUCTURAL: dict[str, frozenset[str]] = {
    "Users": frozenset({"page_number", "page_size", "directory_id", "ids", "with_groups"}),
    "UserRefs": frozenset({"page_number", "page_size", "ids"}),
    "CreateUser": frozenset({"directory_id"}),
    "UpdateUser": frozenset({"id", "with_groups"}),
    "DeleteUser": frozenset({"id"}),
    "Directory": frozenset({"name"}),
    "Viewer": frozenset(),
    "Group": frozenset(
        {"id", "with_members", "members_page_number", "members_page_size", "member_ids"}
    ),
    "Groups": frozenset(
        {"page_number", "page_size", "directory_id", "with_members", "members_page_size"}
    ),
    "GroupAndUsers": frozenset({"group_id", "page_number", "page_size", "ids"}),
    "CreateGroup": frozenset({"directory_id"}),
    "UpdateGroup": frozenset({"id"}),
    "DeleteGroup": frozenset({"id"}),
    "AddUsersToGroup": frozenset({"group_id", "user_ids"}),
    "RemoveUsersFromGroup": frozenset({"group_id", "user_ids"}),
    # `wfgen-scim link` (graphql/directories.py).
    "Directories": frozenset({"page_number", "page_size"}),
    "MoveUser": frozenset({"id", "directory_id", "external_id"}),
    "MoveGroup": frozenset({"id", "directory_id", "external_id"}),
}
# Attributes without which a resource cannot be created or found again.
_ESSENTIAL = frozenset({"user_name", "display_name"})


@dataclass
class BindingGaps:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _outputs(documents: Documents, fragment: str) -> set[str]:
    """The response keys a fragment selects at its top level (aliases win)."""
    for operation in documents.all():
        for definition in operation.document.definitions:
            if isinstance(definition, FragmentDefinitionNode) and definition.name.value == fragment:
                keys = set()
                for selection in definition.selection_set.selections:
                    if isinstance(selection, FieldNode):
                        key = (selection.alias or selection.name).value
                        keys.add(f"{key}_id" if selection.selection_set is not None else key)
                return keys
    return set()


def binding_gaps(documents: Documents, vocabulary: Vocabulary) -> BindingGaps:
    """Whether the documents bind every name the proxy sends and reads.

    A filter or structural variable that is missing would make a lookup fail, so it is a
    problem. An attribute a write document or a fragment leaves out is one this
    WorkflowGen does not store: a note (Entra's values for it are ignored).
    """
    gaps = BindingGaps()
    filters = {"Users": vocabulary.user_filters, "Groups": vocabulary.group_filters}
    writes = {
        "CreateUser": vocabulary.user_attributes,
        "UpdateUser": vocabulary.user_attributes,
        "CreateGroup": vocabulary.group_attributes,
        "UpdateGroup": vocabulary.group_attributes,
    }
    for name, structural in _STRUCTURAL.items():
        operation: Operation = documents[name]
        needed = structural | filters.get(name, frozenset())
        missing = sorted(needed - operation.variables)
        if missing:
            gaps.problems.append(f"{operation.source} declares no variable ${', $'.join(missing)}")
        sent = needed | writes.get(name, frozenset())
        never = sorted(operation.required - sent)
        if never:
            gaps.problems.append(
                f"{operation.source} requires ${', $'.join(never)}, which the proxy never sends"
            )
        unstored = writes.get(name, frozenset()) - operation.variables
        for attribute in sorted(unstored):
            target = gaps.problems if attribute in _ESSENTIAL else gaps.notes
            target.append(f"{operation.source} does not write {attribute}")
    for fragment, attributes in (
        ("UserFields", vocabulary.user_attributes),
        ("GroupFields", vocabulary.group_attributes),
    ):
        unread = attributes - _outputs(documents, fragment)
        for attribute in sorted(unread):
            target = gaps.problems if attribute in _ESSENTIAL else gaps.notes
            target.append(f"fragment {fragment} does not read {attribute}")
    return gaps


async def fetch_schema(client: GraphQLClient, url: str) -> GraphQLSchema:
    headers = await client.auth_headers()
    try:
        async with client.http.get(schema_url(url), headers=headers) as response:
            text = await response.text()
            status = response.status
    except (aiohttp.ClientConnectionError, TimeoutError) as exc:
        # WorkflowGen down or overloaded: a reason to wait for it (the start retries), not
        # a schema that does not fit (which refuses the start).
        raise UpstreamUnavailable(
            f"cannot download the schema from {schema_url(url)}: {why(exc)}"
        ) from exc
    except aiohttp.ClientError as exc:
        raise UpstreamMisconfigured(
            f"cannot download the schema from {schema_url(url)}: {why(exc)}"
        ) from exc
    if status in _UNAVAILABLE_STATUS:
        raise UpstreamUnavailable(f"GET {schema_url(url)} answered HTTP {status}")
    if status != 200:
        raise UpstreamMisconfigured(f"GET {schema_url(url)} answered HTTP {status}")
    try:
        return build_schema(text)
    except GraphQLError as exc:
        raise UpstreamMisconfigured(
            f"the schema at {schema_url(url)} is not valid SDL: {exc}"
        ) from None


async def check(settings: WorkflowGenSettings, vocabulary: Vocabulary) -> CheckReport:
    report = CheckReport()
    try:
        documents = Documents(settings.documents_dir)
    except UpstreamMisconfigured as exc:
        report.problems.append(exc.message)
        return report
    client = GraphQLClient(settings)
    await client.start()
    try:
        await _check(client, settings, documents, vocabulary, report)
    finally:
        await client.close()
    return report


async def _check(
    client: GraphQLClient,
    settings: WorkflowGenSettings,
    documents: Documents,
    vocabulary: Vocabulary,
    report: CheckReport,
) -> None:
    url = str(settings.url)
    for name in documents.overridden():
        report.notes.append(f"{name} is taken from {documents.override_dir}")
    for name in documents.strangers():
        report.problems.append(
            f"{documents.override_dir}/{name} replaces no operation of the proxy (a typo?)"
        )
    gaps = binding_gaps(documents, vocabulary)
    report.problems.extend(gaps.problems)
    report.notes.extend(gaps.notes)
    try:
        schema = await fetch_schema(client, url)
    except UpstreamError as exc:
        report.problems.append(exc.message)
        return
    report.passed.append(f"downloaded the schema from {schema_url(url)}")
    problems = problems_with(schema, documents)
    if problems:
        report.problems.extend(problems)
        return
    report.passed.append(f"all {len(documents.all())} operation documents fit the schema")
    try:
        viewer = read(ViewerResult, await client.execute(documents["Viewer"]), "Viewer").result
        report.passed.append(f"authenticated as {viewer.user_name if viewer else '?'}")
        directory = read(
            DirectoryResult,
            await client.execute(documents["Directory"], {"name": settings.directory}),
            "Directory",
        ).result
        if directory is None:
            report.problems.append(f"WorkflowGen has no directory named {settings.directory!r}")
            return
        report.passed.append(f"directory {settings.directory!r} exists")
        await _check_rights(client, documents, report)
    except UpstreamError as exc:
        report.problems.append(f"{exc.operation or 'request'}: {exc.message}")


async def _check_rights(client: GraphQLClient, documents: Documents, report: CheckReport) -> None:
    """Probe administrator rights with a mutation that cannot change anything.

    Deleting a user id that does not exist is refused as NOT_FOUND by an administrator
    and as FORBIDDEN by anyone else; either way nothing is written.
    """
    try:
        await client.execute(documents["DeleteUser"], {"id": "wfgen-scim-check-probe"})
    except UpstreamNotFound:
        report.passed.append("the account may change users (administrator)")
    except UpstreamMisconfigured as exc:
        report.problems.append(f"the account may not change users: {exc.message}")
