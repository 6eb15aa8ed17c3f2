"""Every directory of WorkflowGen, for `wfgen-scim link`: read them all, move into ours.

The proxy's gateway (`wf.users`, `wf.groups`) sees only the SCIM directory on purpose. The
migration must see every directory to find the users Entra already knows, and move them
into the SCIM directory; this module is that wider, deliberately separate window. Like
the gateway it speaks the proxy's vocabulary and returns plain records.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from .mapping import ARCHIVED_STATUS
from .paging import MAX_PAGE_SIZE
from .results import GroupsResult, UsersResult
from .scope import Scope
from .workflowgen import WorkflowGen


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """A user of any directory: its stored attributes in the proxy's vocabulary."""

    id: str
    directory_id: str
    directory: str
    profile: dict[str, Any] = field(hash=False)
    group_ids: tuple[str, ...] = ()

    @property
    def user_name(self) -> str:
        return str(self.profile.get("user_name") or "")

    @property
    def email(self) -> str | None:
        value = self.profile.get("email")
        return str(value) if value else None

    @property
    def external_id(self) -> str | None:
        value = self.profile.get("external_id")
        return str(value) if value else None


@dataclass(frozen=True, slots=True)
class DirectoryGroup:
    id: str
    directory_id: str
    directory: str
    display_name: str
    external_id: str | None
    member_ids: tuple[str, ...] = ()


class _Directory(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    name: str


class _DirectoryPage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    total: int
    has_next: bool
    items: list[_Directory]


class _DirectoriesResult(BaseModel):
    page: _DirectoryPage


class _Moved(BaseModel):
    """A move's answer: only its success is read."""

    result: Any = None


class Directories:
    """Reads across directories and moves into the SCIM directory (absolute, re-sendable)."""

    def __init__(self, wf: WorkflowGen) -> None:
        self._wf = wf
        self._scope = Scope(wf.client, wf.documents, lambda: wf.directory_id)

    @property
    def scim_directory_id(self) -> str:
        return self._wf.directory_id

    async def names(self) -> dict[str, str]:
        """Directory name -> id, every directory."""
        found: dict[str, str] = {}
        number = 1
        while True:
            answer = await self._scope.run(
                "Directories",
                {"page_number": number, "page_size": MAX_PAGE_SIZE},
                _DirectoriesResult,
            )
            found.update({d.name: d.id for d in answer.page.items})
            if not answer.page.has_next:
                return found
            number += 1

    async def users(self) -> list[DirectoryUser]:
        """Every user of every directory, archived ones left out (they hold no name)."""
        users: list[DirectoryUser] = []
        number = 1
        while True:
            answer = await self._scope.run(
                "Users",
                {"page_number": number, "page_size": MAX_PAGE_SIZE, "with_groups": True},
                UsersResult,
            )
            for wire in answer.page.items:
                if wire.status == ARCHIVED_STATUS or wire.directory is None:
                    continue
                users.append(
                    DirectoryUser(
                        id=wire.id,
                        directory_id=wire.directory.id,
                        directory=wire.directory.name or "?",
                        profile=wire.attributes(),
                        group_ids=tuple(g.id for g in wire.groups.items) if wire.groups else (),
                    )
                )
            if not answer.page.has_next:
                return users
            number += 1

    async def groups(self, directories: Iterable[tuple[str, str]]) -> list[DirectoryGroup]:
        """Every group of the (name, id) directories, with up to 1000 member ids each."""
        groups: list[DirectoryGroup] = []
        for name, directory_id in directories:
            number = 1
            while True:
                answer = await self._scope.run(
                    "Groups",
                    {
                        "page_number": number,
                        "page_size": MAX_PAGE_SIZE,
                        "directory_id": directory_id,
                        "with_members": True,
                    },
                    GroupsResult,
                )
                for wire in answer.page.items:
                    attributes = wire.attributes()
                    groups.append(
                        DirectoryGroup(
                            id=wire.id,
                            directory_id=directory_id,
                            directory=name,
                            display_name=str(attributes.get("display_name") or ""),
                            external_id=attributes.get("external_id") or None,
                            member_ids=tuple(m.id for m in wire.members.items)
                            if wire.members
                            else (),
                        )
                    )
                if not answer.page.has_next:
                    break
                number += 1
        return groups

    async def move_user(self, user_id: str, external_id: str) -> None:
        """Into the SCIM directory, linked to `external_id`; memberships kept."""
        await self._move("MoveUser", user_id, external_id)

    async def move_group(self, group_id: str, external_id: str) -> None:
        await self._move("MoveGroup", group_id, external_id)

    async def _move(self, document: str, object_id: str, external_id: str) -> None:
        variables = {
            "id": object_id,
            "directory_id": self._wf.directory_id,
            "external_id": external_id,
        }
        await self._scope.run(document, variables, _Moved, resend_safe=True, writes=True)
