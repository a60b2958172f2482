"""Production settings pass Django's deployment checklist; responses carry the security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_check_deploy_passes_with_production_settings():  # SEC-1
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "licensing_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5",
        "REDIS_URL": "redis://127.0.0.1:6379/6",
        "ALLOWED_HOSTS": "portal.example.com",
        "EMAIL_URL": "smtp://mail.example.com:25",
    }
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_pages_send_security_headers(client):  # SEC-1
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "camera=()" in response["Permissions-Policy"]
    cookie = client.cookies.get("csrftoken")
    assert cookie is not None and cookie["samesite"] == "Lax"


def test_no_inline_script_in_our_pages(client, django_user_model):  # SEC-1
    """The CSP allows only same-origin script files; an inline <script> would silently not run."""
    user = django_user_model.objects.create_user(email="csp@example.com", password="x" * 12)
    client.force_login(user)
    for url in ["/", "/profile/", "/profile/business-email/", "/accounts/password/change/", "/accounts/2fa/"]:
        body = client.get(url).content.decode()
        scripts = [s for s in body.split("<script")[1:] if "src=" not in s.split(">")[0]]
        inline = [s for s in scripts if 'type="application/json"' not in s.split(">")[0]]
        assert inline == [], f"{url} has an inline script"
