"""AGR-8: a download link delivers the file to a holder of the Download role, audited; 404 for anyone else."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from licensing_portal.core.models import AuditEvent
from permissions.models import Role
from tests.factories import LicensingIDFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

CONTENT = b"installer bytes \x00\x01 for the test"


@pytest.fixture
def download(tenant):
    lid = LicensingIDFactory(organization=tenant)
    item = lid.downloads.create(product="Office LTSC", file_name="office_ltsc_x64.iso")
    item.file.save("office_ltsc_x64.iso", ContentFile(CONTENT), save=True)
    return item


def _url(download):
    return reverse("agreements:download", kwargs={"pk": download.licensing_id_id, "download_pk": download.pk})


@pytest.mark.parametrize("role", [Role.DOWNLOAD, Role.ADMINISTRATOR])
def test_agr8_download_holder_gets_the_file_and_an_audit_row(client, member, download, role):
    grant(member, download.licensing_id, role)
    client.force_login(member)
    page = client.get(download.licensing_id.get_absolute_url()).content.decode()
    assert f'href="{_url(download)}"' in page

    response = client.get(_url(download))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT
    assert response["Content-Disposition"] == 'attachment; filename="office_ltsc_x64.iso"'
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(verb="download.delivered")
    assert (event.actor, event.licensing_id, event.detail) == (member, download.licensing_id, "office_ltsc_x64.iso")


@pytest.mark.parametrize("role", [Role.LICENSING_INFO, Role.PRODUCT_KEYS, Role.SUBSCRIPTIONS_MANAGER])
def test_agr8_other_roles_on_the_same_id_get_404(client, member, download, role):
    grant(member, download.licensing_id, role)
    client.force_login(member)
    assert client.get(_url(download)).status_code == 404
    assert not AuditEvent.objects.filter(verb="download.delivered").exists()


def test_agr8_download_holder_of_another_id_gets_404(client, download, other_tenant):
    outsider = UserFactory()
    grant(outsider, LicensingIDFactory(organization=other_tenant), Role.DOWNLOAD)
    client.force_login(outsider)
    assert client.get(_url(download)).status_code == 404
    # The file's id under the outsider's own licensing ID is just as missing.
    own = LicensingIDFactory(organization=other_tenant)
    grant(outsider, own, Role.DOWNLOAD)
    elsewhere = reverse("agreements:download", kwargs={"pk": own.pk, "download_pk": download.pk})
    assert client.get(elsewhere).status_code == 404


def test_agr8_a_listed_download_without_a_file_is_not_a_link(client, member, tenant):
    lid = LicensingIDFactory(organization=tenant)
    listed = lid.downloads.create(product="Office", file_name="office.iso")
    grant(member, lid, Role.DOWNLOAD)
    client.force_login(member)
    assert "office.iso" in client.get(lid.get_absolute_url()).content.decode()
    assert client.get(_url(listed)).status_code == 404


def test_agr8_anonymous_is_sent_to_sign_in(client, download):
    response = client.get(_url(download))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
