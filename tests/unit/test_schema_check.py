"""Our operation documents against a schema: the one we ship, and a WorkflowGen that differs."""

from importlib import resources

from graphql import build_schema

from wfgen_scim.graphql.operations import Documents
from wfgen_scim.graphql.schema_check import problems_with

SDL = resources.files("wfgen_scim.emulator").joinpath("schema.graphql").read_text()


def test_every_document_fits_the_model_schema() -> None:
    assert len(Documents().all()) >= 10
    assert problems_with(build_schema(SDL), Documents()) == []


def test_a_different_workflowgen_is_reported_by_name() -> None:
    different = SDL.replace("  commonName: String\n", "", 1).replace(  # from type User
        "addUsersToGroup(", "addMembers("
    )
    problems = "\n".join(problems_with(build_schema(different), Documents()))
    assert "commonName" in problems
    assert "addUsersToGroup" in problems
    assert "AddUsersToGroup (packaged AddUsersToGroup.graphql):" in problems  # which document
    # The closest names the live schema has, where graphql-core suggests none.
    assert "closest names there: 'company'" in problems
