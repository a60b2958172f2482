"""Agreements: programs and parents (AGR-1), contacts by type (AGR-3), the Open License order (AGR-5)."""

import pytest

from agreements import services
from agreements.models import ContactType, LicensingID, Program
from licensing_portal.errors import ApplicationError
from permissions.contacts import contact_add
from permissions.models import Grant, Role
from tests.factories import LicensingIDFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("program", [Program.ENTERPRISE, Program.SELECT, Program.OPEN_VALUE, Program.OPEN_LICENSE])
def test_agr1_an_agreement_of_each_program_may_sit_under_a_parent_but_has_no_children(tenant, program):
    for parent_program in (Program.MBSA, Program.PARENT):
        parent = services.licensing_id_create(organization=tenant, number=f"P{parent_program}", program=parent_program)
        child = services.licensing_id_create(
            organization=tenant, number=f"C{program}{parent_program}", program=program, parent=parent
        )
        assert (parent.is_parent, child.is_parent, child.parent) == (True, False, parent)
    with pytest.raises(ApplicationError, match="Only an MBSA or a parent program agreement"):
        services.licensing_id_create(organization=tenant, number="X1", program=Program.ENTERPRISE, parent=child)
    assert not LicensingID.objects.filter(number="X1").exists()


def test_agr3_contacts_are_listed_by_type_with_their_roles_and_a_welcome(client, member, tenant, outbox):
    lid = LicensingIDFactory(organization=tenant)
    for contact_type, email in [
        (ContactType.SUBSCRIPTIONS_MANAGER, "subs@contoso.example"),
        (ContactType.PRIMARY, "primary@contoso.example"),
        (ContactType.SA_MANAGER, "sam@contoso.example"),
    ]:
        contact_add(licensing_id=lid, contact_type=contact_type, email=email)  # PERM-2 lives in permissions
    assert Grant.objects.get(licensing_id=lid, email="primary@contoso.example").role == Role.ADMINISTRATOR  # PERM-2
    assert len(outbox(template="agreements/emails/welcome")) == 3

    grant(member, lid, Role.LICENSING_INFO)
    client.force_login(member)
    page = client.get(lid.get_absolute_url()).content.decode()
    shown = [page.index(email) for email in ("primary@contoso.example", "sam@contoso.example", "subs@contoso.example")]
    assert shown == sorted(shown)  # in the order of the contact types
    assert "Primary Contact" in page and "Subscriptions Manager" in page

    downloader = UserFactory()
    grant(downloader, lid, Role.DOWNLOAD)
    client.force_login(downloader)
    assert "primary@contoso.example" not in client.get(lid.get_absolute_url()).content.decode()


@pytest.mark.parametrize("reseller", ["ravi@northwind.example", ""])
def test_agr5_an_open_license_order_carries_the_customer_and_optionally_the_reseller_email(tenant, reseller):
    ol = services.open_license_create(
        organization=tenant,
        license_number="V8880001",
        authorization_number="AUTH-1",
        customer_email="Alice@Contoso.example",
        reseller_email=reseller,
    )
    ol.refresh_from_db()
    assert ol.customer_email == "alice@contoso.example"
    assert ol.reseller_email == reseller
    assert ol.licensing_id.program == Program.OPEN_LICENSE
