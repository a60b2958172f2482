from urllib.parse import unquote

import pytest

from licensing_portal.core.models import AuditEvent
from partners import services
from partners.models import ResellerRelationship, SupportContact
from permissions.models import Grant, Role
from tests.factories import LicensingIDFactory, PartnerAdminFactory, PartnerFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_admin(tenant):
    user = UserFactory(email="alice@contoso.example", first_name="Alice", last_name="Martin")
    for number in ("E1000001", "E1000002"):
        grant(user, LicensingIDFactory(organization=tenant, number=number), Role.ADMINISTRATOR)
    return user


TERMS = {"roles": [Role.ADMINISTRATOR], "days": 730}  # RES-8: what is asked for and granted


def _terms(tenant):
    from agreements.models import LicensingID

    return {**TERMS, "licences": list(LicensingID.objects.filter(organization=tenant).values_list("pk", flat=True))}


def _path(url):
    return url.split("8000", 1)[1]


def _invite(partner, partner_admin, email="alice@contoso.example"):
    rel, url = services.relationship_invite(partner=partner, invited_by=partner_admin, customer_email=email)
    return rel, _path(url)


def _accepted(partner, partner_admin, customer_admin, tenant):
    rel, path = _invite(partner, partner_admin)
    return services.relationship_accept(
        token=path.rstrip("/").rsplit("/", 1)[-1], user=customer_admin, customer_id=tenant.pk
    )


def _admin_on(user, tenant):
    return set(
        Grant.objects.filter(
            email=user.business_email, role=Role.ADMINISTRATOR, licensing_id__organization=tenant
        ).values_list("licensing_id__number", flat=True)
    )


def test_partner_generates_a_draft_with_a_personal_link_and_mailto(client, partner, partner_admin):  # RES-5
    client.force_login(partner_admin)
    resp = client.post("/partners/customers/invite/", {"customer_email": "alice@contoso.example", **TERMS})
    body = resp.content.decode()
    assert resp.status_code == 200
    rel = ResellerRelationship.objects.get()
    assert rel.status == "pending"
    assert "/partners/relationships/accept/" in body
    assert 'href="mailto:alice%40contoso.example?subject=' in body
    mailto = body.split('href="mailto:', 1)[1].split('"', 1)[0]
    assert "/partners/relationships/accept/" in unquote(mailto)
    assert "Northwind" in body


def test_non_admin_partner_staff_cannot_invite(client, partner):  # RES-5
    staff_member = PartnerAdminFactory(organization=partner, is_admin=False).user
    client.force_login(staff_member)
    resp = client.post("/partners/customers/invite/", {"customer_email": "a@b.example", **TERMS})
    assert "administrators can invite" in resp.content.decode()
    assert not ResellerRelationship.objects.exists()


def test_customer_admin_accepts_and_appears_on_customers_page(
    client, tenant, partner, partner_admin, customer_admin, outbox
):  # RES-5
    rel, path = _invite(partner, partner_admin)
    client.force_login(customer_admin)
    page = client.get(path)
    assert page.status_code == 200 and "Northwind" in page.content.decode()
    assert ResellerRelationship.objects.get().status == "pending"
    resp = client.post(path, {"customer": tenant.pk, **_terms(tenant)})
    assert resp.status_code == 302
    rel.refresh_from_db()
    assert rel.status == "active" and rel.customer == tenant and rel.accepted_by == customer_admin
    assert _admin_on(partner_admin, tenant) == {"E1000001", "E1000002"}
    assert outbox(template="partners/emails/relationship_accepted")[0].to_email == partner_admin.email
    client.force_login(partner_admin)
    body = client.get("/partners/customers/").content.decode()
    assert "Contoso" in body and "E1000001" in body
    assert "/permissions/manage/" in body and "/subscriptions/" in body
    # the link is single use
    client.force_login(customer_admin)
    assert client.post(path, {"customer": tenant.pk}).status_code == 400


