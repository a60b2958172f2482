import pytest

from licensing_portal.core.models import User
from tests.browser import assert_accessible_basics, link_from_outbox, t

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_business_email_then_my_permissions(page, live_server, shot, lang):  # ACC-1 ACC-2 ACC-3 ACC-5
    page.goto(f"{live_server.url}/")
    if lang != "en":
        with page.expect_navigation():
            page.select_option("#language-switcher", lang)
    assert page.locator("html").get_attribute("lang") == lang
    page.goto(f"{live_server.url}/accounts/signup/")
    assert_accessible_basics(page)
    page.fill("input[name=email]", f"new.{lang}@gmail.example")
    page.fill("input[name=password1]", "a-long-enough-passphrase")
    page.fill("input[name=password2]", "a-long-enough-passphrase")
    page.locator("form:has(input[name=password2]) [type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")  # the sign-in email is confirmed first (ACC-1)
    page.goto(link_from_outbox(live_server, "/accounts/confirm-email/", to_email=f"new.{lang}@gmail.example"))
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    if "/profile/business-email/" not in page.url:
        page.goto(f"{live_server.url}/profile/business-email/")
    assert_accessible_basics(page)
    page.fill("input[name=business_email]", f"me.{lang}@contoso.example")
    page.get_by_role("button", name=t(lang, "Send validation link")).click()
    page.wait_for_load_state()
    user = User.objects.get(email=f"new.{lang}@gmail.example")
    assert user.language == lang
    assert user.verified_business_email is None
    shot(f"signup-business-email-{lang}")
    page.goto(link_from_outbox(live_server, "/profile/business-email/confirm/", to_email=f"me.{lang}@contoso.example"))
    page.get_by_role("button", name=t(lang, "Confirm")).click()
    page.wait_for_load_state()
    assert t(lang, "No licensing IDs yet") in page.content()
    user.refresh_from_db()
    assert user.verified_business_email == f"me.{lang}@contoso.example"
    shot(f"signup-{lang}")
    page.get_by_role("link", name=t(lang, "My Permissions"), exact=True).first.click()
    page.wait_for_load_state()
    assert f"me.{lang}@contoso.example" in page.content()
    assert_accessible_basics(page)
