"""`attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5) applied to a rendered resource.

Names are case-insensitive and may be URN-qualified (`urn:...:enterprise:2.0:User:manager`)
or name a sub-attribute (`name.givenName`, `emails.value`). `id` and `schemas` are always
returned. Excluding `members` also tells the caller not to fetch members at all (see
`wants`), which is what makes Entra's group reads cheap.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .models import CORE_GROUP, CORE_USER, ENTERPRISE_USER

_ALWAYS = frozenset({"id", "schemas"})
_CORE_URNS = (CORE_USER.lower(), CORE_GROUP.lower())
_EXTENSION_URNS = (ENTERPRISE_USER.lower(),)


@dataclass(frozen=True)
class _Path:
    container: str | None  # an extension URN, or None for core attributes
    attribute: str | None  # None: the whole extension
    sub: str | None


def _parse(text: str) -> _Path:
    lowered = text.strip().lower()
    for urn in _CORE_URNS:
        if lowered.startswith(urn + ":"):
            lowered = lowered[len(urn) + 1 :]
            break
    for urn in _EXTENSION_URNS:
        if lowered == urn:
            return _Path(urn, None, None)
        if lowered.startswith(urn + ":"):
            attribute, _, sub = lowered[len(urn) + 1 :].partition(".")
            return _Path(urn, attribute, sub or None)
    attribute, _, sub = lowered.partition(".")
    return _Path(None, attribute, sub or None)


def _split(value: str | None) -> list[_Path]:
    if not value:
        return []
    return [_parse(item) for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Projection:
    """What a client asked to see of each resource."""

    attributes: tuple[_Path, ...] = ()
    excluded: tuple[_Path, ...] = ()

    @classmethod
    def from_query(cls, attributes: str | None, excluded: str | None) -> "Projection":
        return cls(tuple(_split(attributes)), tuple(_split(excluded)))

    def wants(self, attribute: str) -> bool:
        """Whether a core attribute (e.g. members, groups) will appear in the response."""
        name = attribute.lower()
        if any(
            p.container is None and p.attribute == name and p.sub is None for p in self.excluded
        ):
            return False
        if self.attributes:
            return any(p.container is None and p.attribute == name for p in self.attributes)
        return True

    def apply(self, resource: dict[str, Any]) -> dict[str, Any]:
        if not self.attributes and not self.excluded:
            return resource
        if self.attributes:
            resource = self._keep(resource)
        for path in self.excluded:
            _remove(resource, path)
        return resource

    def _keep(self, resource: dict[str, Any]) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for key, value in resource.items():
            lowered = key.lower()
            if lowered in _ALWAYS:
                kept[key] = value
            elif lowered in _EXTENSION_URNS:
                wanted = [p for p in self.attributes if p.container == lowered]
                if any(p.attribute is None for p in wanted):
                    kept[key] = value
                elif wanted:
                    sub = _select(value, [(p.attribute or "", p.sub) for p in wanted])
                    if sub:
                        kept[key] = sub
            else:
                wanted_subs = [
                    p.sub for p in self.attributes if p.container is None and p.attribute == lowered
                ]
                if wanted_subs:
                    kept[key] = value if None in wanted_subs else _subs(value, wanted_subs)
        return kept


def _select(extension: dict[str, Any], wanted: list[tuple[str, str | None]]) -> dict[str, Any]:
    selected: dict[str, Any] = {}
    for key, value in extension.items():
        subs = [sub for attribute, sub in wanted if attribute == key.lower()]
        if subs:
            selected[key] = value if None in subs else _subs(value, subs)
    return selected


def _subs(value: Any, subs: Iterable[str | None]) -> Any:
    names = {s for s in subs if s}
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k.lower() in names}
    if isinstance(value, list):
        return [_subs(item, names) for item in value]
    return value


def _remove(resource: dict[str, Any], path: _Path) -> None:
    if path.attribute in _ALWAYS and path.container is None:
        return
    container: dict[str, Any] | None = resource
    if path.container is not None:
        key = next((k for k in resource if k.lower() == path.container), None)
        if key is None:
            return
        if path.attribute is None:
            del resource[key]
            return
        container = resource[key]
    assert container is not None
    key = next((k for k in container if k.lower() == path.attribute), None)
    if key is None:
        return
    if path.sub is None:
        del container[key]
        return
    value = container[key]
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            for sub_key in [k for k in item if k.lower() == path.sub]:
                del item[sub_key]