def test_acceptance_by_someone_who_is_not_a_customer_administrator_is_refused(
    client, tenant, partner, partner_admin, customer_admin
):  # RES-5
    rel, path = _invite(partner, partner_admin)
    reader = UserFactory()
    grant(reader, LicensingIDFactory(organization=tenant), Role.LICENSING_INFO)
    client.force_login(reader)
    assert "Only an administrator" in client.get(path).content.decode()
    resp = client.post(path, {"customer": tenant.pk})
    assert resp.status_code == 400 and "Only an administrator" in resp.content.decode()
    rel.refresh_from_db()
    assert rel.status == "pending" and rel.customer is None
    assert not _admin_on(partner_admin, tenant)
    assert AuditEvent.objects.filter(verb="partners.relationship_accept_refused", actor=reader).exists()


def test_acceptance_for_the_wrong_organisation_is_refused(
    client, tenant, other_tenant, partner, partner_admin, customer_admin
):  # RES-5
    rel, path = _invite(partner, partner_admin)
    LicensingIDFactory(organization=other_tenant)
    client.force_login(customer_admin)
    for customer in (other_tenant.pk, partner.pk, "abc"):
        resp = client.post(path, {"customer": customer})
        assert resp.status_code == 400
    rel.refresh_from_db()
    assert rel.status == "pending"
    assert AuditEvent.objects.filter(verb="partners.relationship_accept_refused").count() == 3
    assert client.post(path, {"customer": tenant.pk, **_terms(tenant)}).status_code == 302


def test_customer_reassigns_or_removes_admin_permissions_relationship_stays(
    client, tenant, partner, partner_admin, customer_admin, outbox
):  # RES-6
    rel = _accepted(partner, partner_admin, customer_admin, tenant)
    e1 = rel.administered_licences.get(number="E1000001")
    client.force_login(customer_admin)
    client.post(f"/partners/relationships/{rel.pk}/administrators/", {"licences": [e1.pk]})
    assert _admin_on(partner_admin, tenant) == {"E1000001"}
    client.post(f"/partners/relationships/{rel.pk}/administrators/", {})
    assert _admin_on(partner_admin, tenant) == set()
    rel.refresh_from_db()
    assert rel.status == "active"
    page = client.get("/partners/my-partners/").content.decode()
    assert "Northwind" in page and "Reseller and support provider" in page
    client.force_login(partner_admin)
    assert "Contoso" in client.get("/partners/customers/").content.decode()
    assert len(outbox(template="partners/emails/relationship_permissions_changed")) >= 2


def test_customer_cannot_delegate_a_licence_it_does_not_administer(
    client, tenant, other_tenant, partner, partner_admin, customer_admin
):  # RES-6 SEC-1
    rel = _accepted(partner, partner_admin, customer_admin, tenant)
    foreign = LicensingIDFactory(organization=other_tenant)
    client.force_login(customer_admin)
    client.post(f"/partners/relationships/{rel.pk}/administrators/", {"licences": [foreign.pk]})
    assert not Grant.objects.filter(licensing_id=foreign).exists()
    assert _admin_on(partner_admin, tenant) == {"E1000001", "E1000002"}


def test_removing_admin_permissions_keeps_grants_from_other_sources(
    tenant, partner, partner_admin, customer_admin
):  # RES-6
    rel = _accepted(partner, partner_admin, customer_admin, tenant)
    e2 = rel.administered_licences.get(number="E1000002")
    Grant.objects.filter(licensing_id=e2, email=partner_admin.business_email).update(source=Grant.Source.MANUAL)
    services.relationship_admin_set(relationship=rel, licensing_id_pks=[], actor=customer_admin)
    assert _admin_on(partner_admin, tenant) == {"E1000002"}


@pytest.mark.parametrize("side", ["customer", "partner"])
def test_either_side_removes_the_relationship_access_ends_and_both_are_told(
    client, tenant, partner, partner_admin, customer_admin, outbox, side
):  # RES-6
    rel = _accepted(partner, partner_admin, customer_admin, tenant)
    client.force_login(partner_admin)
    lid = rel.administered_licences.first()
    assert client.get(lid.get_absolute_url()).status_code == 200
    client.force_login(customer_admin if side == "customer" else partner_admin)
    resp = client.post(f"/partners/relationships/{rel.pk}/remove/")
    assert resp.status_code == 302
    rel.refresh_from_db()
    assert rel.status == "removed"
    client.force_login(partner_admin)
    assert client.get(lid.get_absolute_url()).status_code == 404  # on the very next request
    assert "Contoso" not in client.get("/partners/customers/").content.decode()
    recipients = {e.to_email for e in outbox(template="partners/emails/relationship_removed")}
    assert recipients == {partner_admin.email, customer_admin.email}
    assert _admin_on(customer_admin, tenant) == {"E1000001", "E1000002"}


