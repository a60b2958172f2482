"""SEC-6: delegated partner access acts on the customer's licences, subscriptions and users within the delegated
roles only; never for the customer on relationships, never against the customer's own administrators, and the
customer always keeps an administrator of its own who can end the relationship."""

import pytest
from django.urls import reverse

from agreements.models import ContactType, Program
from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from partners import services as partner_services
from partners.models import ResellerRelationship
from permissions import policies
from permissions import services as permission_services
from permissions.contacts import contact_add
from permissions.models import Grant, PermissionRequest, Role
from tests.factories import LicensingIDFactory, PartnerAdminFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _path(url: str) -> str:
    return url.split("8000", 1)[1]


def _partner(name: str, email: str):
    partner = PartnerFactory(name=name)
    return partner, PartnerAdminFactory(organization=partner, user=UserFactory(email=email)).user


@pytest.fixture
def world(tenant):
    """Contoso (E1, E2) with Alice, its Primary Contact and only administrator of its own. Northwind (Ravi) and
    Tailspin (Bea) hold delegated Administrator through accepted relationships; Fabrikam Partners has a pending
    invitation."""
    e1 = LicensingIDFactory(organization=tenant, number="E1000001")
    e2 = LicensingIDFactory(organization=tenant, number="E1000002")
    alice = UserFactory(email="alice@contoso.example")
    for lid in (e1, e2):
        contact_add(licensing_id=lid, contact_type=ContactType.PRIMARY, email=alice.business_email)
    northwind, ravi = _partner("Northwind", "ravi@northwind.example")
    tailspin, bea = _partner("Tailspin", "bea@tailspin.example")
    fabrikam, fay = _partner("Fabrikam Partners", "fay@fabrikam.example")
    relationships = {}
    for partner, admin in ((northwind, ravi), (tailspin, bea)):
        _rel, url = partner_services.relationship_invite(partner=partner, invited_by=admin)
        relationships[partner.name] = partner_services.relationship_accept(
            token=_token(url), user=alice, customer_id=tenant.pk
        )
    pending, pending_url = partner_services.relationship_invite(partner=fabrikam, invited_by=fay)
    return {
        "tenant": tenant,
        "e1": e1,
        "e2": e2,
        "alice": alice,
        "ravi": ravi,
        "bea": bea,
        "fay": fay,
        "northwind": relationships["Northwind"],
        "tailspin": relationships["Tailspin"],
        "pending": pending,
        "pending_path": _path(pending_url),
    }


def _admin_numbers(user, tenant) -> set[str]:
    return set(
        Grant.objects.filter(
            email=user.business_email, role=Role.ADMINISTRATOR, licensing_id__organization=tenant
        ).values_list("licensing_id__number", flat=True)
    )


def _roles(lid, email) -> set[str]:
    return set(Grant.objects.filter(licensing_id=lid, email=email).values_list("role", flat=True))


def test_sec6_the_world_is_what_the_attacks_need(world):  # SEC-6
    """The partner really holds Administrator on the customer's licences: the refusals below are SEC-6's."""
    for lid in (world["e1"], world["e2"]):
        assert policies.can_manage_users(world["ravi"], lid)
        assert not policies.acts_for_customer(world["ravi"], lid)
        assert policies.acts_for_customer(world["alice"], lid)
    assert _admin_numbers(world["bea"], world["tenant"]) == {"E1000001", "E1000002"}
    assert policies.may_manage_relationships(world["alice"], world["tenant"])
    assert not policies.may_manage_relationships(world["ravi"], world["tenant"])


