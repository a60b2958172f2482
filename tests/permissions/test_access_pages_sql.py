"""The hand-written page queries of My Permissions (permissions/access_mine.py) and Manage Users
(permissions/access_people.people_page) agree with their ORM twins on generated trees (issue 13: the cold pages
read one prepared, index-driven query each), and so do the ORM page reads that replace them on other databases
(permissions/access_pages_orm.py, the SQLite demo): the demo shows what production shows."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agreements.models import AgreementContact, ContactType, LicensingID, Program
from permissions import access, access_mine, access_pages_orm, access_people, selectors
from permissions.models import Grant, InheritanceOptOut, Role
from tests.factories import UserFactory
from tests.permissions.test_access_core import EMAILS, T0, trees

page_trees = st.tuples(
    trees,
    st.lists(st.integers(0, 5), max_size=3),  # inactive licensing IDs
    st.lists(st.tuples(st.integers(0, 5), st.sampled_from(EMAILS), st.sampled_from(ContactType.values)), max_size=4),
)


# PERM-8 / PERM-9 side by side, always tried: ann removed the child from her permissions, ben opted out of it.
REMOVED_AND_OPTED_OUT = (
    {
        "parents": [-1, 0, 1],
        "grants": [(0, email, Role.ADMINISTRATOR, None, Grant.Source.MANUAL) for email in EMAILS[:2]]
        + [(2, EMAILS[2], Role.DOWNLOAD, "future", Grant.Source.MANUAL)],
        "opt_outs": [
            (1, EMAILS[0], InheritanceOptOut.Reason.REMOVED),
            (1, EMAILS[1], InheritanceOptOut.Reason.OPT_OUT),
        ],
    },
    [],
    [(0, EMAILS[0], ContactType.PRIMARY)],
)


def _related(lid):
    return access_mine.Related(lid.number, lid.program) if lid else None


@pytest.mark.django_db
def test_perm3_perm8_perm12_page_queries_agree_with_orm_on_generated_trees(tenant, time_machine):
    """PERM-3, PERM-7, PERM-8, PERM-9, PERM-12, RES-8: on generated MBSA/parent trees with opt-outs of both
    reasons, inactive licensing IDs, Primary Contact / Notices contacts and ended, ending-now and open-ended grants,
    the one-query My Permissions page lists the same licensing IDs in the same order with the same holdings as
    `my_permissions_list` + `roles_on_many`, in pages; the one-query Manage Users page the same people, grants,
    inherited Administrator, opt-outs and account states as `people_emails` + `people` + `people_states`. The ORM
    page reads of permissions/access_pages_orm.py (the SQLite demo) return exactly what the hand-written ones do,
    page by page, past the end included."""
    time_machine.move_to(T0, tick=False)
    users = {email: UserFactory(email=email) for email in EMAILS[:2]}  # the third email has no account: invited
    counter = iter(range(10**6))

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(page_trees)
    @example(REMOVED_AND_OPTED_OUT)
    def check(generated):
        tree, inactive, contacts = generated
        with transaction.atomic():
            n = len(tree["parents"])
            lids = []
            for i, parent in enumerate(tree["parents"]):
                lids.append(
                    LicensingID.objects.create(
                        organization=tenant,
                        number=f"P{next(counter) % 7:02d}{i}",  # equal numbers too: ordered by pk then
                        program=Program.MBSA if i == 0 else Program.ENTERPRISE,
                        parent=lids[parent] if 0 <= parent < i else None,
                        status=LicensingID.Status.INACTIVE if i in inactive else LicensingID.Status.ACTIVE,
                    )
                )
            ends_at = {None: None, "past": T0 - T0.resolution, "now": T0, "future": T0 + T0.resolution}
            seen = set()
            for lid, email, role, ends, source in tree["grants"]:
                if (lid % n, email, role) not in seen:
                    seen.add((lid % n, email, role))
                    Grant.objects.create(
                        licensing_id=lids[lid % n], email=email, role=role, ends_at=ends_at[ends], source=source
                    )
            for (lid, email), reason in {(lid % n, email): r for lid, email, r in tree["opt_outs"]}.items():
                InheritanceOptOut.objects.create(licensing_id=lids[lid], email=email, reason=reason)
            for lid, email, kind in set(contacts):
                AgreementContact.objects.get_or_create(licensing_id=lids[lid % n], email=email, contact_type=kind)

            for email in EMAILS:
                user = users.get(email) or UserFactory.build(email=email)
                user.business_email, user.business_email_verified_at = email, T0
                for include_inactive in (True, False):
                    orm = list(selectors.my_permissions_list(user=user, include_inactive=include_inactive))
                    holdings = access.roles_on_many(email, orm)
                    expected = [(lid.pk, lid.number, lid.status, _related(lid.parent), holdings[lid.pk]) for lid in orm]
                    for size in (2, 100):
                        got = []
                        for offset in range(0, len(orm) + size, size):  # one page past the end
                            arguments = {"include_inactive": include_inactive, "offset": offset, "limit": size}
                            total, rows = access_mine.my_permissions_rows(email, **arguments)
                            assert total == (len(orm) if rows else 0)
                            got += [(r.pk, r.number, r.status, r.parent, r.holding) for r in rows]
                            assert access_pages_orm.my_permissions_rows(email, **arguments) == (total, rows)
                        assert got == expected, (email, include_inactive)

                for lid in lids:
                    emails = list(access_people.people_emails(lid))
                    people = access_people.people(lid, [*emails, email])
                    states = selectors.people_states(licensing_id=lid)
                    total, page, found, got_states = access_people.people_page(lid, viewer=email, offset=0, limit=100)
                    assert (total, page) == ((len(emails), emails) if emails else (0, []))
                    assert set(found) == set(emails) | {email}
                    for who, person in found.items():
                        want = people[who]
                        assert sorted((g.role, g.source, list(g.sa_benefits)) for g in person.grants) == sorted(
                            (g.role, g.source, list(g.sa_benefits)) for g in want.grants
                        )
                        assert (person.parent_admin_source, person.opted_out) == (
                            want.parent_admin_source,
                            want.opted_out,
                        )
                        if who in emails:  # the viewer's own state is never shown unless listed
                            assert got_states[who] == states.get(who, selectors.INVITED)
                    for viewer in (email, None):
                        for size in (2, 100):
                            for offset in range(0, len(emails) + size, size):  # one page past the end
                                arguments = {"viewer": viewer, "offset": offset, "limit": size}
                                sql = access_people.people_page(lid, **arguments)
                                assert access_pages_orm.people_page(lid, **arguments) == sql, (lid.number, arguments)
            transaction.set_rollback(True)

    check()


@pytest.mark.django_db
def test_perm3_perm7_page_past_the_end_shows_the_last_page(tenant):
    """PERM-3, PERM-7: a page number past the end (a stale link) shows the last page, as Paginator.get_page does,
    although the one-query pages count nothing on an empty page; an unparsable number shows the first."""
    user = UserFactory(email="pager@contoso.example")
    lids = [LicensingID.objects.create(organization=tenant, number=f"Z{i:04d}") for i in range(30)]
    Grant.objects.bulk_create(Grant(licensing_id=lid, email=user.business_email, role="download") for lid in lids)
    Grant.objects.bulk_create(
        Grant(licensing_id=lids[0], email=f"p{i:02d}@contoso.example", role="download") for i in range(27)
    )
    page = selectors.my_permissions_page(user=user, number=99, per_page=25)
    assert (page.page.number, page.page.paginator.count, [r["number"] for r in page.rows]) == (
        2,
        30,
        [f"Z{i:04d}" for i in range(25, 30)],
    )
    assert selectors.my_permissions_page(user=user, number="x", per_page=25).page.number == 1
    people = selectors.people_page(licensing_id=lids[0], number=7, per_page=25, viewer=user.business_email)
    assert (people.page.number, people.page.paginator.count, len(people.rows)) == (2, 28, 3)
    assert people.rows[-1]["email"] == "pager@contoso.example"


@pytest.fixture(params=["sql", "orm"])
def page_reads(request, monkeypatch):
    """The pages read through the hand-written queries (PostgreSQL) or through their ORM twins (other databases)."""
    monkeypatch.setattr(selectors, "_on_postgresql", lambda: request.param == "sql")
    return request.param


@pytest.mark.django_db
def test_perm3_perm7_both_page_reads_render_the_same_pages(client, tenant, page_reads):
    """PERM-3, PERM-7, PERM-8: My Permissions and Manage Users render through the ORM page reads as through the
    hand-written queries: the licensing IDs with the inherited Administrator, the people with their roles."""
    admin = UserFactory(email="alice@contoso.example")
    mbsa = LicensingID.objects.create(organization=tenant, number="M0000001", program=Program.MBSA)
    child = LicensingID.objects.create(organization=tenant, number="E0000002", parent=mbsa)
    Grant.objects.create(licensing_id=mbsa, email=admin.business_email, role="administrator")
    Grant.objects.create(licensing_id=child, email="bob@contoso.example", role="download")
    client.force_login(admin)
    mine = client.get(reverse("permissions:my_permissions"))
    people = client.get(reverse("permissions:manage_users", args=[child.pk]))
    assert mine.status_code == people.status_code == 200
    assert "E0000002" in mine.content.decode() and "bob@contoso.example" in people.content.decode()
    assert [r["number"] for r in mine.context["listing"].rows] == ["E0000002", "M0000001"]
    assert mine.context["listing"].rows[0]["inherited_admin"]
    rows = {r["email"]: (r["roles"], r["inherited_admin"], r["state"]) for r in people.context["listing"].rows}
    assert rows == {
        "alice@contoso.example": ("", True, "verified"),
        "bob@contoso.example": ("Download", False, "invited"),
    }


@pytest.mark.django_db
def test_perm3_perm7_orm_page_reads_run_a_constant_number_of_queries(tenant):
    """PERM-3, PERM-7 (issue 13): the ORM page reads cost the same number of queries for 1 row as for a full page:
    two for My Permissions, at most five for Manage Users."""
    parent = LicensingID.objects.create(organization=tenant, number="M0000000", program=Program.MBSA)
    Grant.objects.create(licensing_id=parent, email="owner@contoso.example", role="administrator")
    counts = []
    for n in (1, 30):
        lids = LicensingID.objects.bulk_create(
            LicensingID(organization=tenant, number=f"N{n:02d}{i:04d}", parent=parent) for i in range(n)
        )
        Grant.objects.bulk_create(
            Grant(licensing_id=lid, email=f"n{n}@contoso.example", role="download") for lid in lids
        )
        Grant.objects.bulk_create(
            Grant(licensing_id=lids[0], email=f"p{n}-{i:02d}@contoso.example", role="download") for i in range(n)
        )
        with CaptureQueriesContext(connection) as mine:
            total, rows = access_pages_orm.my_permissions_rows(
                f"n{n}@contoso.example", include_inactive=False, offset=0, limit=25
            )
        with CaptureQueriesContext(connection) as people:
            people_total, emails, _found, _states = access_pages_orm.people_page(
                lids[0], viewer="owner@contoso.example", offset=0, limit=25
            )
        assert (total, len(rows), people_total, len(emails)) == (n, min(n, 25), n + 2, min(n + 2, 25))
        counts.append((len(mine), len(people)))
    assert counts[0][0] == counts[1][0] == 2
    assert counts[1][1] <= 5 and counts[0][1] <= counts[1][1]
