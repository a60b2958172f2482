import re

import pytest
from django.conf import settings
from django.urls import reverse

from agreements.models import ContactType, LicensingID, Program
from licensing_portal.core.models import AuditEvent
from permissions import services
from permissions.models import Grant, InheritanceOptOut, PermissionRequest, Role, SABenefit
from tests.factories import ContactFactory, LicensingIDFactory, OrganizationFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

MY = reverse("permissions:index")


def _roles(lid, email):
    return set(Grant.objects.filter(licensing_id=lid, email=email).values_list("role", flat=True))


# --- My Permissions (PERM-3, PERM-8, PERM-9) -------------------------------------------------------------


def test_my_permissions_same_view_under_both_names(client, member):  # PERM-3
    client.force_login(member)
    assert reverse("permissions:my_permissions") != MY
    assert client.get(reverse("permissions:my_permissions")).status_code == 200


def test_my_permissions_shows_email_roles_program_parent_and_mbsa(client, member, tenant, mbsa):  # PERM-3
    parent = LicensingIDFactory(organization=tenant, program=Program.PARENT, number="P5000001", parent=mbsa)
    child = LicensingIDFactory(organization=tenant, number="E5000002", parent=parent)
    grant(member, child, Role.DOWNLOAD, Role.PRODUCT_KEYS)
    client.force_login(member)
    body = client.get(MY).content.decode()
    assert member.business_email in body
    assert "E5000002" in body and "Enterprise enrollment" in body
    assert "Download, Product Keys" in body
    assert "P5000001" in body and "M1000001" in body  # parent program and MBSA columns


def test_my_permissions_filter_active_or_all(client, member, tenant):  # PERM-3
    grant(member, LicensingIDFactory(organization=tenant, number="E0000001"), Role.DOWNLOAD)
    grant(
        member,
        LicensingIDFactory(organization=tenant, number="E0000002", status=LicensingID.Status.INACTIVE),
        Role.DOWNLOAD,
    )
    client.force_login(member)
    active = client.get(MY).content.decode()
    assert "E0000001" in active and "E0000002" not in active
    both = client.get(MY, {"status": "all"}).content.decode()
    assert "E0000001" in both and "E0000002" in both


def test_my_permissions_needs_verified_business_email(client, lid):  # PERM-3 ACC-2
    user = UserFactory(business_email_verified_at=None)
    Grant.objects.create(licensing_id=lid, email=user.business_email, role=Role.ADMINISTRATOR)
    client.force_login(user)
    body = client.get(MY).content.decode()
    assert reverse("core:business_email") in body and lid.number not in body


def test_inherited_rows_marked_with_opt_out_then_opt_in(client, lid, admin, parent_admin):  # PERM-8 PERM-3
    client.force_login(parent_admin)
    body = client.get(MY).content.decode()
    assert "inherited" in body and reverse("permissions:opt_out", args=[lid.pk]) in body
    assert client.post(reverse("permissions:opt_out", args=[lid.pk])).status_code == 302
    assert InheritanceOptOut.objects.filter(licensing_id=lid, email=parent_admin.business_email).exists()
    body = client.get(MY).content.decode()
    assert reverse("permissions:opt_in", args=[lid.pk]) in body  # still listed so they can opt in again
    client.post(reverse("permissions:opt_in", args=[lid.pk]))
    assert not InheritanceOptOut.objects.exists()


def test_opt_out_is_404_for_someone_without_a_parent_grant(client, lid, admin):  # PERM-8 SEC-1
    client.force_login(admin)
    assert client.post(reverse("permissions:opt_out", args=[lid.pk])).status_code == 404


def test_remove_from_my_permissions_is_a_post(client, member, lid, admin):  # PERM-9 SEC-2
    grant(member, lid, Role.DOWNLOAD)
    client.force_login(member)
    url = reverse("permissions:remove_self", args=[lid.pk])
    assert client.get(url).status_code == 405
    assert _roles(lid, member.business_email) == {Role.DOWNLOAD}
    assert client.post(url).status_code == 302
    assert _roles(lid, member.business_email) == set()
    assert url not in client.get(MY).content.decode()
    assert client.post(url).status_code == 404  # gone: nothing left to remove


def test_remove_refused_for_primary_contact_shows_message(client, member, lid, admin):  # PERM-9
    grant(member, lid, Role.ADMINISTRATOR)
    ContactFactory(licensing_id=lid, contact_type=ContactType.PRIMARY, email=member.business_email)
    client.force_login(member)
    resp = client.post(reverse("permissions:remove_self", args=[lid.pk]), follow=True)
    assert "cannot be removed" in resp.content.decode()
    assert _roles(lid, member.business_email) == {Role.ADMINISTRATOR}


