"""Keyboard users see where they are: the first Tab lands on a link with a visible focus outline."""

import pytest
from playwright.sync_api import expect

from tests.browser import t

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_tab_focuses_the_skip_link_with_a_visible_outline(page, live_server):  # ACC-5
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text(t("en", "Skip to content"))
    expect(focused).to_be_visible()  # visually hidden until focused
    style = focused.evaluate("""el => {
        const s = getComputedStyle(el);
        return {tag: el.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth)};
    }""")
    assert style["tag"] == "A"
    assert style["style"] != "none" and style["width"] > 0
    page.keyboard.press("Tab")
    next_style = page.locator(":focus").evaluate("el => getComputedStyle(el).outlineStyle")
    assert next_style != "none"  # the next link (the brand) shows it too
