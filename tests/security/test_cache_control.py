"""No page or file with agreement data, keys or personal data is kept by a browser or proxy cache (SEC-10).

licensing_portal/core/middleware.py SecurityHeadersMiddleware sends `Cache-Control: no-store` on every response
a view renders; static files (WhiteNoise) stay cacheable."""

import pytest
from django.urls import reverse

from agreements.models import ProductKey
from tests.access_matrix import registry, visitor

pytestmark = pytest.mark.django_db

KEY = "QWERT-12345-ASDFG-67890-ZXCVB"


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_sec10_agreement_keys_exports_and_personal_pages_are_not_stored(client, world):  # SEC-10
    lid = world["lid"]
    ProductKey.objects.create(licensing_id=lid, product="Windows Server", key=KEY)
    client.force_login(world["users"]["administrator"])
    pages = {
        "agreement detail with product keys": (reverse("agreements:detail", args=[lid.pk]), KEY.encode()),
        "subscriber export (CSV)": (reverse("subscriptions:subscribers_export"), b""),
        "bulk template (XLSX)": (reverse("subscriptions:bulk_template", kwargs={"file_format": "xlsx"}), b""),
        "My Permissions": (reverse("permissions:my_permissions"), lid.number.encode()),
        "profile": (reverse("core:profile"), b"administrator@contoso.example"),
        "audit log": (reverse("permissions:audit_log", args=[lid.pk]), b""),
    }
    for what, (url, shows) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, what
        assert shows in _body(response), what
        assert _no_store(response), f"{what}: Cache-Control {response.get('Cache-Control')!r}"


def test_sec10_every_page_of_the_access_matrix_says_no_store(client, world):  # SEC-10
    """Each GET url of tests/access_matrix.py, as a visitor who may see it (signed in wherever it takes it)."""
    missing, seen = {}, 0
    for name, case in sorted(registry().items()):
        if case.method != "get":
            continue
        user = visitor(case, world)
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        response = client.get(reverse(name, kwargs=case.resolve_kwargs(world)))
        if response.status_code == 200:
            seen += 1
            if not _no_store(response):
                missing[name] = response.get("Cache-Control")
    assert seen > 30 and missing == {}


def test_sec10_a_refused_form_and_an_error_page_are_not_stored_either(client, world):  # SEC-10
    """A form sent back with errors shows what was typed; a 404 is the page any missing object gets."""
    client.force_login(world["users"]["administrator"])
    refused = client.post(reverse("core:profile"), {"first_name": "x" * 500, "language": "en"})
    missing = client.get(reverse("agreements:detail", args=[world["other_lid"].pk]))
    assert (refused.status_code, missing.status_code) == (400, 404)
    assert _no_store(refused) and _no_store(missing)


def test_sec10_static_files_stay_cacheable(client, world, settings):  # SEC-10 (scope: what views render)
    settings.WHITENOISE_USE_FINDERS = True  # serve from static/ as `runserver` would; no collectstatic here
    client.force_login(world["users"]["administrator"])
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200 and not _no_store(response)
