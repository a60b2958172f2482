"""IDN-1 against a real OpenID Connect provider (allauth.idp.oidc in a second Django process, tests/identity/idp/):
the portal's test client on one side, an HTTP client signing in at the provider on the other."""

import html
import re
from urllib.parse import urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from django.urls import reverse

from licensing_portal.core.models import AuditEvent, User
from licensing_portal.identity import services
from licensing_portal.identity.models import SSOProvider
from permissions.models import Role
from tests.factories import LicensingIDFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

PASSWORD = "idp-password-123"
SECRET = "rp-secret-for-tests"  # noqa: S105


@pytest.fixture
def sso_org(tenant, oidc_idp, dns_zone):
    """Contoso with contoso.example verified (through DNS) and the test provider registered for it."""
    admin = UserFactory(email="admin@contoso.example")
    grant(admin, LicensingIDFactory(organization=tenant), Role.ADMINISTRATOR)
    domain = services.domain_add(organization=tenant, domain="contoso.example", actor=admin)
    dns_zone.publish(domain.txt_name, domain.txt_value)
    services.domain_verify_dns(domain=domain, actor=admin)
    provider = services.sso_save(
        organization=tenant,
        issuer=oidc_idp.url,
        client_id="portal",
        client_secret=SECRET,
        enabled=True,
        require_sso=False,
        actor=admin,
    )
    callback = f"http://testserver/accounts/oidc/{provider.provider_id}/login/callback/"
    oidc_idp.seed(
        client_id="portal",
        secret=SECRET,
        redirect_uri=callback,
        users=[
            {"email": "ada@contoso.example", "password": PASSWORD},
            {"email": "eve@evil.example", "password": PASSWORD},
            {"email": "unverified@contoso.example", "password": PASSWORD, "verified": False},
        ],
    )
    return provider


def at_provider(authorize_url: str, email: str) -> str:
    """Sign in at the provider as a browser would; returns the portal callback URL it redirects to."""
    browser = requests.Session()
    page = browser.get(authorize_url, timeout=10)
    assert "/accounts/login/" in page.url, page.url
    response = browser.post(
        page.url,
        data={"csrfmiddlewaretoken": browser.cookies["idp_csrftoken"], "login": email, "password": PASSWORD},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    for _hop in range(5):
        location = response.headers["Location"]
        if location.startswith("http://testserver/"):
            return location
        response = browser.get(requests.compat.urljoin(response.url, location), allow_redirects=False, timeout=10)
    raise AssertionError(response.text[:500])


def provider_url(response) -> str | None:
    """Where the sign-in page sends the browser: a page that moves on by itself (CSP form-action, sso.start)."""
    match = re.search(r'id="sso-continue"[^>]*href="([^"]+)"', response.content.decode())
    return html.unescape(match.group(1)) if match else None


def sso_sign_in(client, email: str, *, password: str = ""):
    start = client.post(reverse("account_login"), {"login": email, "password": password})
    url = provider_url(start)
    assert url and url.startswith(SSOProvider.objects.get().issuer + "/"), start.content[:300]
    callback = urlsplit(at_provider(url, email))
    return client.get(f"{callback.path}?{callback.query}")


def test_idn1_email_first_sends_the_domain_to_its_provider_and_back_with_a_verified_business_email(client, sso_org):
    licensing_id = LicensingIDFactory(organization=sso_org.organization)
    grant(User(business_email="ada@contoso.example"), licensing_id, Role.LICENSING_INFO)
    response = sso_sign_in(client, "Ada@Contoso.example")
    assert response.status_code == 302, response.content[:500]
    user = User.objects.get(email="ada@contoso.example")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.verified_business_email == "ada@contoso.example"  # ACC-2 through the provider
    assert EmailAddress.objects.get(user=user).verified
    assert AuditEvent.objects.filter(verb="sso.signed_in", actor=user, target_email="ada@contoso.example").exists()
    assert licensing_id.number in client.get(reverse("agreements:list")).content.decode()


def test_idn1_existing_account_of_the_email_is_the_one_signed_in(client, sso_org):
    existing = UserFactory(email="ada@contoso.example")
    sso_sign_in(client, "ada@contoso.example")
    assert client.session["_auth_user_id"] == str(existing.pk)
    assert User.objects.filter(email="ada@contoso.example").count() == 1


def test_idn1_an_email_outside_the_verified_domains_is_refused(client, sso_org):
    start = client.post(reverse("account_login"), {"login": "ada@contoso.example", "password": ""})
    callback = urlsplit(at_provider(provider_url(start), "eve@evil.example"))  # the provider asserts another domain
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 403
    assert "only verified email addresses in the verified domains" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="eve@evil.example").exists()
    assert AuditEvent.objects.filter(verb="sso.refused", target_email="eve@evil.example").exists()


