"""The WorkflowGen binding is data: documents adapt the proxy, the table adds attributes.

These run the proxy over HTTP in front of emulators whose schema differs from the model
(the emulator's `schema_renames`), the way docs/workflowgen-binding.md tells an
administrator to adapt a real WorkflowGen: copy a packaged document, edit it, name the
folder in `workflowgen.documents_dir`. No Python changes.
"""

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer

from tests.harness import Scim, Upstream, new_user, scim_settings, workflowgen_for
from wfgen_scim.emulator import EmulatorSettings
from wfgen_scim.emulator import build_app as build_emulator
from wfgen_scim.graphql import PageWindow, Query, UpstreamMisconfigured, WorkflowGen
from wfgen_scim.graphql.schema_check import check
from wfgen_scim.proxy.app import build_app
from wfgen_scim.translators.attributes import VOCABULARY

PACKAGED = resources.files("wfgen_scim.graphql.documents")


async def _emulator(aiohttp_server: AiohttpServer, **renames: str) -> Upstream:
    settings = EmulatorSettings(
        schema_renames={k.replace("__", "."): v for k, v in renames.items()}
    )
    server: TestServer = await aiohttp_server(build_emulator(settings))
    upstream = Upstream(server)
    await upstream.client.start_server()
    return upstream


def _adapted(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """What the README's walk-through does: copy a packaged document and edit it."""
    folder = tmp_path / "documents"
    folder.mkdir(exist_ok=True)
    text = PACKAGED.joinpath(f"{name}.graphql").read_text()
    assert old in text
    (folder / f"{name}.graphql").write_text(text.replace(old, new))
    return folder


def _without_email_filter(tmp_path: Path) -> Path:
    """A Users document for a WorkflowGen that cannot filter users by e-mail."""
    folder = _adapted(tmp_path, "Users", "      email: $email\n", "")
    text = (folder / "Users.graphql").read_text().replace("  $email: String\n", "")
    (folder / "Users.graphql").write_text(text)
    return folder


async def _proxy(aiohttp_client: AiohttpClient, wf: WorkflowGen, upstream: Upstream) -> Scim:
    client = await aiohttp_client(build_app(scim_settings(), wf))
    return Scim(client, upstream)


async def test_a_renamed_mutation_refuses_to_start_naming_the_live_name(
    aiohttp_server: AiohttpServer,
) -> None:
    upstream = await _emulator(aiohttp_server, Mutation__createUser="addUser")
    wf = workflowgen_for(upstream, check_schema_at_start=True)
    wf.vocabulary = VOCABULARY
    with pytest.raises(UpstreamMisconfigured) as refused:
        await wf.start()
    assert "createUser" in refused.value.message
    assert "addUser" in refused.value.message  # the closest name the live schema has


async def test_a_copied_edited_document_adapts_the_proxy_without_python(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    upstream = await _emulator(aiohttp_server, Mutation__createUser="addUser")
    folder = _adapted(tmp_path, "CreateUser", "createUser(", "addUser(")
    wf = workflowgen_for(upstream, check_schema_at_start=True, documents_dir=str(folder))
    scim = await _proxy(aiohttp_client, wf, upstream)
    created = await scim.create_user("renamed@contoso.com")
    status, found, _ = await scim.get('/Users?filter=userName eq "renamed@contoso.com"')
    assert (status, found["totalResults"]) == (200, 1)
    assert found["Resources"][0]["id"] == created["id"]
    assert (await upstream.stats())["operations"].get("addUser") == 1


async def test_check_reports_the_closest_live_names_and_the_override(
    aiohttp_server: AiohttpServer, tmp_path: Path
) -> None:
    upstream = await _emulator(aiohttp_server, Mutation__createUser="addUser")
    report = await check(workflowgen_for(upstream).settings, VOCABULARY)
    assert not report.ok
    assert any("createUser" in p and "'addUser'" in p for p in report.problems)
    folder = _adapted(tmp_path, "CreateUser", "createUser(", "addUser(")
    adapted = workflowgen_for(upstream, documents_dir=str(folder)).settings
    report = await check(adapted, VOCABULARY)
    assert report.ok, report.problems
    assert any("CreateUser.graphql is taken from" in n for n in report.notes)


async def test_a_renamed_field_is_adapted_in_the_fragment(
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    # WorkflowGen calls the common name `displayName` here: one alias in the fragment
    # and one input field in each write document.
    upstream = await _emulator(
        aiohttp_server,
        User__commonName="displayName",
        CreateUserInput__commonName="displayName",
        UpdateUserInput__commonName="displayName",
    )
    folder = _adapted(
        tmp_path, "fragments", "display_name: commonName", "display_name: displayName"
    )
    _adapted(tmp_path, "CreateUser", "commonName: $display_name", "displayName: $display_name")
    _adapted(tmp_path, "UpdateUser", "commonName: $display_name", "displayName: $display_name")
    wf = workflowgen_for(upstream, check_schema_at_start=True, documents_dir=str(folder))
    scim = await _proxy(aiohttp_client, wf, upstream)
    created = await scim.create_user("shown@contoso.com", displayName="Shown Name")
    assert created["displayName"] == "Shown Name"
    status, _, _ = await scim.patch(
        f"/Users/{created['id']}", {"op": "Replace", "path": "displayName", "value": "Renamed"}
    )
    assert status == 200
    _, body, _ = await scim.get(f"/Users/{created['id']}")
    assert body["displayName"] == "Renamed"


async def test_a_document_without_a_filter_variable_refuses_to_start(
    upstream: Upstream, tmp_path: Path
) -> None:
    folder = _without_email_filter(tmp_path)
    wf = workflowgen_for(upstream, documents_dir=str(folder))
    wf.vocabulary = VOCABULARY
    with pytest.raises(UpstreamMisconfigured, match=r"Users.graphql declares no variable \$email"):
        await wf.start()


async def test_an_attribute_a_document_does_not_write_is_left_out_not_failed(
    upstream: Upstream, aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    # A WorkflowGen without a fax field: the administrator removes it from the documents;
    # the proxy warns at start, and Entra's fax values are ignored instead of failing.
    folder = _adapted(tmp_path, "CreateUser", "  $fax: String\n", "")
    path = folder / "CreateUser.graphql"
    path.write_text(path.read_text().replace("      fax: $fax\n", ""))
    wf = workflowgen_for(upstream, documents_dir=str(folder))
    scim = await _proxy(aiohttp_client, wf, upstream)
    body = new_user("nofax@contoso.com", phoneNumbers=[{"type": "fax", "value": "+1 555"}])
    status, created, _ = await scim.post("/Users", body)
    assert status == 201, created
    assert "phoneNumbers" not in created


async def test_an_unknown_override_file_is_a_problem_for_check(
    upstream: Upstream, tmp_path: Path
) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "CreateUsr.graphql").write_text("mutation CreateUsr { x }")
    report = await check(workflowgen_for(upstream, documents_dir=str(folder)).settings, VOCABULARY)
    assert any("CreateUsr.graphql replaces no operation" in p for p in report.problems)


async def test_preferred_language_is_stored_in_workflowgen_language(scim: Scim) -> None:
    created = await scim.create_user("lang@contoso.com", preferredLanguage="fr-CA")
    assert created["preferredLanguage"] == "fr-CA"
    stored = await _stored(scim.upstream, created["id"])
    assert stored["language"] == "fr-CA"
    status, patched, _ = await scim.patch(
        f"/Users/{created['id']}", {"op": "Replace", "path": "preferredLanguage", "value": "en-US"}
    )
    assert (status, patched["preferredLanguage"]) == (200, "en-US")
    assert (await _stored(scim.upstream, created["id"]))["language"] == "en-US"
    await scim.patch(f"/Users/{created['id']}", {"op": "Remove", "path": "preferredLanguage"})
    assert (await _stored(scim.upstream, created["id"]))["language"] is None


async def _stored(upstream: Upstream, user_id: str) -> dict[str, Any]:
    data = await upstream.graphql("query($id: ID) { user(id: $id) { language } }", {"id": user_id})
    user: dict[str, Any] = data["user"]
    return user


async def test_a_lookup_never_drops_a_condition_the_document_cannot_express(
    upstream: Upstream, tmp_path: Path
) -> None:
    # Even without the start-up check (a gateway given no vocabulary), a filter the Users
    # document has no variable for fails loudly instead of matching every user.
    folder = _without_email_filter(tmp_path)
    wf = workflowgen_for(upstream, documents_dir=str(folder))
    await wf.start()
    try:
        with pytest.raises(UpstreamMisconfigured, match=r"declares no variable for email"):
            await wf.users.find(Query(equals={"email": "a@contoso.com"}), PageWindow(1, 10))
    finally:
        await wf.close()
