"""SUB-6 bulk edit: the subscriber export round-trips; an edited export is previewed, then applied all or none."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from licensing_portal.core.models import AuditEvent
from notifications.models import OutgoingEmail
from subscriptions import services
from subscriptions.models import BulkEdit, Seat, SubscriptionPool
from tests.factories import PoolFactory, SeatFactory

pytestmark = pytest.mark.django_db


def _export(client, pool) -> list[list[str]]:
    response = client.get("/subscriptions/subscribers/export.csv", {"pool": pool.pk, "status": "active"})
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _upload(client, pool, content, name="edited.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/subscriptions/pools/{pool.pk}/bulk-edit/", {"file": SimpleUploadedFile(name, content)})


def test_sub6_export_carries_seat_id_and_template_columns(client, manager, pool):
    seat = SeatFactory(pool=pool, email="ada@example.com", first_name="=cmd")
    client.force_login(manager)
    rows = _export(client, pool)
    assert rows[0][:8] == [
        "id",
        "email",
        "first_name",
        "last_name",
        "downloads_enabled",
        "notification_email",
        "reference",
        "remove",
    ]
    assert rows[0][1:4] == services.BULK_COLUMNS
    assert rows[1][:3] == [str(seat.pk), "ada@example.com", "'=cmd"]  # formula-safe
    workbook = load_workbook(
        io.BytesIO(client.get("/subscriptions/subscribers/export.xlsx", {"pool": pool.pk}).content)
    )
    cells = [[c or "" for c in row] for row in workbook.active.iter_rows(values_only=True)]
    assert cells[0][:8] == rows[0][:8] and cells[1][:3] == rows[1][:3]


def test_sub6_unchanged_export_round_trips_to_no_change(client, manager, pool):
    SeatFactory(pool=pool, email="ada@example.com", first_name="=cmd", reference="PO-1")
    client.force_login(manager)
    response = _upload(client, pool, _csv(_export(client, pool)))
    edit = BulkEdit.objects.get()
    assert response.status_code == 302 and edit.status == BulkEdit.Status.PREVIEW and edit.is_empty


def test_sub6_preview_then_apply_added_changed_removed(client, manager, pool):
    ada = SeatFactory(pool=pool, email="ada@example.com", first_name="Ada")
    bob = SeatFactory(pool=pool, email="bob@example.com")
    kept = SeatFactory(pool=pool, email="kept@example.com")
    client.force_login(manager)
    rows = _export(client, pool)
    header = rows[0]
    by_email = {r[1]: r for r in rows[1:]}
    by_email["ada@example.com"][header.index("first_name")] = "Adeline"
    by_email["ada@example.com"][header.index("downloads_enabled")] = "no"
    by_email["ada@example.com"][header.index("reference")] = "PO-7"
    by_email["bob@example.com"][header.index("remove")] = "yes"
    new = ["", "new@example.com", "Nina", "New"] + [""] * (len(header) - 4)
    response = _upload(client, pool, _csv([header, *by_email.values(), new]))
    edit = BulkEdit.objects.get()
    assert response.url == f"/subscriptions/bulk-edits/{edit.pk}/"
    page = client.get(response.url).content.decode()
    assert "Adeline" in page and "PO-7" in page and "new@example.com" in page and "bob@example.com" in page
    # nothing moved before the confirmation
    ada.refresh_from_db()
    assert ada.first_name == "Ada" and Seat.objects.filter(status="active").count() == 3
    assert client.post(response.url, {}).status_code == 400  # additions need the obligation to purchase
    response = client.post(response.url, {"confirm_obligation": "on"})
    assert response.status_code == 302
    ada.refresh_from_db()
    bob.refresh_from_db()
    kept.refresh_from_db()
    assert (ada.first_name, ada.downloads_enabled, ada.reference) == ("Adeline", False, "PO-7")
    assert bob.status == Seat.Status.REMOVED and kept.status == Seat.Status.ACTIVE
    assert Seat.objects.filter(pool=pool, email="new@example.com", status="active").exists()
    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    for verb in ("subscription.updated", "subscription.removed", "subscription.bulk_assigned"):
        assert verb in verbs
    templates = set(OutgoingEmail.objects.values_list("template", "to_email"))
    assert ("subscriptions/emails/subscription_removed", "bob@example.com") in templates
    assert ("subscriptions/emails/subscription_assigned", "new@example.com") in templates
    edit.refresh_from_db()
    assert edit.status == BulkEdit.Status.APPLIED
    assert client.post(f"/subscriptions/bulk-edits/{edit.pk}/", {}).status_code == 400  # applied once only


def test_sub6_foreign_or_unknown_id_rejects_the_whole_file(client, manager, pool, foreign_pool):
    ada = SeatFactory(pool=pool, email="ada@example.com")
    theirs = SeatFactory(pool=foreign_pool, email="theirs@example.com")
    other_pool = PoolFactory(licensing_id=pool.licensing_id, product="msdn")
    sibling = SeatFactory(pool=other_pool, email="sib@example.com")
    client.force_login(manager)
    content = _csv(
        [
            ["id", "email", "first_name", "remove"],
            [ada.pk, ada.email, "Changed", ""],
            [theirs.pk, "", "Hacked", ""],
            [sibling.pk, "", "", "yes"],
            [999999, "", "", ""],
        ]
    )
    _upload(client, pool, content)
    edit = BulkEdit.objects.get()
    assert edit.status == BulkEdit.Status.REJECTED and edit.changes == {}
    assert [e["line"] for e in edit.errors] == [3, 4, 5]
    assert "theirs@example.com" not in str(edit.errors)  # another tenant's seat is not revealed
    with pytest.raises(Exception, match="already applied or rejected"):
        services.bulk_edit_apply(edit=edit, actor=manager, obligation_confirmed=True)
    ada.refresh_from_db()
    theirs.refresh_from_db()
    assert ada.first_name != "Changed" and theirs.first_name != "Hacked"
    assert Seat.objects.get(pk=sibling.pk).status == Seat.Status.ACTIVE


def test_sub6_sub3_limit_rejects_additions_beyond_quantity(client, manager, lid):
    pool = PoolFactory(licensing_id=lid, quantity=1, over_assignment=SubscriptionPool.OverAssignment.REFUSE)
    ada = SeatFactory(pool=pool, email="ada@example.com")
    client.force_login(manager)
    _upload(
        client, pool, _csv([["id", "email", "first_name"], [ada.pk, ada.email, "New name"], ["", "x@example.com", ""]])
    )
    edit = BulkEdit.objects.get()
    assert edit.status == BulkEdit.Status.REJECTED and "1 subscriptions and 0 free" in str(edit.errors)


def test_sub6_all_or_none_when_a_seat_changed_since_the_preview(client, manager, pool):
    ada = SeatFactory(pool=pool, email="ada@example.com", first_name="Ada")
    bob = SeatFactory(pool=pool, email="bob@example.com", first_name="Bob")
    client.force_login(manager)
    _upload(
        client,
        pool,
        _csv([["id", "email", "first_name", "remove"], [ada.pk, "", "Adeline", ""], [bob.pk, "", "Robert", ""]]),
    )
    edit = BulkEdit.objects.get()
    Seat.objects.filter(pk=bob.pk).update(first_name="Bobby")  # someone edits one seat meanwhile
    response = client.post(f"/subscriptions/bulk-edits/{edit.pk}/", {})
    assert response.status_code == 400 and "changed since the preview" in response.content.decode()
    ada.refresh_from_db()
    assert ada.first_name == "Ada"
    edit.refresh_from_db()
    assert edit.status == BulkEdit.Status.PREVIEW


def test_sub6_other_tenant_cannot_see_or_apply_a_bulk_edit(client, manager, pool, other_tenant):
    from permissions.models import Role
    from tests.factories import LicensingIDFactory, UserFactory, grant

    ada = SeatFactory(pool=pool, email="ada@example.com")
    edit = services.bulk_edit_preview(
        pool=pool, actor=manager, file_name="e.csv", content=_csv([["id", "email", "first_name"], [ada.pk, "", "X"]])
    )
    stranger = grant(UserFactory(), LicensingIDFactory(organization=other_tenant), Role.SUBSCRIPTIONS_MANAGER)
    client.force_login(stranger)
    assert client.get(f"/subscriptions/bulk-edits/{edit.pk}/").status_code == 404
    assert client.post(f"/subscriptions/bulk-edits/{edit.pk}/", {}).status_code == 404
    assert client.post(f"/subscriptions/pools/{pool.pk}/bulk-edit/", {}).status_code == 404
    ada.refresh_from_db()
    assert ada.first_name != "X"


def _edit_queries(client, manager, lid, n: int) -> tuple[int, int]:
    pool = PoolFactory(licensing_id=lid, quantity=n + 10, product="msdn" if n < 100 else "technet")
    seats = Seat.objects.bulk_create(
        [Seat(pool=pool, email=f"s{i}@example.com", obligation_confirmed_at="2026-01-01T00:00Z") for i in range(n)]
    )
    rows = [["id", "email", "first_name", "reference", "remove"]]
    rows += [[s.pk, s.email, f"Name {s.pk}", "PO", "yes" if i < 5 else ""] for i, s in enumerate(seats)]
    rows += [["", f"new{i}@example.com", "New", "", ""] for i in range(3)]
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/subscriptions/pools/{pool.pk}/bulk-edit/"
    with CaptureQueriesContext(connection) as preview:
        response = client.post(url, {"file": SimpleUploadedFile("e.csv", _csv(rows))})
    assert response.status_code == 302
    edit = BulkEdit.objects.latest("pk")
    assert len(edit.changed) == n - 5 and len(edit.removed) == 5 and len(edit.added) == 3
    with CaptureQueriesContext(connection) as apply:
        response = client.post(response.url, {"confirm_obligation": "on"})
    assert response.status_code == 302
    assert Seat.objects.filter(pool=pool, reference="PO", status="active").count() == n - 5
    return len(preview), len(apply)


def test_sub6_bulk_edit_of_1000_seats_runs_the_same_queries_as_10(client, manager, lid):
    client.force_login(manager)
    assert _edit_queries(client, manager, lid, 10) == _edit_queries(client, manager, lid, 1000)
