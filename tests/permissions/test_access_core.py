"""The access core (permissions/access.py): one owner for who holds which role on which licensing ID, the grant
time bound in every answer, and the hand-written SQL twin proven equal to the ORM on generated trees."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.models import LicensingID, Program
from permissions import access
from permissions.models import Grant, InheritanceOptOut, Role
from permissions.services import grants_add
from tests.factories import LicensingIDFactory, UserFactory

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def tree(tenant):
    """An MBSA with one child, and a standalone licensing ID."""
    mbsa = LicensingIDFactory(organization=tenant, number="M1000001", program=Program.MBSA)
    child = LicensingIDFactory(organization=tenant, number="E1000002", parent=mbsa)
    lone = LicensingIDFactory(organization=tenant, number="E1000003")
    return mbsa, child, lone


def test_res8_ended_grant_refused_on_the_next_request(client, tree, time_machine):
    """RES-8, RES-9, PERM-8, SEC-1: a grant one second past its end counts for nothing on the very next request,
    before any task deletes it: the permission check, the detail page, My Permissions, the agreements list and
    an administrator's Manage Users page (all cached fragments included) stop showing it."""
    mbsa, child, lone = tree
    time_machine.move_to(T0, tick=False)
    ends = T0 + timedelta(minutes=5)
    alice = UserFactory(email="alice@contoso.example")
    bob = UserFactory(email="bob@contoso.example")
    Grant.objects.create(licensing_id=mbsa, email=alice.business_email, role=Role.ADMINISTRATOR, ends_at=ends)
    Grant.objects.create(licensing_id=lone, email=alice.business_email, role=Role.DOWNLOAD, ends_at=ends)
    Grant.objects.create(licensing_id=child, email=bob.business_email, role=Role.ADMINISTRATOR)

    def pages():
        client.force_login(alice)
        mine = client.get(reverse("permissions:my_permissions")).content.decode()
        listed = client.get(reverse("agreements:list")).content.decode()
        check = client.get(reverse("agreements:access", args=[child.pk]))
        detail = client.get(reverse("agreements:detail", args=[lone.pk])).status_code
        client.force_login(bob)
        people = client.get(reverse("permissions:manage_users", args=[child.pk])).content.decode()
        return mine, listed, check, detail, people

    mine, listed, check, detail, people = pages()
    assert all(n in mine for n in ("M1000001", "E1000002", "E1000003")) and "E1000003" in listed
    assert check.status_code == 200 and Role.ADMINISTRATOR in check.json()["roles"]
    assert detail == 200 and alice.business_email in people
    assert access.administrators_of_record(child) == {alice.business_email, bob.business_email}

    time_machine.move_to(ends + timedelta(seconds=1), tick=False)  # the deleting task has not run
    assert Grant.objects.filter(email=alice.business_email).count() == 2
    mine, listed, check, detail, people = pages()
    assert not any(n in mine for n in ("M1000001", "E1000002", "E1000003"))
    assert "E1000003" not in listed and "M1000001" not in listed
    assert check.status_code == 404 and detail == 404
    assert alice.business_email not in people
    assert access.administrators_of_record(child) == {bob.business_email}
    assert not LicensingID.objects.visible_to(alice).exists()


def test_res8_grant_ending_exactly_now_counts_for_nothing(tree, time_machine):
    """RES-8: `ends_at <= now` is ended, in the ORM answers and in the hand-written query alike."""
    mbsa, child, _lone = tree
    time_machine.move_to(T0, tick=False)
    alice = UserFactory(email="alice@contoso.example")
    Grant.objects.create(licensing_id=mbsa, email=alice.business_email, role=Role.ADMINISTRATOR, ends_at=T0)
    assert access.licensing_id_with_roles(alice, child.pk)[1] == frozenset()
    assert access.roles_on_many(alice.business_email, [mbsa, child]) == {
        mbsa.pk: access.Holding(),
        child.pk: access.Holding(),
    }
    assert not LicensingID.objects.filter(pk__in=access.accessible_licensing_ids(alice)).exists()
    assert not access.would_leave_without_administrator(child, email=alice.business_email, loses_inherited=True)


