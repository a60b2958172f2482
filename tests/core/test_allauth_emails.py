"""allauth's own emails name the portal, in the signing-up visitor's language, and link to the portal's host."""

import pytest
from django.test import override_settings

from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

PASSWORD = "Very-long-pw-2026"


@override_settings(PORTAL_BASE_URL="https://portal.example")
@pytest.mark.parametrize(
    ("lang", "hello", "thanks"),
    [
        ("en", "Hello from Licensing Portal!", "Thank you for using Licensing Portal!"),
        ("fr", "Bonjour, c'est Portail des licences !", "Merci d'utiliser Portail des licences !"),
    ],
)
def test_sign_in_confirmation_email_names_the_portal(client, lang, hello, thanks):
    client.cookies["django_language"] = lang
    client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    email = OutgoingEmail.objects.get(to_email="new@example.com")
    assert hello in email.body_text
    assert thanks in email.body_text
    assert "portal.example" in email.body_text
    assert email.subject.startswith(f"[{'Portail des licences' if lang == 'fr' else 'Licensing Portal'}] ")
    assert "testserver" not in email.subject


def test_demo_base_url_follows_the_port(monkeypatch):
    import importlib

    import licensing_portal.settings.local as local

    monkeypatch.setenv("PORT", "8101")
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    assert importlib.reload(local).PORTAL_BASE_URL == "http://127.0.0.1:8101"
