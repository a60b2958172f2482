"""Request Permissions → administrator approves from the inbox → requester sees the role (PERM-4, PERM-5)."""

import re

import pytest
from playwright.sync_api import expect

from agreements.models import Program
from permissions.models import Role
from tests.browser import assert_accessible_basics, sign_in, t
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_request_approve_and_see_new_role(live_server, new_context, shot, lang):  # PERM-4 PERM-5 PERM-3
    lid = LicensingIDFactory(
        organization=OrganizationFactory(name="Contoso"), number="E2000001", program=Program.ENTERPRISE
    )
    grant(UserFactory(email="admin@contoso.example", language=lang), lid, Role.ADMINISTRATOR)
    UserFactory(email="newcomer@example.com", first_name="Nora", last_name="Newman", language=lang)

    page = new_context().new_page()
    sign_in(page, live_server.url, "newcomer@example.com")
    page.get_by_role("link", name=t(lang, "My Permissions"), exact=True).click()
    page.get_by_role("link", name=t(lang, "Request Permissions")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Request Permissions"))
    assert_accessible_basics(page)
    page.locator("#id_program").select_option(Program.ENTERPRISE.value)
    page.locator("#id_number").fill("E2000001")
    benefits = page.locator("#div_id_sa_benefits")
    expect(benefits).to_be_hidden()  # opens only when SA Manager is ticked
    page.get_by_label(t(lang, "Software Assurance Manager"), exact=True).check()
    expect(benefits).to_be_visible()
    page.get_by_label(t(lang, "Software Assurance Manager"), exact=True).uncheck()
    page.get_by_label(t(lang, "Licensing Info"), exact=True).check()
    page.locator("#id_comment").fill("I run the deployment")
    shot(f"request-permissions-form-{lang}", page, full_page=True)
    page.get_by_role("button", name=t(lang, "Submit request")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Request received"))
    expect(page.get_by_text("admin@contoso.example")).to_have_count(0)
    assert_accessible_basics(page)

    admin_page = new_context().new_page()
    sign_in(admin_page, live_server.url, "admin@contoso.example")
    admin_page.goto(f"{live_server.url}/permissions/requests/")
    row = admin_page.get_by_role("row", name=re.compile("newcomer@example.com"))
    assert_accessible_basics(admin_page)
    shot(f"permission-requests-{lang}", admin_page)
    row.get_by_role("button", name=t(lang, "Approve")).click()
    expect(admin_page.get_by_text(t(lang, "Request approved: the roles take effect at once."))).to_be_visible()

    page.goto(f"{live_server.url}/permissions/")
    row = page.get_by_role("row", name=re.compile("E2000001"))
    expect(row).to_contain_text(t(lang, "Licensing Info"))
    assert_accessible_basics(page)
    shot(f"my-permissions-{lang}", page)
