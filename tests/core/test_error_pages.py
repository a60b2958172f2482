"""The portal's own error pages, in the visitor's language (never Django's technical pages in the demo)."""

import importlib

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("lang", "heading"), [("en", "Page not found"), ("fr", "Page introuvable")])
def test_missing_or_refused_object_shows_the_portal_404(client, member, lang, heading):
    client.force_login(member)
    member.language = lang
    member.save(update_fields=["language"])
    response = client.get("/agreements/987654/")
    assert response.status_code == 404
    body = response.content.decode()
    assert f"<h1>{heading}</h1>" in body
    assert "URLconf" not in body and "Traceback" not in body


@pytest.mark.parametrize(("lang", "heading"), [("en", "Something went wrong"), ("fr", "Une erreur s'est produite")])
def test_server_error_page_needs_no_database_and_speaks_the_language(lang, heading, django_assert_num_queries):
    with translation.override(lang), django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert heading in response.content.decode()


def test_demo_settings_show_the_portal_pages_unless_debug_is_asked_for(monkeypatch):
    import licensing_portal.settings.local as local

    monkeypatch.delenv("DEBUG", raising=False)
    assert importlib.reload(local).DEBUG is False
    monkeypatch.setenv("DEBUG", "true")
    assert importlib.reload(local).DEBUG is True
