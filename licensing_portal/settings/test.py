"""Test settings: PostgreSQL from DATABASE_URL (CI), fast hashing, eager Celery unless a test runs a worker.

Integration tests start a real Celery worker process with these settings and environment overrides:
CELERY_TASK_ALWAYS_EAGER=false, CELERY_BROKER_URL=redis://..., EMAIL_URL=smtp://127.0.0.1:<sink port>.
"""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = Path(tempfile.gettempdir()) / "licensing-portal-test-media"  # uploads never land in the work tree
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False  # tests that prove throttling enable them on a shared Redis cache
USER_TEXT_EMAIL_LIMITS_ENABLED = env.bool("USER_TEXT_EMAIL_LIMITS_ENABLED", default=False)  # same (SEC-8)
# Webhook receivers in tests are http.server threads on 127.0.0.1 (API-4); SSRF tests switch loopback off.
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=False)
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=True)
