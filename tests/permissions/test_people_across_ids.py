"""PERM-12: one person's roles across the licensing IDs an administrator administers, applied to several at once
(through the PERM-7 service, all or none); Manage Users shows each person's state and resends the welcome."""

import re

import pytest
from django.urls import reverse

from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from permissions import services
from permissions.models import Grant, Role
from tests.factories import LicensingIDFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

PERSON = reverse("permissions:person")


def _roles(lid, email):
    return set(Grant.objects.filter(licensing_id=lid, email=email).values_list("role", flat=True))


def _apply(client, email, lids, roles, **extra):
    return client.post(PERSON, {"email": email, "licensing_ids": [lid.pk for lid in lids], "roles": roles, **extra})


@pytest.fixture
def lid2(tenant):
    return LicensingIDFactory(organization=tenant, number="E2000002")


@pytest.fixture
def lid3(tenant):
    return LicensingIDFactory(organization=tenant, number="E2000003")


def test_perm12_grid_shows_the_person_on_every_administered_id(client, lid, lid2, lid3, admin, other_tenant):
    grant(admin, lid2, Role.ADMINISTRATOR)  # lid3: not administered by `admin`
    foreign = LicensingIDFactory(organization=other_tenant, number="F9000001")
    Grant.objects.create(licensing_id=lid, email="pat@contoso.example", role=Role.DOWNLOAD)
    Grant.objects.create(licensing_id=lid3, email="pat@contoso.example", role=Role.PRODUCT_KEYS)
    Grant.objects.create(licensing_id=foreign, email="pat@contoso.example", role=Role.LICENSING_INFO)
    client.force_login(admin)
    resp = client.get(PERSON, {"email": "Pat@Contoso.example"})
    body = resp.content.decode()
    assert "E2000001" in body and "E2000002" in body
    assert "E2000003" not in body and "F9000001" not in body  # only what the viewer administers
    grid = {row["number"]: row["roles"] for row in resp.context["rows"]}
    assert grid == {"E2000001": [Role.DOWNLOAD], "E2000002": []}


def test_perm12_apply_one_role_set_to_several_ids(client, lid, lid2, admin, outbox):
    grant(admin, lid2, Role.ADMINISTRATOR)
    Grant.objects.create(licensing_id=lid, email="pat@contoso.example", role=Role.DOWNLOAD)
    client.force_login(admin)
    resp = _apply(client, "pat@contoso.example", [lid, lid2], [Role.LICENSING_INFO, Role.PRODUCT_KEYS])
    assert resp.status_code == 302
    for target in (lid, lid2):
        assert _roles(target, "pat@contoso.example") == {Role.LICENSING_INFO, Role.PRODUCT_KEYS}
    # one audit row per ID (PERM-11): changed where pat had roles, added (with the PERM-7 welcome) where not
    events = AuditEvent.objects.filter(target_email="pat@contoso.example", verb__startswith="permission.")
    assert {(e.licensing_id_id, e.verb) for e in events} == {
        (lid.pk, "permission.changed"),
        (lid2.pk, "permission.added"),
    }
    welcomes = outbox(template="agreements/emails/welcome", to_email="pat@contoso.example")
    assert len(welcomes) == 1 and "E2000002" in welcomes[0].body_text


def test_perm12_last_administrator_refusal_leaves_every_id_unchanged(client, lid, lid2, admin):
    grant(admin, lid2, Role.ADMINISTRATOR)
    other = grant(UserFactory(email="other@contoso.example"), lid, Role.ADMINISTRATOR)
    client.force_login(other)
    # `admin` is one of two administrators of lid, but `other` does not administer lid2: 404, nothing changes
    assert _apply(client, admin.business_email, [lid, lid2], [Role.DOWNLOAD]).status_code == 404
    client.force_login(admin)
    # demoting oneself: fine on lid (other stays), refused on lid2 (last administrator) -> nothing anywhere
    resp = _apply(client, admin.business_email, [lid, lid2], [Role.DOWNLOAD])
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "E2000002" in body and "last administrator" in body and "Nothing was changed" in body
    assert _roles(lid, admin.business_email) == {Role.ADMINISTRATOR}
    assert _roles(lid2, admin.business_email) == {Role.ADMINISTRATOR}
    assert not AuditEvent.objects.filter(verb="permission.changed").exists()


def test_perm12_service_all_or_none(lid, lid2, admin):
    grant(admin, lid2, Role.ADMINISTRATOR)
    Grant.objects.create(licensing_id=lid, email="pat@contoso.example", role=Role.DOWNLOAD)
    with pytest.raises(ApplicationError, match="E2000002"):
        services.person_roles_set_many(
            licensing_ids=[lid, lid2], email=admin.business_email, roles=[Role.DOWNLOAD], actor=admin
        )
    services.person_roles_set_many(
        licensing_ids=[lid, lid2], email="pat@contoso.example", roles=[Role.DOWNLOAD], actor=admin
    )
    assert _roles(lid2, "pat@contoso.example") == {Role.DOWNLOAD}


