"""`attributes` and `excludedAttributes` (RFC 7644 section 3.4.2.5).

scim2-models applies them (case-insensitive, URN-qualified or sub-attribute names, `id`
and `schemas` always returned) when it dumps a resource. What it lacks, and what lives
here, is the hint for the gateway: excluding `members` means members are not fetched at
all (`wants`), which is what makes Entra's group reads cheap.
"""

from dataclasses import dataclass
from typing import Any

from scim2_models import Context, ResponseParameters

from .models import ENTRA_POLICY, Models
from .scim_errors import scim_validated


def _names(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Projection:
    """What a client asked to see of each resource."""

    attributes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, attributes: str | None, excluded: str | None) -> "Projection":
        return cls(_names(attributes), _names(excluded))

    def wants(self, attribute: str) -> bool:
        """Whether a core attribute (e.g. members, groups) will appear in the response."""
        name = attribute.lower()
        if any(item.lower() == name for item in self.excluded):
            return False
        if self.attributes:
            return any(item.lower().split(".", 1)[0] == name for item in self.attributes)
        return True

    def apply(self, resource: dict[str, Any], models: Models) -> dict[str, Any]:
        """The rendered resource as asked; untouched when nothing was asked."""
        if not self.attributes and not self.excluded:
            return resource
        parameters: ResponseParameters[Any] = ResponseParameters(
            attributes=list(self.attributes) or None,
            excluded_attributes=list(self.excluded) or None,
        )
        with ENTRA_POLICY:
            model = scim_validated(
                lambda: models.full.model_validate(
                    resource, scim_ctx=Context.RESOURCE_QUERY_RESPONSE
                )
            )
            shown: dict[str, Any] = model.model_dump(
                scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters
            )
        return shown
