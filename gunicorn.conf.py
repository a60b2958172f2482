"""gunicorn settings for production (`gunicorn -c gunicorn.conf.py`, the image's CMD). Every knob reads the
environment so a deployment tunes it in .env; the defaults suit one small container behind a reverse proxy."""

import os

wsgi_app = "licensing_portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container, behind the proxy
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# A request slower than this is killed and logged; the proxy's own timeout should be a little longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then (a slow leak never grows without bound); the jitter keeps them from all
# restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# Only the reverse proxy may set X-Forwarded-For / -Proto; list its address(es), comma-separated.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The request id (X-Request-ID, echoed on the response by the request-id middleware) ties this line to the
# application's own log lines and to the tasks and emails the request caused.
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s forwarded_for="%({x-forwarded-for}i)s" "%(a)s"'
)