def test_remove_self_is_404_on_another_tenants_licensing_id(client, member, other_tenant):  # PERM-9 SEC-1
    foreign = LicensingIDFactory(organization=other_tenant)
    grant(UserFactory(), foreign, Role.DOWNLOAD)
    client.force_login(member)
    assert client.post(reverse("permissions:remove_self", args=[foreign.pk])).status_code == 404


@pytest.mark.parametrize("size", [1, 50, 500])
def test_my_permissions_constant_queries(client, member, tenant, mbsa, size, django_assert_num_queries):  # PERM-3
    lids = LicensingID.objects.bulk_create(
        [
            LicensingID(organization=tenant, number=f"Q{i:07d}", program=Program.ENTERPRISE, parent=mbsa)
            for i in range(size)
        ]
    )
    Grant.objects.bulk_create(
        [
            Grant(licensing_id=lid, email=member.business_email, role=role)
            for lid in lids
            for role in (Role.DOWNLOAD, Role.LICENSING_INFO)
        ]
    )
    client.force_login(member)
    # session, user, access version, the page with its count and the user's facts on each row (one prepared query,
    # permissions/access_mine.py: issue 13); no session write: it was saved at sign-in less than a minute ago
    # (ThrottledSessionMiddleware)
    with django_assert_num_queries(4):
        resp = client.get(MY, {"status": "all"})
    assert resp.status_code == 200 and "Q0000000" in resp.content.decode()
    with django_assert_num_queries(3):  # the table is cached under the unchanged access version
        assert "Q0000000" in client.get(MY, {"status": "all"}).content.decode()


# --- Request Permissions (PERM-4..6) ----------------------------------------------------------------------

REQUEST = reverse("permissions:request")


def _request_data(**over):
    return {
        "program": Program.ENTERPRISE,
        "number": "E2000001",
        "roles": [Role.LICENSING_INFO],
        "comment": "Need the reports",
        **over,
    }


def test_request_form_routes_to_admins_and_says_so(client, requester, lid, admin, outbox):  # PERM-4
    client.force_login(requester)
    assert client.get(REQUEST).status_code == 200
    resp = client.post(REQUEST, _request_data())
    body = resp.content.decode()
    assert resp.status_code == 200 and "Request received" in body and "E2000001" in body
    assert admin.business_email not in body  # administrators are never revealed to the requester
    pr = PermissionRequest.objects.get()
    assert (pr.requester, pr.licensing_id, pr.roles, pr.comment) == (
        requester,
        lid,
        [Role.LICENSING_INFO],
        "Need the reports",
    )
    assert [e.to_email for e in outbox(template="permissions/emails/permission_request")] == [admin.email]


def test_request_failure_is_emailed_with_support_instructions(client, requester, lid, outbox):  # PERM-6 SEC-12
    client.force_login(requester)
    resp = client.post(REQUEST, _request_data(number="E0404040"))
    assert resp.status_code == 200 and "Request received" in resp.content.decode()  # the page says no more
    [mail] = outbox(template="permissions/emails/request_failure")
    assert mail.to_email == requester.email and "E0404040" in mail.subject
    assert "contact support" in mail.body_text and "authorization number" in mail.body_text
    assert "name and address" in mail.body_text


def test_sec12_request_page_answers_the_same_whether_the_licensing_id_exists(
    client, requester, lid, admin, outbox
):  # SEC-12 PERM-4 PERM-6
    """Same number, typed under four programs: routed to its administrator, unknown licensing ID, a licensing ID
    without administrator, and the routed one again while pending. The pages are byte-identical (once the
    per-response CSRF token is set aside); what became of each request is only in the requester's email."""
    LicensingIDFactory(organization=lid.organization, program=Program.SELECT, number=lid.number)  # no admin
    client.force_login(requester)
    client.get(REQUEST)  # the CSRF cookie exists before the first answer, as in a browser

    def answer(program):
        resp = client.post(REQUEST, _request_data(program=program, number=lid.number.lower()))
        body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", resp.content)
        # the session cookie is re-sent at most once a minute, whatever the request (ThrottledSessionMiddleware)
        # X-Request-ID is a fresh random id per request (OPS-3), whatever became of the request
        per_request = ("content-length", "set-cookie", "x-request-id")
        headers = {k: v for k, v in resp.headers.items() if k.lower() not in per_request}
        cookies = sorted(set(resp.cookies) - {settings.SESSION_COOKIE_NAME})
        return resp.status_code, headers, cookies, body

    routed = answer(Program.ENTERPRISE)
    assert routed[0] == 200 and b"Request received" in routed[-1]
    for program in (Program.OPEN_VALUE, Program.SELECT, Program.ENTERPRISE):
        assert answer(program) == routed, program
    requests = PermissionRequest.objects.order_by("pk")
    assert [(r.program, r.status, r.failure_reason) for r in requests] == [
        (Program.ENTERPRISE, PermissionRequest.Status.PENDING, ""),
        (Program.OPEN_VALUE, PermissionRequest.Status.FAILED, "unknown_licensing_id"),
        (Program.SELECT, PermissionRequest.Status.FAILED, "no_administrator"),
    ]
    to_requester = [e.template.rsplit("/", 1)[1] for e in outbox(to_email=requester.email)]
    assert to_requester == ["request_failure", "request_failure", "request_already_pending"]
    assert len(outbox(template="permissions/emails/permission_request")) == 1  # the administrator, once