def test_res8_cache_stamps_change_when_a_grant_end_passes(tree, time_machine):
    """Cached access answers are keyed on their namespaces AND the next end among the grants they depend on: no
    write happens when a grant ends, yet both stamps move on, so no fragment cached before the end is read after
    it (issue 13)."""
    mbsa, _child, _lone = tree
    time_machine.move_to(T0, tick=False)
    user = UserFactory(email="a@contoso.example")
    Grant.objects.create(licensing_id=mbsa, email=user.business_email, role=Role.DOWNLOAD, ends_at=T0 + timedelta(1))
    before = access.viewer_stamp(user), access.licensing_id_with_roles(user, mbsa.pk)[0].access_version
    assert (access.viewer_stamp(user), access.licensing_id_with_roles(user, mbsa.pk)[0].access_version) == before
    time_machine.move_to(T0 + timedelta(days=1, seconds=1), tick=False)
    after = access.viewer_stamp(user), access.licensing_id_with_roles(user, mbsa.pk)[0].access_version
    assert after[0] != before[0] and after[1] != before[1]


def test_res8_ended_role_can_be_granted_again(tree, time_machine):
    """An ended grant is no grant: giving the role again makes it count again (it is not swallowed by the
    unique constraint on the ended row)."""
    _mbsa, _child, lone = tree
    time_machine.move_to(T0, tick=False)
    alice = UserFactory(email="alice@contoso.example")
    Grant.objects.create(licensing_id=lone, email=alice.business_email, role=Role.DOWNLOAD, ends_at=T0)
    grants_add(licensing_id=lone, email=alice.business_email, roles=[Role.DOWNLOAD], source=Grant.Source.MANUAL)
    assert access.licensing_id_with_roles(alice, lone.pk)[1] == {Role.DOWNLOAD}


# --- The hand-written SQL and the ORM agree (PERM-1, PERM-8, SEC-6, RES-8) ----------------------------------

EMAILS = ["ann@contoso.example", "ben@contoso.example", "cat@contoso.example"]
ENDS = st.sampled_from([None, "past", "now", "future"])
trees = st.fixed_dictionaries(
    {
        # licensing ID i's parent is one of 0..i-1 or none: MBSA/parent trees, grandparents included
        "parents": st.lists(st.integers(min_value=-1, max_value=5), min_size=1, max_size=6),
        "grants": st.lists(
            st.tuples(
                st.integers(0, 5),
                st.sampled_from(EMAILS),
                st.sampled_from(Role.values),
                ENDS,
                st.sampled_from([Grant.Source.MANUAL, Grant.Source.RELATIONSHIP, Grant.Source.CONTACT]),
            ),
            max_size=14,
        ),
        "opt_outs": st.lists(
            st.tuples(st.integers(0, 5), st.sampled_from(EMAILS), st.sampled_from(InheritanceOptOut.Reason.values)),
            max_size=5,
        ),
    }
)


def _own_admin(tree, n, email, i):
    """SEC-6: administers licensing ID i through a live Administrator grant not from a reseller relationship."""
    first = {}
    for lid, who, role, ends, source in tree["grants"]:
        first.setdefault((lid % n, who, role), (ends, source))
    own = {
        lid
        for (lid, who, role), (ends, source) in first.items()
        if who == email and role == Role.ADMINISTRATOR and ends in (None, "future") and source != "relationship"
    }
    opted = {lid % n for lid, who, _reason in tree["opt_outs"] if who == email}
    parent = tree["parents"][i] if 0 <= tree["parents"][i] < i else None
    return i in own or (parent is not None and parent in own and i not in opted)


