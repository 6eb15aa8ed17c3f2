"""A user and group lifecycle through a running proxy, as Entra sends it; run by
scripts/container-test against the container. Standard library only. Exit code 1 with the
failed expectation if any answer is not the expected one."""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Failed(Exception):
    pass


def call(method: str, url: str, token: str | None = None, body: Any = None) -> tuple[int, str, Any]:
    headers = {"Accept": SCIM}
    data = None
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = SCIM
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, content_type, raw = answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        status, content_type, raw = error.code, error.headers["Content-Type"], error.read()
    return status, content_type or "", json.loads(raw) if raw else None


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    print(f"ok   {what}")


def wait_ready(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status, _, _ = call("GET", f"{base}/readyz")
            if status == 200:
                print(f"ok   /readyz answered 200 within {seconds:.0f} s")
                return
            last = f"status {status}"
        except OSError as error:
            last = str(error)
        time.sleep(0.25)
    raise Failed(f"/readyz not 200 within {seconds:.0f} s ({last})")


def lifecycle(base: str, token: str, emulator: str) -> None:
    scim = f"{base}/scim/v2"
    # Counts from here on only (`check` and the start went before).
    status, _, _ = call("DELETE", f"{emulator}/wfgen/stats")
    expect(status == 200, "the emulator's counters reset")
    status, _, body = call("GET", f"{base}/healthz")
    expect(status == 200 and body == {"status": "ok"}, "/healthz is 200")

    def scim_call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, content_type, answer = call(method, f"{scim}{path}", token, body)
        if answer is not None:
            expect(content_type.startswith(SCIM), f"{method} {path} answers {SCIM}")
        return status, answer

    status, _, _ = call("GET", f"{scim}/Users", "wrong-token-of-enough-length")
    expect(status == 401, "a wrong token is 401")

    status, body = scim_call("GET", '/Users?filter=userName+eq+"nobody@contoso.com"')
    expect(status == 200 and body["totalResults"] == 0, "Test Connection: empty list")

    user = {
        "schemas": [USER],
        "userName": "ada@contoso.com",
        "externalId": "0a21f0f2",
        "active": True,
        "displayName": "Ada Lovelace",
        "emails": [{"type": "work", "value": "ada@contoso.com", "primary": True}],
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
    }
    status, body = scim_call("POST", "/Users", user)
    expect(status == 201 and body["userName"] == "ada@contoso.com", "POST /Users is 201")
    user_id = body["id"]

    status, body = scim_call("GET", '/Users?filter=userName+eq+"ADA@contoso.com"')
    found = [resource["id"] for resource in body["Resources"]]
    expect(status == 200 and found == [user_id], "filter by userName finds the user")

    patch = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "Replace", "path": "displayName", "value": "Ada King"},
            {"op": "Replace", "path": "active", "value": "False"},
        ],
    }
    status, body = scim_call("PATCH", f"/Users/{user_id}", patch)
    expect(
        status == 200 and body["displayName"] == "Ada King" and body["active"] is False,
        "PATCH /Users (Entra's dialect) applies",
    )
    status, body = scim_call("GET", f"/Users/{user_id}")
    expect(status == 200 and body["displayName"] == "Ada King", "GET /Users/{id} reads it back")

    group = {"schemas": [GROUP], "displayName": "Engineers", "externalId": "9c1e"}
    status, body = scim_call("POST", "/Groups", group)
    expect(status == 201 and body["displayName"] == "Engineers", "POST /Groups is 201")
    group_id = body["id"]
    add = {
        "schemas": [PATCH],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": user_id}]}],
    }
    status, _ = scim_call("PATCH", f"/Groups/{group_id}", add)
    expect(status in (200, 204), "PATCH /Groups adds a member")
    status, body = scim_call("GET", f'/Groups?filter=members+eq+"{user_id}"')
    found = [resource["id"] for resource in body["Resources"]]
    expect(status == 200 and found == [group_id], "filter groups by member finds the group")
    status, body = scim_call("GET", f"/Groups/{group_id}")
    members = [member["value"] for member in body.get("members", [])]
    expect(status == 200 and members == [user_id], "GET /Groups/{id} lists the member")

    status, _ = scim_call("DELETE", f"/Groups/{group_id}")
    expect(status == 204, "DELETE /Groups is 204")
    status, _ = scim_call("GET", f"/Groups/{group_id}")
    expect(status == 404, "the deleted group is 404")
    status, _ = scim_call("DELETE", f"/Users/{user_id}")
    expect(status == 204, "DELETE /Users is 204")
    status, _ = scim_call("GET", f"/Users/{user_id}")
    expect(status == 404, "the deleted user is 404")

    # Every answer above came from WorkflowGen through the container, not from a cache.
    status, _, stats = call("GET", f"{emulator}/wfgen/stats")
    operations = stats["operations"]
    expect(
        status == 200
        and operations.get("createUser") == 1
        and operations.get("createGroup") == 1
        and operations.get("addUsersToGroup") == 1
        and operations.get("deleteUser") == 1,
        f"the emulator executed the changes ({stats['requests']} GraphQL requests: {operations})",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT of the proxy")
    parser.add_argument("--token-file", required=True, help="file holding the proxy's token")
    parser.add_argument("--emulator", required=True, help="http://127.0.0.1:PORT of the emulator")
    parser.add_argument("--ready-within", type=float, default=30.0, help="seconds")
    args = parser.parse_args()
    try:
        wait_ready(args.base, args.ready_within)
        with open(args.token_file, encoding="utf-8") as file:
            token = file.read().strip()
        lifecycle(args.base, token, args.emulator)
    except (Failed, OSError, KeyError, TypeError, ValueError) as error:
        print(f"FAIL {error!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
