"""Schema variants: renamed fields served, executed and counted under their new names."""

from __future__ import annotations

import argparse

import pytest
from graphql import GraphQLObjectType, GraphQLSchema, build_schema

from tests.emulator.emulator_harness import Emulator, StartEmulator, default_settings
from wfgen_scim.emulator import build_app
from wfgen_scim.emulator.cli import add_arguments, settings_from_args
from wfgen_scim.emulator.schema_variants import SchemaVariantError

ADD_USER = """
mutation ($dir: ID!) {
  addUser(input: {directoryId: $dir, userName: "alice@example.com"}) { user { id userName } }
}
"""
CREATE_USER = ADD_USER.replace("addUser", "createUser")


async def served_schema(emulator: Emulator) -> GraphQLSchema:
    response = await emulator.client.get("/wfgen/graphql/schema")
    assert response.status == 200
    return build_schema(await response.text())


def fields_of(schema: GraphQLSchema, type_name: str) -> set[str]:
    named = schema.get_type(type_name)
    assert isinstance(named, GraphQLObjectType)
    return set(named.fields)


async def test_a_renamed_mutation_is_served_executed_and_counted(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(
        default_settings(schema_renames={"Mutation.createUser": "addUser"})
    )
    mutations = fields_of(await served_schema(emulator), "Mutation")
    assert "addUser" in mutations
    assert "createUser" not in mutations

    directory_id = await emulator.directory_id()
    await emulator.reset_stats()
    data = await emulator.data(ADD_USER, {"dir": directory_id})
    alice = data["addUser"]["user"]
    assert alice["userName"] == "alice@example.com"
    found = await emulator.data('{ user(userName: "alice@example.com") { id } }')
    assert found["user"]["id"] == alice["id"]
    assert (await emulator.stats())["operations"] == {"addUser": 1, "user": 1}

    codes = await emulator.error_codes(CREATE_USER, {"dir": directory_id})
    assert codes == ["GRAPHQL_VALIDATION_FAILED"]


async def test_renamed_object_and_input_fields_keep_their_data(
    start_emulator: StartEmulator,
) -> None:
    emulator = await start_emulator(
        default_settings(
            schema_renames={
                "User.commonName": "displayName",
                "UpdateUserInput.commonName": "displayName",
                "CreateUserPayload.user": "createdUser",
                "UserPage.items": "nodes",
            }
        )
    )
    data = await emulator.data(
        "mutation ($dir: ID!) { createUser(input: {directoryId: $dir, userName: "
        '"bob@example.com", commonName: "Bob B."}) { createdUser { id displayName } } }',
        {"dir": await emulator.directory_id()},
    )
    bob = data["createUser"]["createdUser"]
    assert bob["displayName"] == "Bob B."

    await emulator.data(
        "mutation ($id: ID!) { updateUser(input: {id: $id, displayName: "
        '"Robert B."}) { user { id } } }',
        {"id": bob["id"]},
    )
    listed = await emulator.data(
        '{ users(filter: {userName: "bob@example.com"}) { nodes { displayName } } }'
    )
    assert listed["users"]["nodes"] == [{"displayName": "Robert B."}]
    assert await emulator.error_codes("{ viewer { commonName } }") == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.parametrize(
    ("renames", "message"),
    [
        ({"Usr.commonName": "displayName"}, "no object, interface or input type 'Usr'"),
        ({"User.commonNam": "displayName"}, "type User has no field 'commonNam'"),
        ({"User": "displayName"}, "expected Type.field"),
        ({"User.commonName": "email"}, "two of its fields the name 'email'"),
        ({"User.commonName": "display-name"}, "not a GraphQL field name"),
        ({"User.id": "key"}, "Node.id expected but User does not provide it"),
    ],
)
def test_a_rename_that_does_not_fit_fails_at_start(renames: dict[str, str], message: str) -> None:
    with pytest.raises(SchemaVariantError, match=message):
        build_app(default_settings(schema_renames=renames))


def test_the_rename_flag(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    argv = ["--rename", "Mutation.createUser=addUser", "--rename", "User.commonName=displayName"]
    settings = settings_from_args(parser.parse_args(argv))
    assert settings.schema_renames == {
        "Mutation.createUser": "addUser",
        "User.commonName": "displayName",
    }
    with pytest.raises(SystemExit, match="type User has no field 'nope'"):
        settings_from_args(parser.parse_args(["--rename", "User.nope=x"]))
    with pytest.raises(SystemExit):
        parser.parse_args(["--rename", "User.commonName"])
    assert "expected TYPE.FIELD=NEWNAME" in capsys.readouterr().err


async def test_two_emulators_in_one_process_serve_their_own_variant(
    start_emulator: StartEmulator,
) -> None:
    renamed = await start_emulator(
        default_settings(schema_renames={"Mutation.createUser": "addUser"})
    )
    model = await start_emulator(default_settings())
    other = await start_emulator(
        default_settings(schema_renames={"Mutation.createUser": "newUser"})
    )

    assert "addUser" in fields_of(await served_schema(renamed), "Mutation")
    assert "createUser" in fields_of(await served_schema(model), "Mutation")
    assert "newUser" in fields_of(await served_schema(other), "Mutation")

    # The same text, answered by each emulator against its own schema.
    for emulator, accepted in [(renamed, ADD_USER), (model, CREATE_USER)]:
        directory_id = await emulator.directory_id()
        assert await emulator.error_codes(accepted, {"dir": directory_id}) == []
        refused = CREATE_USER if accepted is ADD_USER else ADD_USER
        codes = await emulator.error_codes(refused, {"dir": directory_id})
        assert codes == ["GRAPHQL_VALIDATION_FAILED"]
    new_user = ADD_USER.replace("addUser", "newUser")
    data = await other.data(new_user, {"dir": await other.directory_id()})
    assert data["newUser"]["user"]["userName"] == "alice@example.com"
