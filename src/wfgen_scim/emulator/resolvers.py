"""Resolvers, attached to the fields of the schema built from schema.graphql.

Values flowing through the schema are plain row dicts keyed by GraphQL field names (see
users.py and groups.py) and `Page` objects; only fields that need work have a resolver.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

from .database import Database, Row
from .directories import directory_query
from .errors import Forbidden
from .group_mutations import (
    add_users_to_group,
    create_group,
    delete_group,
    remove_users_from_group,
    update_group,
)
from .groups import get_group, group_query
from .node_ids import decode_id, encode_id
from .paging import Page, PageRequest
from .request_context import RequestContext
from .user_mutations import create_user, delete_user, update_user
from .users import user_query, user_status

Resolver = Callable[..., Any]
MutationBody = Callable[[Database, Mapping[str, Any]], dict[str, Any]]
# The context of every request is a RequestContext (see execution.py).
Info: TypeAlias = "GraphQLResolveInfo[RequestContext]"


# --- Query -----------------------------------------------------------------------------


def _viewer(_: None, info: Info) -> Row | None:
    context = info.context
    return context.user(context.actor.pk)


def _user(_: None, info: Info, **args: Any) -> Row | None:
    filters: dict[str, Any] = {}
    if args.get("id") is not None:
        filters["ids"] = [args["id"]]
    if args.get("userName") is not None:
        filters["userName"] = args["userName"]
    if not filters:
        return None
    context = info.context
    row = user_query(filters).first(context.db)
    if row is not None:
        context.remember_users([row])
    return row


def _users(_: None, info: Info, **args: Any) -> Page:
    context = info.context
    return Page(
        context.db,
        user_query(args.get("filter")),
        PageRequest.from_input(args.get("page")),
        on_items=context.remember_users,
    )


def _group(_: None, info: Info, **args: Any) -> Row | None:
    pk = decode_id("Group", args.get("id"))
    return None if pk is None else get_group(info.context.db, pk)


def _groups(_: None, info: Info, **args: Any) -> Page:
    return Page(
        info.context.db,
        group_query(args.get("filter")),
        PageRequest.from_input(args.get("page")),
    )


def _directory(_: None, info: Info, **args: Any) -> Row | None:
    node_id, name = args.get("id"), args.get("name")
    if node_id is None and name is None:
        return None
    pk = None if node_id is None else decode_id("Directory", node_id)
    if node_id is not None and pk is None:
        return None
    return directory_query(pk=pk, name=name).first(info.context.db)


def _directories(_: None, info: Info, **args: Any) -> Page:
    return Page(info.context.db, directory_query(), PageRequest.from_input(args.get("page")))


# --- Object fields ---------------------------------------------------------------------


def _user_manager(row: Row, info: Info) -> Row | None:
    manager_pk = row["managerPk"]
    return None if manager_pk is None else info.context.user(manager_pk)


def _user_groups(row: Row, info: Info, **args: Any) -> Page:
    return Page(
        info.context.db,
        group_query(None, member_pk=row["pk"]),
        PageRequest.from_input(args.get("page")),
    )


def _group_users(row: Row, info: Info, **args: Any) -> Page:
    context = info.context
    return Page(
        context.db,
        user_query(args.get("filter"), group_pk=row["pk"]),
        PageRequest.from_input(args.get("page")),
        on_items=context.remember_users,
    )


def _directory_of(row: Row, info: Info) -> Row:
    return info.context.directory(row["directoryPk"])


_PAGE_FIELDS: dict[str, Resolver] = {
    "totalCount": lambda page, _: page.total_count(),
    "hasNextPage": lambda page, _: page.has_next_page(),
    "hasPreviousPage": lambda page, _: page.has_previous_page(),
    "items": lambda page, _: page.items(),
}

_OBJECT_FIELDS: dict[str, dict[str, Resolver]] = {
    "User": {
        "id": lambda row, _: encode_id("User", row["pk"]),
        "isActive": lambda row, _: bool(row["isActive"]),
        "status": lambda row, _: user_status(row),
        "manager": _user_manager,
        "directory": _directory_of,
        "groups": _user_groups,
    },
    "Group": {
        "id": lambda row, _: encode_id("Group", row["pk"]),
        "directory": _directory_of,
        "users": _group_users,
    },
    "Directory": {"id": lambda row, _: encode_id("Directory", row["pk"])},
    "UserPage": _PAGE_FIELDS,
    "GroupPage": _PAGE_FIELDS,
    "DirectoryPage": _PAGE_FIELDS,
}

_QUERY_FIELDS: dict[str, Resolver] = {
    "viewer": _viewer,
    "user": _user,
    "users": _users,
    "group": _group,
    "groups": _groups,
    "directory": _directory,
    "directories": _directories,
}


# --- Mutation --------------------------------------------------------------------------


def _mutation(body: MutationBody) -> Resolver:
    """An administrator-only resolver running `body` in one transaction."""

    def resolve(_: None, info: Info, **args: Any) -> dict[str, Any]:
        context = info.context
        if not context.actor.is_admin:
            raise Forbidden(f"{context.actor.user_name!r} is not an administrator")
        mutation_input: Mapping[str, Any] = args["input"]
        context.forget_cached()
        with context.db.transaction():
            payload = body(context.db, mutation_input)
        return {"clientMutationId": mutation_input.get("clientMutationId"), **payload}

    return resolve


def _delete_user(db: Database, mutation_input: Mapping[str, Any]) -> dict[str, Any]:
    deleted_id, archived = delete_user(db, mutation_input["id"])
    return {"deletedUserId": deleted_id, "archived": archived}


_MUTATION_FIELDS: dict[str, Resolver] = {
    "createUser": _mutation(lambda db, i: {"user": create_user(db, i)}),
    "updateUser": _mutation(lambda db, i: {"user": update_user(db, i)}),
    "deleteUser": _mutation(_delete_user),
    "createGroup": _mutation(lambda db, i: {"group": create_group(db, i)}),
    "updateGroup": _mutation(lambda db, i: {"group": update_group(db, i)}),
    "deleteGroup": _mutation(lambda db, i: {"deletedGroupId": delete_group(db, i["id"])}),
    "addUsersToGroup": _mutation(
        lambda db, i: {"group": add_users_to_group(db, i["groupId"], i["userIds"])}
    ),
    "removeUsersFromGroup": _mutation(
        lambda db, i: {"group": remove_users_from_group(db, i["groupId"], i["userIds"])}
    ),
}


def _counted(resolve: Resolver) -> Resolver:
    """Counts the root field once per execution, by field name (aliases do not matter)."""

    def counted(root: None, info: Info, **args: Any) -> Any:
        info.context.stats.record_root_field(info.field_name)
        return resolve(root, info, **args)

    return counted


def attach_resolvers(schema: GraphQLSchema) -> None:
    """Installs the resolvers; fails loudly if schema.graphql lost a field they serve."""
    roots = {"Query": _QUERY_FIELDS, "Mutation": _MUTATION_FIELDS}
    for type_name, resolvers in roots.items():
        root_type = schema.get_type(type_name)
        assert isinstance(root_type, GraphQLObjectType), type_name
        for field_name, resolve in resolvers.items():
            root_type.fields[field_name].resolve = _counted(resolve)
    for type_name, resolvers in _OBJECT_FIELDS.items():
        object_type = schema.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType), type_name
        for field_name, resolve in resolvers.items():
            object_type.fields[field_name].resolve = resolve
