"""Filtered, paged listings: `page: {number, size}` in, `{totalCount ... items}` out.

A page only runs the SQL its selection needs: `items` and `hasNextPage` share one query
(one row more than the page size tells whether a next page exists) and `totalCount` runs
a COUNT only when asked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .database import Database, Row
from .errors import BadUserInput

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class PageRequest:
    number: int = 1
    size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_input(cls, page: Mapping[str, Any] | None) -> PageRequest:
        # An explicit null number or size means the default, as if it were left out.
        number = (page or {}).get("number")
        size = (page or {}).get("size")
        number = 1 if number is None else number
        size = DEFAULT_PAGE_SIZE if size is None else size
        if number < 1:
            raise BadUserInput(f"page.number must be 1 or more, not {number}")
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise BadUserInput(f"page.size must be between 1 and {MAX_PAGE_SIZE}, not {size}")
        return cls(number, size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass
class Where:
    """AND-ed SQL conditions with their parameters, built from a filter input."""

    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    # Set when a filter value cannot match anything (an unknown id, say): no SQL runs.
    matches_nothing: bool = False

    def add(self, condition: str, *params: Any) -> None:
        self.conditions.append(condition)
        self.params.extend(params)

    def add_in(self, column: str, values: Sequence[int]) -> None:
        """`column IN values`, with the values bound as one JSON parameter.

        One parameter keeps the SQL text (and SQLite's statement cache) the same whatever
        the number of values.
        """
        if not values:
            self.matches_nothing = True
            return
        self.add(f"{column} IN (SELECT value FROM json_each(?))", json.dumps(list(values)))

    def nothing(self) -> None:
        self.matches_nothing = True

    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.conditions)}" if self.conditions else ""


@dataclass(frozen=True)
class RowQuery:
    """SELECT <columns> FROM <source> WHERE <where> ORDER BY <order_by>."""

    columns: str
    source: str
    where: Where
    order_by: str

    def select_sql(self) -> str:
        return (
            f"SELECT {self.columns} FROM {self.source}{self.where.sql()} ORDER BY {self.order_by}"
        )

    def count_sql(self) -> str:
        return f"SELECT COUNT(*) FROM {self.source}{self.where.sql()}"

    def first(self, db: Database) -> Row | None:
        if self.where.matches_nothing:
            return None
        return db.fetch_one(f"{self.select_sql()} LIMIT 1", self.where.params)


class Page:
    """The value behind UserPage, GroupPage and DirectoryPage."""

    def __init__(
        self,
        db: Database,
        query: RowQuery,
        request: PageRequest,
        on_items: Callable[[list[Row]], None] | None = None,
    ) -> None:
        self._db = db
        self._query = query
        self._request = request
        self._on_items = on_items
        self._rows: list[Row] | None = None
        self._total: int | None = None

    def _fetch(self) -> list[Row]:
        if self._rows is None:
            if self._query.where.matches_nothing:
                self._rows = []
            else:
                sql = f"{self._query.select_sql()} LIMIT ? OFFSET ?"
                params = [*self._query.where.params, self._request.size + 1, self._request.offset]
                self._rows = self._db.fetch_all(sql, params)
                if self._on_items is not None:
                    self._on_items(self._rows[: self._request.size])
        return self._rows

    def items(self) -> list[Row]:
        return self._fetch()[: self._request.size]

    def has_next_page(self) -> bool:
        if self._total is not None:
            return self._request.offset + self._request.size < self._total
        return len(self._fetch()) > self._request.size

    def has_previous_page(self) -> bool:
        return self._request.number > 1

    def total_count(self) -> int:
        if self._total is None:
            if self._query.where.matches_nothing:
                self._total = 0
            else:
                self._total = int(
                    self._db.scalar(self._query.count_sql(), self._query.where.params)
                )
        return self._total
