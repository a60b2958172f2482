"""The permission check (`agreements:access`): what the signed-in user may do on one licensing ID, as JSON."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Program
from permissions.models import Grant, InheritanceOptOut, Role
from tests.factories import LicensingIDFactory, grant

pytestmark = pytest.mark.django_db


def check(client, lid):
    return client.get(reverse("agreements:access", kwargs={"pk": lid.pk}))


def test_lists_the_roles_held_and_what_they_allow(client, member, tenant):  # PERM-1
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.DOWNLOAD, Role.LICENSING_INFO)
    client.force_login(member)
    response = check(client, lid)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "licensing_id": lid.number,
        "roles": [Role.DOWNLOAD, Role.LICENSING_INFO],
        "can": {
            "view_licensing_info": True,
            "download": True,
            "view_product_keys": False,
            "manage_users": False,
            "manage_subscriptions": False,
            "view_sa_summary": True,
        },
    }


def test_sa_manager_alone_sees_the_sa_summary_and_nothing_else(client, member, tenant):  # PERM-1
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.SA_MANAGER)
    client.force_login(member)
    allowed = {name for name, yes in check(client, lid).json()["can"].items() if yes}
    assert allowed == {"view_sa_summary"}


def test_parent_administrator_inherits_unless_opted_out(client, member, tenant):  # PERM-8
    parent = LicensingIDFactory(organization=tenant, program=Program.MBSA)
    child = LicensingIDFactory(organization=tenant, parent=parent)
    grant(member, parent, Role.ADMINISTRATOR)
    client.force_login(member)
    body = check(client, child).json()
    assert body["roles"] == [Role.ADMINISTRATOR]
    assert all(body["can"].values())

    InheritanceOptOut.objects.create(licensing_id=child, email=member.business_email)
    assert check(client, child).status_code == 404


def test_a_revoked_role_takes_effect_on_the_next_request(client, member, tenant):  # PERM-1 (issue 7)
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.PRODUCT_KEYS, Role.DOWNLOAD)
    client.force_login(member)
    assert check(client, lid).json()["can"]["view_product_keys"] is True
    Grant.objects.filter(licensing_id=lid, role=Role.PRODUCT_KEYS).delete()
    assert check(client, lid).json()["can"]["view_product_keys"] is False
    Grant.objects.filter(licensing_id=lid).delete()
    assert check(client, lid).status_code == 404


def test_another_tenants_licensing_id_is_404_and_state_changes_are_refused(client, member, other_tenant):  # SEC-1
    foreign = LicensingIDFactory(organization=other_tenant)
    client.force_login(member)
    assert check(client, foreign).status_code == 404
    assert client.post(reverse("agreements:access", kwargs={"pk": foreign.pk})).status_code == 405


def test_runs_one_query_after_the_session(client, member, tenant, django_assert_num_queries):  # issue 7
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.DOWNLOAD)
    client.force_login(member)
    with django_assert_num_queries(3):  # session, user, the licensing ID with the user's roles on it
        assert check(client, lid).status_code == 200


def test_the_check_reads_no_cache_stamp(client, member, tenant):  # PERM-1, issue 13
    """It caches nothing, so its one lookup skips the namespace and next-end reads a cached page needs."""
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.DOWNLOAD)
    client.force_login(member)
    with CaptureQueriesContext(connection) as captured:
        assert check(client, lid).status_code == 200
    lookups = [q["sql"] for q in captured.captured_queries if "permissions_grant" in q["sql"]]
    assert len(lookups) == 1 and "permissions_accessnamespace" not in lookups[0]
