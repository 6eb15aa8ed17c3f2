"""What the proxy tells its operators: metrics, the audit log, and the request context.

Shared by proxy/ and graphql/ (like records.py and config/): it depends on no other layer.
"""

from .audit import AuditLog
from .context import current_entra_operation, current_request_id, request_scope
from .metrics import Metrics
from .telemetry import Telemetry

__all__ = [
    "AuditLog",
    "Metrics",
    "Telemetry",
    "current_entra_operation",
    "current_request_id",
    "request_scope",
]
