"""Bulk subscription upload through Debian's chromium (Playwright), in English and French."""

import re

import pytest
from django.utils.text import capfirst
from playwright.sync_api import expect

from permissions.models import Role
from subscriptions.models import Seat
from tests.browser import assert_accessible_basics, sign_in, t, tn
from tests.factories import LicensingIDFactory, OrganizationFactory, PoolFactory, UserFactory, grant


def field(page, label):
    """The input labelled exactly `label` (crispy marks required fields with an asterisk)."""
    return page.get_by_label(re.compile(r"^\s*" + re.escape(label) + r"\s*\*?\s*$"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bulk_file_with_a_bad_row_then_fixed_then_subscriber_sees_benefits(  # SUB-2 SUB-3 SUB-4 ACC-5
    page, live_server, tmp_path, shot, lang
):
    lid = LicensingIDFactory(organization=OrganizationFactory(name="Contoso"))
    manager = UserFactory(email="manager@contoso.example", language=lang)
    grant(manager, lid, Role.SUBSCRIPTIONS_MANAGER)
    pool = PoolFactory(licensing_id=lid, product="vs_enterprise", quantity=5)
    UserFactory(email="dev@contoso.example", first_name="", last_name="", language=lang)
    bad = tmp_path / "subscribers.csv"
    bad.write_text("email,first_name,last_name\ndev@contoso.example,Dev,One\nnot-an-email,Bad,Row\n")
    good = tmp_path / "subscribers-fixed.csv"
    good.write_text("email,first_name,last_name\ndev@contoso.example,Dev,One\nqa@contoso.example,Q,A\n")
    product = t(lang, "Visual Studio Enterprise")

    sign_in(page, live_server.url, manager.email)
    page.get_by_role("link", name=t(lang, "Subscriptions"), exact=True).click()
    assert_accessible_basics(page)
    page.get_by_role("link", name=product).click()
    page.get_by_role("link", name=t(lang, "Bulk assign from a file")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Bulk assign from a file"))
    assert_accessible_basics(page)
    page.get_by_label(t(lang, "CSV or XLSX file")).set_input_files(str(bad))
    page.check("input[name=confirm_obligation]")
    page.get_by_role("button", name=t(lang, "Upload and assign")).click()
    errors = page.locator("#bulk-errors")
    expect(page.locator("main")).to_contain_text(
        t(lang, "The file was rejected: nothing was assigned. Fix every row listed and upload it again.")
    )
    expect(errors).to_contain_text(t(lang, "“%(email)s” is not a valid email address.") % {"email": "not-an-email"})
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").first).to_have_text("3")
    assert not Seat.objects.filter(pool=pool).exists()  # all or nothing
    assert_accessible_basics(page)
    shot(f"bulk-upload-errors-{lang}")

    page.get_by_role("link", name=t(lang, "Upload a corrected file")).click()
    page.get_by_label(t(lang, "CSV or XLSX file")).set_input_files(str(good))
    page.check("input[name=confirm_obligation]")
    page.get_by_role("button", name=t(lang, "Upload and assign")).click()
    expect(page.locator("main")).to_contain_text(
        tn(
            lang,
            "%(n)s subscription was assigned and its subscriber emailed.",
            "%(n)s subscriptions were assigned and their subscribers emailed.",
            2,
        ).replace("%(n)s", "2")
    )
    assert set(Seat.objects.filter(pool=pool).values_list("email", flat=True)) == {
        "dev@contoso.example",
        "qa@contoso.example",
    }
    page.get_by_role("button", name=t(lang, "Sign out")).click()

    sign_in(page, live_server.url, "dev@contoso.example")
    page.goto(f"{live_server.url}/subscriptions/my-benefits/")  # the link in the assignment email
    expect(page).to_have_url(f"{live_server.url}/profile/?next=%2Fsubscriptions%2Fmy-benefits%2F")
    expect(page.locator("main")).to_contain_text(
        t(lang, "Please complete your first and last name before you continue.")
    )
    assert_accessible_basics(page)
    field(page, capfirst(t(lang, "first name"))).fill("Devi")
    field(page, capfirst(t(lang, "last name"))).fill("One")
    field(page, capfirst(t(lang, "contact email"))).fill("devi@home.example")
    page.locator("main").get_by_role("button", name=t(lang, "Save")).click()
    expect(page).to_have_url(f"{live_server.url}/subscriptions/my-benefits/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "My benefits"))
    expect(page.locator("main table")).to_contain_text(product)
    expect(page.locator("main table")).to_contain_text("Contoso")
    assert_accessible_basics(page)
    shot(f"my-benefits-{lang}")
