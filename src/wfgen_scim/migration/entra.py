"""Entra's users and groups as exported: Microsoft Graph JSON pages and the portal's CSV.

Graph's `/users` and `/groups` answers are `{"value": [...], "@odata.nextLink": ...}`; an
export is one or more such pages, in one or several files. The Entra portal's "Download
users" CSV names its columns either in Graph's camelCase or with spaces ("User principal
name"); both are accepted. Every problem is an InputError naming the file, raised before
anything is written.
"""

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class InputError(ValueError):
    """Bad input: the message says which file and what is wrong (exit code 2)."""


@dataclass(frozen=True, slots=True)
class EntraUser:
    id: str
    user_principal_name: str
    mail: str | None = None
    display_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    account_enabled: bool | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class EntraGroup:
    id: str
    display_name: str
    member_ids: tuple[str, ...] | None = None  # None: the export did not list members
    source: str = ""


@dataclass
class EntraExport:
    users: list[EntraUser] = field(default_factory=list)
    groups: list[EntraGroup] = field(default_factory=list)

    def add_graph_page(self, page: Any, source: str, kind: str | None = None) -> None:
        """One Graph answer (`{"value": [...]}`) or a bare list of its objects."""
        items = page.get("value") if isinstance(page, dict) else page
        if not isinstance(items, list):
            raise InputError(f"{source}: expected Microsoft Graph JSON with a 'value' array")
        kind = kind or _page_kind(page)
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise InputError(f"{source}: object {n} of 'value' is not a JSON object")
            self._add_graph_object(item, kind, f"{source}: object {n}")

    def _add_graph_object(self, item: Mapping[str, Any], kind: str | None, where: str) -> None:
        object_id = _text(item.get("id"), f"{where}: 'id'", required=True)
        odata_type = str(item.get("@odata.type") or "").lower()
        if "userPrincipalName" in item or odata_type.endswith(".user") or kind == "users":
            self.users.append(
                EntraUser(
                    id=object_id,
                    user_principal_name=_text(
                        item.get("userPrincipalName"), f"{where}: 'userPrincipalName'", True
                    ),
                    mail=_text(item.get("mail"), f"{where}: 'mail'"),
                    display_name=_text(item.get("displayName"), f"{where}: 'displayName'"),
                    given_name=_text(item.get("givenName"), f"{where}: 'givenName'"),
                    surname=_text(item.get("surname"), f"{where}: 'surname'"),
                    account_enabled=_flag(item.get("accountEnabled"), f"{where}: accountEnabled"),
                    source=where,
                )
            )
        elif odata_type.endswith(".group") or kind == "groups" or _looks_like_group(item):
            members = item.get("members")
            if members is not None and not isinstance(members, list):
                raise InputError(f"{where}: 'members' is not an array")
            self.groups.append(
                EntraGroup(
                    id=object_id,
                    display_name=_text(item.get("displayName"), f"{where}: 'displayName'", True),
                    member_ids=None
                    if members is None
                    else tuple(
                        _text(m.get("id") if isinstance(m, dict) else m, f"{where}: member", True)
                        for m in members
                    ),
                    source=where,
                )
            )
        else:
            raise InputError(
                f"{where}: neither a user (no userPrincipalName) nor a group "
                "(no @odata.type, groupTypes or securityEnabled)"
            )

    def check(self) -> None:
        """Object ids are unique across every input (Entra's objectId is)."""
        seen: dict[str, str] = {}
        objects: list[EntraUser | EntraGroup] = [*self.users, *self.groups]
        for obj in objects:
            key = obj.id.lower()
            if key in seen:
                raise InputError(
                    f"duplicate object id {obj.id!r}: in {seen[key]} and in {obj.source}"
                )
            seen[key] = obj.source


def _page_kind(page: Any) -> str | None:
    context = str(page.get("@odata.context") or "") if isinstance(page, dict) else ""
    for kind in ("users", "groups"):
        if f"#{kind}" in context:
            return kind
    return None


def _looks_like_group(item: Mapping[str, Any]) -> bool:
    return any(k in item for k in ("groupTypes", "securityEnabled", "mailEnabled", "members"))


