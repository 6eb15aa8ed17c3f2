"""List responses and the startIndex/count window (RFC 7644 §3.4.2.4)."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from scim2_models import Context, InvalidValueException, ListResponse

from ..records import Page, PageWindow
from .models import USER_MODELS

# Parametrised once: scim2-models builds a new pydantic class on every ListResponse[X].
_ENVELOPE: Any = ListResponse[USER_MODELS.resource]  # type: ignore[name-defined]

T = TypeVar("T")


def page_window(
    start_index: str | None, count: str | None, *, default: int, maximum: int
) -> PageWindow:
    """The window a client asked for. RFC 7644: startIndex < 1 means 1, count < 0 means 0,
    and a count above what we serve is lowered rather than refused."""
    start = _integer("startIndex", start_index, 1)
    size = _integer("count", count, default)
    return PageWindow(start_index=max(start, 1), count=min(max(size, 0), maximum))


def _integer(name: str, text: str | None, default: int) -> int:
    if text is None or text.strip() == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidValueException(detail=f"{name} must be an integer, not {text!r}") from None


def select(items: Sequence[T], accepts: Callable[[T], bool], window: PageWindow) -> Page[T]:
    """Filter a (small) candidate list in memory and cut the window out of it."""
    kept = [item for item in items if accepts(item)]
    start = window.start_index - 1
    return Page(total=len(kept), items=kept[start : start + window.count])


def list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    """A ListResponse: scim2-models writes the envelope; the resources, already rendered
    (and projected), are placed in it as they are rather than validated a second time."""
    envelope: dict[str, Any] = _ENVELOPE(
        total_results=total, start_index=start_index, items_per_page=len(resources)
    ).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    envelope["Resources"] = resources
    return envelope
