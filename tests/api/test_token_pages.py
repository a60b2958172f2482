"""API-2 in the portal: personal tokens under the profile, service tokens for organisation administrators, the
secret shown once and never again (nor to staff in admin), revoking in the portal and in admin."""

import pytest
from django.urls import reverse

from agreements.models import Organization, OrganizationMember
from licensing_portal.api.models import ApiToken
from licensing_portal.api.services import api_token_create
from permissions.models import Role
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def test_api2_personal_token_is_shown_once(client, member):
    client.force_login(member)
    url = reverse("api_tokens:personal")
    created = client.post(url, {"name": "backup script", "expires_on": "2099-01-31"})
    assert created.status_code == 302 and created["Location"] == url  # POST/redirect/GET
    assert "lpt_" not in created.content.decode()
    shown = client.get(url)
    token = ApiToken.objects.get(user=member)
    raw = shown.context["raw"]
    assert raw.startswith(token.prefix) and raw in shown.content.decode()
    assert token.expires_at.isoformat().startswith("2099-02-01")
    again = client.get(url).content.decode()
    assert token.prefix in again and raw not in again
    assert client.get(reverse("api:licensing_id_list"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_api2_reloading_the_page_after_creating_a_token_shows_and_creates_nothing(client, member, caplog):
    """API-2: the secret is kept for exactly one GET after the POST, sealed in the session (never in clear in the
    database, never logged); a reload of the page that showed it neither shows it again nor makes a second token."""
    from django.contrib.sessions.models import Session

    client.force_login(member)
    url = reverse("api_tokens:personal")
    with caplog.at_level("DEBUG"):
        assert client.post(url, {"name": "nightly"}).status_code == 302
        kept = Session.objects.get(session_key=client.session.session_key).get_decoded()
        shown = client.get(url)
        raw = shown.context["raw"]
        reloaded = client.get(url)
    assert raw and raw not in caplog.text and shown["Cache-Control"] == "no-store"
    assert "_lp_shown_once" in kept and raw not in str(kept)  # the session row held ciphertext, not the token
    assert "_lp_shown_once" not in Session.objects.get(session_key=client.session.session_key).get_decoded()
    assert reloaded.context["raw"] is None and raw not in reloaded.content.decode()
    assert ApiToken.objects.filter(user=member).count() == 1
    assert client.head(url).status_code == 200


def test_api2_profile_links_to_the_tokens(client, member):
    client.force_login(member)
    assert reverse("api_tokens:personal") in client.get(reverse("core:profile")).content.decode()


def test_api2_token_form_refuses_a_past_day(client, member):
    client.force_login(member)
    response = client.post(reverse("api_tokens:personal"), {"name": "x", "expires_on": "2000-01-01"})
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_api2_revoke_in_the_portal(client, member):
    token, raw = api_token_create(creator=member, name="x")
    client.force_login(member)
    response = client.post(reverse("api_tokens:revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    assert client.get(reverse("api:licensing_id_list"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_api2_another_persons_token_is_404(client, member):
    token, _raw = api_token_create(creator=UserFactory(), name="theirs")
    client.force_login(member)
    assert client.post(reverse("api_tokens:revoke", kwargs={"pk": token.pk})).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_api2_service_tokens_for_organisation_administrators_only(client):
    customer = OrganizationFactory()
    lid = LicensingIDFactory(organization=customer)
    admin = grant(UserFactory(), lid, Role.ADMINISTRATOR)
    reader = grant(UserFactory(), lid, Role.LICENSING_INFO)
    url = reverse("api_tokens:organization", kwargs={"pk": customer.pk})
    client.force_login(reader)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "sync"}).status_code == 404
    client.force_login(admin)
    assert url in client.get(reverse("api_tokens:personal")).content.decode()
    created = client.post(url, {"name": "sync"})
    assert created.status_code == 302 and created["Location"] == url
    assert client.get(url).context["raw"]
    assert ApiToken.objects.get(organization=customer).created_by == admin


def test_api2_partner_administrator_manages_service_tokens(client):
    partner = OrganizationFactory(kind=Organization.Kind.PARTNER)
    admin, colleague = UserFactory(), UserFactory()
    OrganizationMember.objects.create(organization=partner, user=admin, is_admin=True)
    OrganizationMember.objects.create(organization=partner, user=colleague)
    _token, _raw = api_token_create(creator=admin, name="sync", organization=partner)
    url = reverse("api_tokens:organization", kwargs={"pk": partner.pk})
    client.force_login(colleague)
    assert client.get(url).status_code == 404
    client.force_login(admin)
    assert "sync" in client.get(url).content.decode()


def test_api2_staff_see_tokens_in_admin_without_the_secret_and_revoke(client, staff, member):
    token, raw = api_token_create(creator=member, name="x")
    client.force_login(staff)
    page = client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert token.prefix in page and raw not in page and token.secret_hash not in page
    listing = client.get(reverse("admin:api_apitoken_changelist")).content.decode()
    assert token.secret_hash not in listing
    client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == staff