def test_perm12_sec6_delegated_partner_refusals_still_hold(client, lid, lid2, admin):
    """A partner administering through a reseller relationship (SEC-6) cannot make administrators nor demote the
    customer's own administrator, whichever licensing IDs are selected: nothing changes on any of them."""
    partner = UserFactory(email="ops@reseller.example")
    for target in (lid, lid2):
        Grant.objects.create(
            licensing_id=target, email=partner.business_email, role=Role.ADMINISTRATOR, source="relationship"
        )
    grant(admin, lid2, Role.ADMINISTRATOR)
    Grant.objects.create(licensing_id=lid, email="pat@contoso.example", role=Role.DOWNLOAD)
    client.force_login(partner)
    resp = _apply(client, "pat@contoso.example", [lid, lid2], [Role.ADMINISTRATOR])
    assert resp.status_code == 400 and "own administrators" in resp.content.decode()
    assert _roles(lid, "pat@contoso.example") == {Role.DOWNLOAD} and not _roles(lid2, "pat@contoso.example")
    resp = _apply(client, admin.business_email, [lid, lid2], [Role.DOWNLOAD])
    assert resp.status_code == 400
    assert _roles(lid, admin.business_email) == {Role.ADMINISTRATOR} == _roles(lid2, admin.business_email)
    # within the partner's rights it works, on both
    assert _apply(client, "pat@contoso.example", [lid, lid2], [Role.PRODUCT_KEYS]).status_code == 302
    assert _roles(lid2, "pat@contoso.example") == {Role.PRODUCT_KEYS}


def test_perm12_another_tenants_id_is_404_and_changes_nothing(client, lid, admin, other_tenant):
    foreign = LicensingIDFactory(organization=other_tenant)
    Grant.objects.create(licensing_id=foreign, email="victim@fabrikam.example", role=Role.DOWNLOAD)
    client.force_login(admin)
    assert _apply(client, "victim@fabrikam.example", [lid, foreign], [Role.ADMINISTRATOR]).status_code == 404
    assert _roles(foreign, "victim@fabrikam.example") == {Role.DOWNLOAD}
    assert not _roles(lid, "victim@fabrikam.example")
    resp = client.post(
        reverse("permissions:manage_user_resend", args=[foreign.pk]), {"welcome_to": "victim@fabrikam.example"}
    )
    assert resp.status_code == 404


@pytest.mark.parametrize("size", [1, 50])
def test_perm12_grid_constant_queries(client, tenant, admin, size, django_assert_num_queries):
    for i in range(size):
        extra = LicensingIDFactory(organization=tenant, number=f"Q{i:07d}")
        grant(admin, extra, Role.ADMINISTRATOR)
        Grant.objects.create(licensing_id=extra, email="pat@contoso.example", role=Role.DOWNLOAD)
    client.force_login(admin)
    # session, user, administered IDs, the person's holdings (grants, opt-outs: one query, permissions/access.py)
    with django_assert_num_queries(4):
        resp = client.get(PERSON, {"email": "pat@contoso.example"})
    assert resp.status_code == 200 and "Q0000000" in resp.content.decode()


def _states(body):
    return dict(re.findall(r'<td>([^<\s]+@[^<\s]+?)(?:\s|<).*?data-state="(\w+)"', body, re.S))


def test_perm12_manage_users_shows_states_and_stays_correct_when_cached(client, lid, admin):
    Grant.objects.create(licensing_id=lid, email="new@contoso.example", role=Role.DOWNLOAD)
    Grant.objects.create(licensing_id=lid, email="half@contoso.example", role=Role.DOWNLOAD)
    half = UserFactory(email="half@contoso.example", business_email_verified_at=None)
    client.force_login(admin)
    url = reverse("permissions:manage_users", args=[lid.pk])
    body = client.get(url).content.decode()
    assert 'data-state="invited"' in body and 'data-state="registered"' in body and 'data-state="verified"' in body
    states = _states(body)
    assert states["new@contoso.example"] == "invited"
    assert states["half@contoso.example"] == "registered"
    assert states[admin.business_email] == "verified"
    half.business_email_verified_at = admin.business_email_verified_at
    half.save(update_fields=["business_email_verified_at"])
    UserFactory(email="new@contoso.example", business_email_verified_at=None)
    states = _states(client.get(url).content.decode())  # the cached table does not hide the change
    assert states["half@contoso.example"] == "verified" and states["new@contoso.example"] == "registered"


def test_perm12_resend_welcome_with_a_fresh_single_use_link(client, lid, admin, outbox):
    Grant.objects.create(licensing_id=lid, email="new@contoso.example", role=Role.DOWNLOAD)
    client.force_login(admin)
    resend = reverse("permissions:manage_user_resend", args=[lid.pk])
    assert client.post(resend, {"welcome_to": "new@contoso.example"}).status_code == 302
    assert client.post(resend, {"welcome_to": "new@contoso.example"}).status_code == 302
    sent = outbox(template="agreements/emails/welcome", to_email="new@contoso.example")
    assert len(sent) == 2
    links = [re.search(r"(/permissions/welcome/[^/\s]+/)", m.body_text).group(1) for m in sent]
    assert links[0] != links[1]
    assert AuditEvent.objects.filter(verb="permission.welcome_resent", target_email="new@contoso.example").count() == 2
    client.logout()
    assert client.get(links[0]).status_code == 400  # the earlier link stopped working
    resp = client.get(links[1])
    assert resp.status_code == 200 and "E2000001" in resp.content.decode()
    assert client.post(links[1]).status_code == 302
    assert client.post(links[1]).status_code == 400  # single use
    # rate limited: a few a day per person and licensing ID; the refusal sends nothing
    client.force_login(admin)
    for _ in range(services.WELCOME_RESEND_DAILY_LIMIT):
        client.post(resend, {"welcome_to": "new@contoso.example"})
    count = len(outbox(template="agreements/emails/welcome"))
    resp = client.post(resend, {"welcome_to": "new@contoso.example"}, follow=True)
    assert "already resent today" in resp.content.decode()
    assert len(outbox(template="agreements/emails/welcome")) == count


def test_perm12_resend_refused_for_someone_not_on_the_licensing_id(client, lid, admin, outbox):
    client.force_login(admin)
    client.post(reverse("permissions:manage_user_resend", args=[lid.pk]), {"welcome_to": "stranger@example.com"})
    assert not outbox(template="agreements/emails/welcome")
