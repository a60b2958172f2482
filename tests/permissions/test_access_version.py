"""Cached permission tables stay correct (issue 7): the access version moves with every write that can change
who sees what, in the writer's transaction, and a revoked role shows on the very next request."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from agreements.models import AgreementContact, ContactType, LicensingID, Organization, Program
from permissions import access_version, services
from permissions.models import Grant, InheritanceOptOut, Role
from subscriptions.models import Product, SubscriptionPool
from tests.factories import LicensingIDFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

MY = reverse("permissions:index")


def test_every_watched_table_carries_the_trigger():  # issue 7
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'permissions_access_version'"
        )
        assert {row[0] for row in cursor.fetchall()} == set(access_version.WATCHED_TABLES)


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda w: grant(w["user"], w["lid"], Role.DOWNLOAD), id="grant insert"),
        pytest.param(lambda w: Grant.objects.filter(licensing_id=w["lid"]).update(sa_benefits=[]), id="grant update"),
        pytest.param(lambda w: Grant.objects.filter(licensing_id=w["lid"]).delete(), id="grant delete"),
        pytest.param(
            lambda w: InheritanceOptOut.objects.create(licensing_id=w["lid"], email="x@example.com"), id="opt-out"
        ),
        pytest.param(
            lambda w: AgreementContact.objects.create(
                licensing_id=w["lid"], email="x@example.com", contact_type=ContactType.PRIMARY
            ),
            id="contact",
        ),
        pytest.param(lambda w: LicensingID.objects.filter(pk=w["lid"].pk).update(status="inactive"), id="status"),
        pytest.param(lambda w: LicensingIDFactory(organization=w["tenant"], parent=w["lid"]), id="new child"),
        pytest.param(lambda w: Organization.objects.filter(pk=w["tenant"].pk).update(name="Renamed"), id="org name"),
    ],
)
def test_a_write_that_can_change_access_moves_the_version(write, member, tenant):  # issue 7
    lid = LicensingIDFactory(organization=tenant, program=Program.MBSA)
    grant(member, lid, Role.ADMINISTRATOR)
    before = access_version.current()
    write({"user": member, "lid": lid, "tenant": tenant})
    assert access_version.current() > before


def test_writes_elsewhere_leave_the_version_alone(member, tenant):  # issue 7: the cache keeps its hits
    lid = LicensingIDFactory(organization=tenant)
    before = access_version.current()
    SubscriptionPool.objects.create(licensing_id=lid, product=Product.MSDN, quantity=5)
    UserFactory()
    assert access_version.current() == before


def test_a_rolled_back_write_leaves_the_version_alone(member, tenant):  # issue 7
    lid = LicensingIDFactory(organization=tenant)
    before = access_version.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        grant(member, lid, Role.DOWNLOAD)
        raise RuntimeError
    assert access_version.current() == before


@pytest.mark.django_db(transaction=True)
def test_other_connections_see_the_new_version_only_when_the_write_commits(member, tenant):  # issue 7
    lid = LicensingIDFactory(organization=tenant)
    before = access_version.current()
    seen = {}

    def read(label):
        seen[label] = access_version.current()
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
    assert seen["after"] > before


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
