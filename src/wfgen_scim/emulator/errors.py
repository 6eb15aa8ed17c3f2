"""Business errors, one class per `extensions.code` the emulator answers with.

They are GraphQLErrors so that graphql-core keeps their extensions when it locates them
on the failing field; the HTTP layer never has to map them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import GraphQLError

# Request-level codes for errors graphql-core produces itself (before any resolver runs).
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_REQUEST = "BAD_REQUEST"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class EmulatorError(GraphQLError):
    code: ClassVar[str]

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class Unauthenticated(EmulatorError):
    code = "UNAUTHENTICATED"


class Forbidden(EmulatorError):
    code = "FORBIDDEN"


class NotFound(EmulatorError):
    code = "NOT_FOUND"


class Conflict(EmulatorError):
    code = "CONFLICT"


class BadUserInput(EmulatorError):
    code = "BAD_USER_INPUT"


class UserInUse(EmulatorError):
    code = "USER_IN_USE"
