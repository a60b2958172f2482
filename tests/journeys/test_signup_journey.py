import pytest

from licensing_portal.core.models import User
from tests.journeys.conftest import assert_accessible_basics, link_from_outbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"verify": "Send validation link", "confirm": "Confirm", "empty": "No licensing IDs yet"},
    "fr": {"verify": "Envoyer le lien de validation", "confirm": "Confirmer", "empty": "Aucun ID de licence"},
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_sign_up_verify_business_email_then_see_empty_state(page, live_server, shot, lang):  # ACC-1 ACC-2 ACC-3 ACC-5
    page.goto(f"{live_server.url}/")
    if lang != "en":
        with page.expect_navigation():
            page.select_option("#language-switcher", lang)
    page.goto(f"{live_server.url}/accounts/signup/")
    assert_accessible_basics(page)
    page.fill("input[name=email]", f"new.{lang}@gmail.example")
    page.fill("input[name=password1]", "a-long-enough-passphrase")
    page.fill("input[name=password2]", "a-long-enough-passphrase")
    page.locator("form:has(input[name=password2]) [type=submit]").click()
    page.wait_for_url("**/profile/business-email/")
    assert_accessible_basics(page)
    page.fill("input[name=business_email]", f"me.{lang}@contoso.example")
    page.get_by_role("button", name=TEXT[lang]["verify"]).click()
    page.wait_for_load_state()
    user = User.objects.get(email=f"new.{lang}@gmail.example")
    assert user.language == lang
    assert user.verified_business_email is None
    if lang == "en":
        shot("business-email")
    page.goto(link_from_outbox(live_server, to_email=f"me.{lang}@contoso.example"))
    page.get_by_role("button", name=TEXT[lang]["confirm"]).click()
    page.wait_for_load_state()
    assert TEXT[lang]["empty"] in page.content()
    user.refresh_from_db()
    assert user.verified_business_email == f"me.{lang}@contoso.example"
    shot(f"home-empty-state-{lang}")
