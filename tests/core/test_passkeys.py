"""Passkeys (IDN-4): WebAuthn through allauth.mfa, as passwordless sign-in and as a second factor, driven in
Chromium with its virtual authenticator (CDP WebAuthn domain). WebAuthn needs a secure context: the live server is
reached as http://localhost (http://127.0.0.1 is refused by the browser as "an invalid domain")."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from licensing_portal.core.models import AuditEvent
from tests.browser import PASSWORD, sign_in, t
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _base(live_server) -> str:
    return live_server.url.replace("127.0.0.1", "localhost")


def _with_authenticator(context, page) -> None:
    """Chromium's virtual platform authenticator: resident keys, user verification, presence always given."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


def _add_passkey(page, base: str, lang: str, *, passwordless: bool) -> None:
    """Profile → Two-factor authentication → add a security key; allauth asks for the password again first."""
    page.goto(f"{base}/accounts/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(re.compile(r".*/accounts/2fa/webauthn/add/.*"))
    page.fill("input[name=name]", "Laptop")
    if passwordless:
        page.check("input[name=passwordless]")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(re.compile(r".*/accounts/2fa/(recovery-codes|webauthn/)(?!add).*"))


def _sign_out(page, base: str, lang: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("button", name=t(lang, "Sign out")).click()
    page.wait_for_load_state()
    expect(page.locator("a.account-email")).to_have_count(0)


def test_idn4_register_a_passkey_then_sign_in_with_it_without_a_password(live_server, new_context, lang):  # IDN-4
    user = UserFactory(email="pia@example.com", language=lang)
    base = _base(live_server)
    context = new_context()
    page = context.new_page()
    _with_authenticator(context, page)
    csp = _csp_errors(page)

    sign_in(page, base, user.email)
    _add_passkey(page, base, lang, passwordless=True)
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().is_passwordless
    added = AuditEvent.objects.get(verb="mfa.authenticator_added", target_email=user.email, after__type="webauthn")
    assert added.after["passwordless"] is True

    _sign_out(page, base, lang)
    page.goto(f"{base}/accounts/login/")
    page.click("#passkey_login")  # no email, no password: the discoverable credential names the account
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    expect(page.locator("a.account-email")).to_have_text(user.email)
    assert not csp, csp  # allauth's WebAuthn scripts run under script-src 'self'
    assert AuditEvent.objects.filter(verb="mfa.passkey_sign_in", target_email=user.email).exists()


def test_idn4_sec4_a_passkey_second_factor_is_asked_after_the_password_at_portal_and_admin(
    live_server, new_context, lang
):  # IDN-4 SEC-4
    staff = UserFactory(email="sam@example.com", language=lang, is_staff=True, is_superuser=True)
    base = _base(live_server)
    context = new_context()
    page = context.new_page()
    _with_authenticator(context, page)
    csp = _csp_errors(page)

    sign_in(page, base, staff.email)
    _add_passkey(page, base, lang, passwordless=False)
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.WEBAUTHN).exists()

    for start, landing in ((f"{base}/accounts/login/", "/"), (f"{base}/admin/login/?next=/admin/", "/admin/")):
        _sign_out(page, base, lang)
        page.goto(start)
        page.fill("input[name=login]", staff.email)
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(re.compile(r".*/accounts/2fa/authenticate/.*"))  # the password alone is not enough
        assert page.context.cookies() and "/admin/" not in page.url
        page.click("#mfa_webauthn_authenticate")
        page.wait_for_url(re.compile(rf"^{re.escape(base)}{re.escape(landing)}(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not csp, csp
