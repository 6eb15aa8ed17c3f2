"""SCIM filters -> WorkflowGen lookups; the unsupported ones are invalidFilter."""

import pytest
from scim2_models import InvalidFilterException

from wfgen_scim.records import Query, Ref, UserRecord
from wfgen_scim.translators.filters import group_filter, user_filter


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ('userName eq "Test_User"', Query(equals={"user_name": "Test_User"})),
        ('USERNAME EQ "x"', Query(equals={"user_name": "x"})),
        (
            'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "q"',
            Query(equals={"user_name": "q"}),
        ),
        ('externalId eq "0a21"', Query(equals={"external_id": "0a21"})),
        ("externalId eq jyoung", Query(equals={"external_id": "jyoung"})),
        ('emails[type eq "work"].value eq "a@b"', Query(equals={"email": "a@b"})),
        ('emails.value eq "a@b"', Query(equals={"email": "a@b"})),
        ('active eq "True"', Query(equals={"active": True})),
        ("active eq false", Query(equals={"active": False})),
        ('id eq "U1"', Query(ids=("U1",))),
        ('userName eq "a\\"b"', Query(equals={"user_name": 'a"b'})),
        ('userName eq "a" and userName eq "A"', Query(equals={"user_name": "a"})),
        ('userName eq "héllo wörld"', Query(equals={"user_name": "héllo wörld"})),
        ("", Query()),
    ],
)
def test_user_equalities_are_pushed_down(text: str, query: Query) -> None:
    parsed = user_filter(text)
    assert parsed.query == query
    assert not parsed.matches_nothing


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "a" and userName eq "b"',
        'emails[type eq "home"].value eq "x"',
        'id eq "a" and id eq "b"',
        "active eq true and active eq false",
    ],
)
def test_contradictions_match_nothing_without_asking(text: str) -> None:
    assert user_filter(text).matches_nothing


def test_manager_is_checked_on_the_candidates() -> None:
    parsed = user_filter('id eq "U1" and manager eq "M1"')
    assert parsed.query == Query(ids=("U1",))
    managed = UserRecord("U1", {"user_name": "u"}, references={"manager_id": Ref("M1")})
    other = UserRecord("U1", {"user_name": "u"}, references={"manager_id": Ref("M2")})
    unmanaged = UserRecord("U1", {"user_name": "u"})
    assert parsed.accepts(managed)
    assert not parsed.accepts(other)
    assert not parsed.accepts(unmanaged)


@pytest.mark.parametrize(
    "text",
    [
        'userName co "x"',
        'userName sw "x"',
        'userName ne "x"',
        'userName eq "a" or userName eq "b"',
        'not (userName eq "a")',
        "userName pr",
        'nickName eq "x"',
        'manager eq "M1"',
        "userName eq",
        'userName eq "x" and (',
        "active eq 3",
        'meta.lastModified gt "2011-05-13T04:42:34Z"',
    ],
)
def test_unsupported_user_filters(text: str) -> None:
    with pytest.raises(InvalidFilterException):
        user_filter(text)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ('displayName eq "Sales"', Query(equals={"display_name": "Sales"})),
        ('externalId eq "e1"', Query(equals={"external_id": "e1"})),
        ('id eq "G1" and members eq "U1"', Query(ids=("G1",), equals={"member_id": "U1"})),
        ('members[value eq "U1"]', Query(equals={"member_id": "U1"})),
        ('members.value eq "U1" and members eq "U1"', Query(equals={"member_id": "U1"})),
    ],
)
def test_group_filters(text: str, query: Query) -> None:
    assert group_filter(text).query == query


def test_contradicting_group_ids_match_nothing() -> None:
    assert group_filter('id eq "a" and id eq "b"').matches_nothing


@pytest.mark.parametrize(
    "text",
    [
        'displayName co "S"',
        'description eq "x"',
        "members pr",
        'members eq "U1" and members eq "U2"',
        'displayName eq "a" or displayName eq "b"',
    ],
)
def test_unsupported_group_filters(text: str) -> None:
    with pytest.raises(InvalidFilterException):
        group_filter(text)
