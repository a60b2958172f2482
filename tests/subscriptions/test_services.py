import pytest
from django.core import mail

from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from notifications.models import OutgoingEmail
from permissions.models import OPEN_LICENSE_ROLES, Role
from subscriptions import selectors, services
from subscriptions.models import Seat, SubscriptionPool
from tests.factories import LicensingIDFactory, OpenLicenseFactory, PoolFactory, SeatFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


def _assign(pool, actor, email="ada@example.com", **kw):
    return services.seat_assign(pool=pool, actor=actor, email=email, obligation_confirmed=True, **kw)


def test_pool_counts_assigned_and_free_seats(manager, pool):  # SUB-1
    SeatFactory.create_batch(3, pool=pool)
    SeatFactory(pool=pool, status=Seat.Status.REMOVED)
    row = selectors.pool_get(user=manager, pk=pool.pk)
    assert (row.quantity, row.assigned, row.free_seats) == (10, 3, 7)


def test_manager_assigns_a_named_person_with_audit_and_email(manager, pool):  # SUB-2 SUB-4
    seat = _assign(pool, manager, email=" Ada@Example.com ", first_name="Ada", last_name="Lovelace")
    assert (seat.email, seat.status, seat.over_assigned) == ("ada@example.com", Seat.Status.ACTIVE, False)
    assert seat.obligation_confirmed_at is not None
    assert AuditEvent.objects.filter(
        verb="subscription.assigned", target_email="ada@example.com", licensing_id=pool.licensing_id
    ).exists()
    row = OutgoingEmail.objects.get(template="subscriptions/emails/subscription_assigned")
    assert row.to_email == "ada@example.com"
    assert "/subscriptions/my-benefits/" in row.body_text
    assert "Visual Studio Professional" in row.subject


def test_assignment_needs_the_obligation_to_purchase_confirmed(manager, pool):  # SUB-2
    with pytest.raises(ApplicationError, match="obligation to purchase"):
        services.seat_assign(pool=pool, actor=manager, email="a@example.com", obligation_confirmed=False)
    with pytest.raises(ApplicationError):
        services.seats_bulk_assign(
            pool=pool,
            actor=manager,
            obligation_confirmed=False,
            rows=[services.BulkRow(line=2, email="a@example.com")],
        )
    assert not Seat.objects.exists()


def test_administrator_and_open_license_partner_may_assign_others_may_not(tenant):  # SUB-2 OPEN-3
    open_license = OpenLicenseFactory(licensing_id__organization=tenant)
    pool = PoolFactory(licensing_id=open_license.licensing_id)
    admin = grant(UserFactory(), pool.licensing_id, Role.ADMINISTRATOR)
    partner = grant(UserFactory(), pool.licensing_id, *OPEN_LICENSE_ROLES)
    reader = grant(UserFactory(), pool.licensing_id, Role.LICENSING_INFO)
    _assign(pool, admin, email="one@example.com")
    _assign(pool, partner, email="two@example.com")
    with pytest.raises(ApplicationError):
        _assign(pool, reader, email="three@example.com")
    assert Seat.objects.count() == 2


def test_parent_administrator_may_assign_on_a_child(tenant):  # SUB-2 PERM-8
    parent = LicensingIDFactory(organization=tenant, program="mbsa")
    child = LicensingIDFactory(organization=tenant, parent=parent)
    pool = PoolFactory(licensing_id=child)
    _assign(pool, grant(UserFactory(), parent, Role.ADMINISTRATOR))
    assert Seat.objects.count() == 1


def test_same_email_twice_in_a_pool_is_refused(manager, pool):  # SUB-2
    _assign(pool, manager)
    with pytest.raises(ApplicationError, match="already has a subscription"):
        _assign(pool, manager, email="ADA@example.com")


def test_invalid_email_is_refused(manager, pool):  # SUB-2
    with pytest.raises(ApplicationError, match="valid email"):
        _assign(pool, manager, email="not-an-email")


def test_over_assignment_is_refused_when_the_pool_refuses(manager, lid):  # SUB-3
    pool = PoolFactory(licensing_id=lid, quantity=1)
    _assign(pool, manager, email="a@example.com")
    with pytest.raises(ApplicationError, match="1 subscriptions and 0 free"):
        _assign(pool, manager, email="b@example.com")
    assert pool.seats.count() == 1


