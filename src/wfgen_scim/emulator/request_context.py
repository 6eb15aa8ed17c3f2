"""What the resolvers of one GraphQL request share: the store, the actor, and caches.

The caches keep a big page from costing one query per row: directories are read whole
once, and the managers of every user of a page are fetched together the first time one
of them is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable

from .auth import Actor
from .database import Database, Row
from .directories import all_directories
from .stats import Stats
from .users import get_users


class RequestContext:
    def __init__(self, db: Database, actor: Actor, stats: Stats) -> None:
        self.db = db
        self.actor = actor
        self.stats = stats
        self._directories: dict[int, Row] | None = None
        self._users: dict[int, Row | None] = {}
        self._wanted_users: set[int] = set()

    def directory(self, pk: int) -> Row:
        if self._directories is None or pk not in self._directories:
            self._directories = all_directories(self.db)
        return self._directories[pk]

    def remember_users(self, rows: Iterable[Row]) -> None:
        """Caches a page's users and notes the managers its rows point to."""
        for row in rows:
            self._users[row["pk"]] = row
            manager_pk = row["managerPk"]
            if manager_pk is not None and manager_pk not in self._users:
                self._wanted_users.add(manager_pk)

    def user(self, pk: int) -> Row | None:
        if pk not in self._users:
            wanted = self._wanted_users | {pk}
            self._wanted_users = set()
            self._users.update(dict.fromkeys(wanted))
            # Remembering the fetched rows batches the next level (manager of manager).
            self.remember_users(get_users(self.db, wanted))
        return self._users[pk]

    def forget_cached(self) -> None:
        """Drops cached rows; a mutation may just have changed them."""
        self._directories = None
        self._users.clear()
        self._wanted_users.clear()
