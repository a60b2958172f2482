"""Outbox bodies hold single-use links: the database only ever sees them encrypted (SEC, NOTE-1)."""

import re

import pytest
from cryptography.fernet import InvalidToken
from django.db import connection

from licensing_portal.core.models import User
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def _stored(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_text, body_html FROM notifications_outgoingemail WHERE id = %s", [pk])
        return cursor.fetchone()


@pytest.fixture
def validation_email(client):
    user = User.objects.create_user(email="me@gmail.example", password="x" * 12)
    client.force_login(user)
    client.post("/profile/business-email/", {"business_email": "me@contoso.example"})
    return OutgoingEmail.objects.get(to_email="me@contoso.example")


def test_a_link_in_an_email_is_never_stored_in_clear(validation_email):  # SEC (secrets never stored in clear)
    token = re.search(r"/profile/business-email/confirm/([^\s/]+)/", validation_email.body_text).group(1)
    text, html = _stored(validation_email.pk)
    assert token not in text and token not in html
    assert "confirm" not in text and "contoso" not in text  # nothing of the body is readable
    assert validation_email.body_html and token in validation_email.body_html


def test_rotating_the_secret_key_keeps_queued_emails_readable(validation_email, settings):  # NOTE-2
    body = validation_email.body_text
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789"
    assert OutgoingEmail.objects.get(pk=validation_email.pk).body_text == body

    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(InvalidToken):  # a retired key that was dropped too early: refused, never garbled
        OutgoingEmail.objects.get(pk=validation_email.pk)
