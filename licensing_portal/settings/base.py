"""Settings shared by every environment; values come from the environment (12-factor)."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="")
# Key rotation: the new key in SECRET_KEY, the old ones here (comma-separated) until sessions, links and queued
# outbox bodies signed or sealed with them have expired.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_prometheus",
    "django_guid",
    "health_check",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from our own static files (CSP: no third-party script)
    "licensing_portal.core",
    "licensing_portal.support",
    "licensing_portal.identity",
    "licensing_portal.webhooks",
    "licensing_portal.api",
    "licensing_portal.scim",
    "notifications",
    "agreements",
    "permissions",
    "partners",
    "subscriptions",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: times the whole stack (OPS-2)
    "django_guid.middleware.guid_middleware",  # the request id of every log line and outbox row (OPS-3)
    "licensing_portal.core.logging.RequestLogMiddleware",  # one line per request (OPS-3)
    "django.middleware.security.SecurityMiddleware",
    "licensing_portal.ratelimits.ServerErrorRefundMiddleware",  # a 5xx never counts towards a limit (OPS-5)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "licensing_portal.core.middleware.ThrottledSessionMiddleware",  # SessionMiddleware, sliding at most 1/min
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "licensing_portal.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "licensing_portal.core.middleware.SessionAbsoluteTimeoutMiddleware",
    "licensing_portal.core.middleware.SecurityHeadersMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last (OPS-2)
]

ROOT_URLCONF = "licensing_portal.urls"
WSGI_APPLICATION = "licensing_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
    {
        # Second: only templates under <app>/jinja2/ are Jinja2, the row tables of two pages (issue 13).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "licensing_portal.jinja.environment"},
    },
]


def with_generic_plans(database: dict) -> dict:
    """A PostgreSQL connection runs the hand-written prepared statements of licensing_portal/db.py on their
    generic plan: left to choose, PostgreSQL planned each execution afresh (custom plans: ~0.6 ms of planning
    per lookup, three times its run, issue 13). The ORM's queries are not server-side prepared: unaffected."""
    if "postgresql" in database["ENGINE"]:
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
    return database


