"""End-to-end through Debian's chromium (Playwright), signing in through the real allauth form."""

import re

import pytest

from partners.services import LOCKOUT_MESSAGE
from permissions.models import OPEN_LICENSE_ROLES, Grant, Role
from tests.factories import LicensingIDFactory, OpenLicenseFactory, OrganizationFactory, UserFactory, grant
from tests.partners.conftest import AUTH
from tests.partners.factories import MemberFactory, PartnerFactory

PASSWORD = "correct-horse-battery"


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


def add_open_license(page, number, auth):
    page.fill("#id_license_number", number)
    page.fill("#id_authorization_number", auth)
    page.check("#id_acknowledge")
    page.get_by_role("button", name="Submit").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_add_open_license_then_lockout_after_five_bad_pairs(live_server, page):  # OPEN-1 OPEN-3 OPEN-5
    ol = OpenLicenseFactory(authorization_number=AUTH)
    other = OpenLicenseFactory(authorization_number="AUTH7654321")
    user = UserFactory(email="buyer@example.com", first_name="Bea", last_name="Buyer")
    sign_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/partners/open-license/add/")
    assert page.get_by_role("link", name="Request Permissions").count() >= 1
    add_open_license(page, ol.license_number, AUTH)
    page.wait_for_url(re.compile(r"/agreements/\d+/$"))
    assert page.get_by_text(ol.license_number).count() >= 1
    assert set(Grant.objects.filter(email=user.business_email).values_list("role", flat=True)) == set(
        OPEN_LICENSE_ROLES)
    page.goto(f"{live_server.url}/partners/open-license/add/")
    for n in range(5):
        add_open_license(page, other.license_number, f"WRONG{n}")
    assert page.get_by_role("alert").filter(has_text=str(LOCKOUT_MESSAGE)).is_visible()
    assert page.locator("#id_license_number").count() == 0
    page.goto(f"{live_server.url}/partners/open-license/add/")
    assert page.get_by_text(str(LOCKOUT_MESSAGE)).is_visible()
    assert not Grant.objects.filter(email=user.business_email, licensing_id=other.licensing_id).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reseller_relationship_from_invitation_to_customers_page(live_server, page):  # RES-5
    partner = PartnerFactory(name="Northwind Resellers")
    ravi = MemberFactory(organization=partner, user=UserFactory(email="ravi@northwind.example")).user
    contoso = OrganizationFactory(name="Contoso Ltd")
    alice = UserFactory(email="alice@contoso.example")
    grant(alice, LicensingIDFactory(organization=contoso, number="E2000001"), Role.ADMINISTRATOR)

    sign_in(page, live_server.url, ravi.email)
    page.goto(f"{live_server.url}/partners/customers/invite/")
    page.fill("#id_customer_email", "alice@contoso.example")
    page.get_by_role("button", name="Prepare the invitation").click()
    link = page.input_value("#invite-link")
    assert "/partners/relationships/accept/" in link
    assert page.get_attribute("#mailto", "href").startswith("mailto:alice%40contoso.example?subject=")
    assert "Northwind Resellers" in page.input_value("#draft-body")

    customer = page.context.browser.new_context().new_page()
    customer.goto(live_server.url + link.split("8000", 1)[1])  # not signed in: allauth asks first
    customer.fill("input[name=login]", alice.email)
    customer.fill("input[name=password]", PASSWORD)
    customer.press("input[name=password]", "Enter")
    customer.wait_for_url(re.compile(r"/partners/relationships/accept/"))
    customer.get_by_role("button", name="Accept").click()
    customer.wait_for_url(re.compile(r"/partners/my-partners/$"))
    assert customer.get_by_text("Northwind Resellers").count() >= 1

    page.goto(f"{live_server.url}/partners/customers/")
    assert page.get_by_role("heading", name="Contoso Ltd").is_visible()
    assert page.get_by_role("link", name="E2000001").is_visible()
    assert page.get_by_role("link", name="Users").is_visible()