def test_over_assignment_is_flagged_when_the_pool_allows_it(manager, lid):  # SUB-3
    pool = PoolFactory(licensing_id=lid, quantity=1, over_assignment=SubscriptionPool.OverAssignment.ALLOW_AND_FLAG)
    first = _assign(pool, manager, email="a@example.com")
    extra = _assign(pool, manager, email="b@example.com")
    assert (first.over_assigned, extra.over_assigned) == (False, True)
    assert selectors.pool_get(user=manager, pk=pool.pk).flagged == 1
    services.seat_remove(seat=first, actor=manager)  # back within quantity: the flag is lifted
    extra.refresh_from_db()
    assert extra.over_assigned is False


def test_edit_changes_the_name_only(manager, pool):  # SUB-2
    seat = _assign(pool, manager, first_name="A")
    services.seat_update(seat=seat, actor=manager, first_name="Ada", last_name="Lovelace")
    seat.refresh_from_db()
    assert (seat.email, seat.full_name) == ("ada@example.com", "Ada Lovelace")
    assert AuditEvent.objects.filter(verb="subscription.updated").exists()


def test_reassign_gives_the_seat_to_another_person_and_emails_them(manager, pool):  # SUB-2 SUB-4
    seat = _assign(pool, manager)
    services.seat_reassign(
        seat=seat, actor=manager, email="grace@example.com", first_name="Grace", obligation_confirmed=True
    )
    seat.refresh_from_db()
    assert seat.email == "grace@example.com"
    assert pool.seats.filter(status=Seat.Status.ACTIVE).count() == 1
    assert OutgoingEmail.objects.filter(to_email="grace@example.com").count() == 1
    event = AuditEvent.objects.get(verb="subscription.reassigned")
    assert (event.before["email"], event.after["email"]) == ("ada@example.com", "grace@example.com")
    with pytest.raises(ApplicationError):
        services.seat_reassign(seat=seat, actor=manager, email="x@example.com", obligation_confirmed=False)


def test_remove_frees_the_seat_and_can_be_assigned_again(manager, lid):  # SUB-2
    pool = PoolFactory(licensing_id=lid, quantity=1)
    seat = _assign(pool, manager)
    services.seat_remove(seat=seat, actor=manager)
    seat.refresh_from_db()
    assert seat.status == Seat.Status.REMOVED and seat.removed_at
    _assign(pool, manager)  # same person again, and the seat is free again
    with pytest.raises(ApplicationError):
        services.seat_remove(seat=seat, actor=manager)


def test_subscriber_email_is_in_their_account_language(manager, pool):  # SUB-4 NOTE-3
    UserFactory(email="francois@example.com", language="fr")
    services.seats_bulk_assign(
        pool=pool,
        actor=manager,
        obligation_confirmed=True,
        rows=[
            services.BulkRow(line=2, email="francois@example.com"),
            services.BulkRow(line=3, email="new@example.com"),
        ],
    )
    fr = OutgoingEmail.objects.get(to_email="francois@example.com")
    en = OutgoingEmail.objects.get(to_email="new@example.com")
    assert (fr.language, en.language) == ("fr", "en")
    assert "Register with this email address" in en.body_text


def test_low_seats_alert_is_sent_once_per_crossing_and_rearmed(manager, lid, member):  # SUB-1
    admin = grant(UserFactory(language="fr"), lid, Role.ADMINISTRATOR)
    pool = PoolFactory(licensing_id=lid, quantity=4, low_seats_threshold=2)
    alerts = lambda: list(OutgoingEmail.objects.filter(template="subscriptions/emails/low_seats"))  # noqa: E731
    first = _assign(pool, manager, email="a@example.com")
    assert alerts() == []
    _assign(pool, manager, email="b@example.com")  # 2 free: crossing
    assert sorted((r.to_email, r.language) for r in alerts()) == sorted(
        [(manager.business_email, "en"), (admin.business_email, "fr")]
    )
    _assign(pool, manager, email="c@example.com")  # still below: no second alert
    assert len(alerts()) == 2
    services.seat_remove(seat=first, actor=manager)  # 2 free: still at the threshold, not re-armed
    pool.refresh_from_db()
    assert pool.low_seats_alerted is True
    services.seat_remove(seat=Seat.objects.get(email="b@example.com"), actor=manager)  # 3 free: re-armed
    pool.refresh_from_db()
    assert pool.low_seats_alerted is False
    _assign(pool, manager, email="d@example.com")
    assert len(alerts()) == 4


