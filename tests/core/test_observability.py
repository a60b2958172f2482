"""OPS-2 metrics and OPS-3 structured logs: one JSON line per request with its request id, carried into the
outbox rows and tasks it causes; secrets redacted in logs and error reports."""

import io
import json
import logging
import uuid
from datetime import timedelta
from logging.config import DictConfigurator

import pytest
from celery.app.trace import build_tracer
from celery.signals import before_task_publish, task_failure
from django.conf import settings as django_settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django_guid import clear_guid, get_guid, set_guid
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from licensing_portal.core.logging import TASK_HEADER, sentry_before_send
from notifications.models import OutgoingEmail
from notifications.services import email_queue_rendered
from notifications.tasks import email_send_task, email_sweep_task
from partners.models import OpenLicenseSuspension
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = signing.dumps({"i": 41, "n": "a-nonce-of-some-length"}, salt="licensing-portal.link.test", compress=True)


@pytest.fixture
def json_lines():
    """A handler built from settings.LOGGING's JSON formatter and request id filter, on the root logger."""
    config = DictConfigurator(django_settings.LOGGING)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(config.configure_formatter(dict(django_settings.LOGGING["formatters"]["json"])))
    handler.addFilter(config.configure_filter(dict(django_settings.LOGGING["filters"]["request_id"])))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda logger=None: [
        line for line in map(json.loads, stream.getvalue().splitlines()) if logger in (None, line["logger"])
    ]
    root.removeHandler(handler)
    clear_guid()


def test_ops3_one_json_line_per_request_with_time_level_request_id_user_view_status_duration(client, json_lines):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("core:profile"), HTTP_X_REQUEST_ID="req-ops3-1")
    assert response.status_code == 200 and response["X-Request-ID"] == "req-ops3-1"

    [line] = json_lines("licensing_portal.request")
    assert line["request_id"] == "req-ops3-1"
    assert line["user_id"] == user.pk and line["view"] == "core:profile" and line["status"] == 200
    assert line["level"] == "INFO" and line["message"] == "GET /profile/ 200"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert timezone.datetime.fromisoformat(line["time"]).tzinfo is not None


def test_ops3_a_request_without_an_id_gets_one_and_anonymous_has_no_user(client, json_lines):
    response = client.get(reverse("core:home"))
    [line] = json_lines("licensing_portal.request")
    assert line["request_id"] and line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] is None and line["view"] == "core:home"


def test_ops3_secrets_in_paths_are_redacted_in_the_json_line(client, json_lines):
    client.force_login(UserFactory())
    client.get(f"/profile/business-email/confirm/{TOKEN}/")
    output = json.dumps(json_lines())
    assert TOKEN not in output
    [line] = json_lines("licensing_portal.request")
    assert line["message"] == "GET /profile/business-email/confirm/[redacted]/ 400"

    logging.getLogger("tests").warning("link %s refused", TOKEN)
    assert json_lines("tests")[0]["message"] == "link [redacted] refused"


def test_ops3_the_outbox_row_a_request_queues_carries_its_request_id(client):
    client.force_login(UserFactory(email="me@gmail.example", business_email=""))
    client.post(
        reverse("core:business_email"), {"business_email": "me@contoso.example"}, HTTP_X_REQUEST_ID="req-ops3-2"
    )
    assert OutgoingEmail.objects.get(to_email="me@contoso.example").request_id == "req-ops3-2"


def test_ops3_an_eager_task_keeps_the_request_id_of_its_caller(json_lines, mailoutbox):
    set_guid("req-ops3-3")
    email = email_queue_rendered(template="t", to_email="a@example.com", subject="s", body_text="b")
    email_send_task.delay(email.pk)  # eager in tests: runs inline, as in development
    assert get_guid() == "req-ops3-3"  # not replaced or cleared by the task
    sent = [line for line in json_lines("notifications.services") if "sent" in line["message"]]
    assert sent and sent[0]["request_id"] == "req-ops3-3"
    assert email.request_id == "req-ops3-3"


def test_ops3_a_worker_task_runs_under_the_request_id_that_queued_it(json_lines, settings, mailoutbox):
    """The id travels as a message header (published to the in-memory broker), and the worker's tracer (the
    code a worker runs for each message) sets it for the task's log lines and outbox rows, then clears it."""
    published = []

    def capture(headers=None, **kwargs):
        published.append(dict(headers))

    before_task_publish.connect(capture, weak=False)
    email_sweep_task.app.conf.task_always_eager = False
    try:
        set_guid("req-ops3-4")
        email_sweep_task.delay()
    finally:
        email_sweep_task.app.conf.task_always_eager = True
        before_task_publish.disconnect(capture)
    assert published[0][TASK_HEADER] == "req-ops3-4"

    clear_guid()
    email = email_queue_rendered(template="t", to_email="b@example.com", subject="s", body_text="b")
    tracer = build_tracer(email_send_task.name, email_send_task, eager=False, propagate=True, app=email_send_task.app)
    request = {"id": str(uuid.uuid4()), TASK_HEADER: published[0][TASK_HEADER], "delivery_info": {}}
    tracer(request["id"], [email.pk], {}, request)
    assert get_guid() is None
    sent = [line for line in json_lines("notifications.services") if "sent" in line["message"]]
    assert sent[0]["request_id"] == "req-ops3-4"

    beat = email_queue_rendered(template="t", to_email="c@example.com", subject="s", body_text="b")
    tracer(str(uuid.uuid4()), [beat.pk], {}, {"delivery_info": {}})  # no header (beat): an id of its own
    own = [line for line in json_lines("notifications.services") if f"email {beat.pk} sent" in line["message"]]
    assert own[0]["request_id"] not in (None, "req-ops3-4") and get_guid() is None


