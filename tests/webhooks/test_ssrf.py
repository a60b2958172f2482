"""API-4 SSRF: in production an endpoint is HTTPS and resolves only to public addresses; loopback, private,
link-local and metadata addresses are refused at registration and again at each delivery; redirects are not
followed. Names resolve through the test's own DNS server (conftest), never the machine's; no test connects
anywhere but 127.0.0.1."""

import pytest
from django.urls import reverse

from licensing_portal.errors import ApplicationError
from licensing_portal.webhooks import addresses
from licensing_portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from licensing_portal.webhooks.services import endpoint_register
from permissions.models import Role
from permissions.services import person_roles_set
from tests.webhooks.conftest import register

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"

REFUSED = [
    ("http://127.0.0.1:8080/hook", "loopback"),
    ("http://127.1/hook", "loopback"),
    ("http://2130706433/hook", "loopback"),  # 127.0.0.1 as one number
    ("http://0x7f.0.0.1/hook", "loopback"),
    ("http://localhost/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://10.0.0.8/hook", "private"),
    ("http://172.16.4.2/hook", "private"),
    ("http://192.168.1.20/hook", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://169.254.170.2/v2/credentials", "metadata"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "metadata"),
    ("http://100.100.100.200/latest/meta-data/", "metadata"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("http://169.254.1.1/hook", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://100.64.0.1/hook", "not public"),  # shared address space (carrier-grade NAT)
    ("http://0.0.0.0/hook", "private"),
    ("http://224.0.0.1/hook", "not public"),
    ("http://intranet.contoso.example/hook", "private"),  # a name that resolves to a private address
    ("http://mixed.contoso.example/hook", "private"),  # one public and one private address
    ("http://nowhere.contoso.example/hook", "does not resolve"),
    ("http://user:pass@hooks.contoso.example/hook", "user name"),
    ("ftp://hooks.contoso.example/hook", "https"),
]


@pytest.fixture
def no_loopback(settings, _own_dns):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    _own_dns.records.update(
        {
            "intranet.contoso.example": ["10.1.2.3"],
            "mixed.contoso.example": [PUBLIC, "192.168.0.9"],
            "hooks.contoso.example": [PUBLIC],
        }
    )
    return settings


@pytest.mark.parametrize(("url", "why"), REFUSED)
def test_api4_registration_refuses_addresses_that_are_not_public(no_loopback, tenant, contoso_admin, url, why):
    with pytest.raises(ApplicationError, match=why):
        endpoint_register(actor=contoso_admin, organization=tenant, url=url, categories=["grant"])
    assert not WebhookEndpoint.objects.exists()


def test_api4_registration_page_says_why_and_stores_nothing(no_loopback, client, tenant, contoso_admin):
    client.force_login(contoso_admin)
    page = client.post(
        reverse("webhooks:create"),
        {"organization": tenant.pk, "url": "http://169.254.169.254/latest/meta-data/", "events": ["grant"]},
    )
    assert page.status_code == 400 and "metadata" in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_api4_production_requires_https_and_accepts_a_public_name(no_loopback, tenant, contoso_admin):
    no_loopback.WEBHOOKS_REQUIRE_HTTPS = True
    with pytest.raises(ApplicationError, match="https"):
        endpoint_register(
            actor=contoso_admin, organization=tenant, url="http://hooks.contoso.example/", categories=["grant"]
        )
    endpoint, secret = endpoint_register(
        actor=contoso_admin, organization=tenant, url="https://hooks.contoso.example/portal", categories=["grant"]
    )  # registration resolves the name; it connects nowhere
    assert endpoint.pk and secret.startswith("whsec_")
    assert addresses.checked_target(endpoint.url).address == PUBLIC


def _grant_change(lid, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person_roles_set(licensing_id=lid, email="pat@contoso.example", roles=[Role.DOWNLOAD], actor=admin, adding=True)
    return WebhookDelivery.objects.get()


def test_api4_delivery_refuses_loopback_when_not_allowed(
    client, settings, tenant, contoso_lid, contoso_admin, receiver, django_capture_on_commit_callbacks
):
    rx = receiver()
    register(client, contoso_admin, tenant, rx.url)  # allowed while registering (test settings)
    settings.WEBHOOKS_ALLOW_LOOPBACK = False  # as in production
    delivery = _grant_change(contoso_lid, contoso_admin, django_capture_on_commit_callbacks)
    assert rx.hits == []
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 1, None)  # never retried
    assert "loopback" in delivery.last_error


def test_api4_delivery_checks_dns_again_and_refuses_a_name_now_pointing_at_metadata(
    settings, _own_dns, tenant, contoso_lid, contoso_admin, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    _own_dns.records["hooks.contoso.example"] = [PUBLIC]
    endpoint_register(
        actor=contoso_admin, organization=tenant, url="http://hooks.contoso.example/", categories=["grant"]
    )
    _own_dns.records["hooks.contoso.example"] = ["169.254.169.254"]  # DNS rebinding after registration
    delivery = _grant_change(contoso_lid, contoso_admin, django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "metadata" in delivery.last_error


def test_api4_redirects_are_not_followed(
    client, settings, tenant, contoso_lid, contoso_admin, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    target = receiver()
    rx = receiver(status=302, location=target.url)
    register(client, contoso_admin, tenant, rx.url)
    delivery = _grant_change(contoso_lid, contoso_admin, django_capture_on_commit_callbacks)
    assert target.hits == [] and len(rx.hits) == 2
    assert (delivery.status, delivery.response_code) == ("failed", 302)
    assert "Redirect not followed" in delivery.last_error


def test_api4_production_settings_require_https_and_refuse_loopback():
    """The defaults production runs with (no environment override): HTTPS only, loopback refused."""
    import os
    import secrets
    import subprocess
    import sys
    from pathlib import Path

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "licensing_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres:///unused",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5",
        "REDIS_URL": "redis://127.0.0.1:6379/6",
    }
    code = "from django.conf import settings as s; print(s.WEBHOOKS_REQUIRE_HTTPS, s.WEBHOOKS_ALLOW_LOOPBACK)"
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.split() == ["True", "False"], result.stderr[-2000:]
