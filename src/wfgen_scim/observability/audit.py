"""The audit log: one JSON line per change applied to WorkflowGen.

Each line says when, for which SCIM request (its id, also in the access log and the
X-Request-Id response header), which Entra operation, which WorkflowGen operation, on
which object, and which attributes changed - names always, values only for the
attributes an administrator listed (`audit.values`), since they are personal data. No
token, password or secret ever passes through here: the gateway hands over attribute
names and values only.
"""

import json
import logging
import logging.handlers
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from itertools import count
from typing import Any

from .context import current_entra_operation, current_request_id

_INSTANCES = count()


class AuditLog:
    """Writes audit lines to a file (rotated by size) or to standard output ("-")."""

    def __init__(
        self,
        target: str = "-",
        *,
        values: Iterable[str] = (),
        max_bytes: int = 10_000_000,
        backup_count: int = 5,
    ) -> None:
        self._values = frozenset(values)
        # A logger of its own per instance: several apps in one process (tests) must
        # not write into each other's files.
        self._logger = logging.getLogger(f"wfgen_scim.audit.{next(_INSTANCES)}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        handler: logging.Handler
        if target == "-":
            handler = logging.StreamHandler(sys.stdout)
        else:
            handler = logging.handlers.RotatingFileHandler(
                target, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
            )
        handler.setFormatter(logging.Formatter("%(message)s"))
        self._logger.handlers[:] = [handler]
        self._handler = handler

    def close(self) -> None:
        self._handler.close()
        self._logger.handlers.clear()

    def change(
        self,
        *,
        operation: str,
        resource: str,
        object_id: str | None,
        name: str | None,
        attributes: Mapping[str, Any] | None = None,
        outcome: str = "applied",
        **details: Any,
    ) -> None:
        """One applied change (or the settled outcome of a create whose answer was lost)."""
        changed = dict(attributes or {})
        line: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": current_request_id(),
            "entra_operation": current_entra_operation(),
            "workflowgen_operation": operation,
            "resource": resource,
            "id": object_id,
            "name": name,
            "attributes": sorted(changed),
            "outcome": outcome,
        }
        shown = {k: v for k, v in changed.items() if "*" in self._values or k in self._values}
        if shown:
            line["values"] = shown
        line.update(details)
        self._logger.info(json.dumps(line, ensure_ascii=False, default=str))
