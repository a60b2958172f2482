import csv
import io

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from permissions.models import Role
from subscriptions import services
from subscriptions.models import BulkUpload, Seat
from tests.factories import (
    LicensingIDFactory,
    MemberFactory,
    MembershipFactory,
    PartnerFactory,
    PoolFactory,
    SeatFactory,
    UserFactory,
    grant,
)

pytestmark = pytest.mark.django_db


def _foreign_objects(foreign_pool, user):
    seat = SeatFactory(pool=foreign_pool)
    upload = BulkUpload.objects.create(
        pool=foreign_pool, uploaded_by=user, file_name="x.csv", obligation_confirmed_at=seat.assigned_at
    )
    return seat, upload


@pytest.mark.parametrize(
    "path",
    [
        "/subscriptions/pools/{pool}/",
        "/subscriptions/pools/{pool}/assign/",
        "/subscriptions/pools/{pool}/bulk/",
        "/subscriptions/seats/{seat}/edit/",
        "/subscriptions/seats/{seat}/reassign/",
        "/subscriptions/seats/{seat}/remove/",
        "/subscriptions/bulk/{upload}/",
    ],
)
def test_other_tenants_pool_seat_and_upload_are_404(client, manager, foreign_pool, path):  # SEC-1 SUB-2
    seat, upload = _foreign_objects(foreign_pool, manager)
    client.force_login(manager)
    url = path.format(pool=foreign_pool.pk, seat=seat.pk, upload=upload.pk)
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"email": "x@example.com", "confirm_obligation": "on", "low_seats_threshold": 1}).status_code
        == 404
    )
    seat.refresh_from_db()
    assert seat.status == Seat.Status.ACTIVE and foreign_pool.seats.count() == 1


def test_pool_settings_of_other_tenant_is_404(client, manager, foreign_pool):  # SEC-1
    client.force_login(manager)
    assert (
        client.post(f"/subscriptions/pools/{foreign_pool.pk}/settings/", {"low_seats_threshold": 3}).status_code == 404
    )


def test_role_without_subscriptions_is_404_on_own_licence(client, lid, pool):  # SEC-1 SUB-2
    seat = SeatFactory(pool=pool)
    reader = grant(UserFactory(), lid, Role.LICENSING_INFO, Role.DOWNLOAD)
    client.force_login(reader)
    assert client.get(f"/subscriptions/pools/{pool.pk}/").status_code == 404
    assert client.post(f"/subscriptions/seats/{seat.pk}/remove/").status_code == 404
    assert str(pool.licensing_id.number) not in client.get("/subscriptions/subscribers/").content.decode()


def test_export_and_lists_leave_out_other_tenants(client, manager, pool, foreign_pool):  # SEC-1 SUB-5
    SeatFactory(pool=pool, email="mine@example.com")
    SeatFactory(pool=foreign_pool, email="theirs@example.com")
    client.force_login(manager)
    export = b"".join(client.get("/subscriptions/subscribers/export.csv").streaming_content).decode()
    assert "mine@example.com" in export and "theirs@example.com" not in export
    for url in ("/subscriptions/subscribers/", "/subscriptions/report/", "/subscriptions/"):
        body = client.get(url).content.decode()
        assert "theirs@example.com" not in body and foreign_pool.licensing_id.number not in body


def test_single_assign_page_requires_the_obligation_checkbox(client, manager, pool):  # SUB-2
    client.force_login(manager)
    page = client.get(f"/subscriptions/pools/{pool.pk}/assign/").content.decode()
    assert "the obligation to purchase takes effect at assignment" in page.lower()
    response = client.post(f"/subscriptions/pools/{pool.pk}/assign/", {"email": "ada@example.com"})
    assert response.status_code == 400 and not Seat.objects.exists()
    response = client.post(
        f"/subscriptions/pools/{pool.pk}/assign/",
        {"email": "ada@example.com", "first_name": "Ada", "confirm_obligation": "on"},
    )
    assert response.status_code == 302
    assert Seat.objects.get().first_name == "Ada"


