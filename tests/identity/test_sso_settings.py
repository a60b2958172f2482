"""IDN-1: an organisation administrator registers the organisation's OpenID Connect provider; the client secret is
stored encrypted, never shown back, never shown to staff, never audited; another organisation's settings 404."""

import pytest
from django.db import connection
from django.urls import reverse

from licensing_portal.core.models import AuditEvent
from licensing_portal.identity.models import SSOProvider

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-value-never-shown"  # noqa: S105


def _save(client, organization, **extra):
    data = {"issuer": "https://idp.contoso.example", "client_id": "portal", "client_secret": SECRET, "enabled": "on"}
    return client.post(reverse("identity:sso", args=[organization.pk]), {**data, **extra})


def test_idn1_administrator_registers_the_provider_secret_encrypted_and_never_shown(client, org_admin, tenant, staff):
    client.force_login(org_admin)
    page = client.get(reverse("identity:sso", args=[tenant.pk])).content.decode()
    assert f"/accounts/oidc/org{tenant.pk}/login/callback/" in page  # the redirect URI to register at the provider
    assert _save(client, tenant, require_sso="on").status_code == 302
    provider = SSOProvider.objects.get(organization=tenant)
    assert provider.client_secret == SECRET and provider.require_sso
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM identity_ssoprovider WHERE id = %s", [provider.pk])
        stored = cursor.fetchone()[0]
    assert SECRET not in stored
    assert SECRET not in client.get(reverse("identity:sso", args=[tenant.pk])).content.decode()
    assert not any(SECRET in str(event.after) + event.detail for event in AuditEvent.objects.all())
    assert AuditEvent.objects.filter(verb="sso.configured", actor=org_admin).exists()

    # An empty secret keeps the stored one.
    assert _save(client, tenant, client_secret="", client_id="portal-2").status_code == 302
    provider.refresh_from_db()
    assert provider.client_secret == SECRET and provider.client_id == "portal-2" and not provider.require_sso

    client.force_login(staff)
    admin_page = client.get(reverse("admin:identity_ssoprovider_change", args=[provider.pk])).content.decode()
    assert "portal-2" in admin_page and SECRET not in admin_page and stored not in admin_page


def test_idn1_a_new_registration_needs_a_secret(client, org_admin, tenant):
    client.force_login(org_admin)
    response = _save(client, tenant, client_secret="")
    assert response.status_code == 400
    assert not SSOProvider.objects.exists()


def test_idn1_another_organisations_sso_settings_answer_404(client, org_admin, other_tenant, member):
    for user in (org_admin, member):
        client.force_login(user)
        assert client.get(reverse("identity:sso", args=[other_tenant.pk])).status_code == 404
        assert _save(client, other_tenant).status_code == 404
        assert client.post(reverse("identity:sso_remove", args=[other_tenant.pk])).status_code == 404
    assert not SSOProvider.objects.exists()


def test_idn1_removing_sso_is_audited(client, org_admin, tenant):
    client.force_login(org_admin)
    _save(client, tenant)
    assert client.post(reverse("identity:sso_remove", args=[tenant.pk])).status_code == 302
    assert not SSOProvider.objects.exists()
    assert AuditEvent.objects.filter(verb="sso.removed", actor=org_admin).exists()


def test_idn1_support_may_lift_require_sso_in_admin_audited(client, tenant, staff):
    provider = SSOProvider.objects.create(
        organization=tenant, issuer="https://idp.example", client_id="c", client_secret=SECRET, require_sso=True
    )
    client.force_login(staff)
    url = reverse("admin:identity_ssoprovider_change", args=[provider.pk])
    assert client.post(url, {"enabled": "on", "require_sso": ""}).status_code == 302
    provider.refresh_from_db()
    assert not provider.require_sso and provider.client_secret == SECRET
    assert AuditEvent.objects.filter(verb="sso.configured", actor=staff, detail__contains="(admin)").exists()


def test_idn1_an_unreachable_provider_is_a_clear_message_not_an_error(client, tenant):
    import socket

    from django.utils import timezone

    from licensing_portal.identity.models import VerifiedDomain

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    VerifiedDomain.objects.create(organization=tenant, domain="contoso.example", verified_at=timezone.now())
    SSOProvider.objects.create(
        organization=tenant, issuer=f"http://127.0.0.1:{port}", client_id="c", client_secret=SECRET
    )
    response = client.post(reverse("account_login"), {"login": "ada@contoso.example", "password": ""}, follow=True)
    assert response.status_code == 200
    assert "not answering right now" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_idn1_require_sso_voids_a_reset_link_sent_before(client, tenant):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.utils import timezone

    from licensing_portal.identity.models import VerifiedDomain
    from tests.factories import UserFactory

    user = UserFactory(email="ada@contoso.example")
    uid, key = user_pk_to_url_str(user), default_token_generator.make_token(user)
    VerifiedDomain.objects.create(organization=tenant, domain="contoso.example", verified_at=timezone.now())
    SSOProvider.objects.create(
        organization=tenant, issuer="https://idp.example", client_id="c", client_secret=SECRET, require_sso=True
    )
    page = client.get(f"/accounts/password/reset/key/{uid}-{key}/", follow=True)
    response = client.post(
        page.redirect_chain[-1][0], {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    )
    assert response.status_code == 200 and "single sign-on" in response.content.decode()
    user.refresh_from_db()
    assert not user.check_password("a-brand-new-passphrase")
