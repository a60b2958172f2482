"""Shared helpers for the Playwright journeys (issue 8): sign-in, emailed links, screenshots, translation of
the visible labels the journeys click, and accessibility basics."""

import re
from pathlib import Path

import pytest
from django.utils import translation

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"


PASSWORD = "correct-horse-battery"


def t(lang: str, msgid: str) -> str:
    """The label a person sees in `lang` (the journeys click what the user reads, in both languages)."""
    with translation.override(lang):
        return str(translation.gettext(msgid))


@pytest.fixture
def shot(page):
    """Save a screenshot under docs/screenshots/ (refreshed by running the journeys)."""

    def take(name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def link_from_outbox(live_server, path: str = "/", **filters) -> str:
    """The newest emailed link whose path starts with `path`, pointed at the live server."""
    from notifications.models import OutgoingEmail

    row = OutgoingEmail.objects.filter(**filters).latest("id")
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s\"<]*)", row.body_text)
    assert match, f"no link to {path} in {row.template}"
    return live_server.url + match.group(1)


def sign_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


def assert_accessible_basics(page) -> None:
    """One h1, a lang attribute, and a label for every visible form field (issue 8 accessibility basics)."""
    assert page.locator("h1").count() == 1
    assert page.locator("html").get_attribute("lang") in ("en", "fr")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea')]
        .filter(el => el.offsetParent !== null)
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                       && !el.getAttribute('aria-labelledby'))
        .map(el => el.name || el.id)""")
    assert unlabelled == []
