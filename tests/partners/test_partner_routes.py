import pytest

from agreements.models import Organization, OrganizationMember
from partners.models import OpenLicenseAccess, OpenLicenseAttempt, PartnerOrder
from permissions.models import OPEN_LICENSE_ROLES, Grant, Role
from tests.factories import OpenLicenseFactory, UserFactory, grant
from tests.partners.conftest import AUTH, link_in

pytestmark = pytest.mark.django_db

REGISTER = "/partners/open-license/register/"


def _register(client, ol, customer_email="owner@contoso.example", route="selector", auth=AUTH):
    return client.post(
        REGISTER,
        {
            "license_number": ol.license_number,
            "authorization_number": auth,
            "customer_email": customer_email,
            "acknowledge": "on",
            "route": route,
        },
        REMOTE_ADDR="10.1.1.1",
    )


def _partner_roles(user, ol):
    return set(
        Grant.objects.filter(
            email=user.business_email, licensing_id=ol.licensing_id, source=Grant.Source.RESELLER
        ).values_list("role", flat=True)
    )


def test_partner_order_invites_the_customer(client, partner_admin, outbox):  # RES-3
    client.force_login(partner_admin)
    resp = client.post(
        "/partners/orders/new/",
        {"customer_email": "Buyer@Fabrikam.example", "customer_name": "Fabrikam", "program": "open_license"},
    )
    assert resp.status_code == 302
    order = PartnerOrder.objects.get()
    assert order.customer_email == "buyer@fabrikam.example"
    [invite] = outbox(template="partners/emails/order_invitation")
    assert invite.to_email == "buyer@fabrikam.example"
    assert "Northwind" in invite.body_text and "/accounts/signup/" in invite.body_text
    assert "/subscriptions/" in invite.body_text


def test_partner_order_refuses_unknown_program_and_non_partners(client, partner_admin, member):  # RES-3 SEC-3
    client.force_login(partner_admin)
    resp = client.post(
        "/partners/orders/new/", {"customer_email": "b@f.example", "customer_name": "F", "program": "bogus"}
    )
    assert resp.status_code == 400
    client.force_login(member)
    resp = client.post(
        "/partners/orders/new/",
        {"customer_email": "b@f.example", "customer_name": "F", "program": "open_license"},
    )
    assert resp.status_code == 403 and "not a recognised" in resp.content.decode()
    assert not PartnerOrder.objects.exists()


def test_existing_partner_uses_new_open_license_in_the_agreement_selector(
    client, partner_admin, open_license, outbox
):  # RES-4
    client.force_login(partner_admin)
    body = client.get("/partners/").content.decode()
    assert "New open license" in body
    resp = client.get("/partners/agreements/select/", {"licence": "new"})
    assert resp["Location"] == REGISTER + "?route=selector"
    assert _register(client, open_license).status_code == 302
    assert _partner_roles(partner_admin, open_license) == set(OPEN_LICENSE_ROLES)
    access = OpenLicenseAccess.objects.get()
    assert (access.kind, access.route, access.partner.name) == (
        "partner_registration",
        "selector",
        "Northwind",
    )
    [added] = outbox(template="partners/emails/partner_added")
    assert added.to_email == "owner@contoso.example" and "Northwind" in added.body_text
    deny = link_in(added.body_text, "/partners/access/")
    client.logout()
    assert client.post(deny).status_code == 200
    assert _partner_roles(partner_admin, open_license) == set()


def test_partner_from_the_relationship_summary_follows_manage_subscriptions(
    client, partner_admin, open_license
):  # RES-4
    grant(partner_admin, open_license.licensing_id, *OPEN_LICENSE_ROLES)  # came through Add Open License
    client.force_login(partner_admin)
    summary = client.get("/partners/relationship-summary/").content.decode()
    assert open_license.license_number in summary
    detail = client.get(f"/partners/relationship-summary/{open_license.licensing_id.pk}/").content.decode()
    assert "manage subscriptions" in detail
    assert f"route=summary&amp;license={open_license.license_number}" in detail
    assert _register(client, open_license, route="summary").status_code == 302
    assert OpenLicenseAccess.objects.get().route == "summary"


def test_unrecognised_user_is_told_and_offered_olp_partners_registration(client, member, open_license, outbox):  # RES-4
    client.force_login(member)
    resp = client.get(REGISTER)
    assert resp.status_code == 403
    body = resp.content.decode()
    assert "not a recognised" in body and "OLP Partners" in body
    assert _register(client, open_license).status_code == 403
    assert not Grant.objects.filter(email=member.business_email).exists()
    resp = client.post("/partners/olp-partners/register/", {"name": "Litware Partners"})
    assert resp["Location"] == REGISTER + "?route=direct"
    membership = OrganizationMember.objects.get(user=member)
    assert membership.is_admin and membership.organization.kind == Organization.Kind.PARTNER
    assert _register(client, open_license, route="direct").status_code == 302
    assert OpenLicenseAccess.objects.get().route == "direct"
    assert outbox(template="partners/emails/partner_added")


@pytest.mark.parametrize("case", ["wrong_email", "wrong_auth", "other_program"])
def test_partner_registration_refuses_bad_input(client, partner_admin, open_license, case):  # RES-4 SEC-3
    client.force_login(partner_admin)
    if case == "wrong_email":
        resp = _register(client, open_license, customer_email="someone@else.example")
    elif case == "wrong_auth":
        resp = _register(client, open_license, auth="NOPE")
    else:
        enterprise = OpenLicenseFactory.build(license_number="E7000001")
        resp = _register(client, enterprise)
    assert resp.status_code == 400 and "do not match" in resp.content.decode()
    assert not Grant.objects.filter(email=partner_admin.business_email).exists()
    assert OpenLicenseAttempt.objects.count() == 1


def test_an_already_registered_licence_changes_nothing(client, partner_admin, open_license, outbox):  # RES-4
    client.force_login(partner_admin)
    _register(client, open_license)
    resp = _register(client, open_license)
    assert resp.status_code == 400 and "already registered" in resp.content.decode()
    assert OpenLicenseAccess.objects.count() == 1
    assert len(outbox(template="partners/emails/partner_added")) == 1


def test_license_detail_is_404_for_other_tenant(client, partner_admin, other_tenant):  # SEC-1
    foreign = OpenLicenseFactory(licensing_id__organization=other_tenant)
    client.force_login(partner_admin)
    assert client.get(f"/partners/relationship-summary/{foreign.licensing_id.pk}/").status_code == 404


def test_add_open_license_grant_is_the_partner_role_set_not_admin(client, partner_admin, open_license):  # RES-2
    client.force_login(partner_admin)
    _register(client, open_license)
    assert Role.ADMINISTRATOR not in _partner_roles(partner_admin, open_license)


def test_partner_registration_needs_a_verified_business_email(client, open_license):  # RES-4 ACC-2
    user = UserFactory(business_email_verified_at=None)
    client.force_login(user)
    assert "Verify your business email" in client.get(REGISTER).content.decode()
