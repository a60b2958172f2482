"""seed_bench is deterministic, and on its data the permission lookups use indexes (issue 7, SEC-1)."""

import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agreements import selectors as agreement_selectors
from agreements.models import LicensingID, OpenLicense, Program
from licensing_portal.core.models import User
from permissions import policies, selectors
from permissions.models import Grant, InheritanceOptOut, PermissionRequest, Role
from subscriptions.models import SubscriptionPool

pytestmark = pytest.mark.django_db
SCALE = 0.2  # 20,000 grants, 2,000 licensing IDs: large enough that PostgreSQL prefers indexes


def _snapshot():
    return (
        sorted(Grant.objects.values_list("licensing_id__number", "email", "role")),
        sorted(LicensingID.objects.values_list("number", "program", "parent__number", "status")),
        sorted(InheritanceOptOut.objects.values_list("licensing_id__number", "email")),
    )


def test_seed_bench_is_deterministic_for_a_seed_and_sized_by_scale(tmp_path):  # SEC-1
    snapshots = []
    for seed in (5, 5, 6):
        with transaction.atomic():
            call_command("seed_bench", seed=seed, scale=0.02, quiet=True, anchors_out=tmp_path / "a.json")
            snapshots.append(_snapshot())
            assert Grant.objects.count() == 2000
            assert LicensingID.objects.exclude(program=Program.OPEN_LICENSE).count() == 200
            assert PermissionRequest.objects.count() == 100  # 5,000 x 0.02 (permissions hook)
            assert OpenLicense.objects.count() == 50  # the partners hook's minimum
            anchors = json.loads((tmp_path / "a.json").read_text())
            power = User.objects.get(email=anchors["power_user"])
            assert power.verified_business_email
            assert SubscriptionPool.objects.get(pk=anchors["bench_pool"]).quantity == 24  # 1,200 x 0.02
            assert LicensingID.objects.visible_to(power).count() == 20
            transaction.set_rollback(True)
    assert snapshots[0] == snapshots[1]
    assert snapshots[0] != snapshots[2]


def _plans(run) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            # EXPLAIN EXECUTE shows the plan of a prepared statement (licensing_portal/db.py)
            if "permissions_grant" in query["sql"] or query["sql"].startswith("EXECUTE portal_licensing_id_roles"):
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert plans, "no query on permissions_grant was captured"
    return plans


@pytest.fixture
def bench_world(tmp_path):
    call_command("seed_bench", seed=11, scale=SCALE, quiet=True, anchors_out=tmp_path / "anchors.json")
    anchors = json.loads((tmp_path / "anchors.json").read_text())
    assert Grant.objects.count() == 20_000
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return anchors


def test_permission_lookups_use_indexes_not_sequential_scans_on_grants(bench_world):  # SEC-1 PERM-1 PERM-8
    power = User.objects.get(email=bench_world["power_user"])
    hot_admin = User.objects.get(email=bench_world["hot_admin"])
    inheriting = User.objects.get(email="p00.o000@bench.example")  # MBSA primary contact: inherits children
    hot = LicensingID.objects.get(pk=bench_world["hot_licensing_id"])
    mine = LicensingID.objects.get(pk=bench_world["power_user_licensing_id"])
    plans = []
    for user in (power, hot_admin, inheriting):
        plans += _plans(lambda user=user: list(LicensingID.objects.visible_to(user)))
        plans += _plans(lambda user=user: list(LicensingID.objects.visible_to(user, roles=[Role.ADMINISTRATOR])))
        plans += _plans(lambda user=user: LicensingID.objects.visible_to(user).filter(pk=hot.pk).exists())
    plans += _plans(lambda: policies.roles_on(power, mine))
    plans += _plans(lambda: selectors.my_permissions_page(user=power, include_inactive=True))
    plans += _plans(lambda: selectors.my_permissions_page(user=inheriting))
    plans += _plans(lambda: agreement_selectors.licensing_id_page(user=power))
    emails = list(selectors.people_emails(licensing_id=hot)[:25])
    plans += _plans(lambda: selectors.people_rows(licensing_id=hot, emails=emails))
    plans += _plans(lambda: selectors.people_page(licensing_id=hot, viewer=hot_admin.business_email))
    plans += _plans(lambda: policies.roles_on(inheriting, hot))
    assert policies.roles_on(inheriting, hot) == {Role.ADMINISTRATOR}
    for plan in plans:
        assert "Seq Scan on permissions_grant" not in plan, plan
        assert "Index" in plan, plan


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_perm7_manage_users_reads_its_page_from_the_top_of_the_listing_index(bench_world, monkeypatch):
    """PERM-7 (issue 13): the Manage Users page query, prepared and run on its generic plan as in production,
    takes its page of people from the top of the `listing_people` index (a Limit right over the index scan)
    instead of sorting every person of the licensing ID, and counts them from the same index."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)  # production's persistent connections
    hot = LicensingID.objects.get(pk=bench_world["hot_licensing_id"])
    with CaptureQueriesContext(connection) as captured:
        selectors.people_page(licensing_id=hot, viewer=bench_world["hot_admin"])
    (page_query,) = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("EXECUTE portal_people_page")]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + page_query)
        (plan,) = cursor.fetchone()[0]
    nodes = list(_nodes(plan["Plan"]))
    under_a_limit = [
        child.get("Index Name")
        for parent in nodes
        if parent["Node Type"] == "Limit"
        for child in parent.get("Plans", [])
        if child["Node Type"] == "Index Only Scan"
    ]
    assert "listing_people" in under_a_limit, plan
    indexes_on_listing = {
        node.get("Index Name") or next(scan["Index Name"] for scan in node["Plans"])  # a bitmap scan's index
        for node in nodes
        if node.get("Relation Name") == "permissions_holderlisting"
    }
    assert indexes_on_listing == {"listing_people"}, plan
