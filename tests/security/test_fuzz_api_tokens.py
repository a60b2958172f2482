"""SEC-3, API-2: hostile input to the token pages. Kept apart from the schemathesis run (test_fuzz_api.py): these
share one module-wide world in an open transaction, which a live-server test in the same module would see."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["personal", "organization"])
def test_api_token_forms(client, world, page):  # SEC-3 API-2
    from django.urls import reverse

    from tests.security.fuzz import fuzz_form, portal_snapshot

    client.force_login(world["users"]["administrator"])
    kwargs = {"pk": world["tenant"].pk} if page == "organization" else {}
    fuzz_form(
        client,
        reverse(f"api_tokens:{page}", kwargs=kwargs),
        ["name", "expires_on"],
        snapshot=portal_snapshot(),
        valid={"name": "script", "expires_on": "2099-12-31"},
        max_examples=15,
    )


@pytest.mark.django_db
def test_api_token_revoke(client, world):  # SEC-3 API-2
    from django.urls import reverse

    from licensing_portal.api.services import api_token_create
    from tests.security.fuzz import fuzz_form, hostile_text, portal_snapshot

    user = world["users"]["administrator"]
    client.force_login(user)
    token, _raw = api_token_create(creator=user, name="x")
    fuzz_form(
        client,
        reverse("api_tokens:revoke", kwargs={"pk": token.pk}),
        {"next": hostile_text(), "name": hostile_text()},
        snapshot=portal_snapshot(),
        accepted=lambda r: r.status_code == 302 and r["Location"].startswith("/profile/api-tokens/"),
        max_examples=10,
    )
