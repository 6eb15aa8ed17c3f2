"""/ServiceProviderConfig, /ResourceTypes, /Schemas: what we store, no nulls
(docs/entra-dialect.md, item 16)."""

from typing import Any

from tests.harness import Scim

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _nulls(value: Any, path: str = "") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, f"{path}[{i}]")]
    return []


async def test_service_provider_config(scim: Scim) -> None:
    status, body, headers = await scim.get("/ServiceProviderConfig")
    assert status == 200
    assert headers["Content-Type"].startswith("application/scim+json")
    assert body["patch"] == {"supported": True}
    assert body["bulk"]["supported"] is False
    assert body["filter"] == {"supported": True, "maxResults": 1000}
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    assert _nulls(body) == []


async def test_resource_types(scim: Scim) -> None:
    status, body, _ = await scim.get("/ResourceTypes")
    assert status == 200
    by_id = {r["id"]: r for r in body["Resources"]}
    assert by_id["User"]["endpoint"] == "/Users"
    assert by_id["User"]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert by_id["Group"]["endpoint"] == "/Groups"
    assert _nulls(body) == []
    assert (await scim.get("/ResourceTypes/Group"))[1]["schema"].endswith("core:2.0:Group")


async def test_schemas_describe_exactly_what_is_stored(scim: Scim) -> None:
    status, body, _ = await scim.get("/Schemas")
    assert status == 200
    assert _nulls(body) == []
    schemas = {s["id"]: s for s in body["Resources"]}
    user = schemas["urn:ietf:params:scim:schemas:core:2.0:User"]
    attributes = {a["name"]: a for a in user["attributes"]}
    assert set(attributes) == {
        "userName", "name", "displayName", "title", "active",
        "emails", "phoneNumbers", "addresses", "groups", "preferredLanguage",
    }  # fmt: skip
    # The `type` of each multi-valued attribute lists the entries WorkflowGen keeps.
    canonical = {
        name: next(s for s in attributes[name]["subAttributes"] if s["name"] == "type")
        for name in ("emails", "phoneNumbers", "addresses")
    }
    assert canonical["emails"]["canonicalValues"] == ["work"]
    assert canonical["phoneNumbers"]["canonicalValues"] == ["work", "mobile", "fax"]
    assert canonical["addresses"]["canonicalValues"] == ["work", "other"]
    assert {s["name"] for s in attributes["name"]["subAttributes"]} == {"givenName", "familyName"}
    assert attributes["userName"]["uniqueness"] == "server"
    assert attributes["groups"]["mutability"] == "readOnly"
    enterprise = {a["name"] for a in schemas[ENTERPRISE]["attributes"]}
    assert enterprise == {"employeeNumber", "department", "manager"}
    group = {
        a["name"] for a in schemas["urn:ietf:params:scim:schemas:core:2.0:Group"]["attributes"]
    }
    assert group == {"displayName", "members"}
    status, one, _ = await scim.get(f"/Schemas/{ENTERPRISE}")
    assert (status, one["name"]) == (200, "EnterpriseUser")
    assert (await scim.get("/Schemas/urn:nope"))[0] == 404


async def test_discovery_needs_the_token_too(scim: Scim) -> None:
    response = await scim.client.get("/scim/v2/Schemas")
    assert response.status == 401
