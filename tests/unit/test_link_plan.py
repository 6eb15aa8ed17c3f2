"""The link plan's rules that the seeded world does not reach (pure, no I/O)."""

from wfgen_scim.graphql.directories import DirectoryGroup, DirectoryUser
from wfgen_scim.migration.entra import EntraExport, EntraGroup, EntraUser
from wfgen_scim.migration.plan import Directories, default_sources, plan

SCOPE = Directories("SCIM", frozenset({"CORP"}))


def user(pk: str, name: str, directory: str, email: str | None = None, ext: str | None = None):
    profile = {"user_name": name, "email": email, "external_id": ext}
    return DirectoryUser(pk, f"d-{directory}", directory, profile)


def outcomes(
    export: EntraExport, users=(), groups=(), match="user_name"
) -> dict[str, tuple[str, str | None]]:
    return {
        r.entra_id or r.workflowgen_id or "?": (r.outcome, r.workflowgen_id)
        for r in plan(export, list(users), list(groups), SCOPE, match)
    }


def test_default_sources_leave_out_the_scim_and_builtin_directories() -> None:
    assert default_sources(["SCIM", "WORKFLOWGEN", "CORP", "AD"], "SCIM") == {"CORP", "AD"}


def test_a_name_held_outside_the_sources_is_a_conflict_never_a_link() -> None:
    export = EntraExport(users=[EntraUser("e1", "Ada@Contoso.com"), EntraUser("e2", "bob@x")])
    found = outcomes(
        export, [user("u1", "ada@contoso.com", "PARTNERS"), user("u2", "BOB@X", "WORKFLOWGEN")]
    )
    assert found == {"e1": ("conflict", "u1"), "e2": ("conflict", "u2")}


def test_matching_ignores_case_and_reads_the_system_identifier() -> None:
    export = EntraExport(users=[EntraUser("E1", "ADA@contoso.com"), EntraUser("e2", "b@x")])
    users = [user("u1", "ada@Contoso.com", "SCIM", ext="e1"), user("u2", "B@X", "SCIM")]
    assert outcomes(export, users) == {"E1": ("already_linked", "u1"), "e2": ("link", "u2")}


def test_one_user_claimed_by_two_entra_users_is_ambiguous_for_both() -> None:
    export = EntraExport(
        users=[EntraUser("e1", "a@x", mail="m@x"), EntraUser("e2", "b@x", mail="M@x")]
    )
    found = outcomes(export, [user("u1", "a@x", "CORP", email="m@x")], match="email")
    assert found == {"e1": ("ambiguous", "u1"), "e2": ("ambiguous", "u1")}


def test_by_email_a_user_principal_name_held_by_someone_else_is_a_conflict() -> None:
    export = EntraExport(users=[EntraUser("e1", "ada@x", mail="ada@mail")])
    users = [user("u1", "old.ada", "CORP", email="ada@mail"), user("u2", "ada@x", "CORP")]
    assert outcomes(export, users, match="email")["e1"] == ("conflict", "u2")


def test_groups_match_by_name_in_the_scim_and_source_directories_only() -> None:
    export = EntraExport(
        groups=[EntraGroup("g1", "Finance"), EntraGroup("g2", "Ops"), EntraGroup("g3", "HR")]
    )
    groups = [
        DirectoryGroup("w1", "d-CORP", "CORP", "finance", None),
        DirectoryGroup("w2", "d-CORP", "CORP", "Ops", None),
        DirectoryGroup("w3", "d-SCIM", "SCIM", "Ops", None),
        DirectoryGroup("w4", "d-OTHER", "OTHER", "HR", None),
        DirectoryGroup("w5", "d-SCIM", "SCIM", "Legacy", "x"),
    ]
    assert outcomes(export, groups=groups) == {
        "g1": ("link", "w1"),
        "g2": ("ambiguous", None),
        "g3": ("will_create", None),
        "w5": ("not_in_entra", "w5"),
    }
