"""The SCIM resources exactly as this proxy stores them, declared with scim2-models.

We declare our own User and Group rather than use scim2-models' full RFC ones because
(1) /Schemas must describe only what WorkflowGen can keep, and scim2-models generates it
from these classes, (2) its RFC User validates and rewrites e-mail addresses (lower-cased
domain), while Entra expects values stored exactly as sent, and (3) its Manager requires a
strict `$ref` that Entra does not send. Attributes outside these models are accepted and
ignored (ENTRA_POLICY.unknown), which is what Entra needs for roles, nickName, locale...
"""

from typing import Annotated, Any

from pydantic import Field
from scim2_models import (
    URN,
    CaseExact,
    ComplexAttribute,
    Extension,
    Mutability,
    Required,
    Resource,
    Returned,
    ScimPolicy,
    Uniqueness,
)

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# How Entra departs from RFC 7644, and what we tolerate of it (entra-dialect.md):
# unknown attributes and schema URNs are ignored (item 11); a `remove` carrying a `value`
# removes only those values (item 5); add/replace through a value-path filter that
# matches nothing creates the element (item 4).
ENTRA_POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


class Name(ComplexAttribute):
    """The components of the user's real name."""

    given_name: str | None = None
    """Given name (WorkflowGen first name)."""

    family_name: str | None = None
    """Family name (WorkflowGen last name)."""


class Email(ComplexAttribute):
    """E-mail address; WorkflowGen keeps the work one."""

    value: str | None = None
    """The address, stored as sent."""

    type: str | None = None
    """Only 'work' is stored."""

    primary: bool | None = None
    """Whether this is the preferred address."""


class PhoneNumber(ComplexAttribute):
    """Phone number; WorkflowGen keeps one of each type work, mobile and fax."""

    value: str | None = None
    """The number, stored as sent."""

    type: str | None = None
    """'work', 'mobile' or 'fax'."""

    primary: bool | None = None
    """Whether this is the preferred number."""


class Address(ComplexAttribute):
    """Postal address: the work one (street, postal code) and the 'other' one (office)."""

    type: str | None = None
    """'work' or 'other'."""

    street_address: str | None = None
    """Work street address (WorkflowGen postal address)."""

    postal_code: str | None = None
    """Work postal code."""

    formatted: str | None = None
    """The 'other' address is the user's office."""

    primary: bool | None = None
    """Whether this is the preferred address."""


class GroupRef(ComplexAttribute):
    """A group the user belongs to (read-only: change membership on the group)."""

    value: Annotated[str | None, Mutability.read_only, CaseExact.true] = None
    """The group's id."""

    ref: Annotated[str | None, Mutability.read_only] = Field(
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The group's URI."""

    display: Annotated[str | None, Mutability.read_only] = None
    """The group's displayName."""

    type: Annotated[str | None, Mutability.read_only] = None
    """Always 'direct': WorkflowGen groups cannot contain groups."""


class Manager(ComplexAttribute):
    """The user's manager, another user of the same directory."""

    value: Annotated[str | None, CaseExact.true] = None
    """The manager's id."""

    ref: Annotated[str | None, Mutability.read_only] = Field(
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The manager's URI."""

    display_name: Annotated[str | None, Mutability.read_only] = None
    """The manager's displayName."""


class EnterpriseUser(Extension):
    """Enterprise User extension: the attributes WorkflowGen stores."""

    __schema__ = URN(ENTERPRISE_USER)

    employee_number: str | None = None
    """Employee number."""

    department: str | None = None
    """Department."""

    manager: Manager | None = None
    """The user's manager."""


class ScimUser(Resource[Any]):
    """User Account, as stored in WorkflowGen."""

    __schema__ = URN(CORE_USER)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """Unique identifier; unique across all WorkflowGen directories, any case."""

    name: Name | None = None
    """The components of the user's real name."""

    display_name: str | None = None
    """Name displayed for the user (WorkflowGen common name)."""

    title: str | None = None
    """Job title."""

    active: bool | None = None
    """Whether the user may sign in; an inactive user is still returned."""

    emails: list[Email] | None = None
    """E-mail addresses (the work one is stored)."""

    phone_numbers: list[PhoneNumber] | None = None
    """Phone numbers (work, mobile and fax are stored)."""

    addresses: list[Address] | None = None
    """Addresses (work street/postal code, and office as the 'other' one)."""

    groups: Annotated[list[GroupRef] | None, Mutability.read_only] = None
    """Groups the user belongs to."""


ScimUserWithEnterprise: type[Resource[Any]] = ScimUser[EnterpriseUser]  # type: ignore[misc]


class GroupMember(ComplexAttribute):
    """A member of a group: always a user of the same directory."""

    value: Annotated[str | None, CaseExact.true, Mutability.immutable] = None
    """The user's id."""

    ref: Annotated[str | None, Mutability.immutable] = Field(
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The user's URI."""

    display: Annotated[str | None, Mutability.read_only] = None
    """The user's displayName."""

    type: Annotated[str | None, Mutability.immutable] = None
    """Always 'User'."""


class ScimGroup(Resource[Any]):
    """Group, as stored in WorkflowGen."""

    __schema__ = URN(CORE_GROUP)

    display_name: Annotated[str | None, Required.true, Uniqueness.server] = None
    """Group name; unique in the directory, any case."""

    members: Annotated[list[GroupMember] | None, Returned.default] = None
    """The group's users."""
