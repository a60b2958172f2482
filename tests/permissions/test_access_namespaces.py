"""Cached permission tables stay correct and writers stay independent (issue 7, issue 13): each write bumps the
namespaces it touches (its email, its licensing ID and parent, its organisation) in the writer's transaction, a
revoked role or an ended grant shows on the very next request, and writers in different organisations never
wait on each other."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from agreements.models import AgreementContact, ContactType, LicensingID, Organization, Program
from permissions import access, access_namespaces, services
from permissions.models import Grant, InheritanceOptOut, Role
from subscriptions.models import Product, SubscriptionPool
from tests.concurrency import held_open
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

MY = reverse("permissions:index")
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_every_watched_table_carries_the_triggers():  # issue 13
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'permissions_ns_%%'"
        )
        assert {row[0] for row in cursor.fetchall()} == set(access_namespaces.WATCHED_TABLES)
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'permissions_access_version'")
        assert cursor.fetchone()[0] == 0  # the single global version is gone


@pytest.mark.parametrize(
    ("write", "bumped"),
    [
        pytest.param(lambda w: grant(w["user"], w["lid"], Role.DOWNLOAD), ("e", "l"), id="grant insert"),
        pytest.param(
            lambda w: Grant.objects.filter(licensing_id=w["lid"]).update(sa_benefits=[]), ("e", "l"), id="grant update"
        ),
        pytest.param(lambda w: Grant.objects.filter(licensing_id=w["lid"]).delete(), ("e", "l"), id="grant delete"),
        pytest.param(
            lambda w: InheritanceOptOut.objects.create(licensing_id=w["lid"], email=w["user"].business_email),
            ("e", "l"),
            id="opt-out",
        ),
        pytest.param(
            lambda w: AgreementContact.objects.create(
                licensing_id=w["lid"], email=w["user"].business_email, contact_type=ContactType.PRIMARY
            ),
            ("e", "l"),
            id="contact",
        ),
        pytest.param(
            lambda w: LicensingID.objects.filter(pk=w["lid"].pk).update(status="inactive"), ("l", "e"), id="status"
        ),
        pytest.param(lambda w: LicensingIDFactory(organization=w["tenant"], parent=w["lid"]), ("l", "e"), id="child"),
        pytest.param(
            lambda w: Organization.objects.filter(pk=w["tenant"].pk).update(name="Renamed"), ("l", "e"), id="org name"
        ),
    ],
)
def test_a_write_bumps_the_namespaces_it_touches_and_the_pages_that_depend_on_them(write, bumped, member, tenant):
    """issue 13: the namespaces move, and so do the stamps of My Permissions and Manage Users."""
    lid = LicensingIDFactory(organization=tenant, program=Program.MBSA)
    grant(member, lid, Role.ADMINISTRATOR)
    keys = {"e": f"e:{member.business_email}", "l": f"l:{lid.pk}"}
    before = {k: access_namespaces.value(key) for k, key in keys.items()}
    stamps = access.viewer_stamp(member), access.licensing_id_with_roles(member, lid.pk)[0].access_version
    write({"user": member, "lid": lid, "tenant": tenant})
    for k in bumped:
        assert access_namespaces.value(keys[k]) > before[k], keys[k]
    assert access.viewer_stamp(member) != stamps[0]
    assert access.licensing_id_with_roles(member, lid.pk)[0].access_version != stamps[1]


def test_writes_in_another_organisation_leave_the_stamps_alone(member, tenant, other_tenant):  # issue 13
    lid = LicensingIDFactory(organization=tenant, program=Program.MBSA)
    LicensingIDFactory(organization=tenant, parent=lid)
    grant(member, lid, Role.ADMINISTRATOR)
    stamps = access.viewer_stamp(member), access.licensing_id_with_roles(member, lid.pk)[0].access_version
    elsewhere = LicensingIDFactory(organization=other_tenant)
    stranger = UserFactory()
    grant(stranger, elsewhere, Role.ADMINISTRATOR)
    Grant.objects.filter(licensing_id=elsewhere).update(sa_benefits=[])
    Grant.objects.filter(licensing_id=elsewhere).delete()
    Organization.objects.filter(pk=other_tenant.pk).update(name="Elsewhere")
    SubscriptionPool.objects.create(licensing_id=lid, product=Product.MSDN, quantity=5)  # not an access table
    assert access.viewer_stamp(member) == stamps[0]
    assert access.licensing_id_with_roles(member, lid.pk)[0].access_version == stamps[1]


def test_perm12_an_account_state_change_bumps_the_licensing_ids_of_that_person(member, tenant):  # issue 13
    """PERM-12 states show on Manage Users: verifying a business email bumps the namespaces of the licensing IDs
    the email holds grants on; a sign-in (last login) or a language change bumps nothing."""
    lid = LicensingIDFactory(organization=tenant)
    invited = "invited@contoso.example"
    Grant.objects.create(licensing_id=lid, email=invited, role=Role.DOWNLOAD)
    account = UserFactory(email="other@example.com", business_email=invited, business_email_verified_at=None)
    before = access_namespaces.value(f"l:{lid.pk}")
    account.last_login = account.date_joined
    account.language = "fr"
    account.save()
    assert access_namespaces.value(f"l:{lid.pk}") == before
    account.business_email_verified_at = account.date_joined
    account.save(update_fields=["business_email_verified_at"])
    assert access_namespaces.value(f"l:{lid.pk}") > before


def test_a_rolled_back_write_leaves_the_namespaces_alone(member, tenant):  # issue 7
    lid = LicensingIDFactory(organization=tenant)
    before = access.viewer_stamp(member)
    with pytest.raises(RuntimeError), transaction.atomic():
        grant(member, lid, Role.DOWNLOAD)
        raise RuntimeError
    assert access.viewer_stamp(member) == before


@pytest.mark.django_db(transaction=True)
def test_other_connections_see_the_new_stamp_only_when_the_write_commits(member, tenant):  # issue 7
    lid = LicensingIDFactory(organization=tenant)
    before = access.viewer_stamp(member)
    seen = {}

    def read(label):
        seen[label] = access.viewer_stamp(member)
        connections.close_all()  # this thread's own connection

    with transaction.atomic():
        grant(member, lid, Role.DOWNLOAD)
        reader = threading.Thread(target=read, args=("during",))
        reader.start()
        reader.join()
    reader = threading.Thread(target=read, args=("after",))
    reader.start()
    reader.join()
    assert seen["during"] == before
    assert seen["after"] != before


@pytest.mark.django_db(transaction=True)
def test_writers_in_different_organisations_never_wait_on_each_other():  # issue 13
    """One transaction holds a grant write in organisation A open; a grant write in organisation B (the same kind
    of write, through the same triggers) commits under a 200 ms lock_timeout. The single global version row this
    replaces made it wait until A committed (1,699 ms behind a transaction held 2 s)."""
    org_a, org_b = OrganizationFactory(name="A"), OrganizationFactory(name="B")
    lid_a, lid_b = LicensingIDFactory(organization=org_a), LicensingIDFactory(organization=org_b)
    user_a, user_b = UserFactory(), UserFactory()
    grant(user_a, lid_a, Role.ADMINISTRATOR)  # both namespaces exist already: the upserts are updates
    grant(user_b, lid_b, Role.ADMINISTRATOR)
    with held_open(lambda: grant(user_a, lid_a, Role.DOWNLOAD)):
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            grant(user_b, lid_b, Role.DOWNLOAD)
            LicensingID.objects.filter(pk=lid_b.pk).update(status="inactive")
        elapsed = time.monotonic() - started
    assert elapsed < 0.2
    assert Grant.objects.filter(email=user_a.business_email, role=Role.DOWNLOAD).exists()  # A committed too


def test_a_revoked_role_leaves_my_permissions_on_the_next_request(client, member, tenant):  # PERM-1 PERM-3
    lid = LicensingIDFactory(organization=tenant, number="E7770001")
    grant(member, lid, Role.DOWNLOAD)
    client.force_login(member)
    assert "E7770001" in client.get(MY).content.decode()
    assert "E7770001" in client.get(MY).content.decode()  # served from the cache now
    Grant.objects.filter(licensing_id=lid, email=member.business_email).delete()  # e.g. in admin
    assert "E7770001" not in client.get(MY).content.decode()


def test_a_revoked_role_leaves_the_agreements_list_on_the_next_request(client, member, tenant):  # PERM-1 AGR-2
    lid = LicensingIDFactory(organization=tenant, number="E7770004")
    grant(member, lid, Role.LICENSING_INFO)
    client.force_login(member)
    assert "E7770004" in client.get(reverse("agreements:list")).content.decode()
    assert "E7770004" in client.get(reverse("agreements:list")).content.decode()  # served from the cache now
    Grant.objects.filter(licensing_id=lid).delete()
    assert "E7770004" not in client.get(reverse("agreements:list")).content.decode()


def test_manage_users_shows_a_change_by_another_administrator_on_the_next_request(client, member, tenant):  # PERM-7
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.ADMINISTRATOR)
    other_admin = grant(UserFactory(), lid, Role.ADMINISTRATOR)
    url = reverse("permissions:manage_users", kwargs={"pk": lid.pk})
    client.force_login(member)
    assert "newcomer@example.com" not in client.get(url).content.decode()
    services.person_roles_set(
        licensing_id=lid,
        email="newcomer@example.com",
        roles=[Role.DOWNLOAD],
        sa_benefits=[],
        actor=other_admin,
        adding=True,
    )
    assert "newcomer@example.com" in client.get(url).content.decode()


def test_cached_tables_are_per_person_and_language(client, member, tenant):  # SEC-1 ACC-5
    mine = LicensingIDFactory(organization=tenant, number="E7770002")
    grant(member, mine, Role.DOWNLOAD)
    someone = grant(UserFactory(), LicensingIDFactory(organization=tenant, number="E7770003"), Role.DOWNLOAD)
    client.force_login(member)
    assert "E7770002" in client.get(MY).content.decode()
    client.force_login(someone)
    body = client.get(MY).content.decode()
    assert "E7770003" in body and "E7770002" not in body
    someone.language = "fr"
    someone.save()
    assert "Téléchargement" in client.get(MY).content.decode()


def test_res8_an_ended_grant_does_not_survive_in_a_cached_page(client, member, tenant, time_machine):
    """RES-8 (issue 13): My Permissions and Manage Users are cached, yet a grant whose end passes leaves both on
    the next request, with no write in between."""
    time_machine.move_to(T0, tick=False)
    lid = LicensingIDFactory(organization=tenant, number="E7770009")
    grant(member, lid, Role.ADMINISTRATOR)
    partner = UserFactory(email="partner@reseller.example")
    Grant.objects.create(licensing_id=lid, email=partner.business_email, role=Role.DOWNLOAD, ends_at=T0 + timedelta(1))
    client.force_login(partner)
    assert "E7770009" in client.get(MY).content.decode()
    assert "E7770009" in client.get(MY).content.decode()  # cached
    client.force_login(member)
    url = reverse("permissions:manage_users", kwargs={"pk": lid.pk})
    assert "partner@reseller.example" in client.get(url).content.decode()
    assert "partner@reseller.example" in client.get(url).content.decode()  # cached
    time_machine.move_to(T0 + timedelta(days=1, seconds=1), tick=False)
    assert "partner@reseller.example" not in client.get(url).content.decode()
    client.force_login(partner)
    assert "E7770009" not in client.get(MY).content.decode()
