"""API-4 pages: organisation administrators only; another organisation's endpoints and deliveries are 404; the
secret is shown once; every registration, deletion and resend is audited; an organisation hears only of what it
can see (its own licensing IDs, or a customer's through an active partner relationship)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing_portal.core.models import AuditEvent
from licensing_portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from licensing_portal.webhooks.services import endpoint_register
from partners import services as partner_services
from permissions.models import Role
from permissions.services import person_roles_set
from tests.factories import LicensingIDFactory, PartnerAdminFactory, PartnerFactory, UserFactory, grant
from tests.webhooks.conftest import SECRET, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(tenant, contoso_admin, receiver):
    endpoint, _secret = endpoint_register(
        actor=contoso_admin, organization=tenant, url=receiver().url, categories=["grant", "seat"]
    )
    return endpoint


def _delivery(endpoint, **fields):
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="grant.added", audit_event_id=1, payload={}, status="failed", **fields
    )


def test_api4_another_organisations_endpoint_and_deliveries_are_404(client, endpoint, fabrikam_admin):
    delivery = _delivery(endpoint)
    client.force_login(fabrikam_admin)
    assert client.get(endpoint.get_absolute_url()).status_code == 404
    assert client.post(reverse("webhooks:delete", args=[endpoint.pk]), {"confirm": "yes"}).status_code == 404
    assert client.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk])).status_code == 404
    assert endpoint.url not in client.get(reverse("webhooks:list")).content.decode()
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert WebhookDelivery.objects.get().status == "failed"


def test_api4_a_delivery_is_reached_only_under_its_own_endpoint(client, tenant, contoso_admin, endpoint, receiver):
    second, _secret = endpoint_register(
        actor=contoso_admin, organization=tenant, url=receiver().url, categories=["grant"]
    )
    delivery = _delivery(second)
    client.force_login(contoso_admin)
    assert client.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk])).status_code == 404


def test_api4_people_who_do_not_administer_the_organisation_cannot_register(client, tenant, contoso_lid, receiver):
    reader = grant(UserFactory(email="reader@contoso.example"), contoso_lid, Role.LICENSING_INFO)
    client.force_login(reader)
    page = client.get(reverse("webhooks:create")).content.decode()
    assert "Only an administrator" in page
    resp = client.post(
        reverse("webhooks:create"), {"organization": tenant.pk, "url": receiver().url, "events": ["grant"]}
    )
    assert resp.status_code == 400 and not WebhookEndpoint.objects.exists()


def test_api4_partner_administrator_registers_for_the_partner_only(client, tenant, receiver):
    partner = PartnerFactory(name="Northwind")
    partner_admin = PartnerAdminFactory(organization=partner, user=UserFactory(email="ravi@northwind.example")).user
    client.force_login(partner_admin)
    url = receiver().url
    refused = client.post(reverse("webhooks:create"), {"organization": tenant.pk, "url": url, "events": ["grant"]})
    assert refused.status_code == 400
    endpoint, _secret = register(client, partner_admin, partner, url, events=["relationship"])
    assert endpoint.organization == partner


def test_api4_secret_is_shown_once_and_every_change_is_audited(client, tenant, contoso_admin, receiver):
    endpoint, secret = register(client, contoso_admin, tenant, receiver().url)
    for page in (endpoint.get_absolute_url(), reverse("webhooks:list")):
        assert secret not in client.get(page).content.decode()
    registered = AuditEvent.objects.get(verb="webhook.endpoint_registered")
    assert registered.actor == contoso_admin and f"endpoint={endpoint.pk}" in registered.detail
    assert secret not in str(AuditEvent.objects.values())
    kept = client.post(reverse("webhooks:delete", args=[endpoint.pk]))  # without the button's confirmation
    assert kept.status_code == 302 and WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert client.get(reverse("webhooks:delete", args=[endpoint.pk])).status_code == 405
    assert client.post(reverse("webhooks:delete", args=[endpoint.pk]), {"confirm": "yes"}).status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(verb="webhook.endpoint_deleted", actor=contoso_admin).exists()


@pytest.mark.parametrize("page", ["list", "detail"])
def test_api4_pages_run_constant_queries(client, contoso_admin, endpoint, page):
    client.force_login(contoso_admin)
    url = reverse("webhooks:list") if page == "list" else endpoint.get_absolute_url()
    counts = []
    for _round in range(2):
        for _n in range(30):
            _delivery(endpoint)
        endpoint_register(
            actor=contoso_admin, organization=endpoint.organization, url=endpoint.url, categories=["seat"]
        )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_api4_partner_hears_of_a_customers_licence_only_through_an_active_relationship(
    client, tenant, contoso_lid, contoso_admin, receiver, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(name="Northwind")
    partner_admin = PartnerAdminFactory(organization=partner, user=UserFactory(email="ravi@northwind.example")).user
    rx = receiver()
    register(client, partner_admin, partner, rx.url, events=["grant", "relationship"])
    other_lid = LicensingIDFactory(organization=tenant)  # Contoso's, not delegated to the partner
    grant(contoso_admin, other_lid, Role.ADMINISTRATOR)

    with django_capture_on_commit_callbacks(execute=True):
        person_roles_set(
            licensing_id=contoso_lid, email="pat@contoso.example", roles=[Role.DOWNLOAD], actor=contoso_admin
        )
    assert rx.hits == []  # no relationship yet: nothing about Contoso

    with django_capture_on_commit_callbacks(execute=True):
        rel, url = partner_services.relationship_invite(
            partner=partner, invited_by=partner_admin, customer_email=contoso_admin.email
        )
        rel = partner_services.relationship_accept(
            token=url.rstrip("/").rsplit("/", 1)[-1], user=contoso_admin, customer_id=tenant.pk
        )
        partner_services.relationship_admin_set(
            relationship=rel, licensing_id_pks=[contoso_lid.pk], actor=contoso_admin
        )
    types = [hit.json["type"] for hit in rx.hits]
    assert "relationship.invited" in types and "relationship.accepted" in types and "relationship.changed" in types
    delegated = {
        h.json["licensing_id"]["number"] for h in rx.hits if h.json["data"]["verb"] == "permission.relationship_granted"
    }
    assert delegated == {contoso_lid.number, other_lid.number}  # its own staff made administrators on accept
    assert {h.json["data"]["target_email"] for h in rx.hits if h.json["type"].startswith("grant.")} == {
        partner_admin.email
    }

    rx.hits.clear()
    with django_capture_on_commit_callbacks(execute=True):
        person_roles_set(
            licensing_id=contoso_lid, email="kim@contoso.example", roles=[Role.DOWNLOAD], actor=contoso_admin
        )
        person_roles_set(
            licensing_id=other_lid, email="kim@contoso.example", roles=[Role.DOWNLOAD], actor=contoso_admin
        )
    assert {hit.json["licensing_id"]["number"] for hit in rx.hits} == {contoso_lid.number}

    partner_services.relationship_remove(relationship=rel, actor=contoso_admin)
    rx.hits.clear()
    with django_capture_on_commit_callbacks(execute=True):
        person_roles_set(
            licensing_id=contoso_lid, email="lee@contoso.example", roles=[Role.DOWNLOAD], actor=contoso_admin
        )
    assert rx.hits == []


def test_api4_a_reload_after_registering_shows_no_secret_and_registers_nothing(client, tenant, contoso_admin, receiver):
    """API-4 (secret shown once): POST/redirect/GET. The POST answers with a redirect and no secret; the next GET of
    the endpoint's page shows it once; a reload shows the plain endpoint page and registers no second endpoint."""
    client.force_login(contoso_admin)
    posted = client.post(
        reverse("webhooks:create"), {"organization": tenant.pk, "url": receiver().url, "events": ["grant"]}
    )
    assert posted.status_code == 302 and "whsec_" not in posted.content.decode()
    endpoint = WebhookEndpoint.objects.get()
    assert posted["Location"] == endpoint.get_absolute_url()
    shown = client.get(posted["Location"]).content.decode()
    secret = SECRET.search(shown)[1]
    reloaded = client.get(posted["Location"])
    assert reloaded.status_code == 200 and secret not in reloaded.content.decode()
    assert 'id="webhook-secret"' not in reloaded.content.decode()
    assert WebhookEndpoint.objects.count() == 1