def _expected(tree, n, email, now):
    """The rule written out plainly, independently of both implementations."""
    first = {}  # the first grant of each (licensing ID, email, role) is the one stored
    for lid, who, role, ends, _src in tree["grants"]:
        first.setdefault((lid % n, who, role), ends)
    live = {(lid, role) for (lid, who, role), ends in first.items() if who == email and ends in (None, "future")}
    opted = {lid % n for lid, who, _reason in tree["opt_outs"] if who == email}
    result = {}
    for i in range(n):
        parent = tree["parents"][i] if 0 <= tree["parents"][i] < i else None
        roles = {role for lid, role in live if lid == i}
        if parent is not None and (parent, Role.ADMINISTRATOR) in live and i not in opted:
            roles.add(Role.ADMINISTRATOR)
        result[i] = frozenset(roles)
    return result


@pytest.mark.django_db
def test_perm8_hand_written_sql_agrees_with_orm_on_generated_trees(tenant, time_machine):
    """PERM-1, PERM-8, PERM-9, RES-8, SEC-6: on generated MBSA/parent trees with opt-outs of both reasons, several
    emails, every role and ended, ending-now and open-ended grants, the hand-written one-row query
    (`licensing_id_with_roles`), the ORM's many-IDs query (`roles_on_many`), the scoping subquery
    (`accessible_licensing_ids`, with and without a role filter) and the administrators of record agree with
    each other and with the rule written out plainly."""
    time_machine.move_to(T0, tick=False)
    users = {email: UserFactory(email=email) for email in EMAILS}
    ends_at = {None: None, "past": T0 - timedelta(seconds=1), "now": T0, "future": T0 + timedelta(seconds=1)}
    counter = iter(range(10**6))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(trees)
    def check(tree):
        with transaction.atomic():
            n = len(tree["parents"])
            lids = []
            for i, parent in enumerate(tree["parents"]):
                lids.append(
                    LicensingID.objects.create(
                        organization=tenant,
                        number=f"H{next(counter):07d}",
                        program=Program.MBSA if i == 0 else Program.ENTERPRISE,
                        parent=lids[parent] if 0 <= parent < i else None,
                    )
                )
            seen = set()
            for lid, email, role, ends, source in tree["grants"]:
                if (lid % n, email, role) not in seen:
                    seen.add((lid % n, email, role))
                    Grant.objects.create(
                        licensing_id=lids[lid % n], email=email, role=role, ends_at=ends_at[ends], source=source
                    )
            for (lid, email), reason in {(lid % n, email): r for lid, email, r in tree["opt_outs"]}.items():
                InheritanceOptOut.objects.create(licensing_id=lids[lid], email=email, reason=reason)

            for email, user in users.items():
                expected = _expected(tree, n, email, T0)
                access.forget_cached_roles(user)
                orm = access.roles_on_many(email, lids)
                scoped = set(
                    LicensingID.objects.filter(pk__in=access.accessible_licensing_ids(user)).values_list(
                        "pk", flat=True
                    )
                )
                for i, lid in enumerate(lids):
                    sql = access.licensing_id_with_roles(user, lid.pk)[1]
                    assert sql == orm[lid.pk].roles == expected[i], (email, i)
                    assert (lid.pk in scoped) == bool(expected[i])
                    assert (email in access.administrators_of_record(lid)) == (Role.ADMINISTRATOR in expected[i])
                    own = access.administrators_of_record(lid, own_only=True)
                    assert (email in own) == _own_admin(tree, n, email, i)
                for role in (Role.DOWNLOAD, Role.ADMINISTRATOR):
                    with_role = set(
                        LicensingID.objects.filter(
                            pk__in=access.accessible_licensing_ids(user, roles=[role])
                        ).values_list("pk", flat=True)
                    )
                    assert with_role == {
                        lid.pk for i, lid in enumerate(lids) if expected[i] & {role, Role.ADMINISTRATOR}
                    }
            transaction.set_rollback(True)

    check()
