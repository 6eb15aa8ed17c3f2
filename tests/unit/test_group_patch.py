"""Group PATCH folding and deltas (pure), including what must be refused."""

from typing import Any

import pytest
from scim2_models import SCIMException

from wfgen_scim.translators.groups import parse_group_patch

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def test_deltas_without_reading_members() -> None:
    folded = parse_group_patch(
        patch(
            {"op": "Add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
            {"op": "Remove", "path": "members", "value": [{"value": "c"}]},
        )
    )
    assert not folded.needs_current_members
    assert folded.delta(()) == (["a", "b"], ["c"])
    assert folded.joining == ("a", "b")
    assert set(folded.mentioned) == {"a", "b", "c"}


@pytest.mark.parametrize("empty", [[], None, ""])
def test_a_remove_naming_nobody_removes_nobody(empty: Any) -> None:
    folded = parse_group_patch(patch({"op": "Remove", "path": "members", "value": empty}))
    assert not folded.needs_current_members
    assert folded.delta(["a", "b"]) == ([], [])


def test_remove_all_then_add_keeps_only_the_added() -> None:
    folded = parse_group_patch(
        patch(
            {"op": "remove", "path": "members"},
            {"op": "add", "path": "members", "value": [{"value": "x"}]},
        )
    )
    assert folded.needs_current_members
    assert folded.delta(["a", "x", "b"]) == ([], ["a", "b"])
    assert folded.delta(["a"]) == (["x"], ["a"])


def test_replace_then_remove() -> None:
    folded = parse_group_patch(
        patch(
            {"op": "replace", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
            {"op": "remove", "path": 'members[value eq "b" or value eq "z"]'},
        )
    )
    assert folded.delta(["b", "c"]) == (["a"], ["b", "c"])


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "remove", "path": "displayName"}, "mutability"),
        ({"op": "replace", "path": "displayName", "value": ""}, "invalidValue"),
        ({"op": "replace", "path": "displayName", "value": 5}, "invalidValue"),
        ({"op": "add", "path": "members", "value": [{"display": "no value"}]}, "invalidValue"),
        ({"op": "add", "path": "members", "value": [{"value": 7}]}, "invalidValue"),
        ({"op": "add", "path": 'members[value eq "a"]', "value": "x"}, "invalidPath"),
        ({"op": "remove", "path": 'members[display eq "a"]'}, "invalidPath"),
        ({"op": "remove", "path": 'members[value eq "a"].display'}, "invalidPath"),
        ({"op": "remove"}, "invalidSyntax"),
        ({"op": "replace", "value": "not an object"}, "invalidSyntax"),
        ({"op": "move", "path": "members", "value": []}, "invalidValue"),
        ({"op": "replace", "path": "externalId", "value": ["x"]}, "invalidValue"),
    ],
)
def test_refused(operation: dict[str, Any], scim_type: str) -> None:
    with pytest.raises(SCIMException) as caught:
        parse_group_patch(patch(operation))
    assert caught.value.scim_type == scim_type
