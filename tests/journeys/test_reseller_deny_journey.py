"""Reseller auto-access → the customer's administrator denies it from the emailed link, without signing in
(RES-1, RES-2, OPEN-4), in English and French."""

import pytest
from playwright.sync_api import expect

from agreements.models import OpenLicense
from partners.models import OpenLicenseAccess
from partners.services import open_license_order_record
from permissions.models import OPEN_LICENSE_ROLES, Grant, Role
from tests.browser import assert_accessible_basics, link_from_outbox, t
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER = "olga@contoso.example"
RESELLER = "ravi@northwind.example"


def test_customer_denies_reseller_access_from_the_welcome_email(  # RES-1 RES-2 OPEN-4 ACC-5
    live_server, new_context, shot, lang
):
    open_license_order_record(
        organization=OrganizationFactory(name="Contoso"),
        license_number="V4100001",
        authorization_number="AUTH4100001",
        customer_email=CUSTOMER,
        reseller_email=RESELLER,
        language=lang,
    )
    lid = OpenLicense.objects.get(license_number="V4100001").licensing_id
    assert set(Grant.objects.filter(licensing_id=lid, email=RESELLER).values_list("role", flat=True)) == set(
        OPEN_LICENSE_ROLES
    )  # never Administrator (RES-2)
    assert Grant.objects.filter(licensing_id=lid, email=CUSTOMER, role=Role.ADMINISTRATOR).exists()
    link = link_from_outbox(live_server, "/partners/access/", to_email=CUSTOMER, template="agreements/emails/welcome")

    # The customer has not registered: the link opens in their browser (set to their language), signed out.
    page = new_context(locale=lang).new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Deny access"))
    expect(page.locator("main")).to_contain_text(
        t(lang, "Remove every permission %(email)s holds on %(number)s?") % {"email": RESELLER, "number": lid.number}
    )
    expect(page.get_by_role("link", name=t(lang, "Sign in"))).to_be_visible()  # nobody is signed in
    assert Grant.objects.filter(licensing_id=lid, email=RESELLER).exists()  # opening the link changes nothing
    assert_accessible_basics(page)
    shot(f"reseller-deny-{lang}", page)

    page.get_by_role("button", name=t(lang, "Deny access")).click()
    expect(page.get_by_role("status")).to_have_text(
        t(lang, "%(email)s no longer has access to %(number)s.") % {"email": RESELLER, "number": lid.number}
    )
    assert_accessible_basics(page)
    shot(f"reseller-deny-done-{lang}", page)
    assert not Grant.objects.filter(email=RESELLER).exists()
    assert Grant.objects.filter(licensing_id=lid, email=CUSTOMER, role=Role.ADMINISTRATOR).exists()
    assert OpenLicenseAccess.objects.get(email=RESELLER).denied_via == "email_link"

    page.goto(link)
    expect(page.get_by_role("alert")).to_have_text(t(lang, "This link has already been used."))
    expect(page.get_by_role("button", name=t(lang, "Deny access"))).to_have_count(0)
    assert_accessible_basics(page)
