"""SCIM 2.0 conformance (IDN-3): scim2-tester, an outside RFC 7643/7644 checker, runs every check it has against
our live /scim/v2/ (a real HTTP server, a real organisation service token) and must find no error."""

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

pytestmark = pytest.mark.django_db(transaction=True)


def test_idn3_scim2_tester_finds_no_error_against_the_live_server(live_server, directory):  # IDN-3
    token = directory["contoso"]["token"]
    client = SyncSCIMClient(
        httpx2.Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {token}"})
    )
    results = check_server(client)
    errors = [f"{r.title}: {r.reason}" for r in results if r.status == Status.ERROR]
    skipped = {r.title for r in results if r.status == Status.SKIPPED}
    succeeded = [r for r in results if r.status == Status.SUCCESS]
    assert not errors, "\n".join(errors)
    # The one check that does not apply (README "SCIM provisioning"): POST /.search across every resource type at
    # once answers 501 (RFC 7644 §3.4.3 allows it); /Users/.search and /Groups/.search are supported.
    assert skipped == {"search_with_attributes"}
    assert len(succeeded) >= 60  # 65 on 2026-11-30: discovery, CRUD, attributes, PATCH add/replace/remove
