"""API-4: which organisations an event reaches, straight from the audit log. The owner of the licensing ID; a
partner holding Open License access on it that was not denied (RES-1, RES-4); nobody for unmapped verbs;
bulk decisions (record_many) give one delivery per event, and a subscription filters by kind."""

import pytest
from django.utils import timezone

from licensing_portal import audit
from licensing_portal.webhooks.models import WebhookDelivery
from licensing_portal.webhooks.services import endpoint_register
from partners.models import OpenLicenseAccess
from tests.factories import OpenLicenseFactory, PartnerAdminFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"  # never called: dispatch happens on commit, which these tests never reach


@pytest.fixture
def partner_endpoint():
    partner = PartnerFactory(name="Northwind")
    admin = PartnerAdminFactory(organization=partner, user=UserFactory(email="ravi@northwind.example")).user
    endpoint, _secret = endpoint_register(actor=admin, organization=partner, url=URL, categories=["open_license"])
    return endpoint


def test_api4_partner_with_open_license_access_hears_until_it_is_denied(partner_endpoint):
    lid = OpenLicenseFactory().licensing_id
    access = OpenLicenseAccess.objects.create(
        licensing_id=lid,
        email="ravi@northwind.example",
        kind="partner_registration",
        partner=partner_endpoint.organization,
    )
    audit.record(actor=None, verb="open_license.partner_added", licensing_id=lid, target_email=access.email)
    assert (
        WebhookDelivery.objects.filter(endpoint=partner_endpoint, event_type="open_license.partner_added").count() == 1
    )
    access.denied_at = timezone.now()
    access.save(update_fields=["denied_at"])
    audit.record(actor=None, verb="open_license.access_denied", licensing_id=lid, target_email=access.email)
    assert not WebhookDelivery.objects.filter(event_type="open_license.access_denied").exists()


def test_api4_bulk_events_one_delivery_each_and_only_the_kinds_subscribed(tenant, contoso_lid, contoso_admin):
    seats, _secret = endpoint_register(actor=contoso_admin, organization=tenant, url=URL, categories=["seat"])
    grants, _secret = endpoint_register(actor=contoso_admin, organization=tenant, url=URL, categories=["grant"])
    audit.record_many(
        actor=contoso_admin,
        verb="subscription.removed",
        licensing_id=contoso_lid,
        rows=[{"target_email": f"p{i}@contoso.example"} for i in range(3)],
    )
    audit.record(actor=contoso_admin, verb="subscription.assignment_resent", licensing_id=contoso_lid)  # a notice
    audit.record(actor=contoso_admin, verb="open_license.invalid_pair", detail="addr=192.0.2.1")  # about a person
    assert set(WebhookDelivery.objects.values_list("endpoint", "event_type")) == {(seats.pk, "seat.removed")}
    assert WebhookDelivery.objects.count() == 3
    assert not WebhookDelivery.objects.filter(endpoint=grants).exists()
    emails = sorted(d.payload["data"]["target_email"] for d in WebhookDelivery.objects.all())
    assert emails == ["p0@contoso.example", "p1@contoso.example", "p2@contoso.example"]


def test_api4_disabled_endpoint_gets_nothing(tenant, contoso_lid, contoso_admin):
    endpoint, _secret = endpoint_register(actor=contoso_admin, organization=tenant, url=URL, categories=["grant"])
    endpoint.active = False
    endpoint.save(update_fields=["active"])
    audit.record(
        actor=contoso_admin, verb="permission.added", licensing_id=contoso_lid, target_email="x@contoso.example"
    )
    assert not WebhookDelivery.objects.exists()
