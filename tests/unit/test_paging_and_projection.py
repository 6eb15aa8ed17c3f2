"""startIndex/count onto WorkflowGen pages, and attributes/excludedAttributes."""

import copy
from typing import Any

import pytest

from wfgen_scim.graphql.paging import MAX_PAGE_SIZE, plan_pages
from wfgen_scim.records import PageWindow
from wfgen_scim.translators.models import USER_MODELS
from wfgen_scim.translators.projection import Projection

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.mark.parametrize("start", range(1, 40))
@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 10, 100, 999, 1000, 5000])
def test_every_window_is_covered_exactly(start: int, count: int) -> None:
    items = list(range(1, 3000))
    plan = plan_pages(PageWindow(start, count))
    assert 1 <= len(plan.pages) <= 2
    fetched: list[int] = []
    for number, size in plan.pages:
        assert 1 <= size <= MAX_PAGE_SIZE
        fetched += items[(number - 1) * size : number * size]
    window = fetched[plan.offset : plan.offset + plan.count]
    assert window == items[start - 1 : start - 1 + min(count, MAX_PAGE_SIZE)]


def test_aligned_windows_are_one_page_of_count() -> None:
    assert plan_pages(PageWindow(11, 5)).pages == ((3, 5),)
    assert plan_pages(PageWindow(1, 100)).pages == ((1, 100),)


CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
RESOURCE: dict[str, Any] = {
    "schemas": [CORE, ENTERPRISE],
    "id": "1",
    "userName": "u",
    "name": {"givenName": "g", "familyName": "f"},
    "emails": [{"value": "e", "type": "work"}],
    "groups": [{"value": "m"}],
    ENTERPRISE: {"manager": {"value": "m"}, "department": "d"},
    "meta": {"resourceType": "User", "location": "l"},
}
CORE_ONLY = [CORE]


@pytest.mark.parametrize(
    ("attributes", "excluded", "expected"),
    [
        (None, None, RESOURCE),
        ("userName", None, {"schemas": CORE_ONLY, "id": "1", "userName": "u"}),
        (
            "USERNAME,Name.GivenName",
            None,
            {"schemas": CORE_ONLY, "id": "1", "userName": "u", "name": {"givenName": "g"}},
        ),
        ("emails.value", None, {"schemas": CORE_ONLY, "id": "1", "emails": [{"value": "e"}]}),
        (
            f"{ENTERPRISE}:manager",
            None,
            {"schemas": RESOURCE["schemas"], "id": "1", ENTERPRISE: {"manager": {"value": "m"}}},
        ),
        (
            ENTERPRISE,
            None,
            {"schemas": RESOURCE["schemas"], "id": "1", ENTERPRISE: RESOURCE[ENTERPRISE]},
        ),
        ("id", None, {"schemas": CORE_ONLY, "id": "1"}),
        (None, "groups", {k: v for k, v in RESOURCE.items() if k != "groups"}),
        (None, "id,schemas", RESOURCE),
        (None, f"{ENTERPRISE}:department", {**RESOURCE, ENTERPRISE: {"manager": {"value": "m"}}}),
        (
            None,
            "name.familyName,meta",
            {**{k: v for k, v in RESOURCE.items() if k != "meta"}, "name": {"givenName": "g"}},
        ),
    ],
)
def test_projection(attributes: str | None, excluded: str | None, expected: dict[str, Any]) -> None:
    # scim2-models applies the projection; `schemas` follows what is left (RFC 7643 3).
    shown = Projection.from_query(attributes, excluded).apply(copy.deepcopy(RESOURCE), USER_MODELS)
    assert shown == expected


@pytest.mark.parametrize(
    ("attributes", "excluded", "wanted"),
    [
        (None, None, True),
        (None, "members", False),
        (None, "Members", False),
        (None, "members.display", True),
        ("displayName", None, False),
        ("displayName,members", None, True),
        ("members.value", None, True),
    ],
)
def test_wants_members(attributes: str | None, excluded: str | None, wanted: bool) -> None:
    assert Projection.from_query(attributes, excluded).wants("members") is wanted


def test_a_window_beyond_any_page_number_asks_only_for_the_total() -> None:
    plan = plan_pages(PageWindow(99_999_999_999, 10))
    assert plan.pages == ((1, 1),)
    assert plan.count == 0
