"""The demo's data works for the journeys the README promises (printed logins; AGR-8 download)."""

import pytest
from django.core.management import call_command

from agreements.models import Download
from licensing_portal.core.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_world_where_the_download_user_downloads(client, capsys):
    call_command("seed_demo")
    assert "download@contoso.example" in capsys.readouterr().out
    client.force_login(User.objects.get(email="download@contoso.example"))
    download = Download.objects.filter(licensing_id__number__startswith="E").exclude(file="").first()
    detail = client.get(download.licensing_id.get_absolute_url()).content.decode()
    url = f"/agreements/{download.licensing_id_id}/downloads/{download.pk}/"
    assert f'href="{url}"' in detail
    response = client.get(url)
    assert response.status_code == 200
    assert download.licensing_id.number.encode() in b"".join(response.streaming_content)
