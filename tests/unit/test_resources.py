"""Rendering from the attribute tables agrees with scim2-models, row by row.

Responses are rendered by walking the tables (resources.py) rather than through
scim2-models objects, for speed; these tests keep the two in step: whatever we render,
scim2-models reads back and dumps unchanged, and every stored value survives the trip
render -> validate -> extract.
"""

from typing import Any

import pytest
from scim2_models import Context

from wfgen_scim.records import GroupRecord, Ref, UserRecord
from wfgen_scim.translators.attributes import GROUPS, USERS, Kind
from wfgen_scim.translators.groups import to_scim_group
from wfgen_scim.translators.models import GROUP_MODELS, USER_MODELS
from wfgen_scim.translators.resources import extract
from wfgen_scim.translators.users import to_scim_user

BASE = "https://scim.example.com/scim/v2"


def _full_user() -> UserRecord:
    profile: dict[str, Any] = {}
    for row in USERS.attributes:
        profile[row.name] = True if row.kind is Kind.BOOLEAN else f"value of {row.name}"
    profile["manager_id"] = "M1"
    return UserRecord(
        id="U1",
        profile=profile,
        references={"manager_id": Ref("M1", "Boss")},
        groups=(Ref("G1", "Sales"),),
        created="2026-01-01T00:00:00Z",
        last_modified="2026-01-02T00:00:00Z",
    )


def _round_trip(resource: dict[str, Any], model: Any) -> dict[str, Any]:
    validated = model.model_validate(resource, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    dumped: dict[str, Any] = validated.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return dumped


@pytest.mark.parametrize(
    "record",
    [
        _full_user(),
        UserRecord(id="U2", profile={"user_name": "bare@contoso.com", "active": False}),
    ],
    ids=["every attribute", "bare"],
)
def test_scim2_models_reads_back_exactly_what_we_render(record: UserRecord) -> None:
    rendered = to_scim_user(record, BASE)
    assert _round_trip(rendered, USER_MODELS.full) == rendered


def test_every_stored_user_value_survives_render_then_extract() -> None:
    record = _full_user()
    rendered = to_scim_user(record, BASE)
    validated = USER_MODELS.full.model_validate(rendered, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    assert extract(USERS, USER_MODELS, validated, latest_wins=False) == record.profile


def test_groups_too() -> None:
    record = GroupRecord(
        id="G1",
        profile={"display_name": "Sales", "external_id": "e-1"},
        members=(Ref("U1", "Ada"), Ref("U2")),
    )
    rendered = to_scim_group(record, BASE)
    assert _round_trip(rendered, GROUP_MODELS.full) == rendered
    validated = GROUP_MODELS.full.model_validate(rendered, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    assert extract(GROUPS, GROUP_MODELS, validated, latest_wins=False) == record.profile


def test_each_attribute_path_appears_in_one_table_only() -> None:
    # One source of truth: no SCIM attribute path of the tables is spelled out anywhere
    # else under src/ (the tables generate everything that needs them).
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "wfgen_scim"
    table_file = src / "translators" / "attributes.py"
    paths = [row.path for row in (*USERS.attributes, *GROUPS.attributes) if "." in row.path]
    paths += ['emails[type eq "work"]', 'phoneNumbers[type eq "mobile"]', "streetAddress"]
    offenders = [
        f"{path.relative_to(src)}: {p}"
        for path in src.rglob("*.py")
        if path != table_file and "emulator" not in path.parts
        for p in paths
        if p in path.read_text()
    ]
    assert offenders == []
