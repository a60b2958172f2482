import pytest

from permissions.models import Role
from tests.factories import LicensingIDFactory, grant

pytestmark = pytest.mark.django_db


def test_licensing_id_detail_is_404_for_other_tenant(client, member, other_tenant):  # SEC-1
    foreign = LicensingIDFactory(organization=other_tenant)
    client.force_login(member)
    assert client.get(foreign.get_absolute_url()).status_code == 404


def test_unverified_business_email_sees_no_agreement_data(client, member, tenant):  # ACC-2
    lid = LicensingIDFactory(organization=tenant)
    grant(member, lid, Role.ADMINISTRATOR)
    member.business_email_verified_at = None
    member.save()
    client.force_login(member)
    assert client.get(lid.get_absolute_url()).status_code == 404
    assert lid.number not in client.get("/agreements/").content.decode()


def test_download_only_role_sees_downloads_and_nothing_else(client, member, tenant):  # PERM-1 AGR-6
    lid = LicensingIDFactory(organization=tenant)
    lid.license_lines.create(product="Secret Product", quantity=3)
    lid.downloads.create(product="Office ISO", file_name="office.iso")
    lid.product_keys.create(product="Windows", key="KEY-SECRET")
    grant(member, lid, Role.DOWNLOAD)
    client.force_login(member)
    body = client.get(lid.get_absolute_url()).content.decode()
    assert "office.iso" in body
    assert "Secret Product" not in body
    assert "KEY-SECRET" not in body


def test_agreement_list_runs_constant_queries(client, member, tenant, django_assert_max_num_queries):
    client.force_login(member)
    for n in (1, 30):
        for _ in range(n):
            grant(member, LicensingIDFactory(organization=tenant), Role.LICENSING_INFO)
        with django_assert_max_num_queries(8):
            assert client.get("/agreements/").status_code == 200
