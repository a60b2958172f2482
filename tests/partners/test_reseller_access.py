from datetime import timedelta

import pytest
from django.utils import timezone

from licensing_portal.core.models import AuditEvent, OneTimeToken
from partners import services
from partners.models import OpenLicenseAccess
from permissions import policies
from permissions.models import OPEN_LICENSE_ROLES, Grant, Role
from tests.factories import OrganizationFactory, UserFactory
from tests.partners.conftest import link_in

pytestmark = pytest.mark.django_db


def _order(org, number="V5550001", reseller="ravi@northwind.example", customer="alice@contoso.example"):
    return services.open_license_order_record(
        organization=org,
        license_number=number,
        authorization_number="A1",
        customer_email=customer,
        reseller_email=reseller,
    )


def _roles(email, lid):
    return set(Grant.objects.filter(email=email, licensing_id=lid).values_list("role", flat=True))


def _deny_link(outbox, number):
    [welcome] = [e for e in outbox(template="agreements/emails/welcome") if number in e.subject]
    return welcome, link_in(welcome.body_text, "/partners/access/")


def test_order_naming_a_reseller_grants_the_open_set_and_the_welcome_says_so(tenant, outbox):  # RES-1 RES-2
    ol = _order(tenant)
    lid = ol.licensing_id
    assert _roles("ravi@northwind.example", lid) == set(OPEN_LICENSE_ROLES)
    assert Grant.objects.filter(email="ravi@northwind.example", source=Grant.Source.RESELLER).count() == 4
    assert _roles("alice@contoso.example", lid) == {Role.ADMINISTRATOR}
    welcome, deny = _deny_link(outbox, ol.license_number)
    assert welcome.to_email == "alice@contoso.example"
    assert "ravi@northwind.example" in welcome.body_text and "without signing in" in welcome.body_text
    assert deny.startswith(f"/partners/access/{OpenLicenseAccess.objects.get().pk}/deny/")
    assert outbox(template="partners/emails/reseller_welcome")[0].to_email == "ravi@northwind.example"


def test_reseller_cannot_manage_users_until_made_administrator(tenant):  # RES-2
    ol = _order(tenant)
    reseller = UserFactory(email="ravi@northwind.example")
    assert not policies.can_manage_users(reseller, ol.licensing_id)
    assert policies.can_manage_subscriptions(reseller, ol.licensing_id)


def test_order_without_reseller_has_no_deny_link(tenant, outbox):  # RES-1
    ol = _order(tenant, reseller="")
    welcome = outbox(template="agreements/emails/welcome")[0]
    assert "/partners/access/" not in welcome.body_text
    assert not OpenLicenseAccess.objects.filter(licensing_id=ol.licensing_id).exists()


def test_duplicate_order_is_refused(tenant):  # RES-1 SEC-3
    _order(tenant)
    with pytest.raises(Exception, match="already exists"):
        _order(tenant)


def test_get_and_head_on_the_deny_link_change_nothing(client, tenant, outbox):  # RES-1 SEC-2
    ol = _order(tenant)
    _, deny = _deny_link(outbox, ol.license_number)
    for _ in range(3):
        resp = client.get(deny)
        assert resp.status_code == 200 and "Deny access" in resp.content.decode()
    assert client.head(deny).status_code == 200
    assert _roles("ravi@northwind.example", ol.licensing_id) == set(OPEN_LICENSE_ROLES)
    assert not OneTimeToken.objects.filter(purpose="deny-access", used_at__isnull=False).exists()
    assert OpenLicenseAccess.objects.get().denied_at is None


def test_deny_link_post_works_without_signing_in_and_a_replay_is_a_noop(client, tenant, outbox):  # RES-1
    ol = _order(tenant)
    _, deny = _deny_link(outbox, ol.license_number)
    resp = client.post(deny)
    assert resp.status_code == 200
    assert _roles("ravi@northwind.example", ol.licensing_id) == set()
    assert AuditEvent.objects.filter(verb="permission.access_denied", detail="via=email_link").exists()
    notice = outbox(template="partners/emails/access_denied")
    assert [e.to_email for e in notice] == ["ravi@northwind.example"]
    # access granted again later by the customer; a replayed link must not remove it
    Grant.objects.create(licensing_id=ol.licensing_id, email="ravi@northwind.example", role=Role.DOWNLOAD)
    replay = client.post(deny)
    assert replay.status_code == 400 and "already been used" in replay.content.decode()
    assert _roles("ravi@northwind.example", ol.licensing_id) == {Role.DOWNLOAD}
    assert len(outbox(template="partners/emails/access_denied")) == 1
    assert AuditEvent.objects.filter(verb="open_license.deny_link_refused").count() == 1


def test_a_token_for_one_grant_cannot_deny_another(client, tenant, outbox):  # RES-1
    first = _order(tenant, number="V5550001", reseller="one@reseller.example")
    second = _order(tenant, number="V5550002", reseller="two@reseller.example")
    _, deny_first = _deny_link(outbox, first.license_number)
    second_access = OpenLicenseAccess.objects.get(licensing_id=second.licensing_id)
    forged = deny_first.replace(
        f"/access/{OpenLicenseAccess.objects.get(licensing_id=first.licensing_id).pk}/",
        f"/access/{second_access.pk}/",
    )
    assert client.get(forged).status_code == 400
    assert client.post(forged).status_code == 400
    assert _roles("two@reseller.example", second.licensing_id) == set(OPEN_LICENSE_ROLES)
    assert _roles("one@reseller.example", first.licensing_id) == set(OPEN_LICENSE_ROLES)
    assert AuditEvent.objects.filter(verb="open_license.deny_link_refused").exists()
    # and the genuine link still works afterwards
    assert client.post(deny_first).status_code == 200


def test_tampered_and_expired_deny_links_are_refused(client, tenant, outbox):  # RES-1 SEC-3
    ol = _order(tenant)
    _, deny = _deny_link(outbox, ol.license_number)
    assert client.post(deny[:-3] + "xx/").status_code == 400
    OneTimeToken.objects.filter(purpose="deny-access").update(expires_at=timezone.now() - timedelta(seconds=1))
    resp = client.post(deny)
    assert resp.status_code == 400 and "expired" in resp.content.decode()
    assert _roles("ravi@northwind.example", ol.licensing_id) == set(OPEN_LICENSE_ROLES)


def test_staff_record_an_order_with_the_staff_form(client, staff, tenant, outbox):  # RES-1
    client.force_login(staff)
    assert client.get("/partners/staff/orders/new/").status_code == 200
    resp = client.post(
        "/partners/staff/orders/new/",
        {
            "organization": tenant.pk,
            "license_number": "V7770001",
            "authorization_number": "Z9",
            "customer_email": "alice@contoso.example",
            "reseller_email": "ravi@northwind.example",
        },
    )
    assert resp.status_code == 302
    assert OpenLicenseAccess.objects.get().email == "ravi@northwind.example"


def test_staff_order_form_is_not_for_portal_users(client, member, tenant):  # RES-1 SEC-1
    client.force_login(member)
    resp = client.post(
        "/partners/staff/orders/new/",
        {
            "organization": tenant.pk,
            "license_number": "V7770001",
            "authorization_number": "Z9",
            "customer_email": "x@contoso.example",
        },
    )
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
    assert not OpenLicenseAccess.objects.exists() and not Grant.objects.exists()


def test_order_for_a_partner_organisation_is_refused(db):  # RES-1 SEC-3
    with pytest.raises(Exception, match="customer organisation"):
        _order(OrganizationFactory(kind="partner"))