def test_sec6_delegated_partner_cannot_accept_another_partners_invitation_for_the_customer(
    client, world, outbox
):  # SEC-6 RES-5
    client.force_login(world["ravi"])
    page = client.get(world["pending_path"]).content.decode()
    assert "Contoso" not in page and "Only an administrator" in page
    resp = client.post(world["pending_path"], {"customer": world["tenant"].pk})
    assert resp.status_code == 400 and "Only an administrator" in resp.content.decode()
    pending = world["pending"]
    pending.refresh_from_db()
    assert pending.status == ResellerRelationship.Status.PENDING and pending.customer is None
    assert _admin_numbers(world["fay"], world["tenant"]) == set()
    assert not outbox(template="partners/emails/relationship_accepted", to_email=world["fay"].email)
    assert AuditEvent.objects.filter(verb="partners.relationship_accept_refused", actor=world["ravi"]).exists()
    # the customer's own administrator still can
    client.force_login(world["alice"])
    terms = {"licences": [world["e1"].pk, world["e2"].pk], "roles": ["administrator"], "days": 730}  # RES-8
    assert client.post(world["pending_path"], {"customer": world["tenant"].pk, **terms}).status_code == 302
    assert _admin_numbers(world["fay"], world["tenant"]) == {"E1000001", "E1000002"}


def test_sec6_delegated_partner_cannot_change_another_partners_access(client, world):  # SEC-6 RES-6
    tailspin = world["tailspin"]
    client.force_login(world["ravi"])
    url = reverse("partners:relationship_admin", args=[tailspin.pk])
    assert client.post(url, {}).status_code == 404
    assert client.post(url, {"licences": [world["e1"].pk]}).status_code == 404
    assert not client.get(reverse("partners:customer_partners")).content.decode().count("Tailspin")
    with pytest.raises(ApplicationError):
        partner_services.relationship_admin_set(relationship=tailspin, licensing_id_pks=[], actor=world["ravi"])
    assert _admin_numbers(world["bea"], world["tenant"]) == {"E1000001", "E1000002"}
    assert set(tailspin.administered_licences.values_list("number", flat=True)) == {"E1000001", "E1000002"}
    # nor widen its own: only the customer delegates
    with pytest.raises(ApplicationError):
        partner_services.relationship_admin_set(
            relationship=world["northwind"], licensing_id_pks=[world["e1"].pk], actor=world["ravi"]
        )
    assert _admin_numbers(world["ravi"], world["tenant"]) == {"E1000001", "E1000002"}


def test_sec6_delegated_partner_cannot_remove_another_partners_relationship(client, world, outbox):  # SEC-6 RES-6
    tailspin = world["tailspin"]
    client.force_login(world["ravi"])
    assert client.post(reverse("partners:relationship_remove", args=[tailspin.pk])).status_code == 404
    with pytest.raises(ApplicationError):
        partner_services.relationship_remove(relationship=tailspin, actor=world["ravi"])
    tailspin.refresh_from_db()
    assert tailspin.status == ResellerRelationship.Status.ACTIVE
    assert _admin_numbers(world["bea"], world["tenant"]) == {"E1000001", "E1000002"}
    assert not outbox(template="partners/emails/relationship_removed")


def test_sec6_delegated_partner_cannot_remove_or_demote_the_customers_own_administrator(client, world):  # SEC-6 PERM-7
    e1, alice = world["e1"], world["alice"]
    client.force_login(world["ravi"])
    manage = reverse("permissions:manage_users", args=[e1.pk])
    resp = client.post(reverse("permissions:manage_user_remove", args=[e1.pk]), {"email": alice.business_email})
    assert resp.status_code == 302 and _roles(e1, alice.business_email) == {Role.ADMINISTRATOR}
    body = client.get(manage).content.decode()
    assert "customer&#x27;s own administrators" in body
    assert f'name="email" value="{alice.business_email}"' not in body  # no Remove button on her row
    edit = reverse("permissions:manage_user_edit", args=[e1.pk])
    resp = client.post(edit, {"email": alice.business_email, "roles": [Role.DOWNLOAD]})
    assert resp.status_code == 400 and "customer&#x27;s own administrators" in resp.content.decode()
    resp = client.post(reverse("permissions:manage_user_deny", args=[e1.pk]), {"email": alice.business_email})
    assert resp.status_code == 302
    assert _roles(e1, alice.business_email) == {Role.ADMINISTRATOR}
    assert _admin_numbers(alice, world["tenant"]) == {"E1000001", "E1000002"}
    assert not AuditEvent.objects.filter(actor=world["ravi"], target_email=alice.business_email).exists()
    # the customer can still end the relationship: the partner's access ends, Alice's stays
    client.force_login(alice)
    resp = client.post(reverse("partners:relationship_remove", args=[world["northwind"].pk]))
    assert resp.status_code == 302
    world["northwind"].refresh_from_db()
    assert world["northwind"].status == ResellerRelationship.Status.REMOVED
    assert _admin_numbers(world["ravi"], world["tenant"]) == set()
    assert _admin_numbers(alice, world["tenant"]) == {"E1000001", "E1000002"}


