"""Turns scim2-models' validation failures into the SCIM exception family."""

from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError
from scim2_models import Error, InvalidValueException, SCIMException

T = TypeVar("T")


def as_scim_error(exc: ValidationError) -> SCIMException:
    """The first problem of a validation error, as the SCIM error it stands for."""
    errors = Error.from_validation_errors(exc)
    if not errors:
        return InvalidValueException(detail=str(exc))
    return SCIMException.from_error(errors[0])


def scim_validated(build: Callable[[], T]) -> T:
    """Run a scim2-models validation, raising SCIM errors instead of pydantic ones."""
    try:
        return build()
    except ValidationError as exc:
        raise as_scim_error(exc) from None
