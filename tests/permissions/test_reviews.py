"""Access reviews (REV-1..REV-3): start/schedule, decisions under the Manage Users rules, reminders, overdue
handling and the CSV export, with time controlled by time-machine."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from permissions import reviews
from permissions.models import AccessReview, AccessReviewItem, AccessReviewSchedule, Grant, Role
from tests.factories import LicensingIDFactory, UserFactory, grant

pytestmark = pytest.mark.django_db
Decision, Outcome = AccessReviewItem.Decision, AccessReviewItem.Outcome


def _roles(lid, email):
    return set(Grant.objects.filter(licensing_id=lid, email=email).values_list("role", flat=True))


@pytest.fixture
def staff_member(lid):
    return grant(UserFactory(email="dora@contoso.example"), lid, Role.DOWNLOAD, Role.LICENSING_INFO)


@pytest.fixture
def reseller(lid):
    Grant.objects.create(licensing_id=lid, email="rita@reseller.example", role=Role.DOWNLOAD, source="reseller")
    return "rita@reseller.example"


def test_start_lists_every_person_and_partner_with_due_date_and_reviewer(lid, admin, staff_member, reseller):  # REV-1
    review = reviews.access_review_start(actor=admin, due_days=10)
    items = {i.email: i for i in review.items.all()}
    assert set(items) == {admin.business_email, staff_member.business_email, reseller}
    assert items[staff_member.business_email].roles == [Role.LICENSING_INFO, Role.DOWNLOAD]
    assert items[reseller].is_partner and not items[admin.business_email].is_partner
    assert review.reviewer_email == admin.business_email
    assert abs(review.due_at - (timezone.now() + timedelta(days=10))) < timedelta(minutes=1)
    assert AuditEvent.objects.filter(verb="review.started", licensing_id=lid, actor=admin).count() == 1


def test_start_covers_only_ids_the_actor_administers(lid, admin, other_tenant):  # REV-1 SEC-1
    foreign = LicensingIDFactory(organization=other_tenant)
    with pytest.raises(ApplicationError):
        reviews.access_review_start(actor=admin, licensing_ids=[foreign])
    # the inherited administrator of the MBSA reviews the child too (the access core's answer, PERM-8)
    parent_admin = grant(UserFactory(email="pc@contoso.example"), lid.parent, Role.ADMINISTRATOR)
    review = reviews.access_review_start(actor=parent_admin)
    assert set(review.items.values_list("licensing_id", flat=True)) == {lid.pk, lid.parent_id}


def test_partner_with_delegated_admin_cannot_start_a_review(lid, admin):  # REV-1 SEC-6
    partner = UserFactory(email="pat@partner.example")
    Grant.objects.create(licensing_id=lid, email=partner.business_email, role=Role.ADMINISTRATOR, source="relationship")
    with pytest.raises(ApplicationError):
        reviews.access_review_start(actor=partner)


def test_reviewer_must_administer_every_id_and_is_emailed_in_their_language(lid, admin, outbox):  # REV-1 REV-2
    with pytest.raises(ApplicationError):
        reviews.access_review_start(actor=admin, reviewer_email="nobody@contoso.example")
    reviewer = grant(UserFactory(email="rev@contoso.example", language="fr"), lid, Role.ADMINISTRATOR)
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid], reviewer_email=reviewer.business_email)
    (sent,) = outbox(template="permissions/emails/review_reminder")
    assert sent.to_email == reviewer.notification_email and sent.language == "fr"
    assert "Revue des accès" in sent.subject
    assert review.reviewer_email == reviewer.business_email


def test_keep_and_remove_apply_at_once_and_are_audited(lid, admin, staff_member, outbox):  # REV-2 PERM-7 PERM-11
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid])
    items = {i.email: i for i in review.items.all()}
    reviews.access_review_decide(
        review=review, item_id=items[admin.business_email].pk, actor=admin, decision=Decision.KEEP
    )
    reviews.access_review_decide(
        review=review, item_id=items[staff_member.business_email].pk, actor=admin, decision=Decision.REMOVE
    )
    assert _roles(lid, staff_member.business_email) == set()
    removed = AccessReviewItem.objects.get(pk=items[staff_member.business_email].pk)
    assert (removed.decision, removed.outcome, removed.decided_by_email) == ("remove", "removed", admin.email)
    # the Manage Users audit row and email, plus one audit row per decision
    assert AuditEvent.objects.filter(verb="permission.removed", target_email=staff_member.business_email).exists()
    assert outbox(template="permissions/emails/access_removed", to_email=staff_member.notification_email)
    assert AuditEvent.objects.filter(verb="review.decided", detail__startswith=f"review={review.pk}").count() == 2
    review.refresh_from_db()
    assert review.status == AccessReview.Status.FINISHED and review.finished_at
    with pytest.raises(ApplicationError):  # decided once
        reviews.access_review_decide(
            review=review, item_id=items[admin.business_email].pk, actor=admin, decision=Decision.REMOVE
        )


def test_removing_the_last_administrator_is_refused_and_item_stays_pending(lid, admin):  # REV-2 PERM-7
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid])
    item = review.items.get(email=admin.business_email)
    with pytest.raises(ApplicationError):
        reviews.access_review_decide(review=review, item_id=item.pk, actor=admin, decision=Decision.REMOVE)
    item.refresh_from_db()
    assert item.decision == Decision.PENDING and Role.ADMINISTRATOR in _roles(lid, admin.business_email)


def test_partner_removal_goes_through_deny_access(lid, admin, reseller, outbox):  # REV-2 RES-1
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid])
    item = review.items.get(email=reseller)
    reviews.access_review_decide(review=review, item_id=item.pk, actor=admin, decision=Decision.REMOVE)
    assert _roles(lid, reseller) == set()
    assert AuditEvent.objects.filter(verb="permission.access_denied", target_email=reseller).exists()


def test_only_the_reviewer_or_starter_decides(lid, admin, staff_member):  # REV-2
    other_admin = grant(UserFactory(email="oa@contoso.example"), lid, Role.ADMINISTRATOR)
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid])
    item = review.items.get(email=staff_member.business_email)
    with pytest.raises(ApplicationError):
        reviews.access_review_decide(review=review, item_id=item.pk, actor=other_admin, decision=Decision.REMOVE)
    assert _roles(lid, staff_member.business_email)


def test_reminder_sent_once_before_due_date(lid, admin, time_machine, outbox):  # REV-2
    time_machine.move_to(timezone.now(), tick=False)
    reviews.access_review_start(actor=admin, due_days=10)
    reviews.access_reviews_tick()
    assert not outbox(template="permissions/emails/review_reminder")  # too early
    time_machine.shift(timedelta(days=8))
    from permissions.tasks import access_reviews_tick_task

    access_reviews_tick_task()
    access_reviews_tick_task()  # idempotent: twice -> one email
    (sent,) = outbox(template="permissions/emails/review_reminder")
    assert sent.to_email == admin.notification_email and "Reminder" in sent.subject


def test_overdue_review_is_marked_and_removes_unconfirmed_once(lid, admin, staff_member, time_machine, outbox):  # REV-2
    time_machine.move_to(timezone.now(), tick=False)
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid], due_days=5, remove_unconfirmed=True)
    time_machine.shift(timedelta(days=5, seconds=1))
    from permissions.tasks import access_reviews_tick_task

    access_reviews_tick_task()
    access_reviews_tick_task()  # idempotent: twice -> one removal email
    review.refresh_from_db()
    assert review.overdue_at is not None
    assert _roles(lid, staff_member.business_email) == set()
    assert len(outbox(template="permissions/emails/access_removed")) == 1
    # the last administrator stays, recorded as a refused removal
    admin_item = review.items.get(email=admin.business_email)
    assert (admin_item.outcome, admin_item.decision) == (Outcome.REFUSED, Decision.KEEP)
    assert Role.ADMINISTRATOR in _roles(lid, admin.business_email)
    assert review.status == AccessReview.Status.FINISHED
    assert AuditEvent.objects.filter(verb="review.overdue", licensing_id=lid).count() == 1


def test_overdue_review_without_removal_keeps_everything(lid, admin, staff_member, time_machine):  # REV-2
    time_machine.move_to(timezone.now(), tick=False)
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid], due_days=5)
    time_machine.shift(timedelta(days=6))
    reviews.access_reviews_tick()
    review.refresh_from_db()
    assert review.status == AccessReview.Status.OVERDUE
    assert _roles(lid, staff_member.business_email)


def test_scheduled_review_starts_again_every_n_days_once(lid, admin, time_machine):  # REV-1
    time_machine.move_to(timezone.now(), tick=False)
    reviews.access_review_schedule(actor=admin, every_days=30, due_days=14, licensing_ids=[lid])
    schedule = AccessReviewSchedule.objects.get()
    assert AccessReview.objects.filter(schedule=schedule).count() == 1
    time_machine.shift(timedelta(days=30, hours=1))
    reviews.access_reviews_tick()
    reviews.access_reviews_tick()
    assert AccessReview.objects.filter(schedule=schedule).count() == 2
    schedule.refresh_from_db()
    assert schedule.next_start_on == timezone.localdate() + timedelta(days=30)


# --- pages ---------------------------------------------------------------------------------------------------


def test_start_page_decide_and_export_csv(client, lid, admin, staff_member):  # REV-1 REV-2 REV-3
    client.force_login(admin)
    assert client.get(reverse("permissions:review_start")).status_code == 200
    resp = client.post(reverse("permissions:review_start"), {"licensing_ids": [lid.pk], "due_days": 7})
    review = AccessReview.objects.get()
    assert resp.status_code == 302 and resp["Location"] == review.get_absolute_url()
    export = reverse("permissions:review_export", args=[review.pk])
    assert client.get(export).status_code == 404  # not finished yet
    for item in review.items.all():
        decision = "remove" if item.email == staff_member.business_email else "keep"
        resp = client.post(
            reverse("permissions:review_decide", args=[review.pk]), {"item": item.pk, "decision": decision}
        )
        assert resp.status_code == 302
    assert _roles(lid, staff_member.business_email) == set()
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Download the result" in page
    resp = client.get(export)
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(resp.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == reviews.EXPORT_HEADER
    by_email = {r[1]: r for r in rows[1:]}
    assert by_email[staff_member.business_email][4:7] == ["remove", "removed", admin.email]
    assert by_email[admin.business_email][4] == "keep" and by_email[admin.business_email][7]


def test_export_is_formula_safe(lid, admin):  # REV-3
    Grant.objects.create(licensing_id=lid, email="=cmd@contoso.example", role=Role.DOWNLOAD)
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid], remove_unconfirmed=False)
    AccessReview.objects.filter(pk=review.pk).update(status=AccessReview.Status.FINISHED)
    from django.test import Client

    client = Client()
    client.force_login(admin)
    body = b"".join(client.get(reverse("permissions:review_export", args=[review.pk])).streaming_content)
    assert b"'=cmd@contoso.example" in body


def test_review_of_another_tenant_is_404(client, lid, admin, other_tenant):  # REV-1 SEC-1
    foreign_lid = LicensingIDFactory(organization=other_tenant)
    foreign_admin = grant(UserFactory(email="boss@fabrikam.example"), foreign_lid, Role.ADMINISTRATOR)
    review = reviews.access_review_start(actor=foreign_admin)
    AccessReview.objects.filter(pk=review.pk).update(status=AccessReview.Status.FINISHED)
    item = review.items.get()
    client.force_login(admin)
    for url in (review.get_absolute_url(), reverse("permissions:review_export", args=[review.pk])):
        assert client.get(url).status_code == 404
    resp = client.post(reverse("permissions:review_decide", args=[review.pk]), {"item": item.pk, "decision": "remove"})
    assert resp.status_code == 404
    assert _roles(foreign_lid, foreign_admin.business_email) == {Role.ADMINISTRATOR}
    assert str(review.pk) not in client.get(reverse("permissions:reviews")).content.decode().split("Review ")[-1][:5]


def test_decide_is_post_only(client, lid, admin):  # REV-2 SEC-2
    review = reviews.access_review_start(actor=admin)
    client.force_login(admin)
    assert client.get(reverse("permissions:review_decide", args=[review.pk])).status_code == 405


@pytest.mark.parametrize("size", [1, 50, 500])
def test_review_pages_constant_queries(client, lid, admin, size, django_assert_num_queries):  # REV-1 REV-3
    Grant.objects.bulk_create(
        [Grant(licensing_id=lid, email=f"p{i:04d}@contoso.example", role=Role.DOWNLOAD) for i in range(size)]
    )
    review = reviews.access_review_start(actor=admin)
    client.force_login(admin)
    # session, user, the review, the item count, the page of items (with their licensing IDs)
    with django_assert_num_queries(5):
        resp = client.get(review.get_absolute_url())
    assert resp.status_code == 200 and "p0000@contoso.example" in resp.content.decode()
    with django_assert_num_queries(3):  # session, user, reviews with their counts
        assert client.get(reverse("permissions:reviews")).status_code == 200
    AccessReview.objects.filter(pk=review.pk).update(status=AccessReview.Status.FINISHED)
    with django_assert_num_queries(4):  # session, user, the review, the items through one cursor
        resp = client.get(reverse("permissions:review_export", args=[review.pk]))
        lines = b"".join(resp.streaming_content).count(b"\n")
    assert lines == size + 2  # header, the administrator, everyone else


def test_review_and_expiry_tasks_are_scheduled():  # REV-2 AGR-7
    from django.conf import settings

    from agreements.tasks import expiry_notices_task
    from permissions.tasks import access_reviews_tick_task

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {access_reviews_tick_task.name, expiry_notices_task.name} <= scheduled


def test_the_customer_keeps_an_own_administrator_beside_a_delegated_partner(lid, admin):  # REV-2 SEC-6 PERM-7
    Grant.objects.create(
        licensing_id=lid, email="pat@partner.example", role=Role.ADMINISTRATOR, source=Grant.Source.RELATIONSHIP
    )
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid])
    own = review.items.get(email=admin.business_email)
    with pytest.raises(ApplicationError):  # the partner's delegated Administrator does not count
        reviews.access_review_decide(review=review, item_id=own.pk, actor=admin, decision=Decision.REMOVE)
    partner = review.items.get(email="pat@partner.example")
    assert partner.is_partner
    reviews.access_review_decide(review=review, item_id=partner.pk, actor=admin, decision=Decision.REMOVE)
    assert _roles(lid, "pat@partner.example") == set()
    assert Role.ADMINISTRATOR in _roles(lid, admin.business_email)


def test_a_partner_cannot_be_the_reviewer(lid, admin):  # REV-1 SEC-6
    partner = UserFactory(email="pat@partner.example")
    Grant.objects.create(
        licensing_id=lid, email=partner.business_email, role=Role.ADMINISTRATOR, source=Grant.Source.RELATIONSHIP
    )
    with pytest.raises(ApplicationError):
        reviews.access_review_start(actor=admin, licensing_ids=[lid], reviewer_email=partner.business_email)


def test_reminder_in_the_reviewers_language(lid, admin, time_machine, outbox):  # REV-2 ACC-5
    reviewer = grant(UserFactory(email="rev@contoso.example", language="fr"), lid, Role.ADMINISTRATOR)
    time_machine.move_to(timezone.now(), tick=False)
    reviews.access_review_start(actor=admin, licensing_ids=[lid], reviewer_email=reviewer.business_email, due_days=2)
    reviews.access_reviews_tick()
    reminder = outbox(template="permissions/emails/review_reminder")[-1]
    assert reminder.language == "fr" and reminder.subject.startswith("Rappel")


def test_schedule_stops_when_its_creator_no_longer_administers(lid, admin, time_machine):  # REV-1
    time_machine.move_to(timezone.now(), tick=False)
    reviews.access_review_schedule(actor=admin, every_days=7, due_days=3, licensing_ids=[lid])
    Grant.objects.filter(email=admin.business_email).delete()
    time_machine.shift(timedelta(days=8))
    assert reviews.access_reviews_start_scheduled() == 0
    assert not AccessReviewSchedule.objects.get().active
    assert AuditEvent.objects.filter(verb="review.schedule_stopped").exists()


def test_schedule_must_be_due_before_the_next_one(lid, admin):  # REV-1
    with pytest.raises(ApplicationError):
        reviews.access_review_schedule(actor=admin, every_days=7, due_days=14)
    assert not AccessReview.objects.exists() and not AccessReviewSchedule.objects.exists()


def test_rev1_a_grant_past_its_end_is_not_listed_for_review(lid, admin, time_machine):  # REV-1 RES-9
    """A grant whose end has passed counts for nothing (the access core), so the review does not list it even
    before the expiry task deletes it."""
    time_machine.move_to(timezone.now(), tick=False)
    ended = UserFactory(email="ended@contoso.example")
    grant(ended, lid, Role.DOWNLOAD)
    Grant.objects.filter(email=ended.business_email).update(ends_at=timezone.now() - timedelta(seconds=1))
    review = reviews.access_review_start(actor=admin, licensing_ids=[lid], reviewer_email=admin.business_email)
    assert ended.business_email not in {item.email for item in review.items.all()}
    assert admin.business_email in {item.email for item in review.items.all()}
