"""ACC-5: the sign-in's own message speaks the profile language, whatever the browser asked for."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("lang", "expected"), [("fr", "Connexion avec"), ("en", "Successfully signed in as")])
def test_signed_in_message_speaks_the_profile_language_not_the_browsers(client, lang, expected):
    user = UserFactory(language=lang)
    browser = "en-US,en;q=0.9" if lang == "fr" else "fr-FR,fr;q=0.9"
    response = client.post(
        "/accounts/login/",
        {"login": user.email, "password": "correct-horse-battery"},
        HTTP_ACCEPT_LANGUAGE=browser,
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any(expected in m for m in shown), shown
