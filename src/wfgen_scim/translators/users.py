"""SCIM User <-> WorkflowGen user, and SCIM PATCH -> the user fields that change.

Everything attribute-specific comes from the USERS table (attributes.py); this module
only knows the steps: normalise Entra's dialect, validate with scim2-models, apply a PATCH
with its engine, and read the stored values back out.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scim2_models import Context, PatchOp

from ..records import Profile, UserRecord
from .attributes import USERS
from .entra import is_reference_path, normalize_patch, normalize_resource, reference_id
from .models import ENTRA_POLICY, USER_MODELS
from .resources import changed_fields, check_lengths, extract, render
from .scim_errors import scim_validated

_PATCH_MODEL: Any = PatchOp[USER_MODELS.full]  # type: ignore[name-defined]


def to_scim_user(record: UserRecord, base_url: str) -> dict[str, Any]:
    """The SCIM representation of a user: no nulls, manager always an object."""
    return render(
        USERS,
        record_id=record.id,
        profile=record.profile,
        references=record.references,
        related=record.groups,
        created=record.created,
        last_modified=record.last_modified,
        base_url=base_url,
    )


def profile_for_create(payload: Any) -> Profile:
    """The fields of a user to create from a POST body; absent attributes are not sent."""
    profile = _profile(_validate(payload, Context.RESOURCE_CREATION_REQUEST))
    check_lengths(USERS, profile)
    created: Profile = {key: value for key, value in profile.items() if value is not None}
    created.setdefault("active", True)
    return created


def profile_for_replace(payload: Any) -> Profile:
    """Every stored field a PUT sets: it replaces the resource, so absent ones clear."""
    profile = _profile(_validate(payload, Context.RESOURCE_REPLACEMENT_REQUEST))
    check_lengths(USERS, profile)
    return profile


@dataclass(frozen=True)
class UserPatch:
    """A validated PATCH, before we know the user it applies to."""

    operations: Any  # PatchOp[User[EnterpriseUser]] | None (None: nothing to do)
    referenced_ids: frozenset[str]  # users it names as manager: checked in the same read
    touched_references: frozenset[str]  # reference attributes it operates on


def parse_user_patch(payload: Any, max_operations: int = 1000) -> UserPatch:
    """Validate a PATCH body and find the users it references.

    Knowing the managers before reading the user lets one upstream query fetch the user
    and check that every manager is a user of the directory.
    """
    operations = normalize_patch(payload, max_operations)
    if not operations:
        return UserPatch(None, frozenset(), frozenset())
    with ENTRA_POLICY:
        patch = scim_validated(
            lambda: _PATCH_MODEL.model_validate(
                {"schemas": [PatchOp.__schema__], "Operations": operations},
                scim_ctx=Context.RESOURCE_PATCH_REQUEST,
            )
        )
    touched = {
        row.name
        for o in operations
        for row in USERS.references()
        if is_reference_path(o.get("path"), row)
    }
    return UserPatch(
        operations=patch,
        referenced_ids=frozenset(_referenced_by(operations)),
        touched_references=frozenset(touched),
    )


def apply_user_patch(record: UserRecord, patch: UserPatch) -> Profile:
    """The fields that change when `patch` is applied to the user (empty: nothing)."""
    if patch.operations is None:
        return {}
    resource = to_scim_user(record, base_url="")
    with ENTRA_POLICY:
        user = scim_validated(
            lambda: USER_MODELS.full.model_validate(
                resource, scim_ctx=Context.RESOURCE_QUERY_RESPONSE
            )
        )
        scim_validated(lambda: patch.operations.patch(user))
    changes = changed_fields(record.profile, _profile(user, latest_wins=True))
    for row in USERS.references():
        if row.name not in patch.touched_references:
            # A manager WorkflowGen keeps but Entra cannot see (archived, or of another
            # directory) is not rendered, so it reads as "none" here; only an operation on
            # the manager may clear it.
            changes.pop(row.name, None)
    check_lengths(USERS, changes)
    return changes


def referenced_ids(profile: Profile) -> list[str]:
    """The users a create or replacement names (the manager), to check they are ours."""
    return [str(profile[row.name]) for row in USERS.references() if profile.get(row.name)]


def _validate(payload: Any, context: Context) -> Any:  # a User[EnterpriseUser]
    body = normalize_resource(payload, USERS.schema)
    with ENTRA_POLICY:
        return scim_validated(lambda: USER_MODELS.full.model_validate(body, scim_ctx=context))


def _profile(user: Any, *, latest_wins: bool = False) -> Profile:
    return extract(USERS, USER_MODELS, user, latest_wins=latest_wins)


def _referenced_by(operations: list[dict[str, Any]]) -> Iterable[str]:
    for operation in operations:
        for row in USERS.references():
            if is_reference_path(operation.get("path"), row) and operation["op"] != "remove":
                found = reference_id(operation.get("value"))
                if found:
                    yield found