def test_refused_over_assignment_is_shown_and_changes_nothing(client, manager, lid):  # SUB-3
    pool = PoolFactory(licensing_id=lid, quantity=1)
    SeatFactory(pool=pool)
    client.force_login(manager)
    response = client.post(
        f"/subscriptions/pools/{pool.pk}/assign/", {"email": "ada@example.com", "confirm_obligation": "on"}
    )
    assert response.status_code == 400 and "0 free" in response.content.decode()
    assert pool.seats.count() == 1


def test_edit_reassign_remove_through_the_pages(client, manager, pool):  # SUB-2
    seat = SeatFactory(pool=pool, email="ada@example.com")
    client.force_login(manager)
    assert (
        client.post(f"/subscriptions/seats/{seat.pk}/edit/", {"first_name": "Ada", "last_name": "L"}).status_code == 302
    )
    assert client.post(f"/subscriptions/seats/{seat.pk}/reassign/", {"email": "bo@example.com"}).status_code == 400
    assert (
        client.post(
            f"/subscriptions/seats/{seat.pk}/reassign/",
            {"email": "bo@example.com", "confirm_obligation": "on"},
        ).status_code
        == 302
    )
    client.get(f"/subscriptions/seats/{seat.pk}/remove/")  # GET only asks
    seat.refresh_from_db()
    assert (seat.email, seat.status) == ("bo@example.com", Seat.Status.ACTIVE)
    assert client.post(f"/subscriptions/seats/{seat.pk}/remove/").status_code == 302
    seat.refresh_from_db()
    assert seat.status == Seat.Status.REMOVED


def test_subscribers_search_filter_and_streamed_export(client, manager, lid):  # SUB-5
    vs = PoolFactory(licensing_id=lid, product="vs_enterprise")
    msdn = PoolFactory(licensing_id=lid, product="msdn")
    SeatFactory(pool=vs, email="ada@example.com", first_name="Ada")
    SeatFactory(pool=msdn, email="bob@example.com", first_name="=HYPERLINK(1)")
    SeatFactory(pool=vs, email="gone@example.com", status=Seat.Status.REMOVED)
    client.force_login(manager)
    body = client.get("/subscriptions/subscribers/", {"q": "ada"}).content.decode()
    assert "ada@example.com" in body and "bob@example.com" not in body
    body = client.get("/subscriptions/subscribers/", {"pool": msdn.pk}).content.decode()
    assert "bob@example.com" in body and "ada@example.com" not in body
    body = client.get("/subscriptions/subscribers/", {"status": "removed"}).content.decode()
    assert "gone@example.com" in body and "ada@example.com" not in body
    response = client.get("/subscriptions/subscribers/export.csv", {"pool": msdn.pk, "status": "active"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][1] == "email" and [r[1] for r in rows[1:]] == ["bob@example.com"]
    assert rows[1][2] == "'=HYPERLINK(1)"  # spreadsheet formulas are neutralised


PRODUCTS = ["vs_enterprise", "vs_professional", "msdn", "technet", "msdn_platforms", "vs_test_professional"]


def _populate(lid, n):
    pools = [PoolFactory(licensing_id=lid, product=p) for p in PRODUCTS[: min(n, len(PRODUCTS))]]
    for i in range(n):
        SeatFactory(pool=pools[i % len(pools)])
    return pools[0]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url",
    [
        "/subscriptions/",
        "/subscriptions/report/",
        "/subscriptions/subscribers/",
        "/subscriptions/pools/{pool}/",
        "/subscriptions/subscribers/export.csv",
    ],
)
def test_pages_run_constant_queries(client, manager, tenant, url):  # SUB-5
    client.force_login(manager)
    counts = []
    for n in (2, 12):
        lid = LicensingIDFactory(organization=tenant)
        grant(manager, lid, Role.SUBSCRIPTIONS_MANAGER)
        pool = _populate(lid, n)
        counts.append(_queries(client, url.format(pool=pool.pk)))
    assert counts[0] == counts[1], counts


