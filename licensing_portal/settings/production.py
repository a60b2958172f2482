"""Production: every secret comes from the environment; no defaults for them."""

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, FRAGMENT_CACHE, STATIC_FRAGMENT_CACHE, env, redis_cache, with_generic_plans

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
DATABASES = {"default": with_generic_plans(env.db("DATABASE_URL"))}
# Persistent connections unless the URL says otherwise (`?conn_max_age=0`): no connect per request, and the
# prepared statements of licensing_portal/db.py are prepared once per connection.
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
REDIS_URL = env("REDIS_URL")
CACHES = {"default": redis_cache(REDIS_URL), "fragments": FRAGMENT_CACHE, "static_fragments": STATIC_FRAGMENT_CACHE}

# Health probes (OPS-1) come over plain HTTP from inside the network: the compose healthcheck asks
# http://127.0.0.1:8000/health/ready in the container, so that loopback Host is allowed too (a request naming it
# from outside can only produce links to the client's own machine) and /health/ is never redirected to HTTPS.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "127.0.0.1"]
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# One JSON line per record for the log pipeline (OPS-3); LOG_FORMAT=text for a human at a terminal.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
