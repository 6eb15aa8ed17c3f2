"""The state one emulator app shares between its handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from .auth import Authenticator
from .database import Database
from .execution import ExecutableSchema
from .faults import FaultInjector
from .oauth import TokenIssuer
from .settings import EmulatorSettings
from .stats import Stats


@dataclass
class EmulatorState:
    settings: EmulatorSettings
    tokens: TokenIssuer
    authenticator: Authenticator
    faults: FaultInjector
    graphql: ExecutableSchema
    stats: Stats = field(default_factory=Stats)
    # Opened when the app starts (see app.py), closed when it stops.
    _db: Database | None = None

    @classmethod
    def from_settings(cls, settings: EmulatorSettings) -> EmulatorState:
        """Builds the schema too, so that a bad rename fails here (SchemaVariantError)."""
        tokens = TokenIssuer(settings.oauth_clients, settings.token_lifetime_seconds)
        return cls(
            settings=settings,
            tokens=tokens,
            authenticator=Authenticator(settings, tokens),
            faults=FaultInjector(settings),
            graphql=ExecutableSchema(settings.schema_renames),
        )

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the emulator app has not started")
        return self._db

    def attach_database(self, db: Database | None) -> None:
        self._db = db


STATE = web.AppKey("emulator_state", EmulatorState)
