"""Agreement expiry (AGR-7): nightly notices at 120/60/30/7 days, once per threshold, in each recipient's language,
through the outbox; the agreements list's expiry column, filter and banner. Time is moved with time-machine."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from agreements.expiry import THRESHOLDS, expiry_notices_send, expiry_recipients, threshold_for
from agreements.models import ExpiryNotice, LicensingID, OrganizationMember, Program
from agreements.tasks import expiry_notices_task
from partners.models import ResellerRelationship
from permissions.models import Role
from tests.factories import LicensingIDFactory, OpenLicenseFactory, OrganizationFactory, UserFactory, grant

pytestmark = pytest.mark.django_db
TEMPLATE = "agreements/emails/expiry_notice"
TODAY = date(2027, 1, 10)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(timezone.make_aware(timezone.datetime(2027, 1, 10, 6, 5)), tick=False)
    return TODAY


@pytest.fixture
def ending(tenant, today):
    """A licensing ID ending 120 days from today, with an administrator (French), a Subscriptions Manager and a
    reseller partner (active relationship) whose administrator reads English."""
    lid = LicensingIDFactory(organization=tenant, number="E5000001", end_date=today + timedelta(days=120))
    grant(UserFactory(email="admin@contoso.example", language="fr"), lid, Role.ADMINISTRATOR)
    grant(UserFactory(email="subs@contoso.example"), lid, Role.SUBSCRIPTIONS_MANAGER)
    partner = OrganizationFactory(name="Resellers Inc", kind="partner")
    OrganizationMember.objects.create(
        organization=partner, user=UserFactory(email="boss@reseller.example"), is_admin=True
    )
    relationship = ResellerRelationship.objects.create(
        partner=partner, customer=tenant, status=ResellerRelationship.Status.ACTIVE
    )
    relationship.administered_licences.add(lid)
    return lid


def test_thresholds_are_120_60_30_7():  # AGR-7
    assert THRESHOLDS == (7, 30, 60, 120)
    assert [threshold_for(d) for d in (121, 120, 100, 60, 45, 30, 8, 7, 0)] == [None, 120, 120, 60, 60, 30, 30, 7, 7]


def test_notice_goes_to_admins_subscription_managers_and_reseller_in_their_language(ending, outbox):  # AGR-7
    assert expiry_notices_task() == 1
    sent = {e.to_email: e for e in outbox(template=TEMPLATE)}
    assert set(sent) == {"admin@contoso.example", "subs@contoso.example", "boss@reseller.example"}
    assert (
        sent["admin@contoso.example"].language == "fr"
        and "expire dans 120 jours" in sent["admin@contoso.example"].subject
    )
    assert "ends in 120 days" in sent["boss@reseller.example"].subject
    assert ExpiryNotice.objects.get().threshold_days == 120


def test_open_license_reseller_is_told_too(tenant, today, outbox):  # AGR-7 AGR-5
    ol = OpenLicenseFactory(reseller_email="shop@reseller.example", licensing_id__organization=tenant)
    LicensingID.objects.filter(pk=ol.licensing_id_id).update(end_date=today + timedelta(days=7))
    assert "shop@reseller.example" in {
        to for to, _lang in expiry_recipients(LicensingID.objects.get(pk=ol.licensing_id_id))
    }
    expiry_notices_send()
    assert outbox(template=TEMPLATE, to_email="shop@reseller.example")


def test_each_threshold_once_and_a_rerun_sends_nothing(ending, today, time_machine, outbox):  # AGR-7
    per_run = len(expiry_recipients(ending))
    expiry_notices_task()
    expiry_notices_task()  # idempotent: twice -> one email each
    assert len(outbox(template=TEMPLATE)) == per_run
    for days_left in (100, 60, 59, 30, 7, 3):
        time_machine.move_to(
            timezone.make_aware(timezone.datetime.combine(ending.end_date, timezone.datetime.min.time()))
            - timedelta(days=days_left)
            + timedelta(hours=6),
            tick=False,
        )
        expiry_notices_task()
        expiry_notices_task()
    assert sorted(ExpiryNotice.objects.values_list("threshold_days", flat=True)) == [7, 30, 60, 120]
    assert len(outbox(template=TEMPLATE)) == 4 * per_run


def test_missed_nights_catch_up_with_the_nearest_threshold_only(ending, today, outbox):  # AGR-7
    expiry_notices_send(today=ending.end_date - timedelta(days=20))
    assert list(ExpiryNotice.objects.values_list("threshold_days", flat=True)) == [30]


def test_renewal_starts_the_thresholds_again(ending, today):  # AGR-7
    expiry_notices_send()
    ending.end_date = today + timedelta(days=119)
    ending.save(update_fields=["end_date"])
    assert expiry_notices_send() == 1  # a new end date, a new 120-day notice


def test_inactive_expired_and_far_ids_are_not_notified(tenant, today, outbox):  # AGR-7
    LicensingIDFactory(organization=tenant, end_date=today + timedelta(days=30), status="inactive")
    LicensingIDFactory(organization=tenant, end_date=today - timedelta(days=1))
    LicensingIDFactory(organization=tenant, end_date=today + timedelta(days=121))
    LicensingIDFactory(organization=tenant, end_date=None)
    assert expiry_notices_send() == 0 and not outbox(template=TEMPLATE)


# --- the agreements list ------------------------------------------------------------------------------------------


def _list(client, **query):
    return client.get("/agreements/", query).content.decode()


def test_list_shows_expiry_column_banner_and_expired_status(client, member, tenant, today):  # AGR-7
    soon = grant(
        member,
        LicensingIDFactory(organization=tenant, number="E6000001", end_date=today + timedelta(days=20)),
        Role.LICENSING_INFO,
    )
    del soon
    for number, end in (("E6000002", today - timedelta(days=1)), ("E6000003", today + timedelta(days=300))):
        grant(member, LicensingIDFactory(organization=tenant, number=number, end_date=end), Role.LICENSING_INFO)
    client.force_login(member)
    body = _list(client)
    assert "Expiry" in body and "2027-01-30" in body and "in 20 days" in body
    assert 'data-testid="expiry-banner"' in body
    assert "1 licensing ID ends within 30 days." in body and "1 licensing ID has expired." in body
    assert "badge text-bg-danger" in body  # E6000002 shows as expired though its status is active


def test_list_filter_expiring_within_n_days_and_expired(client, member, tenant, today):  # AGR-7
    for number, end in (("E6000001", 5), ("E6000002", 50), ("E6000003", -3), ("E6000004", 400)):
        grant(
            member,
            LicensingIDFactory(organization=tenant, number=number, end_date=today + timedelta(days=end)),
            Role.LICENSING_INFO,
        )
    client.force_login(member)
    within_60 = _list(client, expiry="60")
    assert "E6000001" in within_60 and "E6000002" in within_60 and "E6000003" not in within_60
    assert "E6000004" not in within_60
    within_7 = _list(client, expiry="7")
    assert "E6000001" in within_7 and "E6000002" not in within_7
    expired = _list(client, expiry="expired")
    assert "E6000003" in expired and "E6000001" not in expired
    assert "E6000004" in _list(client, expiry="nonsense")  # an unknown filter is no filter


def test_list_in_french(client, member, tenant, today):  # AGR-7 ACC-5
    member.language = "fr"
    member.save(update_fields=["language"])
    grant(member, LicensingIDFactory(organization=tenant, end_date=today - timedelta(days=2)), Role.LICENSING_INFO)
    client.force_login(member)
    body = client.get("/agreements/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Expiré" in body or "expiré" in body


def test_list_marks_expiry_after_midnight_without_a_stale_cache(client, member, tenant, today, time_machine):  # AGR-7
    grant(member, LicensingIDFactory(organization=tenant, number="E6000009", end_date=today), Role.LICENSING_INFO)
    client.force_login(member)
    assert "badge text-bg-danger" not in _list(client)
    time_machine.shift(timedelta(hours=18))  # 00:05 the next day; nothing changed but the date
    client.force_login(member)  # the earlier session timed out (SESSION_COOKIE_AGE)
    assert "badge text-bg-danger" in _list(client)


@pytest.mark.parametrize("size", [1, 50, 500])
def test_list_constant_queries_with_expiry(client, member, tenant, today, size, django_assert_num_queries):  # AGR-7
    lids = LicensingID.objects.bulk_create(
        [
            LicensingID(
                organization=tenant,
                number=f"E9{i:06d}",
                program=Program.ENTERPRISE,
                end_date=today + timedelta(days=i % 200 - 20),
            )
            for i in range(size)
        ]
    )
    for lid in lids:
        grant(member, lid, Role.LICENSING_INFO)
    client.force_login(member)
    # session, user, access version, the ordered pks, the page's rows, the banner's counts
    with django_assert_num_queries(6):
        assert client.get("/agreements/").status_code == 200
    with django_assert_num_queries(6):
        assert client.get("/agreements/", {"expiry": "expired"}).status_code == 200


def test_detail_shows_expired_past_the_end_date(client, member, tenant, today, time_machine):  # AGR-7
    lid = LicensingIDFactory(organization=tenant, end_date=today)
    grant(member, lid, Role.LICENSING_INFO)
    client.force_login(member)
    assert "badge text-bg-danger" not in client.get(lid.get_absolute_url()).content.decode()
    time_machine.shift(timedelta(hours=18))
    client.force_login(member)
    assert "badge text-bg-danger" in client.get(lid.get_absolute_url()).content.decode()
