import pytest
from django.core import mail

from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from notifications.models import OutgoingEmail
from subscriptions import services
from subscriptions.models import ContactRole, PartnerMembership, PartnerSubscription
from tests.factories import MemberFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def action_pack():
    return MembershipFactory(kind=PartnerMembership.Kind.ACTION_PACK, entitlements=2)


@pytest.fixture
def program_admin(action_pack):
    return MemberFactory(organization=action_pack.organization, is_admin=True).user


def test_only_a_partner_organisation_holds_a_membership():  # MPN-1
    from django.core.exceptions import ValidationError

    membership = PartnerMembership(organization=OrganizationFactory(), kind="competency", entitlements=1)
    with pytest.raises(ValidationError):
        membership.full_clean()


def test_action_pack_needs_a_technical_contact_first(action_pack, program_admin):  # MPN-2
    person = MemberFactory(organization=action_pack.organization)
    with pytest.raises(ApplicationError, match="Technical Contact"):
        services.partner_subscription_assign(membership=action_pack, member=person, actor=program_admin)
    services.partner_contact_role_assign(
        membership=action_pack, member=person, role=ContactRole.SECOND_TECHNICAL, actor=program_admin
    )
    services.partner_subscription_assign(membership=action_pack, member=person, actor=program_admin)
    assert PartnerSubscription.objects.filter(member=person, status="active").count() == 1


def test_competency_does_not_need_a_contact_role(program_admin):  # MPN-2
    membership = MembershipFactory(kind=PartnerMembership.Kind.COMPETENCY, competency_name="Cloud Platform")
    admin = MemberFactory(organization=membership.organization, is_admin=True).user
    person = MemberFactory(organization=membership.organization)
    services.partner_subscription_assign(membership=membership, member=person, actor=admin)
    assert PartnerSubscription.objects.filter(member=person).exists()


def test_first_second_third_technical_contacts_each_have_one_holder(action_pack, program_admin):  # MPN-2
    people = [MemberFactory(organization=action_pack.organization) for _ in range(4)]
    for person, role in zip(people, ContactRole.values, strict=False):
        services.partner_contact_role_assign(membership=action_pack, member=person, role=role, actor=program_admin)
    with pytest.raises(ApplicationError, match="already holds this role"):
        services.partner_contact_role_assign(
            membership=action_pack, member=people[3], role=ContactRole.FIRST_TECHNICAL, actor=program_admin
        )
    assert AuditEvent.objects.filter(verb="mpn.contact_role_assigned").count() == 3


def test_only_the_program_administrator_assigns(action_pack, program_admin):  # MPN-2
    colleague = MemberFactory(organization=action_pack.organization)  # a member, but not its administrator
    with pytest.raises(ApplicationError, match="Program Administrator"):
        services.partner_contact_role_assign(
            membership=action_pack, member=colleague, role=ContactRole.FIRST_TECHNICAL, actor=colleague.user
        )
    other_admin = MemberFactory(is_admin=True).user  # administrator of another partner
    with pytest.raises(ApplicationError):
        services.partner_contact_role_assign(
            membership=action_pack, member=colleague, role=ContactRole.FIRST_TECHNICAL, actor=other_admin
        )


def test_only_the_partners_own_people_can_receive_one(action_pack, program_admin):  # MPN-1
    outsider = MemberFactory()  # works for another organisation
    with pytest.raises(ApplicationError, match="works for"):
        services.partner_contact_role_assign(
            membership=action_pack, member=outsider, role=ContactRole.FIRST_TECHNICAL, actor=program_admin
        )
    competency = MembershipFactory(kind=PartnerMembership.Kind.COMPETENCY)
    admin = MemberFactory(organization=competency.organization, is_admin=True).user
    with pytest.raises(ApplicationError, match="works for"):
        services.partner_subscription_assign(membership=competency, member=outsider, actor=admin)


