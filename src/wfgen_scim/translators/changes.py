"""What a request changes, and the limits every stored value keeps to."""

from collections.abc import Mapping
from typing import Any, TypeVar

from scim2_models import InvalidValueException

P = TypeVar("P", bound=Mapping[str, Any])

# WorkflowGen keeps names, addresses and numbers in database columns of bounded size; a
# longer value is refused here with a clear error rather than by WorkflowGen as a failure.
MAX_VALUE_LENGTH = 1024


def changed_fields(old: Mapping[str, Any], new: P) -> P:
    """Fields of `new` whose value differs from `old` ("" and missing count as empty)."""
    changes: dict[str, Any] = {}
    for key, value in new.items():
        if _blank(value) != _blank(old.get(key)):
            changes[key] = _blank(value)
    return changes  # type: ignore[return-value]


def check_lengths(fields: Mapping[str, Any], names: Mapping[str, str]) -> None:
    """Refuse any string longer than MAX_VALUE_LENGTH, naming its SCIM attribute."""
    for key, value in fields.items():
        if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            raise InvalidValueException(
                detail=f"{names.get(key, key)} is longer than {MAX_VALUE_LENGTH} characters"
            )


def _blank(value: Any) -> Any:
    return None if value == "" else value