def test_bulk_assign_is_all_or_nothing_and_reports_every_bad_row(manager, pool):  # SUB-3
    SeatFactory(pool=pool, email="taken@example.com")
    rows = [
        services.BulkRow(line=2, email="ok@example.com"),
        services.BulkRow(line=3, email="bad-email"),
        services.BulkRow(line=4, email="dup@example.com"),
        services.BulkRow(line=5, email="DUP@example.com"),
        services.BulkRow(line=6, email="taken@example.com"),
        services.BulkRow(line=7, email=""),
    ]
    with pytest.raises(services.BulkRejected) as exc:
        services.seats_bulk_assign(pool=pool, rows=rows, actor=manager, obligation_confirmed=True)
    lines = [e.line for e in exc.value.errors]
    assert lines == [3, 5, 6, 7]
    assert "also on line 4" in exc.value.errors[1].message
    assert "already has a subscription" in exc.value.errors[2].message
    assert pool.seats.count() == 1
    assert not OutgoingEmail.objects.exists()


def test_bulk_over_the_pool_is_refused_as_a_whole(manager, lid):  # SUB-3
    pool = PoolFactory(licensing_id=lid, quantity=2)
    rows = [services.BulkRow(line=i, email=f"p{i}@example.com") for i in range(2, 5)]
    with pytest.raises(services.BulkRejected) as exc:
        services.seats_bulk_assign(pool=pool, rows=rows, actor=manager, obligation_confirmed=True)
    assert "2 subscriptions and 2 free; 3 more cannot be assigned" in exc.value.errors[0].message
    assert not pool.seats.exists()


def test_bulk_over_an_allowing_pool_flags_the_extra_rows(manager, lid):  # SUB-3
    pool = PoolFactory(licensing_id=lid, quantity=2, over_assignment=SubscriptionPool.OverAssignment.ALLOW_AND_FLAG)
    rows = [services.BulkRow(line=i, email=f"p{i}@example.com") for i in range(2, 5)]
    seats = services.seats_bulk_assign(pool=pool, rows=rows, actor=manager, obligation_confirmed=True)
    assert [s.over_assigned for s in seats] == [False, False, True]


@pytest.mark.parametrize("n", [10, 1000])
def test_bulk_assign_query_count_does_not_depend_on_rows(manager, lid, n, django_assert_num_queries):  # SUB-3
    pool = PoolFactory(licensing_id=lid, quantity=2000)
    rows = [
        services.BulkRow(line=i + 2, email=f"person{i}@example.com", first_name="P", last_name=str(i)) for i in range(n)
    ]
    with django_assert_num_queries(BULK_QUERIES):
        seats = services.seats_bulk_assign(pool=pool, rows=rows, actor=manager, obligation_confirmed=True)
    assert len(seats) == n == pool.seats.filter(status=Seat.Status.ACTIVE).count()
    assert OutgoingEmail.objects.filter(template="subscriptions/emails/subscription_assigned").count() == n


# The same number for 10 and for 1,000 rows (the parametrised test above runs both): savepoint, pool lock,
# active count, grants (policy), already-assigned emails, seat INSERT, audit INSERT, webhook endpoints subscribed
# to seat events (API-4; none here), account languages, outbox INSERT, release.
BULK_QUERIES = 11


def test_outbox_rows_are_sent_after_commit(manager, pool, django_capture_on_commit_callbacks):  # SUB-4 NOTE-1
    with django_capture_on_commit_callbacks(execute=True):
        services.seats_bulk_assign(
            pool=pool,
            actor=manager,
            obligation_confirmed=True,
            rows=[
                services.BulkRow(line=2, email="a@example.com"),
                services.BulkRow(line=3, email="b@example.com"),
            ],
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_cannot_overshoot_the_pool(tenant):  # SUB-3
    import threading

    from django.db import connection

    lid = LicensingIDFactory(organization=tenant)
    manager = grant(UserFactory(), lid, Role.SUBSCRIPTIONS_MANAGER)
    pool = PoolFactory(licensing_id=lid, quantity=1)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def worker(i):
        try:
            barrier.wait()
            _assign(
                pool,
                UserFactory.build(
                    pk=manager.pk,
                    email=manager.email,
                    business_email=manager.email,
                    business_email_verified_at=manager.business_email_verified_at,
                ),
                email=f"racer{i}@example.com",
            )
            outcomes.append("ok")
        except ApplicationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert pool.seats.filter(status=Seat.Status.ACTIVE).count() == 1