def test_entitlement_count_is_enforced(program_admin):  # MPN-1
    membership = MembershipFactory(kind=PartnerMembership.Kind.COMPETENCY, entitlements=1)
    admin = MemberFactory(organization=membership.organization, is_admin=True).user
    first, second = (MemberFactory(organization=membership.organization) for _ in range(2))
    services.partner_subscription_assign(membership=membership, member=first, actor=admin)
    with pytest.raises(ApplicationError, match="All 1 subscriptions"):
        services.partner_subscription_assign(membership=membership, member=second, actor=admin)
    services.partner_subscription_remove(subscription=PartnerSubscription.objects.get(member=first), actor=admin)
    services.partner_subscription_assign(membership=membership, member=second, actor=admin)


def _page_flow(client, membership, person):
    """Requirements & Assets → Privileges → Visual Studio subscriptions → pick the individual → submit."""
    base = f"/subscriptions/partner/{membership.pk}/"
    page = client.get(base).content.decode()
    assert f"{base}privileges/" in page
    page = client.get(f"{base}privileges/").content.decode()
    assert f"{base}privileges/visual-studio/" in page
    assert person.user.email in client.get(f"{base}privileges/visual-studio/").content.decode()
    return client.post(f"{base}privileges/visual-studio/", {"member": person.pk})


def test_page_flow_assigns_and_emails_the_individual_who_then_sees_it(  # MPN-3 SUB-4
    client, action_pack, program_admin, django_capture_on_commit_callbacks
):
    person = MemberFactory(organization=action_pack.organization, user=UserFactory(language="fr"))
    client.force_login(program_admin)
    response = _page_flow(client, action_pack, person)
    assert response.status_code == 400
    assert "Technical Contact" in response.content.decode()  # a clear refusal for Action Pack
    assert (
        client.post(
            f"/subscriptions/partner/{action_pack.pk}/",
            {"member": person.pk, "role": ContactRole.FIRST_TECHNICAL},
        ).status_code
        == 302
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _page_flow(client, action_pack, person).status_code == 302
    row = OutgoingEmail.objects.get(template="subscriptions/emails/mpn_subscription_assigned")
    assert (row.to_email, row.language) == (person.user.email, "fr")
    assert "/subscriptions/my-benefits/" in row.body_text
    assert mail.outbox[0].to == [person.user.email]
    client.force_login(person.user)
    body = client.get("/subscriptions/my-benefits/").content.decode()
    assert action_pack.organization.name in body


def test_partner_pages_are_404_for_anyone_but_its_program_administrator(
    client, action_pack, program_admin
):  # MPN-2 SEC-1
    person = MemberFactory(organization=action_pack.organization)
    role = services.partner_contact_role_assign(
        membership=action_pack, member=person, role=ContactRole.FIRST_TECHNICAL, actor=program_admin
    )
    sub = services.partner_subscription_assign(membership=action_pack, member=person, actor=program_admin)
    for outsider in (person.user, MemberFactory(is_admin=True).user, UserFactory()):
        client.force_login(outsider)
        for url in (
            f"/subscriptions/partner/{action_pack.pk}/",
            f"/subscriptions/partner/{action_pack.pk}/privileges/",
            f"/subscriptions/partner/{action_pack.pk}/privileges/visual-studio/",
        ):
            assert client.get(url).status_code == 404
        assert client.post(f"/subscriptions/partner/roles/{role.pk}/remove/").status_code == 404
        assert client.post(f"/subscriptions/partner/subscriptions/{sub.pk}/remove/").status_code == 404
    sub.refresh_from_db()
    assert sub.status == PartnerSubscription.Status.ACTIVE


def test_partner_pages_run_constant_queries(client, action_pack, program_admin):  # MPN-3
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(program_admin)
    counts = []
    for n in (1, 8):
        MemberFactory.create_batch(n, organization=action_pack.organization)
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/subscriptions/partner/{action_pack.pk}/")
            client.get(f"/subscriptions/partner/{action_pack.pk}/privileges/visual-studio/")
        counts.append(len(ctx))
    assert counts[0] == counts[1]
