"""Authentication and session management (ASVS V6/V7): every sign-in, the Django admin's included, goes through
allauth (SEC-4)."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from licensing_portal.core import services
from licensing_portal.core.middleware import SessionAbsoluteTimeoutMiddleware
from licensing_portal.core.models import AuditEvent
from notifications.models import OutgoingEmail
from tests.security.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


# --- throttling -------------------------------------------------------------------------------------------


def test_sixth_bad_password_locks_the_portal_login_even_for_the_right_password(client, account, rate_limits):  # ACC-1
    user = account()
    for _ in range(5):
        response = _login(client, user.email, "wrong-password-1")
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.content.decode()
    response = _login(client, user.email)
    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in(client)
    # another IP guessing the same account is refused too (per-account key, on the shared cache)
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert "Too many failed login attempts" in _login(other, user.email).content.decode()


def test_successful_login_does_not_consume_the_failure_budget(client, account, rate_limits):  # ACC-1
    """allauth rolls back a successful attempt instead of wiping the counter, so an attacker cannot reset it
    by interleaving logins to an account they own; a completed password reset wipes it (next test)."""
    user = account()
    for _ in range(4):
        _login(client, user.email, "wrong-password-1")
    assert _login(client, user.email).status_code == 302
    assert signed_in(client)
    client.post("/accounts/logout/")
    _login(client, user.email, "wrong-password-1")  # the fifth failure
    assert "Too many failed login attempts" in _login(client, user.email).content.decode()


def test_password_reset_lifts_the_portal_login_lock(client, account, rate_limits):  # ACC-1
    user = account()
    for _ in range(5):
        _login(client, user.email, "wrong-password-1")
    assert "Too many failed login attempts" in _login(client, user.email).content.decode()
    client.post("/accounts/password/reset/", {"email": user.email})
    mail = OutgoingEmail.objects.filter(to_email=user.email).latest("id")
    key_path = re.search(r"/accounts/password/reset/key/\S+/", mail.body_text).group(0)
    form_path = client.get(key_path)["Location"]
    response = client.post(form_path, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"})
    assert response.status_code == 302
    assert _login(client, user.email, "a-brand-new-passphrase").status_code == 302
    assert signed_in(client)


def _admin_sign_in(client, email, password=PASSWORD, **extra):
    """Sign in wherever the admin login sends you, with whatever form it shows there: Django's admin form
    (`username`) or allauth's (`login`); both names are sent, each form ignores the other's."""
    page = client.get("/admin/login/", {"next": "/admin/"}, follow=True, **extra)
    path = page.request["PATH_INFO"]
    query = page.request.get("QUERY_STRING", "")
    url = f"{path}?{query}" if query else path
    return client.post(url, {"username": email, "login": email, "password": password, "next": "/admin/"}, **extra)


def _in_admin(client) -> bool:
    return client.get("/admin/").status_code == 200


def _totp_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))  # the current period


@pytest.fixture
def staff_with_totp(account):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    staff = account("support@example.com", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    return staff, secret


def test_sec4_admin_login_sends_anonymous_visitors_to_the_portal_login(client):  # SEC-4
    response = client.get("/admin/login/", {"next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_sec4_admin_login_asks_a_totp_user_for_the_code(client, staff_with_totp):  # SEC-4
    staff, secret = staff_with_totp
    response = _admin_sign_in(client, staff.email)  # the right password alone
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert not signed_in(client)
    assert not _in_admin(client)

    response = client.post("/accounts/2fa/authenticate/", {"code": _totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert signed_in(client)
    assert _in_admin(client)


def test_sec4_admin_login_asks_the_same_as_the_portal_login(client, staff_with_totp):  # SEC-4
    staff, _secret = staff_with_totp
    portal = _login(Client(), staff.email)
    admin_path = _admin_sign_in(client, staff.email)
    assert portal["Location"] == admin_path["Location"] == "/accounts/2fa/authenticate/"


def test_sec4_signed_in_staff_reach_admin_and_others_do_not(client, account):  # SEC-4 ADM-1
    staff = account("support@example.com", is_staff=True)
    assert _admin_sign_in(client, staff.email)["Location"] == "/admin/"
    assert _in_admin(client)
    assert client.get("/admin/login/")["Location"] == "/admin/"  # already signed in: straight to the admin

    customer = Client()
    assert _login(customer, account("customer@example.com").email).status_code == 302
    assert signed_in(customer)
    assert customer.get("/admin/login/", {"next": "/admin/"}).status_code == 403
    assert not _in_admin(customer)


def test_sec4_admin_login_is_throttled_per_account_across_addresses(account, rate_limits):  # SEC-4 ACC-1
    staff = account("support@example.com", is_staff=True, is_superuser=True)
    for n in range(5):
        attacker = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        response = _admin_sign_in(attacker, staff.email, "wrong-password-1", REMOTE_ADDR=f"203.0.113.{n + 1}")
        assert not signed_in(attacker)
        assert "Too many failed login attempts" not in response.content.decode()
    client = Client(REMOTE_ADDR="198.51.100.20")
    response = _admin_sign_in(client, staff.email, REMOTE_ADDR="198.51.100.20")  # the right password, new address
    assert "Too many failed login attempts" in response.content.decode()
    assert not signed_in(client)
    assert not _in_admin(client)


# --- sessions ----------------------------------------------------------------------------------------------


def test_session_key_changes_at_login_and_logout_ends_the_session(client, account):  # ACC-1
    user = account()
    anonymous = client.session
    anonymous["probe"] = 1
    anonymous.save()
    before = anonymous.session_key
    assert _login(client, user.email).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()

    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=after).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = after  # a stolen cookie from before the logout
    assert replay.get("/profile/").status_code == 302


def test_deactivating_a_user_ends_all_their_sessions(account):  # ACC-1
    user = account()
    laptop, phone = Client(), Client(REMOTE_ADDR="198.51.100.7")
    _login(laptop, user.email)
    _login(phone, user.email)
    keys = [c.cookies[settings.SESSION_COOKIE_NAME].value for c in (laptop, phone)]
    assert UserSession.objects.filter(user=user).count() == 2

    services.user_deactivate(user=user)
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert laptop.get("/profile/").status_code == 302
    assert phone.get("/profile/").status_code == 302
    assert AuditEvent.objects.filter(verb="user.deactivated", target_email=user.email).exists()


def test_deactivating_a_user_in_admin_ends_their_sessions(client, account, staff):  # ACC-1 ADM-1
    user = account()
    browser = Client()
    _login(browser, user.email)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    client.force_login(staff)
    response = client.post(
        f"/admin/core/user/{user.pk}/change/",
        {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "contact_email": "",
            "language": "en",
            "business_email": user.business_email,
            "business_email_verified_at_0": "",
            "business_email_verified_at_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "last_login_0": "",
            "last_login_1": "",
            # is_active left unticked
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_active
    assert not Session.objects.filter(session_key=key).exists()
    assert browser.get("/profile/").status_code == 302


def test_password_change_keeps_this_session_and_ends_the_others(account):  # ACC-1
    user = account()
    here, elsewhere = Client(), Client()
    _login(here, user.email)
    _login(elsewhere, user.email)
    response = here.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    assert here.get("/profile/").status_code == 200
    assert elsewhere.get("/profile/").status_code == 302


def test_idle_session_expires_and_activity_extends_it(client, account):  # ACC-1
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE <= 30 * 60
    user = account()
    _login(client, user.email)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    with time_machine.travel(later, tick=False):
        assert client.get("/profile/").status_code == 200  # activity slides the expiry
        expiry = Session.objects.get(session_key=key).expire_date
        assert expiry > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    with time_machine.travel(expiry + timedelta(seconds=1), tick=False):
        assert client.get("/profile/").status_code == 302  # idle too long: signed out


def test_session_ends_after_the_absolute_lifetime_however_active(client, account):  # ACC-1
    user = account()
    _login(client, user.email)
    assert client.get("/profile/").status_code == 200
    session = client.session
    session[SessionAbsoluteTimeoutMiddleware.KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_AGE - 1
    session.save()
    assert client.get("/profile/").status_code == 302
    assert not signed_in(client)


# --- enumeration -------------------------------------------------------------------------------------------


def _shape(response):
    return response.status_code, response.get("Location")


def test_signup_answers_the_same_for_a_taken_and_a_free_email(client, account):  # ACC-1
    taken = account("taken@example.com")
    data = {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    free_response = Client().post("/accounts/signup/", {"email": "free@example.com", **data})
    taken_response = Client().post("/accounts/signup/", {"email": taken.email, **data})
    assert _shape(free_response) == _shape(taken_response) == (302, "/accounts/confirm-email/")
    # the owner of the taken address is told by email; nobody is signed in before confirming their address
    assert OutgoingEmail.objects.filter(to_email=taken.email).exists()
    assert OutgoingEmail.objects.filter(to_email="free@example.com").exists()


def test_password_reset_answers_the_same_for_known_and_unknown_emails(client, account):  # ACC-1
    known = account("known@example.com")
    known_response = Client().post("/accounts/password/reset/", {"email": known.email})
    unknown_response = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert _shape(known_response) == _shape(unknown_response)
    assert known_response.status_code == 302
    done = Client().get(known_response["Location"]).content
    assert known.email.encode() not in done
