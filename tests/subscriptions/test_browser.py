import pytest
from playwright.sync_api import expect

from permissions.models import Role
from subscriptions.models import Seat
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant
from tests.subscriptions.factories import PoolFactory

PASSWORD = "correct-horse-battery"  # noqa: S105 - the factory's test password


def _sign_in(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("form").filter(has=page.locator("input[name=login]"))
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bulk_file_with_a_bad_row_then_fixed_then_subscriber_sees_benefits(  # SUB-2 SUB-3 SUB-4
    page, live_server, tmp_path
):
    lid = LicensingIDFactory(organization=OrganizationFactory(name="Contoso"))
    manager = grant(UserFactory(email="manager@contoso.example"), lid, Role.SUBSCRIPTIONS_MANAGER)
    pool = PoolFactory(licensing_id=lid, product="vs_enterprise", quantity=5)
    UserFactory(email="dev@contoso.example", first_name="", last_name="")
    bad = tmp_path / "subscribers.csv"
    bad.write_text("email,first_name,last_name\ndev@contoso.example,Dev,One\nnot-an-email,Bad,Row\n")
    good = tmp_path / "subscribers-fixed.csv"
    good.write_text("email,first_name,last_name\ndev@contoso.example,Dev,One\nqa@contoso.example,Q,A\n")

    _sign_in(page, live_server.url, manager.email)
    page.goto(f"{live_server.url}/subscriptions/")
    page.get_by_role("link", name="Visual Studio Enterprise").click()
    page.get_by_role("link", name="Bulk assign from a file").click()
    page.set_input_files("input[name=file]", str(bad))
    page.check("input[name=confirm_obligation]")
    page.get_by_role("button", name="Upload and assign").click()
    errors = page.locator("#bulk-errors")
    expect(errors).to_contain_text("“not-an-email” is not a valid email address.")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").first).to_have_text("3")
    assert not Seat.objects.filter(pool=pool).exists()  # all or nothing

    page.get_by_role("link", name="Upload a corrected file").click()
    page.set_input_files("input[name=file]", str(good))
    page.check("input[name=confirm_obligation]")
    page.get_by_role("button", name="Upload and assign").click()
    expect(page.locator("main")).to_contain_text("2 subscriptions were assigned")
    assert set(Seat.objects.filter(pool=pool).values_list("email", flat=True)) == {
        "dev@contoso.example",
        "qa@contoso.example",
    }
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, live_server.url, "dev@contoso.example")
    page.goto(f"{live_server.url}/subscriptions/my-benefits/")  # the link in the assignment email
    expect(page).to_have_url(f"{live_server.url}/profile/?next=%2Fsubscriptions%2Fmy-benefits%2F")
    page.fill("input[name=first_name]", "Devi")
    page.fill("input[name=last_name]", "One")
    page.fill("input[name=contact_email]", "devi@home.example")
    page.locator("main").get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/subscriptions/my-benefits/")
    expect(page.locator("main table")).to_contain_text("Visual Studio Enterprise")
    expect(page.locator("main table")).to_contain_text("Contoso")
