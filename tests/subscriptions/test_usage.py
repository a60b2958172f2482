"""SUB-8 Maximum usage: daily snapshots, peaks of the last 12 months and of the agreement term, CSV export,
Open License pools never over-assigned, and the over-allocation notice emailed once per crossing."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import LicensingID, Program
from licensing_portal.errors import ApplicationError
from notifications.models import OutgoingEmail
from permissions.models import Role
from subscriptions import selectors, services, tasks
from subscriptions.models import PoolUsageSnapshot, Seat, SubscriptionPool
from tests.factories import LicensingIDFactory, PoolFactory, SeatFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

DAY = datetime.date


def _assign(pool, actor, email):
    return services.seat_assign(pool=pool, actor=actor, email=email, obligation_confirmed=True)


def _pools(organization, count):
    lids = LicensingID.objects.bulk_create(
        [
            LicensingID(organization=organization, number=f"S{count}-{i}", program=Program.ENTERPRISE)
            for i in range(count)
        ]
    )
    pools = SubscriptionPool.objects.bulk_create(
        [SubscriptionPool(licensing_id=lid, product="vs_enterprise", quantity=5) for lid in lids]
    )
    for pool in pools[:3]:
        SeatFactory(pool=pool)
    return pools


def _snapshot_queries():
    with CaptureQueriesContext(connection) as ctx:
        tasks.pool_usage_snapshot_task()
    return len(ctx.captured_queries)


def test_sub8_snapshot_task_for_1000_pools_runs_in_constant_queries(tenant, other_tenant):
    _pools(other_tenant, 10)
    small = _snapshot_queries()
    assert PoolUsageSnapshot.objects.count() == 10
    _pools(tenant, 990)
    large = _snapshot_queries()
    assert PoolUsageSnapshot.objects.count() == 1000
    assert large == small <= 3  # one aggregate read, one upsert (batches of SNAPSHOT_BATCH)
    assert PoolUsageSnapshot.objects.filter(assigned=1).count() == 6  # three seats in each set of pools
    assert set(PoolUsageSnapshot.objects.values_list("quantity", flat=True)) == {5}


def test_sub8_a_second_run_the_same_day_keeps_one_row_with_the_later_counts(pool, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC))
    services.pool_usage_snapshot_all()
    SeatFactory(pool=pool)
    services.pool_usage_snapshot_all()
    assert list(PoolUsageSnapshot.objects.values_list("day", "assigned", "quantity")) == [(DAY(2026, 3, 1), 1, 10)]


def test_sub8_removed_seats_are_not_counted(pool):
    SeatFactory(pool=pool)
    SeatFactory(pool=pool, status=Seat.Status.REMOVED)
    services.pool_usage_snapshot_all(day=DAY(2026, 1, 1))
    assert PoolUsageSnapshot.objects.get().assigned == 1


def _usage_history(pool, time_machine, history):
    """Move through the days of `history` ({day: assigned}), setting the pool's active seats and snapshotting."""
    for day, assigned in sorted(history.items()):
        time_machine.move_to(datetime.datetime.combine(day, datetime.time(23, 50), tzinfo=datetime.UTC))
        active = list(pool.seats.filter(status=Seat.Status.ACTIVE))
        for seat in active[assigned:]:
            seat.status = Seat.Status.REMOVED
            seat.save(update_fields=["status"])
        for _ in range(assigned - len(active)):
            SeatFactory(pool=pool)
        tasks.pool_usage_snapshot_task()


@pytest.fixture
def termed_pool(tenant):
    lid = LicensingIDFactory(organization=tenant, start_date=DAY(2024, 7, 1), end_date=DAY(2027, 6, 30))
    return PoolFactory(licensing_id=lid, quantity=10)


def test_sub8_peaks_of_last_12_months_and_of_the_term_with_their_dates(termed_pool, time_machine):
    _usage_history(
        termed_pool,
        time_machine,
        {
            DAY(2024, 6, 20): 12,  # before the term: counts for neither peak by 2026
            DAY(2024, 9, 3): 9,  # the term's peak, more than 12 months ago
            DAY(2025, 11, 30): 8,  # exactly 12 months before "today": outside the year
            DAY(2025, 12, 1): 7,  # first day of the 12 months
            DAY(2026, 2, 14): 7,  # same peak again later: the first day is reported
            DAY(2026, 5, 1): 3,
        },
    )
    usage = selectors.pool_usage(pool=termed_pool, today=DAY(2026, 11, 30))
    assert usage.year_start == DAY(2025, 12, 1)
    assert (usage.year_peak.assigned, usage.year_peak.day) == (7, DAY(2025, 12, 1))
    assert (usage.term_peak.assigned, usage.term_peak.day, usage.term_peak.quantity) == (9, DAY(2024, 9, 3), 10)


