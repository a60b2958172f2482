"""Retention (issue 18): beat purges expired sessions and used or expired emailed links, in constant queries."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from licensing_portal import tokens
from licensing_portal.core.models import OneTimeToken
from licensing_portal.core.services import sessions_purge
from licensing_portal.core.tasks import one_time_tokens_purge_task, sessions_purge_task

pytestmark = pytest.mark.django_db


def _session(age_seconds: int) -> str:
    store = import_module(django_settings.SESSION_ENGINE).SessionStore()
    store["x"] = 1
    store.set_expiry(age_seconds)
    store.save()
    return store.session_key


def test_expired_sessions_are_purged_and_live_ones_kept(time_machine):
    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    time_machine.move_to(timezone.now() - timedelta(hours=1))
    old = _session(60)
    time_machine.move_to(timezone.now() + timedelta(hours=1))
    live = _session(600)
    sessions_purge()
    assert not store().exists(old) and store().exists(live)


def test_used_or_expired_links_are_purged_after_the_retention(time_machine, settings, django_assert_num_queries):
    settings.ONE_TIME_TOKEN_RETENTION_DAYS = 7
    start = timezone.now()
    time_machine.move_to(start - timedelta(days=10))
    tokens.consume(purpose="t", token=tokens.issue(purpose="t", subject_id=1, max_age=timedelta(days=30)))
    tokens.issue(purpose="t", subject_id=2, max_age=timedelta(days=1))
    for n in range(5):
        tokens.issue(purpose="t", subject_id=100 + n, max_age=timedelta(hours=1))  # expired long ago too
    time_machine.move_to(start - timedelta(days=2))
    tokens.consume(purpose="t", token=tokens.issue(purpose="t", subject_id=3, max_age=timedelta(days=30)))
    tokens.issue(purpose="t", subject_id=4, max_age=timedelta(hours=1))
    time_machine.move_to(start)
    valid = tokens.issue(purpose="t", subject_id=5, max_age=timedelta(days=1))
    valid_long = tokens.issue(purpose="t", subject_id=6, max_age=timedelta(days=30))

    with django_assert_num_queries(1):  # one DELETE whatever the number of rows
        assert tokens.purge() == 7
    assert set(OneTimeToken.objects.values_list("subject_id", flat=True)) == {3, 4, 5, 6}
    assert tokens.check(purpose="t", token=valid) and tokens.check(purpose="t", token=valid_long)


def test_retention_tasks_are_scheduled(time_machine):
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "licensing_portal.core.tasks.sessions_purge_task",
        "licensing_portal.core.tasks.one_time_tokens_purge_task",
        "notifications.tasks.email_sent_purge_task",
    } <= schedule
    assert sessions_purge_task.name in schedule and one_time_tokens_purge_task.name in schedule
    time_machine.move_to(timezone.now() - timedelta(days=30))
    tokens.issue(purpose="t", subject_id=1, max_age=timedelta(days=1))
    time_machine.move_to(timezone.now() + timedelta(days=30))
    assert one_time_tokens_purge_task.delay().get() == 1
