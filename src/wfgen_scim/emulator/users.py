"""Reading users: the row shape the resolvers see, and UserFilterInput as SQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .database import Database, Row
from .errors import BadUserInput
from .node_ids import NodeType, decode_id
from .paging import MAX_PAGE_SIZE, RowQuery, Where

# GraphQL name -> column, for every plain string field of User (and of the user inputs).
PROFILE_COLUMNS: dict[str, str] = {
    "userName": "user_name",
    "firstName": "first_name",
    "lastName": "last_name",
    "commonName": "common_name",
    "email": "email",
    "phone": "phone",
    "mobile": "mobile",
    "fax": "fax",
    "pager": "pager",
    "jobTitle": "job_title",
    "department": "department",
    "company": "company",
    "employeeNumber": "employee_number",
    "office": "office",
    "postalAddress": "postal_address",
    "postalCode": "postal_code",
    "city": "city",
    "state": "state",
    "country": "country",
    "language": "language",
    "systemIdentifier": "system_identifier",
}

# Rows carry GraphQL field names, so graphql-core's default resolver serves most fields;
# row ids stay integers ("pk") until a resolver encodes them.
USER_COLUMNS = ", ".join(
    [
        "u.id AS pk",
        "u.directory_id AS directoryPk",
        "u.manager_id AS managerPk",
        "u.is_active AS isActive",
        "u.archived AS archived",
        "u.has_history AS hasHistory",
        "u.sole_participant AS soleParticipant",
        "u.is_admin AS isAdmin",
        "u.may_impersonate AS mayImpersonate",
        "u.created_at AS createdAt",
        "u.updated_at AS updatedAt",
        *(f"u.{column} AS {name}" for name, column in PROFILE_COLUMNS.items()),
    ]
)

# Filter fields compared with `=` on a NOCASE, indexed column.
_STRING_FILTERS = {
    "userName": "u.user_name",
    "systemIdentifier": "u.system_identifier",
    "email": "u.email",
}


def user_query(filter_input: Mapping[str, Any] | None, *, group_pk: int | None = None) -> RowQuery:
    """Users matching a UserFilterInput (all fields AND-ed), in creation order.

    `group_pk` restricts to members of that group (Group.users).
    """
    where = Where()
    filters = filter_input or {}
    if group_pk is not None:
        where.add("u.id IN (SELECT user_id FROM memberships WHERE group_id = ?)", group_pk)
    # An explicit null in a filter field means "no condition", like leaving it out.
    if filters.get("directoryId") is not None:
        directory_pk = decode_id("Directory", filters["directoryId"])
        if directory_pk is None:
            where.nothing()
        else:
            where.add("u.directory_id = ?", directory_pk)
    if filters.get("ids") is not None:
        ids = filters["ids"]
        if len(ids) > MAX_PAGE_SIZE:
            raise BadUserInput(f"filter.ids takes at most {MAX_PAGE_SIZE} ids, not {len(ids)}")
        where.add_in("u.id", decoded_pks("User", ids))
    for name, column in _STRING_FILTERS.items():
        if filters.get(name) is not None:
            where.add(f"{column} = ?", filters[name])
    if filters.get("isActive") is not None:
        where.add("u.is_active = ?", int(filters["isActive"]))
    if filters.get("groupId") is not None:
        member_of = decode_id("Group", filters["groupId"])
        if member_of is None:
            where.nothing()
        else:
            where.add("u.id IN (SELECT user_id FROM memberships WHERE group_id = ?)", member_of)
    return RowQuery(USER_COLUMNS, "users u", where, "u.id")


def decoded_pks(node_type: NodeType, node_ids: Iterable[object]) -> list[int]:
    """Row ids of the well-formed ids; malformed ones simply match nothing."""
    pks = (decode_id(node_type, node_id) for node_id in node_ids)
    return [pk for pk in pks if pk is not None]


def get_user(db: Database, pk: int) -> Row | None:
    return db.fetch_one(f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?", (pk,))


def get_users(db: Database, pks: Iterable[int]) -> list[Row]:
    where = Where()
    where.add_in("u.id", list(pks))
    if where.matches_nothing:
        return []
    return db.fetch_all(f"SELECT {USER_COLUMNS} FROM users u{where.sql()}", where.params)


def find_user_by_name(db: Database, user_name: str) -> Row | None:
    return db.fetch_one(f"SELECT {USER_COLUMNS} FROM users u WHERE u.user_name = ?", (user_name,))


def user_status(row: Row) -> str:
    if row["archived"]:
        return "ARCHIVED"
    return "ACTIVE" if row["isActive"] else "INACTIVE"