DATABASES = {"default": with_generic_plans(env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"

# django-allauth: email is the sign-in identifier (ACC-1).
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Mandatory sign-in email verification is what lets allauth answer a signup for a taken address exactly like a
# new one (it mails the owner instead), so signup cannot be used to enumerate accounts (ASVS V6).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
# The session that changes the password stays signed in; every other session of the account is ended
# (Django's session auth hash no longer matches, and allauth.usersessions rows are removed).
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
USERSESSIONS_TRACK_ACTIVITY = False
ACCOUNT_ADAPTER = "licensing_portal.core.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",
}
# IDN-4: passkeys (WebAuthn) as a second factor and, with MFA_PASSKEY_LOGIN_ENABLED, as passwordless sign-in
# ("Sign in with a passkey" on the login page). WebAuthn needs a secure context: https, or http://localhost.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True

# IDN-3: SCIM 2.0 at /scim/v2/ (licensing_portal/scim). The kernel reaches the domain only through these: what a
# mapped directory group gives (kind -> target class), and who administers an organisation.
SCIM_MAPPING_TARGETS = {"pool": "subscriptions.scim.PoolTarget", "roles": "permissions.scim.RolesTarget"}

# Identity (IDN-1, IDN-2; licensing_portal/identity/). Each organisation's OpenID Connect provider is an allauth
# `openid_connect` app built from the database by the adapter (secret encrypted at rest, never listed on a page).
ACCOUNT_FORMS = {
    "login": "licensing_portal.identity.forms_auth.LoginForm",
    "reset_password": "licensing_portal.identity.forms_auth.ResetPasswordForm",
    "reset_password_from_key": "licensing_portal.identity.forms_auth.ResetPasswordKeyForm",
}
SOCIALACCOUNT_ADAPTER = "licensing_portal.identity.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True  # the provider's verified email in a verified domain is that account's
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # a POST starts the flow (login CSRF)
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# The resolver that checks domain TXT records: addresses (empty: the system resolver) and port.
# The portal's DNS resolver (licensing_portal/dns.py: domain verification IDN-2, webhook addresses API-4);
# empty: the system's.
DNS_NAMESERVERS = env.list("DNS_NAMESERVERS", default=[])
DNS_PORT = env.int("DNS_PORT", default=53)
DNS_TIMEOUT = env.float("DNS_TIMEOUT", default=3.0)

# Every sign-in, the Django admin's included (licensing_portal/urls.py), goes through allauth (SEC-4): its
# "login_failed" limits count per account (key) across addresses and per client address, on the shared cache.

# The client address every limit keys on (SEC-11): allauth's parser, ours included (core/adapters.client_ip).
# 0 trusted proxies (the default) ignores X-Forwarded-For, so a client cannot choose its address; behind N proxies
# that we run, the N-th address from the right of X-Forwarded-For is the client. A proxy that sets its own header
# (e.g. X-Real-IP, CF-Connecting-IP) can be named instead; it must be set by the proxy and never passed through.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER", default="") or None

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Licensed software files (AGR-8): served only through a view that checks the Download role, never by URL.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Sessions (ASVS V7): 30 minutes idle (the expiry slides on every request), 12 hours absolute since sign-in.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_AGE = env.int("SESSION_ABSOLUTE_AGE", default=12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Pages load only same-origin scripts (no inline <script>); the MFA page shows its QR code as a data: image.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"

REDIS_URL = env("REDIS_URL", default="")
# The kernel (licensing_portal/) imports no domain app: it reaches the access core and the outbox through these
# (tenancy.LicensingScopedQuerySet.visible_to, licensing_portal/outbox.py; tests/test_architecture.py).
PORTAL_ACCESS_SCOPE = "permissions.access.accessible_licensing_ids"
PORTAL_ADMINISTERED_ORGANIZATIONS = "permissions.access.administered_organization_ids"
PORTAL_OUTBOX = "notifications.services"
# Rendered page fragments, per process: keys carry access namespaces (permissions/access_namespaces.py), so a
# stale entry is never read, only evicted. STATIC_FRAGMENT_CACHE: fragments that depend on the language and the
# deployed code only (stylesheet links, navigation, the empty "Add a person" form), kept apart so that emptying
# the first (the bench's cold mode, issue 13) leaves them, as a permission change does.
FRAGMENT_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": 300,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
STATIC_FRAGMENT_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "static-fragments",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 200},
}
# Redis calls give up within REDIS_SOCKET_TIMEOUT seconds; while Redis is down or silent the cache (and so the
# sign-in rate limits) falls back to a per-process count, logged and counted (OPS-5, licensing_portal/cache.py).
REDIS_SOCKET_TIMEOUT = min(env.float("REDIS_SOCKET_TIMEOUT", default=0.5), 0.5)