def test_sub8_term_peak_ends_with_the_term_and_needs_a_start_date(tenant):
    lid = LicensingIDFactory(organization=tenant, start_date=DAY(2025, 1, 1), end_date=DAY(2025, 12, 31))
    pool = PoolFactory(licensing_id=lid)
    PoolUsageSnapshot.objects.create(pool=pool, day=DAY(2025, 6, 1), assigned=4, quantity=10)
    PoolUsageSnapshot.objects.create(pool=pool, day=DAY(2026, 1, 5), assigned=6, quantity=10)  # after the term
    usage = selectors.pool_usage(pool=pool, today=DAY(2026, 2, 1))
    assert (usage.term_peak.assigned, usage.year_peak.assigned) == (4, 6)
    lid.start_date = None
    lid.save(update_fields=["start_date"])
    pool.refresh_from_db()
    assert selectors.pool_usage(pool=pool, today=DAY(2026, 2, 1)).term_peak is None


def test_sub8_usage_page_shows_both_peaks_and_is_linked_from_the_pool(client, manager, termed_pool, time_machine):
    _usage_history(termed_pool, time_machine, {DAY(2024, 9, 3): 9, DAY(2026, 2, 14): 6})
    grant(manager, termed_pool.licensing_id, Role.SUBSCRIPTIONS_MANAGER)
    client.force_login(manager)
    url = reverse("subscriptions:pool_usage", args=[termed_pool.pk])
    assert url in client.get(reverse("subscriptions:pool_detail", args=[termed_pool.pk])).content.decode()
    html = client.get(url).content.decode()
    year, term = html.split('id="peak-year"')[1].split('id="peak-term"')
    assert "<td>6</td>" in year and "02/14/2026" in year
    assert "<td>9</td>" in term and "09/03/2024" in term


def test_sub8_usage_pages_are_404_for_a_pool_of_another_customer(client, manager, foreign_pool):
    client.force_login(manager)
    for name in ("subscriptions:pool_usage", "subscriptions:pool_usage_export"):
        assert client.get(reverse(name, args=[foreign_pool.pk])).status_code == 404


