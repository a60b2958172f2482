"""Seat administration parity (issue 17): multi-remove (SUB-7), seat state, resend and fields (SUB-10), and
Contact my admin (SUB-9)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from permissions.models import Role
from subscriptions import services
from subscriptions.models import Seat
from tests.factories import LicensingIDFactory, PoolFactory, SeatFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def _url(pool):
    return f"/subscriptions/pools/{pool.pk}/remove-seats/"


# ---- SUB-7: several seats removed at once ----


def test_sub7_multi_remove_removes_all_with_one_audit_row_and_email_each(manager, pool, outbox):
    seats = [SeatFactory(pool=pool, email=f"s{n}@example.com") for n in range(3)]
    keep = SeatFactory(pool=pool, email="keep@example.com")
    UserFactory(email="s1@example.com", language="fr")
    removed = services.seats_remove(pool=pool, seat_ids=[s.pk for s in seats], actor=manager)
    assert {s.pk for s in removed} == {s.pk for s in seats}
    assert set(Seat.objects.filter(status=Seat.Status.REMOVED).values_list("email", flat=True)) == {
        "s0@example.com",
        "s1@example.com",
        "s2@example.com",
    }
    keep.refresh_from_db()
    assert keep.status == Seat.Status.ACTIVE
    events = AuditEvent.objects.filter(verb="subscription.removed")
    assert sorted(e.target_email for e in events) == ["s0@example.com", "s1@example.com", "s2@example.com"]
    assert all(e.actor == manager and e.licensing_id == pool.licensing_id for e in events)
    emails = outbox(template="subscriptions/emails/subscription_removed")
    assert sorted(e.to_email for e in emails) == ["s0@example.com", "s1@example.com", "s2@example.com"]
    assert {e.to_email: e.language for e in emails}["s1@example.com"] == "fr"


def test_sub7_multi_remove_is_all_or_none(manager, pool, foreign_pool, outbox):
    mine = [SeatFactory(pool=pool) for _ in range(2)]
    already = SeatFactory(pool=pool, status=Seat.Status.REMOVED)
    foreign = SeatFactory(pool=foreign_pool)
    for intruder in (already, foreign):
        with pytest.raises(ApplicationError):
            services.seats_remove(pool=pool, seat_ids=[*(s.pk for s in mine), intruder.pk], actor=manager)
    assert Seat.objects.filter(pk__in=[s.pk for s in mine], status=Seat.Status.ACTIVE).count() == 2
    foreign.refresh_from_db()
    assert foreign.status == Seat.Status.ACTIVE
    assert not AuditEvent.objects.filter(verb="subscription.removed").exists()
    assert outbox(template="subscriptions/emails/subscription_removed") == []
    with pytest.raises(ApplicationError):
        services.seats_remove(pool=pool, seat_ids=[], actor=manager)


def test_sub7_multi_remove_needs_a_subscriptions_manager(lid, pool):
    seat = SeatFactory(pool=pool)
    reader = grant(UserFactory(), lid, Role.LICENSING_INFO)
    with pytest.raises(ApplicationError):
        services.seats_remove(pool=pool, seat_ids=[seat.pk], actor=reader)
    seat.refresh_from_db()
    assert seat.status == Seat.Status.ACTIVE


def test_sub7_confirmation_page_lists_the_selection_and_post_removes_them(client, manager, pool, outbox):
    seats = [SeatFactory(pool=pool, email=f"pick{n}@example.com") for n in range(3)]
    other = SeatFactory(pool=pool, email="other@example.com")
    client.force_login(manager)
    query = "&".join(f"seat={s.pk}" for s in seats)
    page = client.get(f"{_url(pool)}?{query}")
    assert page.status_code == 200
    body = page.content.decode()
    assert all(s.email in body for s in seats) and other.email not in body
    assert Seat.objects.filter(status=Seat.Status.ACTIVE).count() == 4  # GET changes nothing
    # without the confirmation field (e.g. a form posted straight from the pool page) the page is shown again
    assert client.post(_url(pool), {"seat": [s.pk for s in seats]}).status_code == 200
    assert Seat.objects.filter(status=Seat.Status.ACTIVE).count() == 4
    response = client.post(_url(pool), {"seat": [s.pk for s in seats], "confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == f"/subscriptions/pools/{pool.pk}/"
    assert list(Seat.objects.filter(status=Seat.Status.ACTIVE)) == [other]
    assert len(outbox(template="subscriptions/emails/subscription_removed")) == 3


def test_sub7_pool_page_offers_checkboxes_and_remove_selected(client, manager, pool):
    seat = SeatFactory(pool=pool)
    client.force_login(manager)
    body = client.get(f"/subscriptions/pools/{pool.pk}/").content.decode()
    assert f'name="seat" value="{seat.pk}"' in body and f'action="{_url(pool)}"' in body
    assert "Remove selected" in body


def test_sub7_seats_of_another_pool_or_tenant_are_404_and_nothing_is_removed(client, manager, lid, pool, foreign_pool):
    mine = SeatFactory(pool=pool)
    sibling = SeatFactory(pool=PoolFactory(licensing_id=lid, product="msdn"))
    foreign = SeatFactory(pool=foreign_pool)
    client.force_login(manager)
    for intruder in (sibling, foreign):
        data = {"seat": [mine.pk, intruder.pk], "confirm": "yes"}
        assert client.get(_url(pool), {"seat": data["seat"]}).status_code == 404
        assert client.post(_url(pool), data).status_code == 404
    assert client.post(_url(foreign_pool), {"seat": [foreign.pk], "confirm": "yes"}).status_code == 404
    for bad in ("abc", "9" * 30, "-1"):
        assert client.post(_url(pool), {"seat": [mine.pk, bad], "confirm": "yes"}).status_code == 404
    assert Seat.objects.filter(status=Seat.Status.REMOVED).count() == 0


def test_sub7_empty_selection_goes_back_to_the_pool(client, manager, pool):
    client.force_login(manager)
    response = client.get(_url(pool))
    assert response.status_code == 302 and response["Location"] == f"/subscriptions/pools/{pool.pk}/"


def _remove_queries(client, pool, n) -> int:
    seats = [SeatFactory(pool=pool) for _ in range(n)]
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(_url(pool), {"seat": [s.pk for s in seats], "confirm": "yes"})
    assert response.status_code == 302
    assert Seat.objects.filter(pk__in=[s.pk for s in seats], status=Seat.Status.REMOVED).count() == n
    return len(ctx.captured_queries)


def test_sub7_multi_remove_query_count_does_not_depend_on_seats(client, manager, lid):
    client.force_login(manager)
    one = _remove_queries(client, PoolFactory(licensing_id=lid, quantity=100, product="msdn"), 1)
    fifty = _remove_queries(client, PoolFactory(licensing_id=lid, quantity=100, product="technet"), 50)
    assert one == fifty


def _pool_page_queries(client, pool, n) -> int:
    for _ in range(n):
        SeatFactory(pool=pool)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/subscriptions/pools/{pool.pk}/").status_code == 200
    return len(ctx.captured_queries)


def test_sub7_sub10_pool_page_query_count_does_not_depend_on_seats(client, manager, lid):
    client.force_login(manager)
    one = _pool_page_queries(client, PoolFactory(licensing_id=lid, quantity=100, product="msdn"), 1)
    fifty = _pool_page_queries(client, PoolFactory(licensing_id=lid, quantity=100, product="technet"), 50)
    assert one == fifty


def test_sub7_another_licence_manager_cannot_remove(client, lid, pool):
    seat = SeatFactory(pool=pool)
    stranger = grant(UserFactory(), LicensingIDFactory(), Role.SUBSCRIPTIONS_MANAGER)
    client.force_login(stranger)
    assert client.post(_url(pool), {"seat": [seat.pk], "confirm": "yes"}).status_code == 404
    seat.refresh_from_db()
    assert seat.status == Seat.Status.ACTIVE


# ---- SUB-10: seat state, resend, download switch, notification email, reference ----


def test_sub10_state_is_invited_until_the_subscriber_signs_in_after_assignment(client, manager, pool):
    from datetime import timedelta

    from django.utils import timezone

    seat = SeatFactory(pool=pool, email="new@example.com")
    user = UserFactory(email="new@example.com")
    user.last_login = seat.assigned_at - timedelta(days=1)  # signed in before the assignment only
    user.save(update_fields=["last_login"])
    assert not Seat.objects.with_state().get(pk=seat.pk).signed_in
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    assert Seat.objects.with_state().get(pk=seat.pk).signed_in
    by_business = SeatFactory(pool=pool, email="work@example.com")
    UserFactory(email="home@example.com", business_email="work@example.com", last_login=timezone.now())
    assert Seat.objects.with_state().get(pk=by_business.pk).signed_in
    client.force_login(manager)
    body = client.get(f"/subscriptions/pools/{pool.pk}/").content.decode()
    table = body[body.index('id="seats"') :]
    assert table.count(">signed in<") == 2 and ">invited<" not in table
    SeatFactory(pool=pool, email="nobody@example.com")  # no account yet
    table = client.get(f"/subscriptions/pools/{pool.pk}/").content.decode()
    assert table.count(">signed in<") == 2 and table.count(">invited<") == 1


def test_sub10_resend_emails_the_assignment_again_audited_and_limited(client, manager, pool, outbox, settings):
    settings.SEAT_RESEND_DAILY_LIMIT = 2
    seat = SeatFactory(pool=pool, email="lost@example.com")
    client.force_login(manager)
    url = f"/subscriptions/seats/{seat.pk}/resend/"
    assert client.get(url).status_code == 405
    for _ in range(3):
        assert client.post(url).status_code == 302
    sent = outbox(template="subscriptions/emails/subscription_assigned")
    assert [e.to_email for e in sent] == ["lost@example.com", "lost@example.com"]  # the third was refused
    assert AuditEvent.objects.filter(verb="subscription.assignment_resent", target_email=seat.email).count() == 2


def test_sub10_resend_of_another_tenants_or_removed_seat(client, manager, pool, foreign_pool, outbox):
    foreign = SeatFactory(pool=foreign_pool)
    removed = SeatFactory(pool=pool, status=Seat.Status.REMOVED)
    client.force_login(manager)
    assert client.post(f"/subscriptions/seats/{foreign.pk}/resend/").status_code == 404
    with pytest.raises(ApplicationError):
        services.seat_resend(seat=removed, actor=manager)
    reader = grant(UserFactory(), pool.licensing_id, Role.LICENSING_INFO)
    with pytest.raises(ApplicationError):
        services.seat_resend(seat=SeatFactory(pool=pool), actor=reader)
    assert outbox(template="subscriptions/emails/subscription_assigned") == []


def test_sub10_edit_sets_download_switch_notification_email_and_reference(client, manager, pool, outbox):
    seat = SeatFactory(pool=pool, email="dev@example.com")
    client.force_login(manager)
    url = f"/subscriptions/seats/{seat.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'name="downloads_enabled"' in page and 'name="notification_email"' in page and 'name="reference"' in page
    data = {"first_name": "Dee", "last_name": "V", "notification_email": "Ops@Example.com ", "reference": "PO-17"}
    assert client.post(url, data).status_code == 302  # the unticked box turns downloads off
    seat.refresh_from_db()
    assert (seat.downloads_enabled, seat.notification_email, seat.reference) == (False, "ops@example.com", "PO-17")
    event = AuditEvent.objects.get(verb="subscription.updated", target_email=seat.email)
    assert event.before["downloads_enabled"] is True and event.after["reference"] == "PO-17"
    assert client.post(url, {**data, "notification_email": "not-an-email"}).status_code == 400
    services.seat_resend(seat=seat, actor=manager)  # the seat's emails go to its notification email
    services.seats_remove(pool=pool, seat_ids=[seat.pk], actor=manager)
    assert [e.to_email for e in outbox()] == ["ops@example.com", "ops@example.com"]


def test_sub10_my_benefits_respects_the_download_switch(client, pool):
    user = UserFactory(email="me@example.com", first_name="Me", last_name="Myself")
    seat = SeatFactory(pool=pool, email="me@example.com")
    client.force_login(user)
    assert "Turned off by your administrator" not in client.get("/subscriptions/my-benefits/").content.decode()
    seat.downloads_enabled = False
    seat.save(update_fields=["downloads_enabled"])
    assert "Turned off by your administrator" in client.get("/subscriptions/my-benefits/").content.decode()


# ---- SUB-9: Contact my admin ----


@pytest.fixture
def subscriber(pool):
    user = UserFactory(email="sam@example.com", first_name="Sam", last_name="Subscriber", language="en")
    return user, SeatFactory(pool=pool, email="sam@example.com")


def test_sub9_subscriber_writes_to_the_pools_managers_through_the_outbox_without_learning_names(
    client, lid, pool, subscriber, outbox
):
    user, seat = subscriber
    grant(
        UserFactory(email="mo@example.com", first_name="Morgan", last_name="Manager"), lid, Role.SUBSCRIPTIONS_MANAGER
    )
    grant(
        UserFactory(email="ad@example.com", first_name="Adele", last_name="Admin", language="fr"),
        lid,
        Role.ADMINISTRATOR,
    )
    grant(UserFactory(email="dl@example.com"), lid, Role.DOWNLOAD)  # not a manager: not written to
    client.force_login(user)
    benefits = client.get("/subscriptions/my-benefits/").content.decode()
    url = f"/subscriptions/my-benefits/{seat.pk}/contact/"
    assert url in benefits
    form = client.get(url).content.decode()
    response = client.post(url, {"message": "Please renew\nmy subscription"}, follow=True)
    assert response.status_code == 200
    for page in (benefits, form, response.content.decode()):
        for secret in ("Morgan", "Adele", "mo@example.com", "ad@example.com"):
            assert secret not in page
    sent = outbox(template="subscriptions/emails/contact_admin")
    assert {(e.to_email, e.language) for e in sent} == {("mo@example.com", "en"), ("ad@example.com", "fr")}
    for email in sent:
        assert "renew" not in email.subject and "Sam" not in email.subject  # SEC-8: never the subject's lead
        assert "> " in email.body_text and "Please renew my subscription" in email.body_text
        assert "sam@example.com" in email.body_text
    event = AuditEvent.objects.get(verb="subscription.admin_contacted")
    assert event.actor == user and event.detail == "recipients=2"


def test_sub9_only_the_subscriber_may_write_about_a_seat(client, pool, subscriber, outbox):
    _, seat = subscriber
    someone = UserFactory(email="else@example.com")
    client.force_login(someone)
    url = f"/subscriptions/my-benefits/{seat.pk}/contact/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"message": "hi"}).status_code == 404
    with pytest.raises(ApplicationError):
        services.seat_contact_admins(seat=seat, sender=someone, message="hi")
    assert outbox() == []


def test_sub9_contact_is_rate_limited_per_subscriber(client, lid, pool, subscriber, outbox, settings):
    from django.core.cache import caches

    caches["default"].clear()
    settings.USER_TEXT_EMAIL_LIMITS_ENABLED = True
    settings.USER_TEXT_EMAIL_LIMIT_PER_USER = 2
    user, seat = subscriber
    grant(UserFactory(email="mo@example.com"), lid, Role.SUBSCRIPTIONS_MANAGER)
    client.force_login(user)
    url = f"/subscriptions/my-benefits/{seat.pk}/contact/"
    assert [client.post(url, {"message": f"try {n}"}).status_code for n in range(3)] == [302, 302, 400]
    assert len(outbox(template="subscriptions/emails/contact_admin")) == 2
    caches["default"].clear()
