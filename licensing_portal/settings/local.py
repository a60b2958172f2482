"""Developer default: SQLite, Celery eager (emails sent inline through the outbox), console email."""

from .base import *  # noqa: F403
from .base import env

# The demo shows the portal's own 404/500 pages, as production does; DEBUG=true brings Django's debug pages back.
DEBUG = env.bool("DEBUG", default=False)
WHITENOISE_USE_FINDERS = True  # runserver serves no static files without DEBUG; whitenoise does, from the sources
WHITENOISE_AUTOREFRESH = True
# Emailed links follow the port the demo runs on (scripts/demo reads PORT too).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}")
SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-change-me")  # noqa: S105
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# The demo may point webhooks at a receiver on this machine (API-4).
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=False)
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=True)
