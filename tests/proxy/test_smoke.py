from tests.harness import Scim


async def test_test_connection_probe_gets_an_empty_list(scim: Scim) -> None:
    status, body, headers = await scim.get('/Users?filter=userName eq "0a0e9d1c-0000"')
    assert status == 200
    assert headers["Content-Type"].startswith("application/scim+json")
    assert body["totalResults"] == 0
    assert body["Resources"] == []
    assert await scim.upstream.round_trips() == 1
