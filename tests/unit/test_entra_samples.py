"""Every recorded Entra/validator payload under tests/samples, through the translators.

Each sample names its source. A user PATCH sample gives the WorkflowGen fields that must
change when it is applied to BASE; a create sample gives the fields sent to WorkflowGen; a
group PATCH sample gives the membership deltas and group fields it folds into.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from wfgen_scim.records import Ref, UserRecord
from wfgen_scim.translators.groups import parse_group_patch
from wfgen_scim.translators.users import apply_user_patch, parse_user_patch, profile_for_create

SAMPLES = sorted((Path(__file__).parent.parent / "samples").glob("*.json"))

BASE = UserRecord(
    id="U1",
    profile={
        "user_name": "base@contoso.com",
        "active": True,
        "external_id": "ext-1",
        "display_name": "Base User",
        "given_name": "Base",
        "family_name": "User",
        "title": "Old title",
        "email": "base@contoso.com",
        "work_phone": None,
        "mobile_phone": None,
        "fax": None,
        "street_address": None,
        "postal_code": None,
        "office": None,
        "preferred_language": None,
        "department": "Old department",
        "employee_number": "1",
        "manager_id": "M1",
    },
    references={"manager_id": Ref("M1", "Manager One")},
)


def _load(path: Path) -> dict[str, Any]:
    sample: dict[str, Any] = json.loads(path.read_text())
    assert sample["source"], f"{path.name} must say where it comes from"
    return sample


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample(path: Path) -> None:
    sample = _load(path)
    if "patch" in sample:
        changes = apply_user_patch(BASE, parse_user_patch(sample["patch"]))
        assert dict(changes) == sample["changes"]
    elif "group_patch" in sample:
        patch = parse_group_patch(sample["group_patch"])
        assert {
            "profile": dict(patch.profile),
            "add": list(patch.add),
            "remove": list(patch.remove),
            "remove_all": patch.remove_all,
            "replace_members": (
                None if patch.replace_members is None else list(patch.replace_members)
            ),
        } == sample["expect"]
    else:
        assert dict(profile_for_create(sample["create"])) == sample["profile"]


def test_there_are_samples_of_every_kind() -> None:
    kinds = {next(k for k in ("patch", "group_patch", "create") if k in _load(p)) for p in SAMPLES}
    assert kinds == {"patch", "group_patch", "create"}
