"""The idle expiry slides at most once a minute (issue 7), and still slides (ACC-1, ASVS V7)."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from licensing_portal.core.middleware import ThrottledSessionMiddleware

pytestmark = pytest.mark.django_db


def _session_writes(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(q["sql"].startswith('UPDATE "django_session"') for q in queries.captured_queries)


def test_session_is_written_at_most_once_a_minute_but_the_idle_expiry_still_slides(client, member):  # ACC-1
    signed_in_at = timezone.now()
    client.force_login(member)
    url = reverse("core:bench_hello")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert _session_writes(client, url) == 0  # saved at sign-in (with the sign-in time) seconds ago: no write
    assert _session_writes(client, url) == 0
    with time_machine.travel(signed_in_at + timedelta(seconds=58), tick=False):
        assert _session_writes(client, url) == 0
    # Saved more than a minute ago: this request slides the expiry to a full SESSION_COOKIE_AGE again.
    with time_machine.travel(signed_in_at + timedelta(seconds=70), tick=False):
        assert _session_writes(client, url) == 1
        expiry = Session.objects.get(session_key=key).expire_date
        assert expiry > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 5)
        assert _session_writes(client, url) == 0  # and the minute starts again


def test_a_changed_session_is_saved_within_the_minute(client, member, rf):  # ACC-1
    client.force_login(member)
    client.get(reverse("core:bench_hello"))  # saved just now: an unchanged session would not be written
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    def view(request):
        request.session["changed"] = True
        return HttpResponse("ok")

    request = rf.get("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = key
    ThrottledSessionMiddleware(view)(request)
    assert Session.objects.get(session_key=key).get_decoded()["changed"] is True
