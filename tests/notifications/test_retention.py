"""Retention and key rotation of the outbox (issue 18): sent rows go after OUTBOX_SENT_RETENTION_DAYS; a key
retired through the SECRET_KEY_FALLBACKS environment variable still opens rows sealed with it."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import OutgoingEmail
from notifications.services import email_queue_rendered, email_send, email_sent_purge
from notifications.tasks import email_sent_purge_task

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _email(to: str) -> OutgoingEmail:
    return email_queue_rendered(template="t", to_email=to, subject="s", body_text="a link inside")


def test_sent_rows_older_than_the_retention_are_purged(time_machine, settings, mailoutbox, django_assert_num_queries):
    settings.OUTBOX_SENT_RETENTION_DAYS = 30
    start = timezone.now()
    time_machine.move_to(start - timedelta(days=40))
    old_sent = [_email(f"old{n}@example.com") for n in range(4)]
    for row in old_sent:
        email_send(outgoing_email_id=row.pk)
    old_queued = _email("queued@example.com")
    old_failed = _email("failed@example.com")
    OutgoingEmail.objects.filter(pk=old_failed.pk).update(status=OutgoingEmail.Status.FAILED)
    time_machine.move_to(start - timedelta(days=10))
    recent_sent = _email("recent@example.com")
    email_send(outgoing_email_id=recent_sent.pk)
    time_machine.move_to(start)

    with django_assert_num_queries(1):
        assert email_sent_purge() == 4
    assert set(OutgoingEmail.objects.values_list("pk", flat=True)) == {old_queued.pk, old_failed.pk, recent_sent.pk}

    time_machine.move_to(start + timedelta(days=25))
    assert email_sent_purge_task.delay().get() == 1


def test_a_fallback_key_from_the_environment_opens_rows_sealed_with_the_old_key(settings):
    """SECRET_KEY_FALLBACKS is read from the environment (no code change to rotate, README)."""
    row = _email("rotate@example.com")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_text FROM notifications_outgoingemail WHERE id = %s", [row.pk])
        sealed = cursor.fetchone()[0]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "licensing_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECRET_KEY_FALLBACKS": f"{secrets.token_urlsafe(50)},{settings.SECRET_KEY}",
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5",
        "REDIS_URL": "redis://127.0.0.1:6379/6",
    }
    code = (
        "import django, sys; django.setup(); from licensing_portal.fields import decrypt; print(decrypt(sys.argv[1]))"
    )

    def run(environment):
        return subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "-c", code, sealed],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    opened = run(env)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == "a link inside"
    refused = run({**env, "SECRET_KEY_FALLBACKS": ""})  # the old key dropped: refused, never garbled
    assert refused.returncode != 0 and "InvalidToken" in refused.stderr