def redis_cache(url: str) -> dict:
    return {
        "BACKEND": "licensing_portal.cache.ResilientRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": REDIS_SOCKET_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT},
    }


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES |= {"fragments": FRAGMENT_CACHE, "static_fragments": STATIC_FRAGMENT_CACHE}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Licensing Portal <no-reply@licensing-portal.example>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Outbox retries (NOTE-2): exponential backoff from EMAIL_RETRY_BACKOFF seconds, capped, with full jitter.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=6)
EMAIL_RETRY_BACKOFF = env.int("EMAIL_RETRY_BACKOFF", default=5)
EMAIL_RETRY_BACKOFF_MAX = env.int("EMAIL_RETRY_BACKOFF_MAX", default=600)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing from a web request must never hang when Redis is down or silent (NOTE-2, OPS-5): one connection
# attempt with the Redis socket timeouts, no publish retry; the outbox row stays queued and the sweep sends it.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # the worker itself waits for the broker forever
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "email-outbox-sweep": {"task": "notifications.tasks.email_sweep_task", "schedule": crontab(minute="*")},
    # Invalid Open License attempts count for 24 h (OPEN-5); after 30 days only the audit log keeps them.
    "open-license-attempts-purge": {
        "task": "partners.tasks.open_license_attempts_purge_task",
        "schedule": crontab(hour=3, minute=17),
    },
    # Retention: expired sessions, sent outbox rows older than OUTBOX_SENT_RETENTION_DAYS, used or expired
    # emailed links older than ONE_TIME_TOKEN_RETENTION_DAYS.
    "sessions-purge": {"task": "licensing_portal.core.tasks.sessions_purge_task", "schedule": crontab(minute=7)},
    "outbox-sent-purge": {
        "task": "notifications.tasks.email_sent_purge_task",
        "schedule": crontab(hour=3, minute=27),
    },
    "one-time-tokens-purge": {
        "task": "licensing_portal.core.tasks.one_time_tokens_purge_task",
        "schedule": crontab(hour=3, minute=37),
    },
    # REV-1, REV-2: scheduled access reviews start, reviewers are reminded once, overdue reviews are handled.
    "access-reviews-tick": {"task": "permissions.tasks.access_reviews_tick_task", "schedule": crontab(minute=41)},
    # AGR-7: expiry notices 120/60/30/7 days before a licensing ID's end date, once per threshold.
    "agreement-expiry-notices": {
        "task": "agreements.tasks.expiry_notices_task",
        "schedule": crontab(hour=6, minute=5),
    },
    # RES-9: delegated partner access ends by itself (the access rule already ignores a grant past its end; this
    # revokes it for good and tells both sides), with reminders 30 and 7 days before.
    "partner-access-expiry": {"task": "partners.tasks.partner_access_expiry_task", "schedule": crontab(minute="*/5")},
    "partner-access-reminders": {
        "task": "partners.tasks.partner_access_reminders_task",
        "schedule": crontab(hour=8, minute=3),
    },
    # API-4: webhook deliveries the broker never saw (it was down) are sent again.
    "webhook-sweep": {"task": "licensing_portal.webhooks.tasks.webhook_sweep_task", "schedule": crontab(minute="*")},
    "webhook-sent-purge": {
        "task": "licensing_portal.webhooks.tasks.webhook_sent_purge_task",
        "schedule": crontab(hour=3, minute=47),
    },
    # SUB-8: one usage snapshot per pool a day, late enough to hold the day's assignments.
    "pool-usage-snapshot": {
        "task": "subscriptions.tasks.pool_usage_snapshot_task",
        "schedule": crontab(hour=23, minute=50),
    },
}
# Webhooks (API-4, docs/webhooks.md): HTTPS and public addresses only; loopback only where a setting allows it
# (tests, the demo). Retries back off exponentially from WEBHOOKS_RETRY_BACKOFF seconds, capped, with jitter.
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=True)
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=5.0)
WEBHOOKS_CA_FILE = env("WEBHOOKS_CA_FILE", default="")  # receivers' certificates: the system CAs when empty
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_RETRY_BACKOFF = env.int("WEBHOOKS_RETRY_BACKOFF", default=10)
WEBHOOKS_RETRY_BACKOFF_MAX = env.int("WEBHOOKS_RETRY_BACKOFF_MAX", default=3600)
WEBHOOKS_SENT_RETENTION_DAYS = env.int("WEBHOOKS_SENT_RETENTION_DAYS", default=30)
# The domain answers for the kernel: who administers an organisation, which organisations may see an event.
WEBHOOKS_AUDIENCE = "partners.webhook_audience.organizations_notified"
OUTBOX_SENT_RETENTION_DAYS = env.int("OUTBOX_SENT_RETENTION_DAYS", default=30)
ONE_TIME_TOKEN_RETENTION_DAYS = env.int("ONE_TIME_TOKEN_RETENTION_DAYS", default=7)

