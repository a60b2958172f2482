"""API-1, API-2 in a real browser: create a token on the profile's token page, then the Swagger UI renders from
our own static files under the portal's CSP (no inline script, no third-party request)."""

import pytest
from playwright.sync_api import expect

from tests.browser import sign_in, t
from tests.factories import UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_api1_api2_token_page_and_docs_under_csp(live_server, new_context, shot):  # API-1 API-2
    UserFactory(email="dev@contoso.example", first_name="Dana", last_name="Dev")
    page = new_context().new_page()
    problems, foreign = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(live_server.url) else None)
    sign_in(page, live_server.url, "dev@contoso.example")
    page.goto(f"{live_server.url}/profile/")
    page.get_by_role("link", name=t("en", "API tokens")).click()
    page.locator("#id_name").fill("nightly export")
    page.get_by_role("button", name=t("en", "Create token")).click()
    raw = page.locator("#new-token").inner_text()
    assert raw.startswith("lpt_")
    shot("api-token-created-en", page, full_page=True)
    page.reload()  # POST/redirect/GET: a reload shows the secret no more and creates no second token
    expect(page.locator("#new-token")).to_have_count(0)

    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Licensing Portal API", timeout=15000)
    expect(page.locator(".opblock-tag").first).to_be_visible()
    shot("api-docs-en", page, full_page=False)
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert not foreign, foreign