def test_ops3_sentry_events_are_redacted_like_the_logs():
    event = {
        "message": f"refused {TOKEN}",
        "logentry": {"message": "refused %s", "params": [TOKEN], "formatted": f"refused {TOKEN}"},
        "exception": {
            "values": [
                {
                    "type": "ApplicationError",
                    "value": f"bad link {TOKEN}",
                    "stacktrace": {"frames": [{"vars": {"t": TOKEN}}]},
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": f"GET /deny/{TOKEN}/", "data": {"url": f"/deny/{TOKEN}/"}}]},
        "request": {"url": f"https://portal.example/deny/{TOKEN}/", "method": "GET"},
        "level": "error",
    }
    cleaned = sentry_before_send(event, {})
    assert TOKEN not in json.dumps(cleaned)
    assert cleaned["exception"]["values"][0]["value"] == "bad link [redacted]"
    assert cleaned["request"]["method"] == "GET" and cleaned["level"] == "error"


# --- OPS-2 metrics -----------------------------------------------------------------------------------------


def _scrape(client, **headers):
    response = client.get(reverse("metrics"), **headers)
    assert response.status_code == 200, response.status_code
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_ops2_metrics_are_refused_unless_the_scraper_is_allowed(client, settings):
    assert client.get(reverse("metrics")).status_code == 404  # default: nobody
    settings.METRICS_TOKEN = "scrape-secret"
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="scrape-secret").status_code == 404
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get(reverse("metrics"), REMOTE_ADDR="192.0.2.1").status_code == 404
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


def test_ops2_requests_by_view_and_status_and_latency(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    client.get(reverse("core:home"))
    samples = _scrape(client)
    by_view = (
        "django_http_requests_total_by_view_transport_method_total",
        (("method", "GET"), ("transport", "http"), ("view", "core:home")),
    )
    by_status = (
        "django_http_responses_total_by_status_view_method_total",
        (("method", "GET"), ("status", "200"), ("view", "core:home")),
    )
    latency = ("django_http_requests_latency_seconds_by_view_method_count", (("method", "GET"), ("view", "core:home")))
    assert samples[by_view] >= 1 and samples[by_status] >= 1 and samples[latency] >= 1


def test_ops2_outbox_and_suspension_gauges_read_the_database(client, settings, time_machine):
    settings.METRICS_TOKEN = "scrape-secret"
    time_machine.move_to(timezone.now() - timedelta(hours=2))
    OutgoingEmail.objects.create(template="t", to_email="a@example.com", subject="s", body_text="b")
    time_machine.move_to(timezone.now() + timedelta(hours=2))
    OutgoingEmail.objects.create(template="t", to_email="b@example.com", subject="s", body_text="b")
    OutgoingEmail.objects.create(
        template="t", to_email="c@example.com", subject="s", body_text="b", status=OutgoingEmail.Status.FAILED
    )
    OutgoingEmail.objects.create(
        template="t", to_email="d@example.com", subject="s", body_text="b", status=OutgoingEmail.Status.SENT
    )
    now = timezone.now()
    OpenLicenseSuspension.objects.create(scope="address", remote_addr="192.0.2.9", expires_at=now + timedelta(hours=1))
    OpenLicenseSuspension.objects.create(scope="address", remote_addr="192.0.2.8", expires_at=now - timedelta(hours=1))
    OpenLicenseSuspension.objects.create(
        scope="address", remote_addr="192.0.2.7", expires_at=now + timedelta(hours=1), lifted_at=now
    )

    samples = _scrape(client, HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert samples[("portal_metrics_database_up", ())] == 1
    assert samples[("portal_outbox_pending", ())] == 2
    assert samples[("portal_outbox_failed", ())] == 1
    assert 7100 <= samples[("portal_outbox_oldest_pending_age_seconds", ())] <= 7300
    assert samples[("portal_open_license_suspensions_active", ())] == 1


def test_ops2_task_outcomes_are_counted(mailoutbox):
    def value(outcome):
        labels = {"task": email_send_task.name, "outcome": outcome}
        return REGISTRY.get_sample_value("portal_celery_tasks_total", labels) or 0

    success, failure = value("success"), value("failure")
    email = email_queue_rendered(template="t", to_email="a@example.com", subject="s", body_text="b")
    tracer = build_tracer(email_send_task.name, email_send_task, eager=False, propagate=True, app=email_send_task.app)
    tracer(str(uuid.uuid4()), [email.pk], {}, {"delivery_info": {}})
    assert value("success") == success + 1
    task_failure.send(sender=email_send_task, task_id="x", exception=OSError("smtp down"))
    assert value("failure") == failure + 1


def test_ops2_a_worker_serves_its_task_counters_on_its_own_port(settings, mailoutbox):
    import socket
    from urllib.request import urlopen

    from celery.signals import worker_ready

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CELERY_METRICS_PORT = port
    servers = [server for _receiver, server in worker_ready.send(sender=None) if server is not None]
    try:
        email = email_queue_rendered(template="t", to_email="a@example.com", subject="s", body_text="b")
        tracer = build_tracer(
            email_send_task.name, email_send_task, eager=False, propagate=True, app=email_send_task.app
        )
        tracer(str(uuid.uuid4()), [email.pk], {}, {"delivery_info": {}})
        body = urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()  # noqa: S310 - local
        assert f'portal_celery_tasks_total{{outcome="success",task="{email_send_task.name}"}}' in body
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
