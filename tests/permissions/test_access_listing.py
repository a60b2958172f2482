"""The My Permissions listing the triggers keep (permissions/access_listing.py) equals the ORM's answer after any
sequence of writes, and two writers racing on one licensing ID leave it right (issue 13, PERM-3, PERM-8, PERM-9,
RES-8)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.models import LicensingID, Program
from permissions import access_listing, access_mine, selectors
from permissions.models import Grant, HolderListing, InheritanceOptOut, Role
from tests.concurrency import held_open
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory
from tests.permissions.test_access_core import EMAILS, ENDS, T0

LID = st.integers(0, 7)
EMAIL = st.sampled_from(EMAILS)
writes = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), LID, EMAIL, st.sampled_from(Role.values), ENDS),
        st.tuples(st.just("revoke"), LID, EMAIL),
        st.tuples(st.just("role"), LID, EMAIL, st.sampled_from(Role.values)),
        st.tuples(st.just("ends"), LID, EMAIL, ENDS),
        st.tuples(st.just("opt_out"), LID, EMAIL, st.sampled_from([None, *InheritanceOptOut.Reason.values])),
        st.tuples(st.just("status"), LID),
        st.tuples(st.just("number"), LID, st.integers(0, 9)),
        st.tuples(st.just("parent"), LID, st.integers(-1, 7)),
        st.tuples(st.just("child"), LID),
        st.tuples(st.just("delete"), LID),
        st.tuples(st.just("bulk"), EMAIL, st.sampled_from([Role.ADMINISTRATOR, Role.DOWNLOAD])),
    ),
    min_size=1,
    max_size=10,
)
ENDS_AT = {None: None, "past": T0 - timedelta(seconds=1), "now": T0, "future": T0 + timedelta(seconds=1)}


def _apply(write, lids, tenant, counter):
    kind, *args = write
    lid = lids[args[0] % len(lids)] if kind != "bulk" else None
    if kind == "grant":
        _, email, role, ends = args
        Grant.objects.update_or_create(licensing_id=lid, email=email, role=role, defaults={"ends_at": ENDS_AT[ends]})
    elif kind == "revoke":  # one statement, several rows
        Grant.objects.filter(licensing_id=lid, email=args[1]).delete()
    elif kind == "role":
        _, email, role = args
        if not Grant.objects.filter(licensing_id=lid, email=email, role=role).exists():
            Grant.objects.filter(pk__in=Grant.objects.filter(licensing_id=lid, email=email).values("pk")[:1]).update(
                role=role
            )
    elif kind == "ends":
        Grant.objects.filter(licensing_id=lid, email=args[1]).update(ends_at=ENDS_AT[args[2]])
    elif kind == "opt_out":
        _, email, reason = args
        if reason is None:
            InheritanceOptOut.objects.filter(licensing_id=lid, email=email).delete()
        else:
            InheritanceOptOut.objects.update_or_create(licensing_id=lid, email=email, defaults={"reason": reason})
    elif kind == "status":
        inactive = lid.status == LicensingID.Status.ACTIVE
        lid.status = LicensingID.Status.INACTIVE if inactive else LicensingID.Status.ACTIVE
        lid.save(update_fields=["status"])
    elif kind == "number":
        LicensingID.objects.filter(pk=lid.pk).update(number=f"N{args[1]}{next(counter)}")
    elif kind == "parent":  # only to an earlier licensing ID: no cycles
        index = lids.index(lid)
        parent = lids[args[1]] if 0 <= args[1] < index else None
        LicensingID.objects.filter(pk=lid.pk).update(parent=parent)
    elif kind == "child":
        lids.append(LicensingIDFactory(organization=tenant, number=f"C{next(counter)}", parent=lid))
    elif kind == "delete" and len(lids) > 1 and not LicensingID.objects.filter(parent=lid).exists():
        lid.delete()  # its grants and opt-outs go first (CASCADE), then the licensing ID
        lids.remove(lid)
    elif kind == "bulk":  # one statement over every licensing ID
        email, role = args
        Grant.objects.bulk_create(
            [Grant(licensing_id=lid, email=email, role=role) for lid in lids], ignore_conflicts=True
        )
    for lid in lids:
        lid.refresh_from_db()


def _listed(email, include_inactive):
    return [row.pk for row in access_mine.my_permissions_rows(email, include_inactive=include_inactive, offset=0,
                                                               limit=1000)[1]]  # fmt: skip


def _expected(email, include_inactive):
    user = UserFactory.build(email=email, business_email=email, business_email_verified_at=T0)
    return list(
        selectors.my_permissions_list(user=user, include_inactive=include_inactive).values_list("pk", flat=True)
    )


def _assert_same_everywhere():
    for email in EMAILS:
        for include_inactive in (True, False):
            assert _listed(email, include_inactive) == _expected(email, include_inactive), (email, include_inactive)


@pytest.mark.django_db
def test_perm3_perm8_listing_equals_the_orm_after_generated_writes(tenant, time_machine):
    """PERM-3, PERM-8, PERM-9, RES-8: after every write of a generated sequence (grants given, revoked several at
    a time, changed role or end, opt-outs of both reasons set and cleared, licensing IDs renumbered, deactivated,
    re-parented, added under a parent and deleted, bulk grants over every licensing ID), My Permissions read from
    the listing lists what the ORM's rule lists, in the same order; and still so once every end has passed."""
    counter = iter(range(10**6))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.integers(-1, 3), min_size=2, max_size=4), writes)
    def check(parents, sequence):
        time_machine.move_to(T0, tick=False)
        with transaction.atomic():
            lids = []
            for i, parent in enumerate(parents):
                program = Program.MBSA if i == 0 else Program.ENTERPRISE
                parent = lids[parent] if 0 <= parent < i else None
                lids.append(LicensingIDFactory(organization=tenant, number=f"L{i}", program=program, parent=parent))
            Grant.objects.create(licensing_id=lids[0], email=EMAILS[0], role=Role.ADMINISTRATOR)
            for write in sequence:
                _apply(write, lids, tenant, counter)
                _assert_same_everywhere()
            time_machine.move_to(T0 + timedelta(seconds=2), tick=False)
            _assert_same_everywhere()
            transaction.set_rollback(True)

    check()


