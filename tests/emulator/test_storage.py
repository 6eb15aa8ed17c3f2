"""The SQLite store: seeding, surviving a restart, and index-backed filters."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.emulator_harness import Emulator, StartEmulator, default_settings
from wfgen_scim.emulator.bootstrap import prepare_database
from wfgen_scim.emulator.database import Database
from wfgen_scim.emulator.groups import group_query
from wfgen_scim.emulator.paging import RowQuery
from wfgen_scim.emulator.users import user_query

SEEDED = """
query ($filter: UserFilterInput) {
  users(filter: $filter, page: {size: 3}) {
    totalCount items { userName email firstName lastName systemIdentifier isActive }
  }
}
"""


async def test_seeded_users_are_deterministic(start_emulator: StartEmulator) -> None:
    emulator = await start_emulator(default_settings(seed_users=250))
    scim = await emulator.directory_id()
    data = await emulator.data(SEEDED, {"filter": {"directoryId": scim}})
    assert data["users"]["totalCount"] == 250
    first = data["users"]["items"][0]
    assert first["userName"] == "seed.user00001@example.com"
    assert first["email"] == "seed.user00001@example.com"
    assert (first["firstName"], first["lastName"]) == ("Seed", "User00001")
    assert first["isActive"] is True
    found = await emulator.data(
        SEEDED, {"filter": {"systemIdentifier": "00000000-0000-0000-0000-0000000000FA"}}
    )
    assert [u["userName"] for u in found["users"]["items"]] == ["seed.user00250@example.com"]


def test_seeding_a_hundred_thousand_users_takes_seconds() -> None:
    db = Database(":memory:")
    started = time.perf_counter()
    prepare_database(db, default_settings(seed_users=100_000))
    elapsed = time.perf_counter() - started
    assert db.scalar("SELECT COUNT(*) FROM users") == 100_000 + 3
    assert elapsed < 10, elapsed
    db.close()


async def test_file_store_survives_a_restart(start_emulator: StartEmulator, tmp_path: Path) -> None:
    settings = default_settings(db=tmp_path / "emulator.sqlite3", seed_users=5)
    first = await start_emulator(settings)
    alice = await first.create_user("alice@example.com")
    group_id = await first.create_group("Sales")
    await first.add_members(group_id, [alice["id"]])
    seeded = await first.data('{ user(userName: "seed.user00001@example.com") { id } }')
    await first.data(
        "mutation ($id: ID!) { deleteUser(input: {id: $id}) { archived } }",
        {"id": seeded["user"]["id"]},
    )
    await first.close()

    second = await start_emulator(settings)
    assert await second.member_ids(group_id) == [alice["id"]]
    data = await second.data(
        "{ directories { totalCount items { name } } users { totalCount }"
        ' user(userName: "seed.user00001@example.com") { id } }'
    )
    assert [d["name"] for d in data["directories"]["items"]] == ["WORKFLOWGEN", "SCIM"]
    # 3 accounts + alice + 4 seeded users left: the deleted seed is not seeded again.
    assert data["users"]["totalCount"] == 8
    assert data["user"] is None


def plan(db: Database, query: RowQuery) -> str:
    return " | ".join(db.query_plan(query.select_sql(), query.where.params))


@pytest.fixture
def seeded_db() -> Any:
    db = Database(":memory:")
    prepare_database(db, default_settings(seed_users=200))
    yield db
    db.close()


@pytest.mark.parametrize(
    "filters",
    [
        {"userName": "SEED.USER00001@example.com"},
        {"systemIdentifier": "x"},
        {"email": "x@example.com"},
        {"groupId": "R3JvdXA6MQ"},
        {"ids": ["VXNlcjox", "VXNlcjoy"]},
    ],
)
def test_user_filters_search_an_index(seeded_db: Database, filters: dict[str, Any]) -> None:
    # A full table SCAN would make the lookup cost grow with the number of users.
    query_plan = plan(seeded_db, user_query(filters))
    assert "SCAN u" not in query_plan, query_plan
    assert "SEARCH" in query_plan, query_plan


@pytest.mark.parametrize(
    "filters", [{"name": "Sales"}, {"systemIdentifier": "g-1"}, {"userId": "VXNlcjox"}]
)
def test_group_filters_search_an_index(seeded_db: Database, filters: dict[str, Any]) -> None:
    query_plan = plan(seeded_db, group_query(filters))
    assert "SCAN g" not in query_plan, query_plan
    assert "SEARCH" in query_plan, query_plan


async def test_lookup_matches_case_insensitively_at_scale(emulator: Emulator) -> None:
    # Same collation as the indexes: the NOCASE comparison is what uses them.
    await emulator.create_user("Mixed.Case@Example.com", systemIdentifier="AbCd")
    data = await emulator.data(
        '{ a: users(filter: {systemIdentifier: "abcd", userName: "mixed.case@example.COM"})'
        " { totalCount } }"
    )
    assert data["a"]["totalCount"] == 1
