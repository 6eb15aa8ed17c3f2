"""Turns scim2-models' validation failures into the SCIM exception family, readably."""

import re
from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError
from scim2_models import Error, InvalidValueException, SCIMException

T = TypeVar("T")

# pydantic's text carries a header naming our model classes and a documentation link per
# error; Entra's administrator needs neither.
_HEADER = re.compile(r"^\d+ validation errors? for \S+\s*$")
_LINK = re.compile(r"^\s*For further information visit ")


def readable(detail: str) -> str:
    lines = [
        line.strip()
        for line in detail.splitlines()
        if line.strip() and not _HEADER.match(line) and not _LINK.match(line)
    ]
    return ": ".join(lines) if lines else detail


def as_scim_error(exc: ValidationError) -> SCIMException:
    """The first problem of a validation error, as the SCIM error it stands for."""
    errors = Error.from_validation_errors(exc)
    if not errors:
        return InvalidValueException(detail=readable(str(exc)))
    error = errors[0]
    error.detail = readable(error.detail or "")
    return SCIMException.from_error(error)


def scim_validated(build: Callable[[], T]) -> T:
    """Run a scim2-models validation, raising SCIM errors instead of pydantic ones."""
    try:
        return build()
    except ValidationError as exc:
        raise as_scim_error(exc) from None
    except SCIMException as exc:
        # scim2-models' PATCH engine wraps pydantic's text in its own exceptions.
        cleaned = readable(exc.detail)
        if cleaned == exc.detail:
            raise
        raise type(exc)(detail=cleaned) from None
