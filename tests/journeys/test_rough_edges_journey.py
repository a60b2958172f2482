"""Rough edges a new user hit (issue 17), checked in the browser in English and French: the sign-in message in
the profile language although the browser asks for the other one, the empty state's buttons opening the forms,
and the portal's own 404 page for a missing or refused object."""

import pytest
from playwright.sync_api import expect

from tests.browser import PASSWORD, t
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_user_sign_in_empty_state_and_missing_page(live_server, browser, lang):  # ACC-3 ACC-5
    other = "en" if lang == "fr" else "fr"
    context = browser.new_context(locale={"en": "en-US", "fr": "fr-FR"}[other])
    page = context.new_page()
    user = UserFactory(email=f"fresh.{lang}@contoso.example", first_name="Fay", language=lang)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()
    signed_in = {"en": "Successfully signed in as", "fr": "Connexion avec"}[lang]
    expect(page.get_by_role("alert").filter(has_text=signed_in)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == lang

    page.get_by_role("link", name=t(lang, "Request Permissions")).first.click()
    page.wait_for_url("**/permissions/request/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Request Permissions"))
    page.go_back()
    page.get_by_role("link", name=t(lang, "Add Open License")).first.click()
    page.wait_for_url("**/partners/open-license/add/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Add Open License"))

    response = page.goto(f"{live_server.url}/agreements/987654/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Page not found"))
    page.get_by_role("link", name=t(lang, "Back to the home page")).click()
    page.wait_for_url(f"{live_server.url}/")
    context.close()
