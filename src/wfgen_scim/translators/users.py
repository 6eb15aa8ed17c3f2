"""SCIM User <-> WorkflowGen user, and SCIM PATCH -> the user fields that change.

WorkflowGen keeps one value per attribute: the work e-mail, the work/mobile/fax phones,
the work street address and postal code, and the office (Entra's 'other' address). The
table is entra-dialect.md's, plus enterprise department and employeeNumber.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from scim2_models import Context, InvalidValueException, PatchOp

from ..records import UserProfile, UserRecord
from .changes import changed_fields, check_lengths
from .entra import MANAGER_PATH, manager_id, normalize_patch, normalize_resource
from .models import (
    CORE_USER,
    ENTERPRISE_USER,
    ENTRA_POLICY,
    Address,
    Email,
    EnterpriseUser,
    PhoneNumber,
    ScimUserWithEnterprise,
)
from .scim_errors import scim_validated

_PATCH_MODEL: Any = PatchOp[ScimUserWithEnterprise]  # type: ignore[valid-type]

# For error messages: our field -> the SCIM attribute Entra knows it by.
_SCIM_NAMES = {
    "user_name": "userName",
    "external_id": "externalId",
    "display_name": "displayName",
    "given_name": "name.givenName",
    "family_name": "name.familyName",
    "title": "title",
    "email": 'emails[type eq "work"].value',
    "work_phone": 'phoneNumbers[type eq "work"].value',
    "mobile_phone": 'phoneNumbers[type eq "mobile"].value',
    "fax": 'phoneNumbers[type eq "fax"].value',
    "street_address": 'addresses[type eq "work"].streetAddress',
    "postal_code": 'addresses[type eq "work"].postalCode',
    "office": 'addresses[type eq "other"].formatted',
    "department": "department",
    "employee_number": "employeeNumber",
    "manager_id": "manager",
}


def to_scim_user(record: UserRecord, base_url: str) -> dict[str, Any]:
    """The SCIM representation of a user: no nulls, manager always an object."""
    p = record.profile
    location = f"{base_url}/Users/{record.id}"
    resource: dict[str, Any] = {"schemas": [CORE_USER], "id": record.id}
    if p.get("external_id"):
        resource["externalId"] = p["external_id"]
    resource["userName"] = p["user_name"]
    name = _present({"givenName": p.get("given_name"), "familyName": p.get("family_name")})
    if name:
        resource["name"] = name
    if p.get("display_name"):
        resource["displayName"] = p["display_name"]
    if p.get("title"):
        resource["title"] = p["title"]
    resource["active"] = bool(p.get("active"))
    if p.get("email"):
        resource["emails"] = [{"value": p["email"], "type": "work", "primary": True}]
    phones = [
        {"value": number, "type": kind}
        for kind, number in (
            ("work", p.get("work_phone")),
            ("mobile", p.get("mobile_phone")),
            ("fax", p.get("fax")),
        )
        if number
    ]
    if phones:
        resource["phoneNumbers"] = phones
    addresses = []
    work = _present({"streetAddress": p.get("street_address"), "postalCode": p.get("postal_code")})
    if work:
        addresses.append({"type": "work", **work, "primary": True})
    if p.get("office"):
        addresses.append({"type": "other", "formatted": p["office"]})
    if addresses:
        resource["addresses"] = addresses
    if record.groups:
        resource["groups"] = [
            _present(
                {
                    "value": g.id,
                    "$ref": f"{base_url}/Groups/{g.id}",
                    "display": g.display,
                    "type": "direct",
                }
            )
            for g in record.groups
        ]
    enterprise = _present(
        {"employeeNumber": p.get("employee_number"), "department": p.get("department")}
    )
    if record.manager is not None:
        enterprise["manager"] = _present(
            {
                "value": record.manager.id,
                "$ref": f"{base_url}/Users/{record.manager.id}",
                "displayName": record.manager.display,
            }
        )
    if enterprise:
        resource["schemas"].append(ENTERPRISE_USER)
        resource[ENTERPRISE_USER] = enterprise
    resource["meta"] = _present(
        {
            "resourceType": "User",
            "created": record.created,
            "lastModified": record.last_modified,
            "location": location,
        }
    )
    return resource


def profile_for_create(payload: Any) -> UserProfile:
    """The fields of a user to create from a POST body; absent attributes are not sent."""
    profile = _profile(_validate(payload, Context.RESOURCE_CREATION_REQUEST))
    check_lengths(profile, _SCIM_NAMES)
    created = UserProfile()
    for key, value in profile.items():
        if value is not None:
            created[key] = value  # type: ignore[literal-required]
    created.setdefault("active", True)
    return created


def profile_for_replace(payload: Any) -> UserProfile:
    """Every stored field a PUT sets: it replaces the resource, so absent ones clear."""
    profile = _profile(_validate(payload, Context.RESOURCE_REPLACEMENT_REQUEST))
    check_lengths(profile, _SCIM_NAMES)
    return profile


@dataclass(frozen=True)
class UserPatch:
    """A validated PATCH, before we know the user it applies to."""

    operations: Any  # PatchOp[ScimUser[EnterpriseUser]] | None (None: nothing to do)
    manager_ids: frozenset[str]
    touches_manager: bool = False


def parse_user_patch(payload: Any, max_operations: int = 1000) -> UserPatch:
    """Validate a PATCH body and find the managers it may set.

    Knowing the managers before reading the user lets one upstream query fetch the user
    and check that every manager is a user of the directory.
    """
    operations = normalize_patch(payload, max_operations)
    if not operations:
        return UserPatch(operations=None, manager_ids=frozenset())
    with ENTRA_POLICY:
        patch = scim_validated(
            lambda: _PATCH_MODEL.model_validate(
                {"schemas": [PatchOp.__schema__], "Operations": operations},
                scim_ctx=Context.RESOURCE_PATCH_REQUEST,
            )
        )
    return UserPatch(
        operations=patch,
        manager_ids=frozenset(_managers_set_by(operations)),
        touches_manager=any(o.get("path") == MANAGER_PATH for o in operations),
    )


def apply_user_patch(record: UserRecord, patch: UserPatch) -> UserProfile:
    """The fields that change when `patch` is applied to the user (empty: nothing)."""
    if patch.operations is None:
        return UserProfile()
    resource = to_scim_user(record, base_url="")
    with ENTRA_POLICY:
        user = scim_validated(
            lambda: ScimUserWithEnterprise.model_validate(
                resource, scim_ctx=Context.RESOURCE_QUERY_RESPONSE
            )
        )
        scim_validated(lambda: patch.operations.patch(user))
    changes = changed_fields(record.profile, _profile(user, latest_wins=True))
    if not patch.touches_manager:
        # A manager WorkflowGen keeps but Entra cannot see (archived, or of another
        # directory) is not rendered, so it reads as "none" here; only an operation on the
        # manager may clear it.
        changes.pop("manager_id", None)
    # Values already stored are WorkflowGen's business; only what this request writes is
    # held to the limits (a too-long stored title must not block disabling the user).
    check_lengths(changes, _SCIM_NAMES)
    return changes


def _validate(payload: Any, context: Context) -> Any:  # a ScimUser[EnterpriseUser]
    body = normalize_resource(payload, CORE_USER)
    with ENTRA_POLICY:
        return scim_validated(lambda: ScimUserWithEnterprise.model_validate(body, scim_ctx=context))


def _profile(user: Any, *, latest_wins: bool = False) -> UserProfile:
    """Every stored field, read from a validated SCIM user.

    WorkflowGen keeps one e-mail, phone and address of each type. From a POST or PUT we keep
    the one marked primary; after a PATCH, the latest one of the type (an `add` appends, and
    the stored value is always shown as primary, so "primary" would always keep the old).
    """
    if not user.user_name or not user.user_name.strip():
        raise InvalidValueException(detail="userName must not be empty")
    enterprise: EnterpriseUser | None = user[EnterpriseUser]
    work_address = _pick(user.addresses, "work", True, latest_wins)
    office = _pick(user.addresses, "other", False, latest_wins)
    manager = enterprise.manager if enterprise else None
    profile = UserProfile(
        user_name=user.user_name,
        external_id=user.external_id,
        display_name=user.display_name,
        given_name=user.name.given_name if user.name else None,
        family_name=user.name.family_name if user.name else None,
        title=user.title,
        email=_value(_pick(user.emails, "work", True, latest_wins)),
        work_phone=_value(_pick(user.phone_numbers, "work", True, latest_wins)),
        mobile_phone=_value(_pick(user.phone_numbers, "mobile", False, latest_wins)),
        fax=_value(_pick(user.phone_numbers, "fax", False, latest_wins)),
        street_address=work_address.street_address if work_address else None,
        postal_code=work_address.postal_code if work_address else None,
        office=office.formatted if office else None,
        department=enterprise.department if enterprise else None,
        employee_number=enterprise.employee_number if enterprise else None,
        manager_id=manager.value if manager else None,
    )
    if user.active is not None:
        profile["active"] = user.active
    return profile


_E = TypeVar("_E", Email, PhoneNumber, Address)


def _pick(
    entries: Iterable[_E] | None, kind: str, untyped_ok: bool, latest_wins: bool
) -> _E | None:
    """The entry WorkflowGen keeps for `kind`: among those of that type (or, when allowed
    and there are none, those without a type), the primary one or the latest one."""
    if not entries:
        return None
    typed = [e for e in entries if (e.type or "").lower() == kind]
    if not typed and untyped_ok:
        typed = [e for e in entries if not e.type]
    if not typed:
        return None
    primary = [e for e in typed if e.primary]
    return primary[-1] if primary and not latest_wins else typed[-1]


def _value(entry: Email | PhoneNumber | None) -> str | None:
    return entry.value if entry else None


def _present(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None and v != ""}


def _managers_set_by(operations: list[dict[str, Any]]) -> Iterable[str]:
    for operation in operations:
        if operation.get("path") == MANAGER_PATH and operation["op"] != "remove":
            found = manager_id(operation.get("value"))
            if found:
                yield found
