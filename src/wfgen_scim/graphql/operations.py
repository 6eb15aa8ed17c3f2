"""The .graphql operation documents: the whole binding between the proxy and WorkflowGen.

Each document holds one named operation whose variables are named in the proxy's
vocabulary and whose outputs are aliased to it (docs/workflowgen-binding.md), so no Python
code names a WorkflowGen field. The packaged documents live in documents/; a
`workflowgen.documents_dir` holds replacements of the same file name (fragments.graphql
included), so a WorkflowGen whose schema differs is adapted by editing copies, not code.

The fragments an operation spreads are appended to it, so every document is complete and
valid on its own, which is also what `wfgen-scim check` validates against the live schema.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from gql import GraphQLRequest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    parse,
    print_ast,
    visit,
)

from .errors import UpstreamMisconfigured

_PACKAGE = "wfgen_scim.graphql.documents"
FRAGMENTS_FILE = "fragments.graphql"


class _PrintedRequest(GraphQLRequest):
    """A request whose query text was printed once, when its document was loaded.

    gql prints the document again for every call otherwise, which measured as the largest
    single cost of a proxied lookup (bench/README.md).
    """

    def __init__(self, operation: "Operation", variables: dict[str, object] | None) -> None:
        super().__init__(
            operation.document, variable_values=variables, operation_name=operation.name
        )
        self._text = operation.text

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"query": self._text, "operationName": self.operation_name}
        if self.variable_values:
            payload["variables"] = self.variable_values
        return payload


@dataclass(frozen=True)
class Operation:
    """One named GraphQL operation, ready to send, and where it came from."""

    name: str
    document: DocumentNode
    is_mutation: bool
    variables: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    source: str = ""
    text: str = field(default="", compare=False)

    def request(self, variables: Mapping[str, object] | None = None) -> GraphQLRequest:
        return _PrintedRequest(self, dict(variables or {}))

    def unbound(self, names: Iterable[str]) -> list[str]:
        """The names among `names` this operation has no variable for."""
        return [name for name in names if name not in self.variables]


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _spreads(node: object) -> set[str]:
    collector = _SpreadCollector()
    visit(node, collector)  # type: ignore[arg-type]
    return collector.names


class Documents:
    """The operation documents in use: the packaged ones, with any overrides applied."""

    def __init__(self, override_dir: str | Path | None = None) -> None:
        self.override_dir = Path(override_dir) if override_dir else None
        if self.override_dir is not None and not self.override_dir.is_dir():
            raise UpstreamMisconfigured(
                f"workflowgen.documents_dir {str(self.override_dir)!r} is not a directory"
            )
        self._operations: dict[str, Operation] = {}
        self._fragments = self._load_fragments()
        for name in self.names():
            self._operations[name] = self._load(name)

    def names(self) -> list[str]:
        """Every operation the proxy may send (one file each, fragments aside)."""
        return sorted(
            entry.name.removesuffix(".graphql")
            for entry in resources.files(_PACKAGE).iterdir()
            if entry.name.endswith(".graphql") and entry.name != FRAGMENTS_FILE
        )

    def overridden(self) -> list[str]:
        """File names taken from the override directory."""
        if self.override_dir is None:
            return []
        packaged = {f"{name}.graphql" for name in self.names()} | {FRAGMENTS_FILE}
        return sorted(p.name for p in self.override_dir.glob("*.graphql") if p.name in packaged)

    def strangers(self) -> list[str]:
        """.graphql files in the override directory that replace nothing (a typo?)."""
        if self.override_dir is None:
            return []
        packaged = {f"{name}.graphql" for name in self.names()} | {FRAGMENTS_FILE}
        return sorted(p.name for p in self.override_dir.glob("*.graphql") if p.name not in packaged)

    def __getitem__(self, name: str) -> Operation:
        return self._operations[name]

    def all(self) -> list[Operation]:
        return [self._operations[name] for name in sorted(self._operations)]

    def _read(self, file_name: str) -> tuple[str, str]:
        """(text, where it came from) of a document, the override first."""
        if self.override_dir is not None:
            path = self.override_dir / file_name
            if path.is_file():
                return path.read_text(encoding="utf-8"), str(path)
        packaged = resources.files(_PACKAGE).joinpath(file_name)
        return packaged.read_text(encoding="utf-8"), f"packaged {file_name}"

    def _parse(self, file_name: str) -> tuple[DocumentNode, str]:
        text, source = self._read(file_name)
        try:
            return parse(text), source
        except GraphQLError as exc:
            raise UpstreamMisconfigured(f"{source} is not valid GraphQL: {exc.message}") from None

    def _load_fragments(self) -> dict[str, FragmentDefinitionNode]:
        document, _ = self._parse(FRAGMENTS_FILE)
        return {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def _with_fragments(self, document: DocumentNode, source: str) -> DocumentNode:
        own = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        needed: list[FragmentDefinitionNode] = []
        pending = sorted(_spreads(document) - own)
        while pending:
            name = pending.pop()
            if name in own or name in {f.name.value for f in needed}:
                continue
            fragment = self._fragments.get(name)
            if fragment is None:
                raise UpstreamMisconfigured(
                    f"{source} spreads fragment {name}, which fragments.graphql does not define"
                )
            needed.append(fragment)
            pending.extend(sorted(_spreads(fragment)))
        return DocumentNode(definitions=(*document.definitions, *needed))

    def _load(self, name: str) -> Operation:
        parsed, source = self._parse(f"{name}.graphql")
        document = self._with_fragments(parsed, source)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].name is None or operations[0].name.value != name:
            raise UpstreamMisconfigured(f"{source} must define exactly one operation named {name}")
        operation = operations[0]
        definitions = operation.variable_definitions or ()
        return Operation(
            name=name,
            document=document,
            is_mutation=operation.operation is OperationType.MUTATION,
            variables=frozenset(d.variable.name.value for d in definitions),
            required=frozenset(
                d.variable.name.value
                for d in definitions
                if isinstance(d.type, NonNullTypeNode) and d.default_value is None
            ),
            source=source,
            text=print_ast(document),
        )
