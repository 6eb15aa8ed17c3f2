"""Loads the .graphql operation documents shipped in documents/.

Each file holds one named operation; the fragments it spreads (from fragments.graphql)
are appended so every document is complete and valid on its own, which is also what
`wfgen-scim check` validates against the live schema.
"""

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from gql import GraphQLRequest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    parse,
    print_ast,
    visit,
)

_PACKAGE = "wfgen_scim.graphql.documents"
_FRAGMENTS_FILE = "fragments.graphql"


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
    """One named GraphQL operation, ready to send."""

    name: str
    document: DocumentNode
    is_mutation: bool
    text: str = field(default="", compare=False)

    def request(self, variables: dict[str, object] | None = None) -> GraphQLRequest:
        return _PrintedRequest(self, variables)


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


@cache
def _fragments() -> dict[str, FragmentDefinitionNode]:
    text = resources.files(_PACKAGE).joinpath(_FRAGMENTS_FILE).read_text(encoding="utf-8")
    return {
        d.name.value: d for d in parse(text).definitions if isinstance(d, FragmentDefinitionNode)
    }


def _with_fragments(document: DocumentNode) -> DocumentNode:
    fragments = _fragments()
    needed: list[FragmentDefinitionNode] = []
    pending = sorted(_spreads(document))
    while pending:
        name = pending.pop()
        if name in {f.name.value for f in needed}:
            continue
        fragment = fragments[name]
        needed.append(fragment)
        pending.extend(sorted(_spreads(fragment)))
    return DocumentNode(definitions=(*document.definitions, *needed))


@cache
def load(name: str) -> Operation:
    """The operation stored in documents/<name>.graphql."""
    text = resources.files(_PACKAGE).joinpath(f"{name}.graphql").read_text(encoding="utf-8")
    document = _with_fragments(parse(text))
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    if operation.name is None or operation.name.value != name:
        raise ValueError(f"documents/{name}.graphql must define an operation named {name}")
    return Operation(
        name=name,
        document=document,
        is_mutation=operation.operation is OperationType.MUTATION,
        text=print_ast(document),
    )


def all_operations() -> list[Operation]:
    """Every operation the proxy may send, for the schema check."""
    names = sorted(
        entry.name.removesuffix(".graphql")
        for entry in resources.files(_PACKAGE).iterdir()
        if entry.name.endswith(".graphql") and entry.name != _FRAGMENTS_FILE
    )
    return [load(name) for name in names]
