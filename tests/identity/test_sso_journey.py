"""IDN-1 + IDN-2 end to end in Chromium with a real identity provider (allauth.idp.oidc in a second process) and a
real DNS server: the administrator proves the domain and registers the provider; a person of that domain types
their email, signs in at the provider and is back in the portal with a verified business email and the agreements
of that email. Then "require SSO" refuses the password."""

import re

import pytest

from licensing_portal.core.models import AuditEvent, User
from licensing_portal.identity.models import SSOProvider, VerifiedDomain
from permissions.models import Role
from tests.browser import sign_in
from tests.factories import GrantFactory, LicensingIDFactory, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IDP_PASSWORD = "idp-password-123"
SECRET = "journey-client-secret"  # noqa: S105


def test_idn1_idn2_sso_journey_with_a_real_provider(page, live_server, oidc_idp, dns_zone, tenant, shot):
    admin = UserFactory(email="admin@contoso.example")
    grant(admin, LicensingIDFactory(organization=tenant), Role.ADMINISTRATOR)
    agreement = LicensingIDFactory(organization=tenant, number="E4242424")
    GrantFactory(licensing_id=agreement, email="ada@contoso.example", role=Role.LICENSING_INFO)

    # The administrator proves contoso.example (IDN-2) and registers the provider (IDN-1).
    sign_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/identity/")
    page.fill("input[name=domain]", "contoso.example")
    page.get_by_role("button", name="Add domain").click()
    page.wait_for_url(re.compile(r"/identity/domains/\d+/$"))
    name, value = page.locator(".dns-txt-name").inner_text(), page.locator(".dns-txt-value").inner_text()
    dns_zone.publish(name, value)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    assert VerifiedDomain.objects.get().verified_at is not None
    page.goto(f"{live_server.url}/identity/{tenant.pk}/sso/")
    callback = page.locator(".sso-callback").inner_text()
    oidc_idp.seed(
        client_id="portal-journey",
        secret=SECRET,
        redirect_uri=callback,
        users=[
            {"email": "ada@contoso.example", "password": IDP_PASSWORD},
            {"email": "mallory@evil.example", "password": IDP_PASSWORD},
        ],
    )
    page.fill("input[name=issuer]", oidc_idp.url)
    page.fill("input[name=client_id]", "portal-journey")
    page.fill("input[name=client_secret]", SECRET)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/identity/")
    shot("identity-domains-sso")
    page.locator("form[action='/accounts/logout/'] [type=submit]").click()
    page.wait_for_load_state()

    # Ada: email first, then her organisation's provider, then back in the portal.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "ada@contoso.example")
    page.locator("form:has(input[name=login]) [type=submit]").click()
    page.wait_for_url(f"{oidc_idp.url}/accounts/login/**")
    page.fill("input[name=login]", "ada@contoso.example")
    page.fill("input[name=password]", IDP_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/**")
    ada = User.objects.get(email="ada@contoso.example")
    assert ada.verified_business_email == "ada@contoso.example"
    page.goto(f"{live_server.url}/agreements/")
    assert "E4242424" in page.content()
    assert AuditEvent.objects.filter(verb="sso.signed_in", actor=ada).exists()
    page.locator("form[action='/accounts/logout/'] [type=submit]").click()
    page.wait_for_load_state()

    # The provider asserting an email outside the verified domain is refused.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "someone@contoso.example")
    page.locator("form:has(input[name=login]) [type=submit]").click()
    page.wait_for_url(f"{oidc_idp.url}/accounts/login/**")
    page.fill("input[name=login]", "mallory@evil.example")
    page.fill("input[name=password]", IDP_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/**")
    assert "only verified email addresses in the verified domains" in page.content()
    assert not User.objects.filter(email="mallory@evil.example").exists()

    # "Require SSO": a password for the domain is refused (Ada goes to her provider instead).
    SSOProvider.objects.update(require_sso=True)
    ada.set_password("a-password-she-once-had")
    ada.save()
    last_login = User.objects.get(pk=ada.pk).last_login
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "ada@contoso.example")
    page.fill("input[name=password]", "a-password-she-once-had")
    page.locator("form:has(input[name=login]) [type=submit]").click()
    page.wait_for_url(f"{oidc_idp.url}/**")  # sent to the provider; the password was never checked
    assert User.objects.get(pk=ada.pk).last_login == last_login