def test_idn1_an_email_the_provider_has_not_verified_is_refused(client, sso_org):
    response = sso_sign_in(client, "unverified@contoso.example")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_idn1_require_sso_refuses_the_password_and_the_reset(client, sso_org):
    UserFactory(email="ada@contoso.example")
    response = client.post(
        reverse("account_login"), {"login": "ada@contoso.example", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session  # not required yet: password works
    client.logout()
    sso_org.require_sso = True
    sso_org.save()
    response = client.post(
        reverse("account_login"), {"login": "ada@contoso.example", "password": "correct-horse-battery"}
    )
    assert provider_url(response).startswith(sso_org.issuer + "/")  # sent to the provider, password never checked
    assert "_auth_user_id" not in client.session
    # The admin path checks the password, and refuses it to anyone but staff.
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": "ada@contoso.example", "password": "correct-horse-battery", "next": "/admin/"},
    )
    assert response.status_code == 200 and "requires single sign-on" in response.content.decode()
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("account_reset_password"), {"email": "ada@contoso.example"})
    assert response.status_code == 200 and "single sign-on" in response.content.decode()


def test_idn1_require_sso_keeps_the_staff_break_glass_path_into_admin(client, sso_org):
    staff = UserFactory(email="it@contoso.example", is_staff=True, is_superuser=True)
    sso_org.require_sso = True
    sso_org.save()
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": staff.email, "password": "correct-horse-battery", "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_idn1_sec4_a_totp_user_signing_in_through_sso_is_asked_for_the_second_factor(client, sso_org):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.security.test_accounts import _totp_code

    user = UserFactory(email="ada@contoso.example")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = sso_sign_in(client, "ada@contoso.example")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(verb="sso.signed_in").exists()
    response = client.post("/accounts/2fa/authenticate/", {"code": _totp_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(verb="sso.signed_in", actor=user).exists()


def test_idn1_an_email_of_no_sso_domain_continues_to_its_password(client, sso_org):
    other = UserFactory(email="bob@fabrikam.example")
    response = client.post(reverse("account_login"), {"login": other.email, "password": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(reverse("account_login"), {"login": other.email, "password": "correct-horse-battery"})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(other.pk)


def test_idn1_acc5_an_account_created_through_sso_speaks_the_language_of_the_sign_in(client, sso_org):
    """IDN-1 + ACC-5: the account SSO creates takes the language negotiated for the sign-in (the browser's
    Accept-Language here), exactly as a signed-up account does (core.adapters.signup_language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
    assert sso_sign_in(client, "ada@contoso.example").status_code == 302
    assert User.objects.get(email="ada@contoso.example").language == "fr"


def test_idn1_acc5_sso_account_of_an_english_browser_is_english(client, sso_org):  # IDN-1 ACC-5
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"  # not offered: English
    assert sso_sign_in(client, "ada@contoso.example").status_code == 302
    assert User.objects.get(email="ada@contoso.example").language == "en"


def test_idn1_signing_up_with_an_email_of_an_sso_domain_goes_to_its_provider(client, sso_org):
    """IDN-1: the sign-up page routes an SSO domain's email as the sign-in page does (no password account is
    created); the provider then creates the account on the way back, verified business email included (ACC-2)."""
    start = client.post(
        reverse("account_signup"),
        {"email": "Ada@Contoso.example", "password1": "correct-horse-battery", "password2": "correct-horse-battery"},
    )
    url = provider_url(start)
    assert url and url.startswith(sso_org.issuer + "/"), start.content[:300]
    assert not User.objects.filter(email__iexact="ada@contoso.example").exists()
    callback = urlsplit(at_provider(url, "ada@contoso.example"))
    assert client.get(f"{callback.path}?{callback.query}").status_code == 302
    user = User.objects.get(email="ada@contoso.example")
    assert not user.has_usable_password() and user.verified_business_email == "ada@contoso.example"


def test_idn1_signing_up_with_any_other_email_creates_a_password_account(client, sso_org):  # IDN-1 ACC-1
    response = client.post(
        reverse("account_signup"),
        {"email": "bob@fabrikam.example", "password1": "correct-horse-battery", "password2": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="bob@fabrikam.example").has_usable_password()
