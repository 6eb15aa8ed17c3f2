"""A WorkflowGen emulator: the model GraphQL schema over real HTTP, backed by SQLite.

The proxy and its tests talk to it as they would to WorkflowGen (see
docs/workflowgen-binding.md, "the model schema"), plus test controls for stats and faults.
"""

from .app import build_app
from .settings import Account, EmulatorSettings

__all__ = ["Account", "EmulatorSettings", "build_app"]
