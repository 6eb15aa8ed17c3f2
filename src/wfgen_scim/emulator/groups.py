"""Reading groups: the row shape the resolvers see, and GroupFilterInput as SQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .database import Database, Row
from .node_ids import decode_id
from .paging import RowQuery, Where

GROUP_COLUMNS = ", ".join(
    [
        "g.id AS pk",
        "g.directory_id AS directoryPk",
        "g.name AS name",
        "g.description AS description",
        "g.system_identifier AS systemIdentifier",
        "g.created_at AS createdAt",
        "g.updated_at AS updatedAt",
    ]
)


def group_query(
    filter_input: Mapping[str, Any] | None, *, member_pk: int | None = None
) -> RowQuery:
    """Groups matching a GroupFilterInput (all fields AND-ed), in creation order.

    `member_pk` restricts to the groups that contain that user (User.groups).
    """
    where = Where()
    filters = filter_input or {}
    if member_pk is not None:
        where.add("g.id IN (SELECT group_id FROM memberships WHERE user_id = ?)", member_pk)
    if filters.get("directoryId") is not None:
        directory_pk = decode_id("Directory", filters["directoryId"])
        if directory_pk is None:
            where.nothing()
        else:
            where.add("g.directory_id = ?", directory_pk)
    if filters.get("name") is not None:
        where.add("g.name = ?", filters["name"])
    if filters.get("systemIdentifier") is not None:
        where.add("g.system_identifier = ?", filters["systemIdentifier"])
    if filters.get("userId") is not None:
        user_pk = decode_id("User", filters["userId"])
        if user_pk is None:
            where.nothing()
        else:
            where.add("g.id IN (SELECT group_id FROM memberships WHERE user_id = ?)", user_pk)
    return RowQuery(GROUP_COLUMNS, "groups g", where, "g.id")


def get_group(db: Database, pk: int) -> Row | None:
    return db.fetch_one(f"SELECT {GROUP_COLUMNS} FROM groups g WHERE g.id = ?", (pk,))
