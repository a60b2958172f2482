"""API-5 (and the house rule on pages): every API list endpoint runs the same number of queries with 1, 50 and
500 rows behind it (one cursor page of them)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import LicensingID, Organization, OrganizationMember, Program
from licensing_portal.core.models import AuditEvent
from partners.models import ResellerRelationship
from permissions.models import Grant, PermissionRequest, Role
from subscriptions.models import Seat, SubscriptionPool
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant

pytestmark = pytest.mark.django_db
SIZES = (1, 50, 500)


def _licensing_ids(world, n):
    org = world["lid"].organization
    lids = LicensingID.objects.bulk_create(
        LicensingID(organization=org, number=f"Q{world['seq']}{i:05d}", program=Program.ENTERPRISE) for i in range(n)
    )
    Grant.objects.bulk_create(
        Grant(licensing_id=lid, email=world["user"].business_email, role=Role.ADMINISTRATOR) for lid in lids
    )
    return lids


def rows_licensing_ids(world, n):
    _licensing_ids(world, n)
    return reverse("api:licensing_id_list")


def rows_pools(world, n):
    SubscriptionPool.objects.bulk_create(
        SubscriptionPool(licensing_id=lid, product="vs_professional", quantity=5) for lid in _licensing_ids(world, n)
    )
    return reverse("api:pool_list")


def rows_grants(world, n):
    lid = world["lid"]
    Grant.objects.bulk_create(
        Grant(licensing_id=lid, email=f"g{world['seq']}-{i}@example.com", role=Role.DOWNLOAD) for i in range(n)
    )
    return reverse("api:grant_list", kwargs={"pk": lid.pk})


def rows_permission_requests(world, n):
    lid = world["lid"]
    requester = UserFactory()
    PermissionRequest.objects.bulk_create(
        PermissionRequest(
            requester=requester, program=lid.program, number=lid.number, licensing_id=lid, roles=["download"]
        )
        for _ in range(n)
    )
    return reverse("api:permission_request_list")


def rows_audit_events(world, n):
    AuditEvent.objects.bulk_create(AuditEvent(verb="test.event", licensing_id=world["lid"]) for _ in range(n))
    return reverse("api:audit_event_list")


def _seats(world, n):
    Seat.objects.bulk_create(
        Seat(pool=world["pool"], email=f"s{world['seq']}-{i}@example.com", obligation_confirmed_at=timezone.now())
        for i in range(n)
    )


def rows_pool_seats(world, n):
    _seats(world, n)
    return reverse("api:pool_seat_list", kwargs={"pk": world["pool"].pk})


def rows_seats(world, n):
    _seats(world, n)
    return reverse("api:seat_list")


def _relationships(world, n, status):
    customers = Organization.objects.bulk_create(Organization(name=f"C{world['seq']}-{i}") for i in range(n))
    ResellerRelationship.objects.bulk_create(
        ResellerRelationship(partner=world["partner"], customer=c, status=status) for c in customers
    )


def rows_relationships(world, n):
    _relationships(world, n, ResellerRelationship.Status.PENDING)
    return reverse("api:relationship_list")


def rows_customers(world, n):
    _relationships(world, n, ResellerRelationship.Status.ACTIVE)
    return reverse("api:customer_list")


BUILDERS = [
    rows_licensing_ids,
    rows_grants,
    rows_permission_requests,
    rows_audit_events,
    rows_pools,
    rows_pool_seats,
    rows_seats,
    rows_relationships,
    rows_customers,
]


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__.removeprefix("rows_"))
def test_api5_list_queries_do_not_grow_with_rows(api, build):
    user = UserFactory()
    lid = grant(user, LicensingIDFactory(), Role.ADMINISTRATOR) and LicensingID.objects.get(
        grants__email=user.business_email
    )
    partner = OrganizationFactory(kind=Organization.Kind.PARTNER)
    OrganizationMember.objects.create(organization=partner, user=user)
    pool = SubscriptionPool.objects.create(licensing_id=lid, product="vs_enterprise", quantity=5)
    world = {"user": user, "lid": lid, "pool": pool, "partner": partner}
    caller = api(user)
    counts, added = {}, 0
    for size in SIZES:
        world["seq"] = size
        url = build(world, size - added)
        added = size
        caller.get(url)  # warm: the token's last use is written at most once a minute
        with CaptureQueriesContext(connection) as queries:
            response = caller.get(url)
        assert response.status_code == 200 and response.json()["results"]
        counts[size] = len(queries)
    assert counts[1] == counts[50] == counts[500], counts