def test_sa_benefits_validated_only_when_sa_manager_ticked(client, requester, lid, admin):  # PERM-4
    client.force_login(requester)
    resp = client.post(REQUEST, _request_data(roles=[Role.SA_MANAGER]))
    assert resp.status_code == 400 and not PermissionRequest.objects.exists()
    assert "Choose at least one benefit" in resp.content.decode()
    # Without JS the benefits are always on the page: ticked benefits without SA Manager are ignored.
    client.post(REQUEST, _request_data(roles=[Role.DOWNLOAD], sa_benefits=[SABenefit.TECHNET]))
    assert PermissionRequest.objects.get().sa_benefits == []


def test_request_form_rejects_bad_input(client, requester, lid, admin):  # PERM-4 SEC-3
    client.force_login(requester)
    for data in (
        _request_data(program="nope"),
        _request_data(number="E2000001; DROP"),
        _request_data(roles=["root"]),
        _request_data(roles=[]),
    ):
        assert client.post(REQUEST, data).status_code == 400
    assert not PermissionRequest.objects.exists()


# --- Inbox and decision (PERM-5) --------------------------------------------------------------------------


@pytest.fixture
def pending(requester, lid, admin):
    return services.permission_request_submit(
        requester=requester, program=lid.program, number=lid.number, roles=[Role.DOWNLOAD]
    )


def test_inbox_lists_pending_requests_for_administered_ids_only(client, pending, admin, parent_admin):  # PERM-5
    foreign_lid = LicensingIDFactory(organization=OrganizationFactory())
    foreign_admin = grant(UserFactory(), foreign_lid, Role.ADMINISTRATOR)
    for user, sees in ((admin, True), (parent_admin, True), (foreign_admin, False)):
        client.force_login(user)
        body = client.get(reverse("permissions:requests_inbox")).content.decode()
        assert (pending.get_absolute_url() in body) is sees


def test_approve_from_inbox_takes_effect_on_next_request(client, pending, admin, requester, lid):  # PERM-5
    client.force_login(admin)
    url = reverse("permissions:request_decide", args=[pending.pk])
    assert client.get(url).status_code == 405  # SEC-2
    assert client.post(url, {"decision": "approve"}).status_code == 302
    client.force_login(requester)
    assert client.get(lid.get_absolute_url()).status_code == 200
    assert "Download" in client.get(MY).content.decode()


def test_deciding_twice_shows_clear_message(client, pending, admin, outbox):  # PERM-5
    client.force_login(admin)
    url = reverse("permissions:request_decide", args=[pending.pk])
    client.post(url, {"decision": "deny"})
    body = client.post(url, {"decision": "approve"}, follow=True).content.decode()
    assert "already decided" in body
    pending.refresh_from_db()
    assert pending.status == PermissionRequest.Status.DENIED
    assert len(outbox(template="permissions/emails/request_decision")) == 1


def test_request_detail_shows_decision_buttons_to_admin_only(client, pending, admin, requester, member):  # PERM-5 SEC-1
    client.force_login(admin)
    body = client.get(pending.get_absolute_url()).content.decode()
    assert reverse("permissions:request_decide", args=[pending.pk]) in body
    for other in (requester, member):
        client.force_login(other)
        assert client.get(pending.get_absolute_url()).status_code == 404
        assert (
            client.post(reverse("permissions:request_decide", args=[pending.pk]), {"decision": "approve"}).status_code
            == 404
        )
    pending.refresh_from_db()
    assert pending.status == PermissionRequest.Status.PENDING


