"""Every form in the accounts area under hostile input (SEC-3): no 500, no partial write, escaped output."""

import pytest
from allauth.account.models import EmailAddress
from hypothesis import strategies as st

from licensing_portal.core.models import AuditEvent, OneTimeToken, User
from notifications.models import OutgoingEmail
from tests.security.fuzz import PAYLOADS, fuzz_form, hostile_text

pytestmark = pytest.mark.django_db

XSS = "<script>alert('xss')</script>"
PROFILE_FIELDS = ["first_name", "last_name", "contact_email", "language"]


def _world():
    return (
        list(User.objects.order_by("pk").values()),
        OutgoingEmail.objects.count(),
        OneTimeToken.objects.count(),
        AuditEvent.objects.count(),
        EmailAddress.objects.count(),
    )


def test_profile_form_survives_hostile_input(client, member):  # SEC-3 ACC-4
    client.force_login(member)

    def all_or_nothing(data, before, after):
        member.refresh_from_db()
        assert member.first_name == data["first_name"].strip()
        assert member.last_name == data["last_name"].strip()
        assert member.language == data["language"]

    fuzz_form(
        client,
        "/profile/",
        {
            **{f: hostile_text() for f in PROFILE_FIELDS},
            "language": st.one_of(st.sampled_from(["en", "fr"]), hostile_text()),
        },
        snapshot=_world,
        on_success=all_or_nothing,
    )


def test_profile_form_with_next_requires_names(client, member):  # SEC-3 ACC-4
    client.force_login(member)
    fuzz_form(
        client,
        "/profile/",
        ["first_name", "last_name", "next"],
        fixed={"contact_email": "", "language": "en"},
        snapshot=_world,
        max_examples=20,
    )


def test_business_email_form_survives_hostile_input(client, member):  # SEC-3 ACC-2
    client.force_login(member)

    def one_row_and_one_link(data, before, after):
        assert after[1] == before[1] + 1  # exactly one validation email queued
        assert after[2] == before[2] + 1  # and one link issued for it

    fuzz_form(
        client,
        "/profile/business-email/",
        {"business_email": st.one_of(hostile_text(), st.emails())},
        snapshot=_world,
        on_success=one_row_and_one_link,
    )


def test_language_switch_survives_hostile_input(client, member):  # SEC-3 ACC-5
    client.force_login(member)
    fuzz_form(client, "/language/", ["language", "next"], snapshot=lambda: None, max_examples=20)
    member.refresh_from_db()
    assert member.language in ("en", "fr")


def test_login_form_survives_hostile_input(client, account):  # SEC-3 ACC-1
    account()
    fuzz_form(client, "/accounts/login/", ["login", "password"], snapshot=_world)


def test_signup_form_survives_hostile_input(client):  # SEC-3 ACC-1
    def consistent_account(data, before, after):
        user = User.objects.get(email=data["email"].strip().lower())
        assert EmailAddress.objects.filter(user=user, email=user.email, verified=False).exists()

    fuzz_form(
        client,
        "/accounts/signup/",
        {
            "email": st.one_of(hostile_text(), st.emails()),
            "password1": hostile_text(),
            "password2": hostile_text(),
        },
        snapshot=_world,
        on_success=consistent_account,
    )


def test_password_reset_form_survives_hostile_input(client):  # SEC-3 ACC-1
    fuzz_form(client, "/accounts/password/reset/", ["email"], snapshot=lambda: _world()[0], max_examples=20)


@pytest.mark.parametrize("payload", [XSS, '"><img src=x onerror=alert(1)>'])
def test_markup_in_a_name_renders_as_text(client, member, payload):  # SEC-3
    client.force_login(member)
    response = client.post(
        "/profile/",
        {"first_name": payload, "last_name": "O'Brien & <b>Co</b>", "contact_email": "", "language": "en"},
    )
    assert response.status_code == 302
    for url in ["/", "/profile/"]:
        body = client.get(url).content.decode()
        assert payload not in body and "<b>Co</b>" not in body
    assert (
        "&lt;script&gt;" in client.get("/").content.decode() or "&quot;&gt;&lt;img" in client.get("/").content.decode()
    )


def test_payload_list_covers_the_classics():
    assert any("\x00" in p for p in PAYLOADS) and any(len(p) > 5000 for p in PAYLOADS)
