"""Links sent by email (licensing_portal/tokens.py): tampering, expiry, replay, cross-purpose use, logging."""

import logging
import re
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from agreements.services import authorization_number_matches, open_license_create, organization_create
from licensing_portal import tokens
from licensing_portal.core.models import OneTimeToken, User
from licensing_portal.core.services import BUSINESS_EMAIL_PURPOSE
from licensing_portal.errors import ApplicationError
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

CONFIRM = "/profile/business-email/confirm/{}/"


@pytest.fixture
def pending(client):
    """A signed-in user with an unverified business email and the token of the link emailed to it."""
    user = User.objects.create_user(email="me@gmail.example", password="x" * 12)
    client.force_login(user)
    client.post("/profile/business-email/", {"business_email": "me@contoso.example"})
    body = OutgoingEmail.objects.get(to_email="me@contoso.example").body_text
    token = re.search(r"/profile/business-email/confirm/([^\s/]+)/", body).group(1)
    return user, token


def _verified(user) -> bool:
    user.refresh_from_db()
    return user.verified_business_email is not None


def _flip(token: str, index: int) -> str:
    char = token[index]
    return token[:index] + ("A" if char != "A" else "B") + token[index + 1 :]


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_tampered_link_is_refused_and_changes_nothing(client, pending, where):  # ACC-2
    user, token = pending
    bad = _flip(token, 3 if where == "payload" else len(token) - 3)
    assert client.get(CONFIRM.format(bad)).status_code == 400
    assert client.post(CONFIRM.format(bad)).status_code == 400
    assert not _verified(user)
    assert client.post(CONFIRM.format(token)).status_code == 302  # the genuine one still works


def test_forged_row_id_with_a_guessed_nonce_is_refused(pending):  # ACC-2
    user, token = pending
    row = OneTimeToken.objects.get(purpose=BUSINESS_EMAIL_PURPOSE, subject_id=user.pk, used_at__isnull=True)
    forged = signing.dumps({"i": row.pk, "n": "guess"}, salt="wrong-salt", compress=True)
    with pytest.raises(ApplicationError):
        tokens.check(purpose=BUSINESS_EMAIL_PURPOSE, token=forged)


def test_expired_link_is_refused(client, pending):  # ACC-2
    user, token = pending
    OneTimeToken.objects.filter(subject_id=user.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(CONFIRM.format(token))
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not _verified(user)


def test_replayed_link_is_refused(client, pending):  # ACC-2
    user, token = pending
    assert client.post(CONFIRM.format(token)).status_code == 302
    response = client.post(CONFIRM.format(token))
    assert response.status_code == 400
    assert "already been used" in response.content.decode()


def test_newer_link_voids_the_older_one(client, pending):  # ACC-2
    user, old = pending
    client.post("/profile/business-email/", {"business_email": "other@contoso.example"})
    assert client.post(CONFIRM.format(old)).status_code == 400
    assert not _verified(user)


def test_a_link_of_one_purpose_is_refused_for_another(client, pending):  # ACC-2
    user, token = pending
    with pytest.raises(ApplicationError):
        tokens.check(purpose="deny-access", token=token)
    other = tokens.issue(purpose="invitation", subject_id=user.pk, max_age=timedelta(days=1))
    assert client.post(CONFIRM.format(other)).status_code == 400
    assert not _verified(user)
    with pytest.raises(ApplicationError):
        tokens.consume(purpose=BUSINESS_EMAIL_PURPOSE, token=other)
    assert OneTimeToken.objects.get(purpose="invitation").used_at is None  # not burnt by the refusal either


def test_link_sent_to_another_account_is_refused(client, pending):  # ACC-2
    user, token = pending
    intruder = User.objects.create_user(email="intruder@example.com", password="x" * 12)
    client.force_login(intruder)
    assert client.post(CONFIRM.format(token)).status_code == 400
    intruder.refresh_from_db()
    assert intruder.verified_business_email is None
    assert not _verified(user)


def test_tokens_and_authorization_numbers_never_reach_the_logs(
    client, caplog, django_capture_on_commit_callbacks
):  # AGR-4 ACC-2
    caplog.set_level(logging.DEBUG)
    user = User.objects.create_user(email="me@gmail.example", password="x" * 12)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):  # through the outbox and the (eager) send task
        client.post("/profile/business-email/", {"business_email": "me@contoso.example"})
    body = OutgoingEmail.objects.get(to_email="me@contoso.example").body_text
    token = re.search(r"/profile/business-email/confirm/([^\s/]+)/", body).group(1)
    client.get(CONFIRM.format(token))
    client.post(CONFIRM.format(token))
    client.post(CONFIRM.format(token))  # replay: a 400, which django.request logs with the path
    client.get(CONFIRM.format(_flip(token, 5)))

    authorization_number = "AUTHSECRET-7731"
    org = organization_create(name="Contoso")
    ol = open_license_create(
        organization=org,
        license_number="V1234567",
        authorization_number=authorization_number,
        customer_email="buyer@contoso.example",
    )
    assert authorization_number_matches(ol, authorization_number)

    assert any("Bad Request" in r.getMessage() for r in caplog.records)  # the request log did run
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged
    assert token.split(":")[0] not in logged  # not even the signed payload
    assert authorization_number not in logged and authorization_number.lower() not in logged
    assert authorization_number not in str(ol.__dict__)  # stored hashed (AGR-4)


def test_a_token_inside_a_logged_traceback_is_redacted(caplog):  # SEC (secrets never logged in clear)
    token = signing.dumps({"purpose": "business_email", "pk": 1})
    caplog.set_level(logging.ERROR)
    try:
        raise ValueError(f"could not use the link /profile/business-email/confirm/{token}/")
    except ValueError:
        logging.getLogger("licensing_portal.test").exception("link failed")
    handler_output = logging.Formatter().format(caplog.records[-1])
    assert "could not use the link" in handler_output and "Traceback" in handler_output
    assert token not in handler_output and token not in caplog.text
