"""The admin outbox (ADM-1): staff see recipients, subject and state, never a usable link (SEC-7), and a row
sealed with a key since dropped is shown as such, never as an error page (issue 18)."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from notifications.models import OutgoingEmail
from notifications.redaction import redact_links
from notifications.services import email_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/notifications/outgoingemail/"


def _change(row) -> str:
    return reverse("admin:notifications_outgoingemail_change", args=[row.pk])


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def takeover_emails(client):
    """Three emails whose links take over an account or prove an address: allauth's password reset and
    email confirmation (its own keys, through its own views) and the portal's single-use validation link."""
    victim = UserFactory(email="victim@example.com")
    EmailAddress.objects.update_or_create(user=victim, email=victim.email, defaults={"verified": True, "primary": True})
    client.post("/accounts/password/reset/", {"email": victim.email})
    reset = OutgoingEmail.objects.filter(to_email=victim.email).latest("id")

    client.post(
        "/accounts/signup/",
        {"email": "newcomer@example.com", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )
    confirmation = OutgoingEmail.objects.filter(to_email="newcomer@example.com").latest("id")

    client.logout()
    client.force_login(victim)
    client.post("/profile/business-email/", {"business_email": "victim@contoso.example"})
    validation = OutgoingEmail.objects.filter(to_email="victim@contoso.example").latest("id")
    client.logout()
    return {"reset": reset, "confirmation": confirmation, "validation": validation}


def test_sec7_admin_never_shows_a_usable_link(staff_client, takeover_emails):  # SEC-7 ADM-1
    reset_key = re.search(r"/password/reset/key/([^/\s]+)/", takeover_emails["reset"].body_text).group(1)
    confirm_key = re.search(r"/confirm-email/([^/\s]+)/", takeover_emails["confirmation"].body_text).group(1)
    token = re.search(r"/business-email/confirm/([^/\s]+)/", takeover_emails["validation"].body_text).group(1)
    secrets = [reset_key, confirm_key, token]
    for row in takeover_emails.values():
        links = _links(row.body_text) + _links(row.body_html)
        assert links, row.template
        secrets += [urlsplit(link).path for link in links if len(urlsplit(link).path) > 1]

    listings = [staff_client.get(CHANGELIST), staff_client.get(CHANGELIST, {"q": "example"})]
    changes = {row.pk: staff_client.get(_change(row)) for row in takeover_emails.values()}
    for page in [*listings, *changes.values()]:
        assert page.status_code == 200
        html = page.content.decode()
        leaked = [s for s in secrets if s in html]
        assert not leaked, leaked
    for row in takeover_emails.values():
        for listing in listings:
            assert row.to_email in listing.content.decode()
        html = changes[row.pk].content.decode()
        assert row.to_email in html and row.subject in html and row.get_status_display() in html
        assert "//testserver/[redacted]" in html or "//127.0.0.1:8000/[redacted]" in html


def test_sec7_admin_cannot_filter_or_search_by_body(staff_client, takeover_emails):  # SEC-7
    reset = takeover_emails["reset"]
    key = re.search(r"/password/reset/key/([^/\s]+)/", reset.body_text).group(1)
    assert reset.to_email not in staff_client.get(CHANGELIST, {"q": key}).content.decode()
    for lookup in ["body_text__icontains", "body_html__startswith", "body_text"]:
        assert staff_client.get(CHANGELIST, {lookup: "reset"}).status_code == 400  # a lookup on a body is refused


def test_sec7_every_link_keeps_only_its_scheme_and_host():  # SEC-7
    text = (
        "Reset: https://portal.example/accounts/password/reset/key/2-c9k-abc123/ ok\n"
        '<a href="http://other.example:8000/confirm?key=MQ:1v:abc&amp;x=1#f">go</a> '
        '<a href="/relative/secret/">r</a> https://bare.example and http://user:pw@host.example/p'
    )
    shown = redact_links(text)
    assert "2-c9k-abc123" not in shown and "MQ:1v" not in shown and "/relative/secret/" not in shown
    assert "https://portal.example/[redacted]" in shown
    assert 'href="http://other.example:8000/[redacted]"' in shown
    assert "https://bare.example and" in shown
    assert "pw@" not in shown and "http://host.example/[redacted]" in shown


# --- issue 18: a body sealed with a key no longer configured --------------------------------------------------


@pytest.fixture
def sealed_with_dropped_key(settings, takeover_emails, staff, staff_client):
    row = takeover_emails["validation"]
    OutgoingEmail.objects.filter(pk=row.pk).update(status=OutgoingEmail.Status.FAILED)
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789"
    settings.SECRET_KEY_FALLBACKS = []  # the old key was dropped: no configured key opens the stored bodies
    staff_client.force_login(staff)  # the session was signed with the old key too
    return row


def test_admin_outbox_says_a_body_cannot_be_decrypted(staff_client, sealed_with_dropped_key):  # issue 18 ADM-1
    row = sealed_with_dropped_key
    listing = staff_client.get(CHANGELIST)
    assert listing.status_code == 200
    assert row.to_email in listing.content.decode() and "cannot be decrypted" in listing.content.decode()
    page = staff_client.get(_change(row))
    assert page.status_code == 200
    assert "cannot be decrypted" in page.content.decode()
    assert row.subject in page.content.decode()


def test_admin_resend_refuses_a_row_it_cannot_decrypt(staff_client, sealed_with_dropped_key):  # issue 18 ADM-1
    row = sealed_with_dropped_key
    response = staff_client.post(
        CHANGELIST, {"action": "resend", "_selected_action": [row.pk], "index": 0}, follow=True
    )
    assert response.status_code == 200
    assert "cannot be sent" in response.content.decode()
    assert OutgoingEmail.objects.filter(pk=row.pk).values_list("status", flat=True).get() == "failed"


def test_a_queued_row_that_cannot_be_decrypted_fails_once_instead_of_looping(sealed_with_dropped_key):  # issue 18
    row = sealed_with_dropped_key
    OutgoingEmail.objects.filter(pk=row.pk).update(status=OutgoingEmail.Status.QUEUED)
    assert email_send(outgoing_email_id=row.pk) is False
    status, error = OutgoingEmail.objects.filter(pk=row.pk).values_list("status", "last_error").get()
    assert status == "failed" and "cannot be decrypted" in error
