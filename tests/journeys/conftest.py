import re
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"


@pytest.fixture
def shot(page, request):
    """Save a screenshot under docs/screenshots/ (refreshed by running the journeys)."""

    def take(name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def link_from_outbox(live_server, **filters) -> str:
    """The newest emailed link, pointed at the live server instead of PORTAL_BASE_URL."""
    from django.conf import settings

    from notifications.models import OutgoingEmail

    row = OutgoingEmail.objects.filter(**filters).latest("id")
    url = re.search(re.escape(settings.PORTAL_BASE_URL) + r"\S+", row.body_text).group(0)
    return live_server.url + url[len(settings.PORTAL_BASE_URL):]


def sign_in(page, live_server, email: str, password: str = "correct-horse-battery") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=login]) [type=submit]").click()
    page.wait_for_load_state()


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