def test_perm8_rebuild_gives_what_the_triggers_kept(tenant):  # issue 13
    """The migration fills the listing of grants already there with the same rule the triggers apply."""
    mbsa = LicensingIDFactory(organization=tenant, program=Program.MBSA)
    children = [LicensingIDFactory(organization=tenant, parent=mbsa) for _ in range(3)]
    Grant.objects.create(licensing_id=mbsa, email=EMAILS[0], role=Role.ADMINISTRATOR)
    Grant.objects.create(licensing_id=children[0], email=EMAILS[1], role=Role.DOWNLOAD, ends_at=T0)
    InheritanceOptOut.objects.create(licensing_id=children[1], email=EMAILS[0], reason="removed")
    kept = set(HolderListing.objects.values_list("email", "licensing_id", "number", "status", "until"))
    assert len(kept) == 4  # the MBSA and two children for ann; one child for ben
    access_listing.rebuild()
    assert set(HolderListing.objects.values_list("email", "licensing_id", "number", "status", "until")) == kept


@pytest.mark.django_db(transaction=True)
def test_perm8_a_child_added_while_its_parent_gains_an_administrator_is_listed():  # issue 13
    """Two writers race on one parent: one grants Administrator on it (held open), the other adds a child under
    it. Neither sees the other's uncommitted row, yet the child ends up listed for the new administrator: the
    second writer waits on the parent's row, then recomputes with what the first committed."""
    org = OrganizationFactory()
    parent = LicensingIDFactory(organization=org, program=Program.MBSA)
    administrator = {"licensing_id": parent, "email": EMAILS[2], "role": Role.ADMINISTRATOR}
    with held_open(lambda: Grant.objects.create(**administrator)):
        adder = threading.Thread(target=lambda: (LicensingIDFactory(organization=org, parent=parent),
                                                 connections.close_all()))  # fmt: skip
        adder.start()
        time.sleep(0.3)  # the child's insert is now waiting on the parent's row
        assert adder.is_alive()
    adder.join()
    child = LicensingID.objects.get(parent=parent)
    assert set(HolderListing.objects.filter(email=EMAILS[2]).values_list("licensing_id", flat=True)) == {
        parent.pk,
        child.pk,
    }
