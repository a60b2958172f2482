"""Pages run a constant number of queries whatever the number of rows (issue 7, STYLE)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import (
    AgreementContact,
    ContactType,
    Download,
    LicenseSummaryLine,
    LicensingID,
    Organization,
    ProductKey,
    Program,
    SABenefitLine,
)
from permissions.models import Grant, InheritanceOptOut, Role
from tests.factories import LicensingIDFactory, grant

pytestmark = pytest.mark.django_db
SIZES = (1, 50, 500)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow_licensing_ids(user, organizations, parents, start: int, stop: int) -> None:
    lids = LicensingID.objects.bulk_create(
        LicensingID(
            number=f"E{9100000 + i}",
            program=Program.ENTERPRISE,
            organization=organizations[i % 7],
            parent=parents[i % len(parents)],
        )
        for i in range(start, stop)
    )
    Grant.objects.bulk_create(
        Grant(licensing_id=lid, email=user.business_email, role=Role.LICENSING_INFO) for lid in lids
    )


def test_agreement_list_query_count_is_the_same_at_1_50_and_500_rows(
    client, member, django_assert_num_queries
):  # SEC-1 AGR-2
    organizations = Organization.objects.bulk_create(Organization(name=f"Org {i}") for i in range(7))
    mbsa = LicensingIDFactory(organization=organizations[0], program=Program.MBSA)
    parents = [
        LicensingIDFactory(organization=organizations[0], program=Program.PARENT, parent=mbsa),
        LicensingIDFactory(organization=organizations[1], program=Program.MBSA),
    ]
    grant(member, mbsa, Role.ADMINISTRATOR)  # inherited children go through the same subquery
    client.force_login(member)
    url = reverse("agreements:list") + "?status=all"
    _grow_licensing_ids(member, organizations, parents, 0, 1)
    expected = _count(client, url)
    done = 1
    for size in SIZES[1:]:
        _grow_licensing_ids(member, organizations, parents, done, size)
        done = size
        with django_assert_num_queries(expected):
            response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200
        assert body.count("<tr>") == 1 + 25  # header + one page (the list is paginated)
        assert "E9100000<" in body  # ordered by number: the first grown licensing ID opens page 1
        last_page = -(-(size + 2) // 25)  # + the two inherited parents (the MBSA itself is a grant)
        with django_assert_num_queries(expected):
            response = client.get(url + f"&page={last_page}")
        assert f"Page {last_page} of {last_page}" in response.content.decode()


def _my_permissions_world(member, tenant, size: int, done: int) -> None:
    """`size` licensing IDs under an MBSA the member administers: direct roles, inherited Administrator,
    an opt-out and a Primary Contact entry, so every per-row fact of My Permissions is exercised."""
    mbsa = LicensingID.objects.get(number="MBSA-PERF")
    lids = LicensingID.objects.bulk_create(
        LicensingID(organization=tenant, number=f"Q{i:07d}", program=Program.ENTERPRISE, parent=mbsa)
        for i in range(done, size)
    )
    Grant.objects.bulk_create(
        Grant(licensing_id=lid, email=member.business_email, role=role)
        for i, lid in enumerate(lids)
        for role in ((Role.DOWNLOAD, Role.LICENSING_INFO) if i % 2 else (Role.PRODUCT_KEYS,))
    )
    InheritanceOptOut.objects.bulk_create(
        InheritanceOptOut(licensing_id=lid, email=member.business_email) for lid in lids[::7]
    )
    AgreementContact.objects.bulk_create(
        AgreementContact(licensing_id=lid, email=member.business_email, contact_type=ContactType.PRIMARY)
        for lid in lids[::11]
    )


def test_my_permissions_query_count_is_the_same_at_1_50_and_500_rows(
    client, member, tenant, django_assert_num_queries
):  # PERM-3 PERM-8
    mbsa = LicensingIDFactory(organization=tenant, program=Program.MBSA, number="MBSA-PERF")
    grant(member, mbsa, Role.ADMINISTRATOR)
    client.force_login(member)
    url = reverse("permissions:my_permissions") + "?status=all"
    done, expected = 0, None
    for size in SIZES:
        _my_permissions_world(member, tenant, size, done)
        done = size
        if expected is None:
            expected = _count(client, url)
            continue
        with django_assert_num_queries(expected):
            body = client.get(url).content.decode()
        assert body.count("<tr>") == 1 + 25
        assert (
            "inherited" in body
            and reverse("permissions:opt_in", args=[LicensingID.objects.get(number="Q0000000").pk]) in body
        )  # Q0000000 is opted out


def test_manage_users_query_count_is_the_same_at_1_50_and_500_people(
    client, member, tenant, django_assert_num_queries
):  # PERM-7 PERM-8
    mbsa = LicensingIDFactory(organization=tenant, program=Program.MBSA)
    lid = LicensingIDFactory(organization=tenant, parent=mbsa)
    grant(member, lid, Role.ADMINISTRATOR)
    client.force_login(member)
    url = reverse("permissions:manage_users", kwargs={"pk": lid.pk})
    done, expected = 0, None
    for size in SIZES:
        Grant.objects.bulk_create(
            Grant(
                licensing_id=lid if i % 3 else mbsa,
                email=f"person{i:04d}@example.com",
                role=Role.ADMINISTRATOR if i % 3 == 0 else Role.SA_MANAGER,
                sa_benefits=["training_vouchers"] if i % 3 else [],
            )
            for i in range(done, size)
        )
        done = size
        if expected is None:
            expected = _count(client, url)
            continue
        with django_assert_num_queries(expected):
            body = client.get(url).content.decode()
        assert body.count("Edit roles") + body.count("read-only") == 25


def test_licensing_id_detail_query_count_is_the_same_at_1_50_and_500_rows(
    client, member, tenant, django_assert_num_queries
):  # AGR-6 PERM-8
    mbsa = LicensingIDFactory(organization=tenant, program=Program.MBSA)
    lid = LicensingIDFactory(organization=tenant, parent=mbsa)
    grant(member, mbsa, Role.ADMINISTRATOR)  # inherited Administrator: every section shows
    client.force_login(member)
    url = lid.get_absolute_url()
    done = 0
    expected = None
    for size in SIZES:
        LicenseSummaryLine.objects.bulk_create(
            LicenseSummaryLine(licensing_id=lid, product=f"P{i}", quantity=i) for i in range(done, size)
        )
        SABenefitLine.objects.bulk_create(SABenefitLine(licensing_id=lid, benefit=f"B{i}") for i in range(done, size))
        Download.objects.bulk_create(
            Download(licensing_id=lid, product=f"D{i}", file_name=f"d{i}.iso") for i in range(done, size)
        )
        ProductKey.objects.bulk_create(
            ProductKey(licensing_id=lid, product=f"K{i}", key=f"KEY-{i}") for i in range(done, size)
        )
        done = size
        if expected is None:
            expected = _count(client, url)
            continue
        with django_assert_num_queries(expected):
            body = client.get(url).content.decode()
        assert f"KEY-{size - 1}<" in body and f"d{size - 1}.iso" in body


def test_bench_hello_needs_a_session_and_runs_only_the_session_queries(client, member):  # SEC-1
    url = reverse("core:bench_hello")
    assert client.get(url).status_code == 302
    client.force_login(member)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.content == b"hello"
    assert not any("agreements_" in q["sql"] or "permissions_" in q["sql"] for q in queries.captured_queries)
