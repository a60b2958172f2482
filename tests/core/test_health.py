"""OPS-1: /health/live and /health/ready.

The ready checks run in django-health-check's executor threads, each on its own database connection, so the
tests that give them rows to see commit them (transaction=True). The same endpoint under gunicorn with
PostgreSQL and a Redis that stops and comes back: tests/integration/test_health_ready.py.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from licensing_portal.health import SWEEP_HEARTBEAT_KEY, Migrations
from notifications.models import OutgoingEmail
from notifications.tasks import email_sweep_task


@pytest.fixture
def no_heartbeat():
    cache.delete(SWEEP_HEARTBEAT_KEY)
    yield
    cache.delete(SWEEP_HEARTBEAT_KEY)


def _failing(response) -> set[str]:
    return {name.split("(")[0] for name, status in response.json().items() if status != "OK"}


def test_ops1_live_answers_without_touching_the_database(client):
    """No django_db mark: a query here would raise."""
    response = client.get("/health/live")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_ops1_ready_is_200_once_the_sweep_has_run(client, no_heartbeat):
    response = client.get("/health/ready?format=json")
    assert response.status_code == 503
    assert _failing(response) == {"SweepHeartbeat"}

    email_sweep_task()
    response = client.get("/health/ready?format=json")
    assert response.status_code == 200, response.json()
    assert {"Database", "SharedCache", "Broker", "Migrations", "OutboxAge", "SweepHeartbeat"} == {
        name.split("(")[0] for name in response.json()
    }


@pytest.mark.django_db(transaction=True)
def test_ops1_ready_is_503_when_beat_stopped_sweeping(client, no_heartbeat, settings):
    settings.HEALTH_SWEEP_MAX_AGE = 300
    email_sweep_task()
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        response = client.get("/health/ready?format=json")
    assert response.status_code == 503
    assert _failing(response) == {"SweepHeartbeat"}


@pytest.mark.django_db(transaction=True)
def test_ops1_ready_is_503_when_the_oldest_queued_email_is_too_old(client, no_heartbeat, settings):
    settings.HEALTH_OUTBOX_MAX_AGE = 900
    email_sweep_task()
    row = OutgoingEmail.objects.create(template="t", to_email="a@example.com", subject="s", body_text="b")
    OutgoingEmail.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(seconds=600))
    assert client.get("/health/ready").status_code == 200

    OutgoingEmail.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(seconds=901))
    response = client.get("/health/ready?format=json")
    assert response.status_code == 503
    assert _failing(response) == {"OutboxAge"}

    OutgoingEmail.objects.filter(pk=row.pk).update(status=OutgoingEmail.Status.FAILED)  # failed is not pending
    assert client.get("/health/ready").status_code == 200


@pytest.mark.django_db
def test_ops1_ready_reports_an_unapplied_migration(monkeypatch):
    monkeypatch.setattr(Migrations, "_applied", False)
    Migrations().run()  # all applied
    assert Migrations._applied

    monkeypatch.setattr(Migrations, "_applied", False)
    MigrationRecorder.Migration.objects.filter(app="notifications").order_by("-id").first().delete()
    with pytest.raises(Exception, match="1 migration"):
        Migrations().run()
    assert not Migrations._applied


@pytest.mark.django_db
def test_ops1_beat_healthcheck_command_follows_the_sweep(no_heartbeat, capsys):
    """`python -m licensing_portal.health sweep`, the beat container's healthcheck in docker-compose.yml."""
    from licensing_portal.health import main

    assert main(["sweep"]) == 1
    assert "has not run yet" in capsys.readouterr().err
    email_sweep_task()
    assert main(["sweep"]) == 0
    assert main([]) == 2
