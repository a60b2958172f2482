"""The licensing ID + roles lookup is prepared once per persistent connection (licensing_portal/db.py, issue 7)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from permissions import policies
from permissions.models import Role
from tests.factories import LicensingIDFactory, grant

pytestmark = pytest.mark.django_db


def _lookup(user, lid):
    user._roles_cache = {}
    with CaptureQueriesContext(connection) as captured:
        result = policies.licensing_id_with_roles(user, lid.pk)
    return result, [q["sql"].split()[0] for q in captured.captured_queries]


def test_a_persistent_connection_prepares_once_and_answers_the_same(member, tenant, monkeypatch):  # PERM-1 PERM-8
    parent = LicensingIDFactory(organization=tenant)
    lid = LicensingIDFactory(organization=tenant, parent=parent)
    grant(member, lid, Role.DOWNLOAD)
    grant(member, parent, Role.ADMINISTRATOR)
    (plain_lid, plain_roles), statements = _lookup(member, lid)
    assert statements == ["SELECT"]  # CONN_MAX_AGE = 0 here: nothing to prepare for
    assert plain_roles == {Role.DOWNLOAD, Role.ADMINISTRATOR}

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    with connection.cursor() as cursor:  # start from a connection with nothing prepared
        cursor.execute("DEALLOCATE ALL")
    monkeypatch.delitem(connection.__dict__, "_portal_prepared_on", raising=False)
    with pytest.raises(RuntimeError), transaction.atomic():  # prepared in a transaction that rolls back
        (first_lid, first_roles), statements = _lookup(member, lid)
        raise RuntimeError
    assert statements == ["PREPARE", "EXECUTE"]
    (again_lid, again_roles), statements = _lookup(member, lid)
    assert statements == ["EXECUTE"]  # still prepared: statements outlive transactions
    assert first_roles == again_roles == plain_roles
    assert first_lid.number == again_lid.number == plain_lid.number
    assert again_lid.access_version == plain_lid.access_version


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(member, tenant, monkeypatch):  # issue 7
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.DOWNLOAD)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()  # a new connection has nothing prepared
    assert _lookup(member, lid)[1] == ["PREPARE", "EXECUTE"]
    connection.close()
    assert _lookup(member, lid)[1] == ["PREPARE", "EXECUTE"]
    assert _lookup(member, lid)[1] == ["EXECUTE"]


@pytest.mark.django_db(transaction=True)
def test_prepared_lookups_run_on_their_generic_plan(member, tenant, monkeypatch):  # issue 13
    """PostgreSQL plans the first executions of a prepared statement afresh and, for this lookup, kept doing so
    (planning cost three times the run); the connection asks for the generic plan from the first execution."""
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.DOWNLOAD)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    for _ in range(8):
        assert _lookup(member, lid)[0][1] == {Role.DOWNLOAD}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'portal_licensing_id%%'"
        )
        assert cursor.fetchall() == [(8, 0)]