def test_my_benefits_page_runs_constant_queries(client):  # SUB-4
    user = UserFactory()
    client.force_login(user)
    counts = []
    for n in (1, 10):
        SeatFactory.create_batch(n, email=user.email)
        counts.append(_queries(client, "/subscriptions/my-benefits/"))
    assert counts[0] == counts[1]


def test_my_benefits_asks_for_a_complete_profile_first(client):  # SUB-4 ACC-4
    user = UserFactory(first_name="", last_name="")
    SeatFactory(email=user.email)
    client.force_login(user)
    response = client.get("/subscriptions/my-benefits/")
    assert response.status_code == 302
    assert response["Location"] == "/profile/?next=%2Fsubscriptions%2Fmy-benefits%2F"
    response = client.post(
        "/profile/",
        {
            "first_name": "Ada",
            "last_name": "L",
            "contact_email": "ada@home.example",
            "language": "en",
            "next": "/subscriptions/my-benefits/",
        },
    )
    assert response["Location"] == "/subscriptions/my-benefits/"
    assert "Visual Studio Professional" in client.get("/subscriptions/my-benefits/").content.decode()


def test_my_benefits_lists_verified_addresses_only(client):  # SUB-4
    user = UserFactory(email="me@gmail.example", business_email="me@contoso.example", sign_in_email_verified=False)
    SeatFactory(email="me@contoso.example", pool__product="vs_enterprise")
    SeatFactory(email="me@gmail.example", pool__product="technet")
    SeatFactory(email="someone@else.example", pool__product="msdn")
    SeatFactory(email="me@contoso.example", pool__product="msdn_platforms", status=Seat.Status.REMOVED)
    client.force_login(user)
    body = client.get("/subscriptions/my-benefits/").content.decode()
    assert "Visual Studio Enterprise" in body
    assert "TechNet" not in body  # the sign-in address is not confirmed yet
    assert "MSDN" not in body
    EmailAddress.objects.create(user=user, email="me@gmail.example", verified=True, primary=True)
    assert "TechNet" in client.get("/subscriptions/my-benefits/").content.decode()


def test_index_lists_managed_pools_and_partner_memberships(client, manager, pool):  # SUB-1 MPN-3
    membership = MembershipFactory()
    MemberFactory(organization=membership.organization, user=manager, is_admin=True)
    client.force_login(manager)
    body = client.get("/subscriptions/").content.decode()
    assert pool.licensing_id.number in body and "/subscriptions/my-benefits/" in body
    assert f"/subscriptions/partner/{membership.pk}/" in body


def test_pool_threshold_setting(client, manager, pool):  # SUB-1
    client.force_login(manager)
    assert client.post(f"/subscriptions/pools/{pool.pk}/settings/", {"low_seats_threshold": 4}).status_code == 302
    pool.refresh_from_db()
    assert pool.low_seats_threshold == 4
    services.pool_update(pool=pool, actor=manager, low_seats_threshold=10)  # 10 free <= 10: alerts at once
    pool.refresh_from_db()
    assert pool.low_seats_alerted is True


def test_res4c_unrecognised_user_at_subscriptions_is_offered_olp_registration(client):
    client.force_login(UserFactory())
    body = client.get("/subscriptions/").content.decode()
    assert "You are not a recognised user of a partner organisation." in body
    assert 'href="/partners/olp-partners/register/"' in body


def test_res4c_partner_staff_without_pools_is_not_called_unrecognised(client):
    user = UserFactory()
    MemberFactory(organization=PartnerFactory(), user=user)
    client.force_login(user)
    assert "not a recognised user" not in client.get("/subscriptions/").content.decode()
