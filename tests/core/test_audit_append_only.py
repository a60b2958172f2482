"""AuditEvent rows cannot be changed or deleted, not even with raw SQL by the application's role (PERM-11)."""

import pytest
from django.db import DatabaseError, connection, transaction

from licensing_portal import audit
from licensing_portal.core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL-only")


@pytest.fixture
def event():
    actor = UserFactory()
    return audit.record(actor=actor, verb="grant.added", target_email="x@example.com", after={"role": "admin"})


@needs_postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET verb = 'grant.removed' WHERE id = %s",
        "UPDATE core_auditevent SET after = '{}'::jsonb WHERE id = %s",
        "UPDATE core_auditevent SET actor_email = '' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_an_audit_row(event, sql):  # PERM-11
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    event_now = AuditEvent.objects.get(pk=event.pk)
    assert (event_now.verb, event_now.after, event_now.actor_email) == (
        "grant.added",
        {"role": "admin"},
        event.actor_email,
    )


@needs_postgres
def test_deleting_the_actor_keeps_the_row_and_who_acted(event):  # PERM-11
    email = event.actor_email
    event.actor.delete()  # ON DELETE SET NULL is the one update the trigger lets through
    event_now = AuditEvent.objects.get(pk=event.pk)
    assert event_now.actor_id is None and event_now.actor_email == email


def test_orm_refuses_updates_and_deletes(event):  # PERM-11
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(verb="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        event.save()


def test_admin_shows_the_audit_log_read_only(client, staff, event):  # PERM-11 ADM-1
    client.force_login(staff)
    assert client.get("/admin/core/auditevent/").status_code == 200
    change_url = f"/admin/core/auditevent/{event.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(change_url, {"verb": "tampered"}).status_code == 403
    assert client.get(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    assert client.post(
        "/admin/core/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk]}
    ).status_code in (200, 302)
    assert AuditEvent.objects.get(pk=event.pk).verb == "grant.added"