def test_request_detail_requires_sign_in(client, pending):  # PERM-5
    resp = client.get(pending.get_absolute_url())
    assert resp.status_code == 302 and resp.url.startswith(reverse("account_login"))


# --- Manage Users (PERM-7) --------------------------------------------------------------------------------


def _manage(lid):
    return reverse("permissions:manage_users", args=[lid.pk])


def test_manage_users_for_administrators_only(client, lid, admin, member, other_tenant):  # PERM-7 SEC-1
    grant(member, lid, *[r for r in Role.values if r != Role.ADMINISTRATOR])
    client.force_login(member)
    assert client.get(_manage(lid)).status_code == 404
    foreign = LicensingIDFactory(organization=other_tenant)
    client.force_login(admin)
    assert client.get(_manage(foreign)).status_code == 404
    assert client.get(_manage(lid)).status_code == 200


def test_manage_users_lists_people_and_inherited_admins_read_only(
    client, lid, admin, parent_admin, member
):  # PERM-7 PERM-8
    grant(member, lid, Role.DOWNLOAD)
    client.force_login(admin)
    body = client.get(_manage(lid)).content.decode()
    assert member.business_email in body and parent_admin.business_email in body
    assert "inherited from the parent agreement" in body
    assert f"?email={parent_admin.business_email.replace('@', '%40')}" not in body  # no edit link: read-only


def test_add_edit_remove_person_through_the_page(client, lid, admin, outbox):  # PERM-7
    client.force_login(admin)
    resp = client.post(_manage(lid), {"email": "new@contoso.example", "roles": [Role.DOWNLOAD]})
    assert resp.status_code == 302 and _roles(lid, "new@contoso.example") == {Role.DOWNLOAD}
    assert outbox(template="agreements/emails/welcome", to_email="new@contoso.example")
    edit = reverse("permissions:manage_user_edit", args=[lid.pk])
    assert client.get(edit, {"email": "new@contoso.example"}).status_code == 200
    client.post(
        edit,
        {
            "email": "new@contoso.example",
            "roles": [Role.SA_MANAGER],
            "sa_benefits": [SABenefit.TRAINING_VOUCHERS],
        },
    )
    assert Grant.objects.get(licensing_id=lid, email="new@contoso.example").sa_benefits == [SABenefit.TRAINING_VOUCHERS]
    client.post(reverse("permissions:manage_user_remove", args=[lid.pk]), {"email": "new@contoso.example"})
    assert _roles(lid, "new@contoso.example") == set()
    assert outbox(template="permissions/emails/access_removed", to_email="new@contoso.example")


def test_extra_post_fields_are_ignored_or_rejected(client, lid, admin, other_tenant):  # PERM-7 SEC-1
    foreign = LicensingIDFactory(organization=other_tenant)
    client.force_login(admin)
    client.post(
        _manage(lid),
        {
            "email": "x@contoso.example",
            "roles": [Role.DOWNLOAD],
            "licensing_id": foreign.pk,
            "organization": other_tenant.pk,
            "user_id": admin.pk,
            "source": "legacy",
            "granted_by": 1,
        },
    )
    grant_row = Grant.objects.get(email="x@contoso.example")
    assert grant_row.licensing_id == lid and grant_row.source == Grant.Source.MANUAL
    resp = client.post(_manage(lid), {"email": "y@contoso.example", "roles": [Role.DOWNLOAD, "superuser"]})
    assert resp.status_code == 400 and not Grant.objects.filter(email="y@contoso.example").exists()
    assert not Grant.objects.filter(licensing_id=foreign).exists()


def test_last_administrator_gets_clear_error_and_nothing_changes(client, lid, admin):  # PERM-7
    client.force_login(admin)
    edit = reverse("permissions:manage_user_edit", args=[lid.pk])
    resp = client.post(edit, {"email": admin.business_email, "roles": [Role.LICENSING_INFO]})
    assert resp.status_code == 400 and "last administrator" in resp.content.decode()
    resp = client.post(
        reverse("permissions:manage_user_remove", args=[lid.pk]), {"email": admin.business_email}, follow=True
    )
    assert "last administrator" in resp.content.decode()
    assert _roles(lid, admin.business_email) == {Role.ADMINISTRATOR}


def test_deny_access_button_for_partner_grants(client, lid, admin, outbox):  # PERM-7 RES-1
    services.grants_add(
        licensing_id=lid,
        email="reseller@northwind.example",
        roles=[Role.DOWNLOAD],
        source=Grant.Source.OPEN_LICENSE,
    )
    client.force_login(admin)
    deny = reverse("permissions:manage_user_deny", args=[lid.pk])
    assert deny in client.get(_manage(lid)).content.decode()
    assert client.get(deny).status_code == 405
    client.post(deny, {"email": "reseller@northwind.example"})
    assert _roles(lid, "reseller@northwind.example") == set()
    assert outbox(template="permissions/emails/access_removed", to_email="reseller@northwind.example")


