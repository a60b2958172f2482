"""Shared helpers for the Playwright journeys (issue 8): sign-in, emailed links, screenshots, translation of
the visible labels the journeys click, and accessibility basics."""

import os
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.functional import Promise
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent
# A test run writes its screenshots to an ignored folder; REFRESH_SCREENSHOTS=1 refreshes the committed ones
# under docs/screenshots/ (CONTRIBUTING.md), so running the tests never dirties the tree.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots" if os.environ.get("REFRESH_SCREENSHOTS") else ROOT / "test-results" / "screenshots"
)


PASSWORD = "correct-horse-battery"


def t(lang: str, msgid) -> str:
    """The label a person sees in `lang` (the journeys click what the user reads, in both languages).
    Takes a msgid or a lazy translation (e.g. a module-level gettext_lazy message)."""
    with translation.override(lang):
        return str(msgid) if isinstance(msgid, Promise) else str(translation.gettext(msgid))


def tn(lang: str, singular: str, plural: str, number: int) -> str:
    """The plural-aware label (ngettext) a person sees in `lang`, before its placeholders are filled in."""
    with translation.override(lang):
        return str(translation.ngettext(singular, plural, number))


VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
def shot(request):
    """Save a screenshot under SCREENSHOTS (docs/screenshots/ with REFRESH_SCREENSHOTS=1). The `page` fixture is
    used unless a page from another browser context is given; the viewport is fixed so the files stay small
    and comparable, and full_page is only for screens whose point lies below the fold."""

    def take(name: str, target=None, *, full_page: bool = False) -> None:
        target = target if target is not None else request.getfixturevalue("page")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target.set_viewport_size(VIEWPORT)
        target.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

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
    expect(page.locator("h1")).to_have_count(1)  # waits for a navigation the last click started
    assert page.locator("html").get_attribute("lang") in ("en", "fr")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea')]
        .filter(el => el.offsetParent !== null)
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                       && !el.getAttribute('aria-labelledby'))
        .map(el => el.name || el.id)""")
    assert unlabelled == []
