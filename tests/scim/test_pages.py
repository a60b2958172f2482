"""The organisation administrator's SCIM page (IDN-3): map a directory group to a pool or to roles, remove the
mapping; only the organisation's own administrators reach it; its queries do not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing_portal.scim.models import ScimGroup, ScimGroupMapping, ScimMember, ScimUser
from permissions.models import Grant, Role
from subscriptions.models import Seat
from tests.factories import PoolFactory

pytestmark = pytest.mark.django_db


def _directory(organization, n: int):
    groups = []
    for i in range(n):
        group = ScimGroup.objects.create(organization=organization, display_name=f"Group {i}")
        user = ScimUser.objects.create(organization=organization, user_name=f"u{i}", email=f"u{i}@contoso.example")
        ScimMember.objects.create(group=group, user=user)
        groups.append(group)
    return groups


def test_idn3_administrator_maps_a_group_to_a_pool_and_to_roles_then_removes_it(client, directory):  # IDN-3
    c = directory["contoso"]
    pool = PoolFactory(licensing_id=c["lid"], quantity=5)
    (group,) = _directory(c["organization"], 1)
    client.force_login(c["admin"])
    url = reverse("scim:organization", args=[c["organization"].pk])
    page = client.get(url)
    assert page.status_code == 200 and "/scim/v2/" in page.content.decode()
    assert c["organization"].name in client.get(reverse("scim:index")).content.decode()

    response = client.post(url, {"group": group.pk, "target": f"pool:{pool.pk}", "confirm": "on"})
    assert response.status_code == 302
    assert Seat.objects.filter(pool=pool, email="u0@contoso.example", status=Seat.Status.ACTIVE).exists()
    response = client.post(
        url, {"group": group.pk, "target": f"roles:{c['lid'].pk}", "roles": [Role.DOWNLOAD], "confirm": "on"}
    )
    assert response.status_code == 302
    assert Grant.objects.filter(licensing_id=c["lid"], email="u0@contoso.example", role=Role.DOWNLOAD).exists()
    assert client.post(url, {"group": group.pk, "target": f"roles:{c['lid'].pk}", "confirm": "on"}).status_code == 400

    for mapping in ScimGroupMapping.objects.filter(group=group):
        remove = reverse("scim:mapping_remove", args=[c["organization"].pk, mapping.pk])
        assert client.post(remove).status_code == 302
    assert not Seat.objects.filter(pool=pool, status=Seat.Status.ACTIVE).exists()
    assert not Grant.objects.filter(email="u0@contoso.example").exists()


def test_idn3_sec1_another_organisations_administrator_gets_404(client, directory):  # IDN-3 SEC-1
    c, f = directory["contoso"], directory["fabrikam"]
    (group,) = _directory(c["organization"], 1)
    mapping = ScimGroupMapping.objects.create(group=group, kind="roles", target_id=c["lid"].pk, roles=["download"])
    client.force_login(f["admin"])
    assert client.get(reverse("scim:organization", args=[c["organization"].pk])).status_code == 404
    remove = reverse("scim:mapping_remove", args=[c["organization"].pk, mapping.pk])
    assert client.post(remove).status_code == 404
    foreign = reverse("scim:mapping_remove", args=[f["organization"].pk, mapping.pk])
    assert client.post(foreign).status_code == 302  # their own page: a mapping of Contoso is not there to remove
    assert ScimGroupMapping.objects.filter(pk=mapping.pk).exists()


def test_idn3_mapping_page_queries_do_not_grow_with_rows(client, directory):  # IDN-3
    c = directory["contoso"]
    client.force_login(c["admin"])
    url = reverse("scim:organization", args=[c["organization"].pk])

    def queries(n):
        ScimGroup.objects.filter(organization=c["organization"]).delete()
        ScimUser.objects.filter(organization=c["organization"]).delete()
        for group in _directory(c["organization"], n):
            ScimGroupMapping.objects.create(group=group, kind="roles", target_id=c["lid"].pk, roles=["download"])
            pool = PoolFactory(licensing_id=c["lid"], product=f"p{group.pk}"[:30])
            ScimGroupMapping.objects.create(group=group, kind="pool", target_id=pool.pk)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries(1) == queries(6)


def test_idn3_acc5_mapping_page_in_french(client, directory):  # IDN-3 ACC-5
    c = directory["contoso"]
    c["admin"].language = "fr"
    c["admin"].save(update_fields=["language"])
    _directory(c["organization"], 1)
    client.force_login(c["admin"])
    body = client.get(reverse("scim:organization", args=[c["organization"].pk])).content.decode()
    assert "Associer le groupe" in body and "Groupes de l'annuaire" in body