def test_sec6_delegated_partner_cannot_remove_or_deny_another_partner_in_manage_users(client, world):  # SEC-6
    e1, bea = world["e1"], world["bea"]
    client.force_login(world["ravi"])
    for name in ("permissions:manage_user_remove", "permissions:manage_user_deny"):
        assert client.post(reverse(name, args=[e1.pk]), {"email": bea.business_email}).status_code == 302
    edit = reverse("permissions:manage_user_edit", args=[e1.pk])
    assert client.post(edit, {"email": bea.business_email, "roles": [Role.DOWNLOAD]}).status_code == 400
    assert _roles(e1, bea.business_email) == {Role.ADMINISTRATOR}
    # reseller (RES-1) access of someone else is another partner's access too
    Grant.objects.create(licensing_id=e1, email="sales@reseller.example", role=Role.DOWNLOAD, source="reseller")
    with pytest.raises(ApplicationError):
        permission_services.partner_access_deny(
            licensing_id=e1, email="sales@reseller.example", actor=world["ravi"], require_partner=True
        )
    assert _roles(e1, "sales@reseller.example") == {Role.DOWNLOAD}


def test_sec6_customer_always_keeps_an_administrator_of_its_own(client, world):  # SEC-6 PERM-7 PERM-9
    """Olga is the only administrator of her own on E3; the partners' delegated Administrator does not count."""
    tenant, ravi = world["tenant"], world["ravi"]
    e3 = LicensingIDFactory(organization=tenant, number="E1000003")
    olga = UserFactory(email="olga@contoso.example")
    permission_services.grants_add(
        licensing_id=e3, email=olga.business_email, roles=[Role.ADMINISTRATOR], source=Grant.Source.MANUAL
    )
    # Alice does not administer E3: Olga delegates it to Northwind
    partner_services.relationship_admin_set(relationship=world["northwind"], licensing_id_pks=[e3.pk], actor=olga)
    assert _roles(e3, ravi.business_email) == {Role.ADMINISTRATOR}
    for attempt in (
        lambda: permission_services.person_remove(licensing_id=e3, email=olga.business_email, actor=olga),
        lambda: permission_services.person_roles_set(
            licensing_id=e3, email=olga.business_email, roles=[Role.DOWNLOAD], actor=olga
        ),
        lambda: permission_services.licensing_id_remove_self(user=olga, licensing_id=e3),
        lambda: permission_services.person_remove(licensing_id=e3, email=olga.business_email, actor=ravi),
    ):
        with pytest.raises(ApplicationError):
            attempt()
    client.force_login(olga)
    resp = client.post(reverse("permissions:remove_self", args=[e3.pk]))
    assert resp.status_code == 302
    assert _roles(e3, olga.business_email) == {Role.ADMINISTRATOR}
    assert policies.would_leave_without_own_administrator(e3, email=olga.business_email, loses_direct=True)
    assert not policies.would_leave_without_administrator(e3, email=olga.business_email, loses_direct=True)
    # and Olga can end the relationship
    assert client.post(reverse("partners:relationship_remove", args=[world["northwind"].pk])).status_code == 302
    assert _roles(e3, ravi.business_email) == set()
    # with a second administrator of the customer's own, Olga may go
    permission_services.person_roles_set(
        licensing_id=e3, email="pat@contoso.example", roles=[Role.ADMINISTRATOR], actor=olga, adding=True
    )
    permission_services.person_remove(licensing_id=e3, email=olga.business_email, actor=olga)
    assert _roles(e3, olga.business_email) == set()


