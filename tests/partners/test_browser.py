"""Partner journeys end-to-end through Debian's chromium (Playwright), in English and French, signing in
through the real allauth form."""

import re

import pytest
from playwright.sync_api import expect

from partners.services import LOCKOUT_MESSAGE
from permissions.models import OPEN_LICENSE_ROLES, Grant, Role
from tests.browser import assert_accessible_basics, sign_in, t
from tests.factories import (
    LicensingIDFactory,
    OpenLicenseFactory,
    OrganizationFactory,
    PartnerAdminFactory,
    PartnerFactory,
    UserFactory,
    grant,
)
from tests.partners.conftest import AUTH

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_open_license(page, lang, number, auth):
    page.get_by_label(t(lang, "License number")).fill(number)
    page.get_by_label(t(lang, "Authorization number")).fill(auth)
    page.locator("#id_acknowledge").check()
    page.get_by_role("button", name=t(lang, "Submit"), exact=True).click()


def test_add_open_license_then_lockout_after_five_bad_pairs(  # OPEN-1 OPEN-3 OPEN-5 ACC-5
    live_server, page, shot, lang
):
    ol = OpenLicenseFactory(authorization_number=AUTH)
    other = OpenLicenseFactory(authorization_number="AUTH7654321")
    user = UserFactory(email="buyer@example.com", first_name="Bea", last_name="Buyer", language=lang)
    sign_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/partners/open-license/add/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Add Open License"))
    expect(page.get_by_role("link", name=t(lang, "Request Permissions"))).to_be_visible()
    assert_accessible_basics(page)
    shot(f"add-open-license-form-{lang}")
    add_open_license(page, lang, ol.license_number, AUTH)
    page.wait_for_url(re.compile(r"/agreements/\d+/$"))
    expect(page.get_by_role("alert").first).to_contain_text(ol.license_number)
    assert set(Grant.objects.filter(email=user.business_email).values_list("role", flat=True)) == set(
        OPEN_LICENSE_ROLES
    )

    page.goto(f"{live_server.url}/partners/open-license/add/")
    for n in range(4):
        add_open_license(page, lang, other.license_number, f"WRONG{n}")
        expect(page.locator("main")).to_contain_text(
            t(
                lang,
                "The license number and authorization number do not match an Open License. Check them and try again.",
            )
        )
    add_open_license(page, lang, other.license_number, "WRONG4")
    expect(page.get_by_role("alert").filter(has_text=t(lang, LOCKOUT_MESSAGE))).to_be_visible()
    expect(page.locator("#id_license_number")).to_have_count(0)
    page.goto(f"{live_server.url}/partners/open-license/add/")
    expect(page.get_by_text(t(lang, LOCKOUT_MESSAGE))).to_be_visible()
    assert_accessible_basics(page)
    shot(f"add-open-license-{lang}")
    assert not Grant.objects.filter(email=user.business_email, licensing_id=other.licensing_id).exists()


def test_reseller_relationship_from_invitation_to_customers_page(  # RES-5 ACC-5
    live_server, page, new_context, shot, lang
):
    partner = PartnerFactory(name="Northwind Resellers")
    ravi = UserFactory(email="ravi@northwind.example", language=lang)
    PartnerAdminFactory(organization=partner, user=ravi)
    contoso = OrganizationFactory(name="Contoso Ltd")
    alice = UserFactory(email="alice@contoso.example", language=lang)
    grant(alice, LicensingIDFactory(organization=contoso, number="E2000001"), Role.ADMINISTRATOR)

    sign_in(page, live_server.url, ravi.email)
    page.goto(f"{live_server.url}/partners/customers/")
    page.get_by_role("link", name=t(lang, "Request a reseller relationship")).click()
    page.get_by_label(t(lang, "Customer email (optional)")).fill("alice@contoso.example")
    page.get_by_role("button", name=t(lang, "Prepare the invitation")).click()
    link = page.get_by_label(t(lang, "Personal link")).input_value()
    assert "/partners/relationships/accept/" in link
    assert page.get_attribute("#mailto", "href").startswith("mailto:alice%40contoso.example?subject=")
    expect(page.get_by_label(t(lang, "Message"))).to_contain_text("Northwind Resellers")
    assert_accessible_basics(page)
    shot(f"reseller-invitation-{lang}")

    # The customer's administrator opens the link in a browser set to the same language, not signed in yet.
    customer = new_context(locale=lang).new_page()
    customer.goto(live_server.url + re.sub(r"^https?://[^/]+", "", link))
    customer.fill("input[name=login]", alice.email)
    customer.fill("input[name=password]", "correct-horse-battery")
    customer.press("input[name=password]", "Enter")
    customer.wait_for_url(re.compile(r"/partners/relationships/accept/"))
    expect(customer.get_by_role("heading", level=1)).to_have_text(t(lang, "Reseller relationship"))
    assert_accessible_basics(customer)
    customer.get_by_role("button", name=t(lang, "Accept"), exact=True).click()
    customer.wait_for_url(re.compile(r"/partners/my-partners/$"))
    expect(customer.get_by_role("heading", name=re.compile("Northwind Resellers"))).to_be_visible()

    page.goto(f"{live_server.url}/partners/customers/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Customers"))
    expect(page.get_by_role("heading", name="Contoso Ltd")).to_be_visible()
    expect(page.get_by_role("link", name="E2000001")).to_be_visible()
    expect(page.get_by_role("link", name=t(lang, "Users"), exact=True)).to_be_visible()
    assert_accessible_basics(page)
    shot(f"reseller-customers-{lang}")