def test_partner_assigns_its_own_staff_as_support_contacts(
    client, tenant, partner, partner_admin, customer_admin
):  # RES-7
    rel = _accepted(partner, partner_admin, customer_admin, tenant)
    colleague = PartnerAdminFactory(
        organization=partner, is_admin=False, user__first_name="Sue", user__last_name="Port"
    )
    outsider = PartnerAdminFactory(organization=PartnerFactory())
    client.force_login(partner_admin)
    client.post(f"/partners/relationships/{rel.pk}/support-contacts/", {"member": colleague.pk})
    client.post(f"/partners/relationships/{rel.pk}/support-contacts/", {"member": outsider.pk})
    assert [sc.member for sc in SupportContact.objects.all()] == [colleague]
    assert "Sue Port" in client.get("/partners/customers/").content.decode()
    client.force_login(customer_admin)
    assert "Sue Port" in client.get("/partners/my-partners/").content.decode()
    client.force_login(colleague.user)  # not an administrator of the partner
    sc = SupportContact.objects.get()
    client.post(f"/partners/support-contacts/{sc.pk}/remove/")
    assert SupportContact.objects.exists()
    client.force_login(partner_admin)
    client.post(f"/partners/support-contacts/{sc.pk}/remove/")
    assert not SupportContact.objects.exists()


def test_partner_object_views_are_404_for_other_tenants(
    client, tenant, partner, partner_admin, customer_admin
):  # SEC-1
    rel = _accepted(partner, partner_admin, customer_admin, tenant)
    sc = services.support_contact_add(relationship=rel, member=partner_admin.memberships.get(), actor=partner_admin)
    stranger = PartnerAdminFactory(organization=PartnerFactory()).user
    grant(stranger, LicensingIDFactory(), Role.ADMINISTRATOR)
    client.force_login(stranger)
    for path in (
        f"/partners/relationships/{rel.pk}/administrators/",
        f"/partners/relationships/{rel.pk}/remove/",
        f"/partners/relationships/{rel.pk}/support-contacts/",
        f"/partners/support-contacts/{sc.pk}/remove/",
    ):
        assert client.post(path, {"member": stranger.memberships.get().pk}).status_code == 404, path
    rel.refresh_from_db()
    assert rel.status == "active" and SupportContact.objects.count() == 1
    assert _admin_on(partner_admin, tenant) == {"E1000001", "E1000002"}


def test_customers_page_runs_constant_queries(client, partner, partner_admin):  # RES-5
    client.force_login(partner_admin)
    counts = []
    for n in (1, 30):
        for _ in range(n - (0 if n == 1 else 1)):
            customer = UserFactory()
            org = LicensingIDFactory().organization
            grant(customer, LicensingIDFactory(organization=org), Role.ADMINISTRATOR)
            rel, url = services.relationship_invite(partner=partner, invited_by=partner_admin)
            rel = services.relationship_accept(
                token=url.rstrip("/").rsplit("/", 1)[-1], user=customer, customer_id=org.pk
            )
            services.support_contact_add(relationship=rel, member=partner_admin.memberships.get(), actor=partner_admin)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            resp = client.get("/partners/customers/")
        assert resp.status_code == 200
        assert resp.content.decode().count('class="card mb-3 customer"') == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_customer_partners_page_runs_constant_queries(client, tenant, customer_admin):  # RES-6
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(customer_admin)
    counts = []
    for n in (1, 10):
        while ResellerRelationship.objects.count() < n:
            partner = PartnerFactory()
            padmin = PartnerAdminFactory(organization=partner).user
            rel, url = services.relationship_invite(partner=partner, invited_by=padmin)
            services.relationship_accept(
                token=url.rstrip("/").rsplit("/", 1)[-1], user=customer_admin, customer_id=tenant.pk
            )
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/partners/my-partners/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