def test_sec6_delegated_partner_manages_the_customers_users_within_its_roles(client, world):  # SEC-6 RES-2 RES-5
    e1, ravi = world["e1"], world["ravi"]
    client.force_login(ravi)
    manage = reverse("permissions:manage_users", args=[e1.pk])
    resp = client.post(manage, {"email": "carl@contoso.example", "roles": [Role.DOWNLOAD, Role.LICENSING_INFO]})
    assert resp.status_code == 302
    assert _roles(e1, "carl@contoso.example") == {Role.DOWNLOAD, Role.LICENSING_INFO}
    assert 'name="email" value="carl@contoso.example"' in client.get(manage).content.decode()  # Remove is offered
    edit = reverse("permissions:manage_user_edit", args=[e1.pk])
    carl = {"email": "carl@contoso.example"}
    assert client.post(edit, {**carl, "roles": [Role.PRODUCT_KEYS]}).status_code == 302
    assert _roles(e1, "carl@contoso.example") == {Role.PRODUCT_KEYS}
    # making someone an administrator would mint an administrator of the customer's own: refused
    resp = client.post(edit, {**carl, "roles": [Role.PRODUCT_KEYS, Role.ADMINISTRATOR]})
    assert resp.status_code == 400
    resp = client.post(manage, {"email": "mallory@northwind.example", "roles": [Role.ADMINISTRATOR]})
    assert resp.status_code == 400 and not _roles(e1, "mallory@northwind.example")
    assert _roles(e1, "carl@contoso.example") == {Role.PRODUCT_KEYS}
    resp = client.post(reverse("permissions:manage_user_remove", args=[e1.pk]), {"email": "carl@contoso.example"})
    assert resp.status_code == 302 and _roles(e1, "carl@contoso.example") == set()
    # a request for Administrator is the customer's to approve; other roles the partner may approve
    requester = UserFactory(email="dave@contoso.example")
    for roles, allowed in (([Role.ADMINISTRATOR], False), ([Role.DOWNLOAD], True)):
        pr = permission_services.permission_request_submit(
            requester=requester, program=Program.ENTERPRISE, number=e1.number, roles=roles
        )
        if allowed:
            permission_services.permission_request_decide(permission_request=pr, actor=ravi, approve=True)
        else:
            with pytest.raises(ApplicationError):
                permission_services.permission_request_decide(permission_request=pr, actor=ravi, approve=True)
            pr.refresh_from_db()
            assert pr.status == PermissionRequest.Status.PENDING
            permission_services.permission_request_decide(permission_request=pr, actor=ravi, approve=False)
    assert _roles(e1, requester.business_email) == {Role.DOWNLOAD}


def test_sec6_delegated_administration_inherited_from_a_parent_is_still_delegated(tenant):  # SEC-6 PERM-8
    mbsa = LicensingIDFactory(organization=tenant, program=Program.MBSA)
    child = LicensingIDFactory(organization=tenant, parent=mbsa)
    owner = UserFactory(email="owner@contoso.example")
    permission_services.grants_add(
        licensing_id=mbsa, email=owner.business_email, roles=[Role.ADMINISTRATOR], source=Grant.Source.CONTACT
    )
    partner, ravi = _partner("Northwind", "ravi@northwind.example")
    _rel, url = partner_services.relationship_invite(partner=partner, invited_by=ravi)
    rel = partner_services.relationship_accept(token=_token(url), user=owner, customer_id=tenant.pk)
    partner_services.relationship_admin_set(relationship=rel, licensing_id_pks=[mbsa.pk], actor=owner)
    assert set(Grant.objects.filter(email=ravi.business_email).values_list("licensing_id", flat=True)) == {mbsa.pk}
    assert policies.can_manage_users(ravi, child)
    assert not policies.acts_for_customer(ravi, child)
    assert policies.acts_for_customer(owner, child)
    assert policies.administrators_of_record(child, own_only=True) == {owner.business_email}
    assert not policies.may_take_roles_from(ravi, child, email=owner.business_email)
    assert policies.may_take_roles_from(owner, child, email=ravi.business_email)
