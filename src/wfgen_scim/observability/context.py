"""The SCIM request being served, visible to every layer without passing it around."""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_REQUEST_ID: ContextVar[str | None] = ContextVar("wfgen_scim_request_id", default=None)
_ENTRA_OPERATION: ContextVar[str | None] = ContextVar("wfgen_scim_entra_operation", default=None)

# A client-supplied id is kept only if it is short and plain: it ends up in log lines.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id(offered: str | None) -> str:
    """The client's X-Request-Id when it is a plain token, else a fresh one."""
    if offered and _ACCEPTABLE_ID.match(offered):
        return offered
    return uuid.uuid4().hex


@contextmanager
def request_scope(request_id: str, entra_operation: str) -> Iterator[None]:
    id_token = _REQUEST_ID.set(request_id)
    operation_token = _ENTRA_OPERATION.set(entra_operation)
    try:
        yield
    finally:
        _REQUEST_ID.reset(id_token)
        _ENTRA_OPERATION.reset(operation_token)


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


def current_entra_operation() -> str | None:
    return _ENTRA_OPERATION.get()
