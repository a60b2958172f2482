"""The public API (API-1..API-5) end to end through the test client: schema and docs, tokens acting as their
creator, writes through the services with the token in the audit row, limits, pagination and error shape."""

import re
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from agreements.models import Organization, OrganizationMember
from licensing_portal import audit
from licensing_portal.core.models import AuditEvent
from partners.models import OpenLicenseSuspension, ResellerRelationship
from permissions.models import Grant, PermissionRequest, Role
from permissions.services import grants_revoke, permission_request_submit
from subscriptions.models import BulkUpload, Seat
from tests.factories import (
    LicensingIDFactory,
    OpenLicenseFactory,
    OrganizationFactory,
    PoolFactory,
    SeatFactory,
    UserFactory,
    grant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_lid():
    lid = LicensingIDFactory()
    admin = grant(UserFactory(), lid, Role.ADMINISTRATOR)
    return admin, lid


# --- API-1: schema and docs --------------------------------------------------------------------------------


def test_api1_schema_validates_without_warnings():
    """`manage.py spectacular --validate --fail-on-warn`: the same step CI runs."""
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    assert '"openapi": "3' in out.getvalue()


def test_api1_schema_documents_every_error_answer(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    for path, item in schema["paths"].items():
        assert path.startswith("/api/v1/")
        for method, operation in item.items():
            assert {"400", "401", "403", "404", "429"} <= operation["responses"].keys(), (method, path)


def test_api1_docs_are_served_from_our_static_files_under_csp(client):
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts), "inline script"
    assert "//cdn" not in html and "https://" not in html
    for src in re.findall(r'src="([^"]+)"', html):
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/").split("?")[0]), src
        else:
            assert src.startswith(reverse("api:docs")), src
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_api1_unknown_api_path_answers_json_404(client):
    response = client.post("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}}
    with_new_line = client.get("/api/v1/permission-requests/%3D%0A%C3%B5/")  # found by schemathesis
    assert with_new_line.status_code == 404 and with_new_line.json()["error"]["code"] == "not_found"


# --- API-2: tokens act as their creator, now -----------------------------------------------------------------


def test_api2_token_acts_as_its_creator_and_loses_a_role_on_the_next_request(api, admin_lid):
    admin, lid = admin_lid
    caller = api(admin)
    url = reverse("api:licensing_id_detail", kwargs={"pk": lid.pk})
    response = caller.get(url)
    assert response.status_code == 200 and response.json()["roles"] == [Role.ADMINISTRATOR]
    grants_revoke(licensing_id=lid, email=admin.business_email)
    assert caller.get(url).status_code == 404


def test_api2_every_write_with_a_token_is_audited_with_its_id(api, admin_lid):
    admin, lid = admin_lid
    caller = api(admin)
    response = caller.post(
        reverse("api:grant_list", kwargs={"pk": lid.pk}), {"email": "new@example.com", "roles": [Role.DOWNLOAD]}
    )
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(verb="permission.added", target_email="new@example.com")
    assert event.api_token_id == caller.token.pk and event.actor == admin
    # once the request is over, nothing else done in this thread is audited as the token
    assert audit.record(actor=admin, verb="test.after").api_token_id is None


def test_api2_session_authentication_works_with_csrf(admin_lid):
    from django.test import Client

    admin, lid = admin_lid
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    assert browser.get(reverse("api:licensing_id_list")).status_code == 200
    url = reverse("api:grant_change", kwargs={"pk": lid.pk})
    body = {"email": "x@example.com", "roles": [Role.DOWNLOAD]}
    refused = browser.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    browser.get(reverse("core:profile"))  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200, accepted.content


def test_api2_a_wrong_token_is_401_with_the_error_shape(client):
    response = client.get(reverse("api:licensing_id_list"), HTTP_AUTHORIZATION="Bearer lpt_000000000000_nope")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "authentication_failed"


def test_api2_service_token_acts_as_the_administrator_who_created_it(client):
    from licensing_portal.api.services import api_token_create

    customer = OrganizationFactory()
    lid = LicensingIDFactory(organization=customer)
    admin = grant(UserFactory(), lid, Role.ADMINISTRATOR)
    _token, raw = api_token_create(creator=admin, name="sync", organization=customer)
    url = reverse("api:grant_list", kwargs={"pk": lid.pk})
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    grants_revoke(licensing_id=lid, email=admin.business_email)  # no longer an administrator of the organisation
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


# --- API-3: the same services and rules --------------------------------------------------------------------


def test_api3_grants_add_change_remove_and_the_last_administrator_stays(api, admin_lid):
    admin, lid = admin_lid
    caller = api(admin)
    base = {"pk": lid.pk}
    added = caller.post(reverse("api:grant_list", kwargs=base), {"email": "Ann@Example.com", "roles": ["download"]})
    assert added.json() == {"email": "ann@example.com", "roles": ["download"]}
    again = caller.post(reverse("api:grant_list", kwargs=base), {"email": "ann@example.com", "roles": ["download"]})
    assert again.status_code == 400 and again.json()["error"]["code"] == "refused"
    changed = caller.post(
        reverse("api:grant_change", kwargs=base), {"email": "ann@example.com", "roles": ["licensing_info"]}
    )
    assert changed.json()["roles"] == ["licensing_info"]
    listed = caller.get(reverse("api:grant_list", kwargs=base)).json()["results"]
    assert {(g["email"], g["role"]) for g in listed} == {
        (admin.business_email, "administrator"),
        ("ann@example.com", "licensing_info"),
    }
    assert caller.post(reverse("api:grant_remove", kwargs=base), {"email": "ann@example.com"}).status_code == 200
    last = caller.post(reverse("api:grant_remove", kwargs=base), {"email": admin.business_email})
    assert last.status_code == 400  # PERM-7: the last administrator stays
    assert Grant.objects.filter(licensing_id=lid, email=admin.business_email).exists()


def test_api3_permission_request_create_and_approve(api, admin_lid):
    admin, lid = admin_lid
    requester = UserFactory()
    created = api(requester).post(
        reverse("api:permission_request_list"),
        {"program": lid.program, "number": lid.number, "roles": ["download"]},
    )
    assert created.status_code == 202
    unknown = api(requester).post(
        reverse("api:permission_request_list"), {"program": lid.program, "number": "NOPE1", "roles": ["download"]}
    )
    assert unknown.status_code == 202 and unknown.json() == created.json()  # SEC-12: the same answer
    caller = api(admin)
    pending = caller.get(reverse("api:permission_request_list")).json()["results"]
    assert [p["number"] for p in pending] == [lid.number]
    approved = caller.post(reverse("api:permission_request_approve", kwargs={"pk": pending[0]["id"]}))
    assert approved.json()["status"] == PermissionRequest.Status.APPROVED
    assert Grant.objects.filter(licensing_id=lid, email=requester.business_email, role="download").exists()


def test_api3_permission_request_deny(api, admin_lid):
    admin, lid = admin_lid
    pr = permission_request_submit(requester=UserFactory(), program=lid.program, number=lid.number, roles=["download"])
    denied = api(admin).post(reverse("api:permission_request_deny", kwargs={"pk": pr.pk}))
    assert denied.json()["status"] == PermissionRequest.Status.DENIED


def test_api3_audit_events_filtered(api, admin_lid):
    admin, lid = admin_lid
    caller = api(admin)
    caller.post(reverse("api:grant_list", kwargs={"pk": lid.pk}), {"email": "b@example.com", "roles": ["download"]})
    events = caller.get(reverse("api:audit_event_list"), {"event": "permission.", "person": "b@example.com"})
    assert [e["verb"] for e in events.json()["results"]] == ["permission.added"]
    bad = caller.get(reverse("api:audit_event_list"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert bad.status_code == 400 and "date_to" in bad.json()["error"]["fields"]
    other = LicensingIDFactory()
    assert caller.get(reverse("api:audit_event_list"), {"licensing_id": other.pk}).status_code == 404


def test_api3_open5_lockout_applies_to_api_calls(api, member):
    ol = OpenLicenseFactory()
    caller = api(member)
    url = reverse("api:open_license_add")
    for _ in range(5):
        wrong = caller.post(url, {"license_number": ol.license_number, "authorization_number": "WRONG"})
        assert wrong.status_code == 400
    assert OpenLicenseSuspension.objects.filter(user=member).exists()
    right = caller.post(url, {"license_number": ol.license_number, "authorization_number": "AUTH9000000"})
    assert right.status_code == 400  # suspended: even the right pair is refused (OPEN-5)


def test_api3_open_license_added(api, member):
    ol = OpenLicenseFactory(authorization_number="AUTH-OK-1")
    added = api(member).post(
        reverse("api:open_license_add"), {"license_number": ol.license_number, "authorization_number": "AUTH-OK-1"}
    )
    assert added.status_code == 201, added.content
    assert added.json()["licensing_id"] == ol.licensing_id_id


def test_api3_seats_assign_bulk_job_remove_and_export(api, admin_lid, django_capture_on_commit_callbacks):
    admin, lid = admin_lid
    pool = PoolFactory(licensing_id=lid, quantity=3)
    caller = api(admin)
    seat = caller.post(
        reverse("api:pool_seat_list", kwargs={"pk": pool.pk}), {"email": "s1@example.com", "obligation_confirmed": True}
    )
    assert seat.status_code == 201, seat.content
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, run eagerly after commit
        too_many = caller.post(
            reverse("api:pool_bulk_assign", kwargs={"pk": pool.pk}),
            {"rows": [{"email": f"b{i}@example.com"} for i in range(3)], "obligation_confirmed": True},
        )
    assert too_many.status_code == 202
    job = caller.get(reverse("api:bulk_job_detail", kwargs={"pk": too_many.json()["id"]})).json()
    assert job["status"] == BulkUpload.Status.REJECTED and job["assigned_count"] == 0  # all or nothing (SUB-3)
    with django_capture_on_commit_callbacks(execute=True):
        fits = caller.post(
            reverse("api:pool_bulk_assign", kwargs={"pk": pool.pk}),
            {"rows": [{"email": "b1@example.com"}, {"email": "b2@example.com"}], "obligation_confirmed": True},
        )
    job = caller.get(reverse("api:bulk_job_detail", kwargs={"pk": fits.json()["id"]})).json()
    assert job["status"] == BulkUpload.Status.DONE and job["assigned_count"] == 2
    removed = caller.delete(reverse("api:seat_detail", kwargs={"pk": seat.json()["id"]}))
    assert removed.json()["status"] == Seat.Status.REMOVED
    export = caller.get(reverse("api:seat_export"))
    body = b"".join(export.streaming_content).decode()
    assert export["Content-Type"].startswith("text/csv") and "b1@example.com" in body and "s1@example.com" not in body


def test_api3_relationships_and_customers(api):
    partner = OrganizationFactory(kind=Organization.Kind.PARTNER)
    staff = UserFactory()
    OrganizationMember.objects.create(organization=partner, user=staff)
    customer = OrganizationFactory()
    rel = ResellerRelationship.objects.create(
        partner=partner, customer=customer, status=ResellerRelationship.Status.ACTIVE
    )
    ResellerRelationship.objects.create(partner=OrganizationFactory(kind=Organization.Kind.PARTNER), customer=customer)
    caller = api(staff)
    assert [r["id"] for r in caller.get(reverse("api:relationship_list")).json()["results"]] == [rel.pk]
    customers = caller.get(reverse("api:customer_list")).json()["results"]
    assert [c["customer"]["name"] for c in customers] == [customer.name]


def test_api3_lists_hold_only_the_callers_rows(api, admin_lid):
    admin, lid = admin_lid
    foreign = LicensingIDFactory()
    grant(UserFactory(), foreign, Role.ADMINISTRATOR)
    SeatFactory(pool=PoolFactory(licensing_id=foreign))
    SeatFactory(pool=PoolFactory(licensing_id=lid))
    caller = api(admin)
    assert [r["id"] for r in caller.get(reverse("api:licensing_id_list")).json()["results"]] == [lid.pk]
    assert {p["licensing_id"] for p in caller.get(reverse("api:pool_list")).json()["results"]} == {lid.pk}
    assert len(caller.get(reverse("api:seat_list")).json()["results"]) == 1


# --- API-5: limits, pagination, one error shape ---------------------------------------------------------------


def test_api5_per_token_limit_on_the_shared_cache_answers_429_with_retry_after(api, member, settings, shared_cache):
    settings.API_THROTTLE_RATE = 3
    first, second = api(member), api(member)
    url = reverse("api:licensing_id_list")
    assert [first.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get(url)
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= settings.API_THROTTLE_WINDOW + 1
    assert limited.json()["error"]["code"] == "throttled"
    assert second.get(url).status_code == 200  # per token


def test_api5_cursor_pagination(api, member):
    for _ in range(5):
        grant(member, LicensingIDFactory(), Role.DOWNLOAD)
    caller = api(member)
    first = caller.get(reverse("api:licensing_id_list"), {"page_size": 2}).json()
    assert len(first["results"]) == 2 and "cursor=" in first["next"] and first["previous"] is None
    seen = [r["id"] for r in first["results"]]
    next_url = first["next"]
    while next_url:
        page = caller.get(next_url).json()
        seen += [r["id"] for r in page["results"]]
        next_url = page["next"]
    assert len(seen) == len(set(seen)) == 5


def test_api5_validation_errors_name_their_fields(api, admin_lid):
    admin, lid = admin_lid
    response = api(admin).post(reverse("api:grant_list", kwargs={"pk": lid.pk}), {"email": "not-an-email"})
    body = response.json()["error"]
    assert response.status_code == 400 and body["code"] == "invalid"
    assert set(body["fields"]) == {"email", "roles"}


def test_api5_nested_errors_are_flat_field_paths(api, admin_lid):
    admin, lid = admin_lid
    pool = PoolFactory(licensing_id=lid)
    response = api(admin).post(
        reverse("api:pool_bulk_assign", kwargs={"pk": pool.pk}),
        {"rows": [{"email": "a@example.com"}, {"email": ""}], "obligation_confirmed": True},
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["rows.1.email"]
