import pytest
from django.core import mail
from django.db import transaction

from notifications.models import OutgoingEmail
from notifications.services import email_queue, email_send, email_sweep

pytestmark = pytest.mark.django_db


def test_queued_email_is_sent_after_commit_in_recipients_language(
    django_capture_on_commit_callbacks,
):  # NOTE-1 NOTE-3
    with django_capture_on_commit_callbacks(execute=True):
        row = email_queue(
            template="agreements/emails/welcome",
            to_email="Someone@Example.com",
            language="fr",
            context={"licensing_id": "E1", "program": "Enterprise", "registered": False},
        )
    row.refresh_from_db()
    assert row.status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["someone@example.com"]
    assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id
    assert "E1" in mail.outbox[0].body


def test_rolled_back_transaction_leaves_no_outbox_row(django_capture_on_commit_callbacks):  # NOTE-1
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        email_queue(template="agreements/emails/welcome", to_email="x@example.com", context={})
        raise Boom
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []


def test_sending_a_row_twice_sends_one_email(django_capture_on_commit_callbacks):  # NOTE-2
    row = email_queue(template="agreements/emails/welcome", to_email="x@example.com", context={})
    assert email_send(outgoing_email_id=row.pk) is True
    assert email_send(outgoing_email_id=row.pk) is False
    assert len(mail.outbox) == 1


def test_sweep_requeues_rows_the_broker_never_saw():  # NOTE-2
    row = email_queue(template="agreements/emails/welcome", to_email="x@example.com", context={})
    from datetime import timedelta

    assert email_sweep(older_than=timedelta(0)) == 1  # eager in tests: the sweep's dispatch sends it
    row.refresh_from_db()
    assert row.status == OutgoingEmail.Status.SENT
    assert email_sweep(older_than=timedelta(0)) == 0
