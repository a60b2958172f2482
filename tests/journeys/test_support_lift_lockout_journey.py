"""Support staff lift an Add Open License lockout in Django admin; the user can add an Open License again
(OPEN-5, ADM-1), in English and French (Django admin is translated by Django, staff language = lang)."""

import re

import pytest
from django.utils.text import capfirst
from playwright.sync_api import expect

from partners.models import OpenLicenseSuspension
from partners.services import ATTEMPT_LIMIT, LOCKOUT_MESSAGE, LOCKOUT_NEXT_STEP, open_license_failure_record
from permissions.models import Grant
from tests.browser import PASSWORD, assert_accessible_basics, sign_in, t, tn
from tests.factories import OpenLicenseFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_lift_a_lockout_in_admin_then_the_user_adds_an_open_license(  # OPEN-5 ADM-1 ACC-5
    live_server, new_context, shot, lang
):
    ol = OpenLicenseFactory(authorization_number="AUTH7100001")
    buyer = UserFactory(email="bea@contoso.example", first_name="Bea", last_name="Buyer", language=lang)
    UserFactory(
        email="sam@support.example",
        first_name="Sam",
        last_name="Support",
        is_staff=True,
        is_superuser=True,
        language=lang,
    )
    for n in range(ATTEMPT_LIMIT):  # from the user's earlier session elsewhere: only the user is suspended
        open_license_failure_record(user=buyer, remote_addr=None, license_number=f"V999000{n}")
    suspension = OpenLicenseSuspension.objects.get()
    assert suspension.user == buyer and suspension.is_active

    user_page = new_context(locale=lang).new_page()
    sign_in(user_page, live_server.url, buyer.email)
    user_page.goto(f"{live_server.url}/partners/open-license/add/")
    alert = user_page.get_by_role("alert")
    expect(alert).to_contain_text(f"{t(lang, LOCKOUT_MESSAGE)} {t(lang, LOCKOUT_NEXT_STEP)}")  # exact, then next step
    expect(alert.get_by_role("link", name=t(lang, "Contact us"))).to_have_attribute("href", "/support/new/")
    expect(user_page.get_by_label(t(lang, "License number"))).to_have_count(0)

    staff = new_context(locale=lang).new_page()
    staff.goto(f"{live_server.url}/admin/login/")  # the admin signs in through the portal login (SEC-4)
    staff.fill("input[name=login]", "sam@support.example")
    staff.fill("input[name=password]", PASSWORD)
    staff.press("input[name=password]", "Enter")
    expect(staff.get_by_role("heading", level=1)).to_have_text(t(lang, "Site administration"))
    labels = OpenLicenseSuspension._meta
    staff.get_by_role("link", name=capfirst(t(lang, labels.verbose_name_plural)), exact=True).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(
        t(lang, "Select %s to view") % t(lang, labels.verbose_name)
    )
    row = staff.get_by_role("row", name=re.compile("Bea Buyer"))
    row.get_by_role("checkbox").check()
    staff.get_by_role("combobox", name=t(lang, "Action:")).select_option(label=t(lang, "Lift the selected suspensions"))
    assert_accessible_basics(staff)
    shot(f"admin-lift-suspension-{lang}", staff)
    staff.get_by_role("button", name=t(lang, "Go")).click()
    expect(staff.locator(".messagelist")).to_contain_text(
        tn(lang, "%d suspension lifted.", "%d suspensions lifted.", 1) % 1
    )
    shot(f"admin-suspension-lifted-{lang}", staff)
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None and suspension.lifted_by.email == "sam@support.example"

    user_page.reload()
    expect(user_page.get_by_role("heading", level=1)).to_have_text(t(lang, "Add Open License"))
    expect(user_page.get_by_text(t(lang, LOCKOUT_MESSAGE))).to_have_count(0)
    assert_accessible_basics(user_page)
    user_page.get_by_label(t(lang, "License number")).fill(ol.license_number)
    user_page.get_by_label(t(lang, "Authorization number")).fill("AUTH7100001")
    user_page.locator("#id_acknowledge").check()
    user_page.get_by_role("button", name=t(lang, "Submit"), exact=True).click()
    user_page.wait_for_url(re.compile(r"/agreements/\d+/$"))
    expect(user_page.get_by_role("alert").first).to_contain_text(ol.license_number)
    assert Grant.objects.filter(email=buyer.business_email, licensing_id=ol.licensing_id).exists()