def test_manage_user_actions_are_404_on_another_tenant(client, admin, other_tenant):  # PERM-7 SEC-1
    foreign = LicensingIDFactory(organization=other_tenant)
    grant(UserFactory(email="victim@fabrikam.example"), foreign, Role.DOWNLOAD)
    client.force_login(admin)
    for name, method in (
        ("manage_user_edit", "get"),
        ("manage_user_edit", "post"),
        ("manage_user_remove", "post"),
        ("manage_user_deny", "post"),
        ("audit_log", "get"),
    ):
        resp = getattr(client, method)(
            reverse(f"permissions:{name}", args=[foreign.pk]),
            {"email": "victim@fabrikam.example", "roles": [Role.ADMINISTRATOR]},
        )
        assert resp.status_code == 404, name
    assert _roles(foreign, "victim@fabrikam.example") == {Role.DOWNLOAD}


@pytest.mark.parametrize("size", [1, 50, 500])
def test_manage_users_constant_queries(client, lid, admin, parent_admin, size, django_assert_num_queries):  # PERM-7
    Grant.objects.bulk_create(
        [
            Grant(licensing_id=lid, email=f"p{i:04d}@contoso.example", role=role)
            for i in range(size)
            for role in (Role.DOWNLOAD, Role.SA_MANAGER)
        ]
    )
    client.force_login(admin)
    # session, user, licensing ID with the viewer's roles on it and its namespaces, then ONE query: the page of
    # emails with their count, grants, opt-outs and PERM-12 states (access_people.people_page: issue 13)
    with django_assert_num_queries(4):  # no session write: saved at sign-in less than a minute ago
        resp = client.get(_manage(lid))
    assert resp.status_code == 200 and "p0000@contoso.example" in resp.content.decode()
    # the table is cached under the unchanged namespaces (which PERM-12 state changes bump too: issue 13)
    with django_assert_num_queries(3):
        assert "p0000@contoso.example" in client.get(_manage(lid)).content.decode()


# --- Audit log (PERM-11) ----------------------------------------------------------------------------------


def test_audit_log_page_for_administrators(client, lid, admin, member):  # PERM-11
    services.person_roles_set(
        licensing_id=lid, email=member.business_email, roles=[Role.DOWNLOAD], actor=admin, adding=True
    )
    url = reverse("permissions:audit_log", args=[lid.pk])
    client.force_login(admin)
    body = client.get(url).content.decode()
    assert "permission.added" in body and member.business_email in body and admin.email in body
    grant(member, lid, Role.LICENSING_INFO)
    client.force_login(member)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("size", [1, 60, 500])
def test_audit_log_constant_queries(client, lid, admin, size, django_assert_num_queries):  # PERM-11
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                verb="permission.granted",
                licensing_id=lid,
                target_email=f"a{i}@x.example",
                before={"roles": []},
                after={"roles": ["download"]},
            )
            for i in range(size)
        ]
    )
    client.force_login(admin)
    # session, user, licensing ID with the viewer's roles on it, count, page (session saved at sign-in)
    with django_assert_num_queries(5):
        assert client.get(reverse("permissions:audit_log", args=[lid.pk])).status_code == 200


def test_agreement_detail_links_manage_users_for_admins(client, lid, admin, member):  # PERM-7
    grant(member, lid, Role.LICENSING_INFO)
    client.force_login(admin)
    assert _manage(lid) in client.get(lid.get_absolute_url()).content.decode()
    client.force_login(member)
    assert _manage(lid) not in client.get(lid.get_absolute_url()).content.decode()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pages_have_one_h1_labelled_fields_and_scoped_headers(client, lid, admin, pending, language):  # PERM-3 ACC-5
    import re

    admin.language = language
    admin.save()
    client.force_login(admin)
    pages = [
        MY,
        REQUEST,
        reverse("permissions:requests_inbox"),
        pending.get_absolute_url(),
        _manage(lid),
        reverse("permissions:audit_log", args=[lid.pk]),
        reverse("permissions:manage_user_edit", args=[lid.pk]) + f"?email={admin.business_email}",
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert body.count("<h1") == 1, url
        assert "<th>" not in body, url
        for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', body):
            assert f'for="{field_id}"' in body, (url, field_id)