def test_sub8_usage_csv_lists_daily_snapshots_formula_safe(client, manager, tenant, time_machine):
    lid = LicensingIDFactory(organization=tenant, number="=HYPERLINK(1)", start_date=DAY(2023, 1, 1))
    pool = PoolFactory(licensing_id=lid, quantity=10)
    PoolUsageSnapshot.objects.create(pool=pool, day=DAY(2022, 12, 31), assigned=1, quantity=10)  # before the term
    PoolUsageSnapshot.objects.create(pool=pool, day=DAY(2023, 3, 1), assigned=4, quantity=10)
    PoolUsageSnapshot.objects.create(pool=pool, day=DAY(2026, 11, 29), assigned=11, quantity=10)
    grant(manager, lid, Role.SUBSCRIPTIONS_MANAGER)
    time_machine.move_to(datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC))
    client.force_login(manager)
    response = client.get(reverse("subscriptions:pool_usage_export", args=[pool.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        ["Licensing ID", "Product", "Day", "Assigned", "Purchased"],
        ["'=HYPERLINK(1)", "Visual Studio Professional", "2023-03-01", "4", "10"],
        ["'=HYPERLINK(1)", "Visual Studio Professional", "2026-11-29", "11", "10"],
    ]


@pytest.fixture
def open_license_pool(tenant):
    lid = LicensingIDFactory(organization=tenant, program=Program.OPEN_LICENSE)
    return PoolFactory(licensing_id=lid, quantity=1, over_assignment=SubscriptionPool.OverAssignment.ALLOW_AND_FLAG)


def test_sub8_open_license_pool_refuses_one_over_assignment_whatever_its_setting(open_license_pool):
    manager = grant(UserFactory(), open_license_pool.licensing_id, Role.SUBSCRIPTIONS_MANAGER)
    _assign(open_license_pool, manager, "first@example.com")
    with pytest.raises(ApplicationError) as exc:
        _assign(open_license_pool, manager, "second@example.com")
    assert "Open License subscriptions are never assigned beyond the purchased quantity" in exc.value.message
    assert list(open_license_pool.seats.values_list("email", flat=True)) == ["first@example.com"]
    assert not OutgoingEmail.objects.filter(to_email="second@example.com").exists()


def test_sub8_open_license_pool_refuses_a_bulk_file_beyond_the_quantity(open_license_pool):
    manager = grant(UserFactory(), open_license_pool.licensing_id, Role.SUBSCRIPTIONS_MANAGER)
    rows = [services.BulkRow(line=i, email=f"p{i}@example.com") for i in (2, 3)]
    with pytest.raises(services.BulkRejected) as exc:
        services.seats_bulk_assign(pool=open_license_pool, rows=rows, actor=manager, obligation_confirmed=True)
    assert "Open License" in exc.value.errors[0].message
    assert not open_license_pool.seats.exists()
    assert not OutgoingEmail.objects.exists()


def test_sub8_open_license_refusal_shows_a_clear_error_in_the_form(client, open_license_pool):
    manager = grant(UserFactory(), open_license_pool.licensing_id, Role.SUBSCRIPTIONS_MANAGER)
    SeatFactory(pool=open_license_pool)
    client.force_login(manager)
    response = client.post(
        reverse("subscriptions:seat_assign", args=[open_license_pool.pk]),
        {"email": "extra@example.com", "confirm_obligation": "on"},
    )
    assert response.status_code == 400
    assert "never assigned beyond the purchased quantity" in response.content.decode()
    assert open_license_pool.seats.count() == 1


def test_sub8_other_pools_keep_their_allow_and_flag_setting(manager, lid):
    pool = PoolFactory(licensing_id=lid, quantity=1, over_assignment=SubscriptionPool.OverAssignment.ALLOW_AND_FLAG)
    _assign(pool, manager, "a@example.com")
    assert _assign(pool, manager, "b@example.com").over_assigned is True


def _notices():
    return list(OutgoingEmail.objects.filter(template="subscriptions/emails/over_allocation").order_by("id"))


def test_sub8_over_allocation_notice_is_emailed_once_per_crossing(manager, lid):
    admin = grant(UserFactory(language="fr"), lid, Role.ADMINISTRATOR)
    pool = PoolFactory(
        licensing_id=lid,
        quantity=1,
        over_assignment=SubscriptionPool.OverAssignment.ALLOW_AND_FLAG,
        over_allocation_threshold=2,
    )
    _assign(pool, manager, "a@example.com")
    _assign(pool, manager, "b@example.com")  # one beyond: below the threshold
    assert _notices() == []
    third = _assign(pool, manager, "c@example.com")  # two beyond: crossing
    assert sorted((n.to_email, n.language) for n in _notices()) == sorted(
        [(manager.business_email, "en"), (admin.business_email, "fr")]
    )
    french = next(n for n in _notices() if n.language == "fr")
    assert "au-delà de la quantité achetée" in french.subject
    _assign(pool, manager, "d@example.com")  # still above: no second notice
    assert len(_notices()) == 2
    services.seat_remove(seat=third, actor=manager)  # back to two beyond: still crossed
    pool.refresh_from_db()
    assert pool.over_allocation_alerted is True
    services.seats_remove(pool=pool, seat_ids=[Seat.objects.get(email="d@example.com").pk], actor=manager)
    pool.refresh_from_db()
    assert pool.over_allocation_alerted is False  # fell back below: re-armed
    services.seats_bulk_assign(
        pool=pool,
        rows=[services.BulkRow(line=2, email="e@example.com")],
        actor=manager,
        obligation_confirmed=True,
    )
    assert len(_notices()) == 4


def test_sub8_zero_threshold_never_notifies_and_setting_it_checks_at_once(manager, lid):
    pool = PoolFactory(licensing_id=lid, quantity=0, over_assignment=SubscriptionPool.OverAssignment.ALLOW_AND_FLAG)
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        _assign(pool, manager, email)
    assert _notices() == []
    services.pool_update(pool=pool, actor=manager, low_seats_threshold=0, over_allocation_threshold=3)
    assert [n.to_email for n in _notices()] == [manager.business_email]
    services.pool_update(pool=pool, actor=manager, low_seats_threshold=0)  # absent: threshold unchanged
    pool.refresh_from_db()
    assert (pool.over_allocation_threshold, pool.over_allocation_alerted) == (3, True)


def test_sub8_threshold_is_set_from_the_pool_settings_form(client, manager, pool):
    client.force_login(manager)
    client.post(
        reverse("subscriptions:pool_settings", args=[pool.pk]),
        {"low_seats_threshold": "1", "over_allocation_threshold": "4"},
    )
    pool.refresh_from_db()
    assert pool.over_allocation_threshold == 4


def test_sub8_snapshot_task_is_scheduled_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["pool-usage-snapshot"]
    assert entry["task"] == "subscriptions.tasks.pool_usage_snapshot_task"
    assert entry["schedule"].hour == {23}
