"""OPS-4: the audit log filtered by date, event and person, exported as streamed CSV and JSON lines, per
licensing ID and across every ID the person administers; CSV cells never start a spreadsheet formula."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing_portal.core.models import AuditEvent
from tests.factories import LicensingIDFactory

pytestmark = pytest.mark.django_db


def _event(lid, verb="permissions.roles_set", *, when=None, actor="admin@contoso.example", target="", detail=""):
    return {
        "licensing_id": lid,
        "verb": verb,
        "actor_email": actor,
        "target_email": target,
        "detail": detail,
        "when": when or datetime(2026, 5, 10, 12, tzinfo=UTC),
    }


def _bulk(*events):
    """Audit rows are append-only down to a database trigger: each is written at its time, not back-dated."""
    for event in events:
        when = event.pop("when")
        with time_machine.travel(when, tick=False):
            AuditEvent.objects.bulk_create([AuditEvent(**event)])


def _csv(response):
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _jsonl(response):
    assert response.status_code == 200 and response.streaming
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]


def test_ops4_csv_export_of_one_licensing_id_filters_by_date_event_and_person(client, lid, admin, mbsa):
    _bulk(
        _event(lid, "permissions.roles_set", target="ann@contoso.example", when=datetime(2026, 5, 1, tzinfo=UTC)),
        _event(lid, "permissions.removed", target="bob@contoso.example", when=datetime(2026, 5, 2, 23, tzinfo=UTC)),
        _event(lid, "open_license.added", target="ann@contoso.example", when=datetime(2026, 5, 3, tzinfo=UTC)),
        _event(mbsa, "permissions.roles_set", target="ann@contoso.example", when=datetime(2026, 5, 2, tzinfo=UTC)),
    )
    client.force_login(admin)
    url = reverse("permissions:audit_export_csv", args=[lid.pk])

    rows = _csv(client.get(url))
    assert rows[0][:5] == ["Time (UTC)", "Licensing ID", "Actor", "Event", "Person"]
    assert [r[3] for r in rows[1:]] == ["open_license.added", "permissions.removed", "permissions.roles_set"]
    assert {r[1] for r in rows[1:]} == {lid.number}  # the MBSA's event is not this ID's

    dated = _csv(client.get(url, {"date_from": "2026-05-02", "date_to": "2026-05-02"}))
    assert [r[3] for r in dated[1:]] == ["permissions.removed"]  # the whole UTC day, up to 23:00
    assert [r[3] for r in _csv(client.get(url, {"event": "Permissions."}))[1:]] == [
        "permissions.removed",
        "permissions.roles_set",
    ]
    assert [r[4] for r in _csv(client.get(url, {"person": " ANN@contoso.example "}))[1:]] == [
        "ann@contoso.example",
        "ann@contoso.example",
    ]
    actor = _csv(client.get(url, {"person": "admin@contoso.example", "event": "open_license"}))
    assert [r[3] for r in actor[1:]] == ["open_license.added"]  # the person is the actor or the target


def test_ops4_csv_cells_never_start_a_formula(client, lid, admin):
    _bulk(_event(lid, "=cmd", actor="@SUM(1)", target="+1@contoso.example", detail="-2+3"))
    client.force_login(admin)
    row = _csv(client.get(reverse("permissions:audit_export_csv", args=[lid.pk])))[1]
    assert row[2:5] == ["'@SUM(1)", "'=cmd", "'+1@contoso.example"] and row[7] == "'-2+3"

    line = _jsonl(client.get(reverse("permissions:audit_export_jsonl", args=[lid.pk])))[0]
    assert line["event"] == "=cmd" and line["actor"] == "@SUM(1)"  # JSON carries the data as it is


def test_ops4_json_lines_export(client, lid, admin):
    _bulk(_event(lid, "permissions.roles_set", target="ann@contoso.example"))
    client.force_login(admin)
    response = client.get(reverse("permissions:audit_export_jsonl", args=[lid.pk]))
    assert response["Content-Type"].startswith("application/jsonl")
    assert 'filename="audit-E2000001-' in response["Content-Disposition"]
    assert _jsonl(response) == [
        {
            "time": "2026-05-10T12:00:00Z",
            "licensing_id": lid.number,
            "actor": "admin@contoso.example",
            "event": "permissions.roles_set",
            "person": "ann@contoso.example",
            "before": {},
            "after": {},
            "detail": "",
        }
    ]


def test_ops4_export_across_every_licensing_id_administered(client, tenant, lid, mbsa, admin, parent_admin):
    other = LicensingIDFactory()  # another organisation's
    _bulk(_event(lid, "a.lid"), _event(mbsa, "b.mbsa"), _event(other, "c.other"), _event(None, "d.none"))

    client.force_login(parent_admin)  # administers the MBSA, and its child lid by inheritance
    assert sorted(r[3] for r in _csv(client.get(reverse("permissions:audit_export_all_csv")))[1:]) == [
        "a.lid",
        "b.mbsa",
    ]
    client.force_login(admin)  # administers lid only
    assert [r["event"] for r in _jsonl(client.get(reverse("permissions:audit_export_all_jsonl")))] == ["a.lid"]
    page = client.get(reverse("permissions:audit_log_all"))
    assert page.status_code == 200 and b"a.lid" in page.content and b"b.mbsa" not in page.content


def test_ops4_export_of_another_tenants_licensing_id_is_404(client, lid, admin):
    other = LicensingIDFactory()
    _bulk(_event(other, "secret.event"))
    client.force_login(admin)
    for name in ("permissions:audit_export_csv", "permissions:audit_export_jsonl", "permissions:audit_log"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, b"The end date is before the start date."),
        ({"date_from": "yesterday"}, b"Enter a valid date."),
        ({"event": "x" * 65}, b"Ensure this value has at most 64 characters"),
        ({"person": "a\x00b"}, b"Null characters are not allowed."),
    ],
)
def test_ops4_bad_filters_show_clear_errors(client, lid, admin, query, message):
    client.force_login(admin)
    for url in (
        reverse("permissions:audit_log", args=[lid.pk]),
        reverse("permissions:audit_export_csv", args=[lid.pk]),
        reverse("permissions:audit_export_all_jsonl"),
    ):
        response = client.get(url, query)
        assert response.status_code == 400 and not response.streaming
        assert message in response.content and b'aria-invalid="true"' in response.content


def test_ops4_audit_log_page_links_to_the_filtered_exports(client, lid, admin):
    client.force_login(admin)
    content = client.get(reverse("permissions:audit_log", args=[lid.pk]), {"event": "permissions."}).content.decode()
    assert f"{reverse('permissions:audit_export_csv', args=[lid.pk])}?event=permissions." in content
    assert f"{reverse('permissions:audit_export_jsonl', args=[lid.pk])}?event=permissions." in content
    assert reverse("permissions:audit_log_all") in content


@pytest.mark.parametrize("name", ["permissions:audit_export_csv", "permissions:audit_export_all_jsonl"])
def test_ops4_export_queries_do_not_grow_with_the_events(client, lid, admin, name):
    client.force_login(admin)
    url = reverse(name, args=[lid.pk]) if name.endswith("csv") else reverse(name)
    counts, sizes = [], []
    for total in (1, 50, 500):
        AuditEvent.objects.bulk_create(
            [AuditEvent(licensing_id=lid, verb=f"e.{i}") for i in range(total - AuditEvent.objects.count())]
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            lines = b"".join(response.streaming_content).decode().splitlines()
        counts.append(len(queries))
        sizes.append(len(lines))
    assert counts[0] == counts[1] == counts[2], counts
    assert sizes[-1] >= 500