# Product settings
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
BUSINESS_EMAIL_TOKEN_MAX_AGE = timedelta(days=2)
EMAIL_LINK_MAX_AGE = timedelta(days=14)
OPEN_LICENSE_PROPAGATION_DELAY = timedelta(hours=env.int("OPEN_LICENSE_PROPAGATION_HOURS", default=0))
# SEC-8: actions that email text a user typed (partner orders, relationship invitations, permission requests,
# service requests) are counted per user and per organisation on the shared cache, in fixed windows (seconds);
# a partner organisation registered by its users sends at most PARTNER_UNAPPROVED_DAILY_LIMIT orders and
# invitations a day until support approves it in admin (licensing_portal/limits.py).
USER_TEXT_EMAIL_LIMITS_ENABLED = env.bool("USER_TEXT_EMAIL_LIMITS_ENABLED", default=True)
USER_TEXT_EMAIL_LIMIT_PER_USER = env.int("USER_TEXT_EMAIL_LIMIT_PER_USER", default=10)
USER_TEXT_EMAIL_LIMIT_PER_ORGANIZATION = env.int("USER_TEXT_EMAIL_LIMIT_PER_ORGANIZATION", default=30)
USER_TEXT_EMAIL_LIMIT_WINDOW = env.int("USER_TEXT_EMAIL_LIMIT_WINDOW", default=60 * 60)
SEAT_RESEND_DAILY_LIMIT = env.int(
    "SEAT_RESEND_DAILY_LIMIT", default=3
)  # assignment emails resent per seat a day (SUB-10)
PARTNER_UNAPPROVED_DAILY_LIMIT = env.int("PARTNER_UNAPPROVED_DAILY_LIMIT", default=5)

# Public API (API-1..5, licensing_portal/api/): tokens or the session (with CSRF); per-token limits on the shared
# cache in fixed windows of API_THROTTLE_WINDOW seconds; cursor pagination; one JSON error shape.
API_THROTTLE_ENABLED = env.bool("API_THROTTLE_ENABLED", default=True)
API_THROTTLE_RATE = env.int("API_THROTTLE_RATE", default=600)
API_THROTTLE_WINDOW = env.int("API_THROTTLE_WINDOW", default=60)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "licensing_portal.api.authentication.ApiTokenAuthentication",  # first: anonymous answers 401, not 403
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["licensing_portal.api.throttles.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "licensing_portal.api.pagination.ApiCursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "licensing_portal.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Licensing Portal API",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "Role": "permissions.models.Role.choices",
        "SABenefit": "permissions.models.SABenefit.choices",
    },
    "PATH_CONVERTER_OVERRIDES": {"pk": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "licensing_portal.api.schema.add_error_answers",
    ],
}

# Logs (OPS-3): one JSON line per record in production (LOG_FORMAT=json), readable text in development. Every
# line carries the request id (X-Request-ID, or one generated per request and per task); secrets are redacted
# when the record is created (licensing_portal/core/logging.py), whatever the format.
LOG_FORMAT = env("LOG_FORMAT", default="text")
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "VALIDATE_GUID": False}
# /health/ready (OPS-1, licensing_portal/health.py), in seconds; 0 turns the check off. A queued email may wait
# out SMTP retries (EMAIL_RETRY_BACKOFF_MAX) before it counts as stuck; beat runs the sweep every minute.
HEALTH_OUTBOX_MAX_AGE = env.int("HEALTH_OUTBOX_MAX_AGE", default=15 * 60)
HEALTH_SWEEP_MAX_AGE = env.int("HEALTH_SWEEP_MAX_AGE", default=5 * 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"}},
    "formatters": {
        "json": {
            "()": "licensing_portal.core.logging.RedactingJsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
        },
        "text": {
            "()": "licensing_portal.core.logging.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},  # it logs every id it sets at INFO
    },
}

# Metrics (OPS-2): /metrics answers only a scraper that sends `Authorization: Bearer <METRICS_TOKEN>` or whose
# address is in METRICS_ALLOWED_IPS (addresses or networks); everyone else gets a 404. Empty: nobody.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# A Celery worker serves its task counters on this port (0: off); see README "Observe".
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)

# Error reporting (OPS-3): optional, only when SENTRY_DSN is set; events pass the same redaction as the logs.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from licensing_portal.core.logging import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)