def _text(value: Any, where: str, required: bool = False) -> Any:
    if value is None or value == "":
        if required:
            raise InputError(f"{where} is missing")
        return None
    if not isinstance(value, str):
        raise InputError(f"{where} is not a string")
    return value


def _flag(value: Any, where: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
        return value.lower() in ("true", "yes")
    raise InputError(f"{where} is not true or false")


# The portal's "Download users" columns, normalised (lower case, no spaces), -> our field.
# Only the ones the link reads are mapped; the others are known and ignored.
_CSV_FIELDS = {
    "objectid": "id",
    "id": "id",
    "userprincipalname": "user_principal_name",
    "mail": "mail",
    "displayname": "display_name",
    "givenname": "given_name",
    "firstname": "given_name",
    "surname": "surname",
    "lastname": "surname",
    "accountenabled": "account_enabled",
    "blocksignin": "block_sign_in",
}
_CSV_IGNORED = frozenset(
    [
        "usertype",
        "jobtitle",
        "department",
        "usagelocation",
        "streetaddress",
        "state",
        "country",
        "physicaldeliveryofficename",
        "officelocation",
        "office",
        "city",
        "postalcode",
        "zipcode",
        "telephonenumber",
        "officephone",
        "mobile",
        "mobilephone",
        "alternateemailaddress",
        "alternateemailaddresses",
        "authenticationalternativephonenumber",
        "authenticationemail",
        "agegroup",
        "consentprovidedforminor",
        "legalagegroupclassification",
        "companyname",
        "creationtype",
        "directorysynced",
        "invitationstate",
        "identityissuer",
        "createddatetime",
        "createdon",
        "onpremisessyncenabled",
        "onpremisesimmutableid",
        "employeeid",
        "employeetype",
        "faxnumber",
    ]
)


def read_csv(path: Path) -> list[EntraUser]:
    text = _read_text(path)
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    if not header:
        raise InputError(f"{path}: the CSV file is empty")
    columns = [h.strip().lower().replace(" ", "").replace("_", "") for h in header]
    unknown = [
        h
        for h, c in zip(header, columns, strict=True)
        if c not in _CSV_FIELDS and c not in _CSV_IGNORED
    ]
    if unknown:
        raise InputError(
            f"{path}: unknown columns {', '.join(repr(u) for u in unknown)} (expected the Entra "
            "portal's 'Download users' CSV: objectId, userPrincipalName, mail, displayName...)"
        )
    fields = [_CSV_FIELDS.get(c) for c in columns]
    for needed in ("id", "user_principal_name"):
        if needed not in fields:
            raise InputError(
                f"{path}: no {'objectId' if needed == 'id' else 'userPrincipalName'} column"
            )
    users = []
    for line, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}: line {line} has {len(row)} cells, the header {len(header)}")
        values = {f: cell.strip() for f, cell in zip(fields, row, strict=True) if f}
        where = f"{path}: line {line}"
        enabled = _flag(values.pop("account_enabled", None), f"{where}: accountEnabled")
        blocked = _flag(values.pop("block_sign_in", None), f"{where}: block sign in")
        if enabled is None and blocked is not None:
            enabled = not blocked
        users.append(
            EntraUser(
                id=_text(values.get("id"), f"{where}: objectId", True),
                user_principal_name=_text(
                    values.get("user_principal_name"), f"{where}: userPrincipalName", True
                ),
                mail=values.get("mail") or None,
                display_name=values.get("display_name") or None,
                given_name=values.get("given_name") or None,
                surname=values.get("surname") or None,
                account_enabled=enabled,
                source=where,
            )
        )
    return users


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def read_exports(paths: Iterable[Path]) -> EntraExport:
    """Every file, JSON (Graph pages) or CSV (portal download) by extension."""
    export = EntraExport()
    for path in paths:
        if path.suffix.lower() == ".csv":
            export.users.extend(read_csv(path))
            continue
        text = _read_text(path)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        # A file may hold one Graph page or a list of pages.
        pages = (
            document
            if isinstance(document, list)
            and all(isinstance(p, dict) and "value" in p for p in document)
            and document
            else [document]
        )
        for n, page in enumerate(pages, 1):
            export.add_graph_page(page, str(path) if len(pages) == 1 else f"{path} page {n}")
    export.check()
    return export
