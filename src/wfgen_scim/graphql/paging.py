"""SCIM's startIndex/count windows onto WorkflowGen's page {number, size} lists."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ..records import PageWindow

T = TypeVar("T")


class UpstreamPage(Protocol[T]):  # type: ignore[misc]
    """One page of a WorkflowGen list, as the documents alias it."""

    @property
    def total(self) -> int: ...
    @property
    def has_next(self) -> bool: ...
    @property
    def items(self) -> Sequence[T]: ...


MAX_PAGE_SIZE = 1000
# GraphQL's Int is 32-bit: a page number beyond it cannot even be asked for, and no
# directory has that many users, so such a window is known to be empty.
_MAX_PAGE_NUMBER = 2**31 - 1


@dataclass(frozen=True, slots=True)
class PagePlan:
    """Upstream pages to fetch, and where the window starts in their concatenation."""

    pages: tuple[tuple[int, int], ...]  # (number, size)
    offset: int
    count: int


def plan_pages(window: PageWindow) -> PagePlan:
    """The fewest upstream pages (preferably one) that cover the window.

    Entra pages in aligned steps (startIndex = k*count + 1), which is one page of `count`.
    An unaligned window is served by one slightly larger page when one fits, and by two
    pages otherwise; never by fetching everything.
    """
    start = window.start_index - 1
    count = min(window.count, MAX_PAGE_SIZE)
    if count == 0 or start // max(count, 1) + 2 > _MAX_PAGE_NUMBER:
        # totalResults only; WorkflowGen pages hold at least one item.
        return PagePlan(pages=((1, 1),), offset=0, count=0)
    if start % count == 0:
        return PagePlan(pages=((start // count + 1, count),), offset=0, count=count)
    last = start + count - 1
    for size in range(count, min(MAX_PAGE_SIZE, 4 * count) + 1):
        if start // size == last // size:
            return PagePlan(pages=((start // size + 1, size),), offset=start % size, count=count)
    first = start // count + 1
    return PagePlan(pages=((first, count), (first + 1, count)), offset=start % count, count=count)


async def fetch_window(
    window: PageWindow, fetch: Callable[[int, int], Awaitable[UpstreamPage[T]]]
) -> tuple[int, list[T]]:
    """(total count, the window's items) from the pages `fetch(number, size)` answers."""
    plan = plan_pages(window)
    items: list[T] = []
    total = 0
    for number, size in plan.pages:
        page = await fetch(number, size)
        total = page.total
        items.extend(page.items)
        if not page.has_next:
            break
    return total, items[plan.offset : plan.offset + plan.count]
