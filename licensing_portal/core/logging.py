"""Keeps secrets out of log lines: links sent by email carry a signed token in their path (SEC, tokens.py)."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from django.utils.functional import empty
from pythonjsonlogger.json import JsonFormatter

# django.core.signing.dumps(): "<base64 payload>:<base62 timestamp>:<base64 signature>" (payload "."-prefixed
# when compressed). Redacting the whole shape covers tokens in request paths, exceptions and email bodies.
SIGNED_TOKEN_RE = re.compile(r"\.?[A-Za-z0-9_\-]{8,}:[A-Za-z0-9]{4,}:[A-Za-z0-9_\-]{20,}")
REDACTED = "[redacted]"
# API tokens (licensing_portal/api/models.py): the display prefix stays, the secret goes (API-2).
API_TOKEN_RE = re.compile(r"(lpt_[0-9a-f]{12}_)[A-Za-z0-9_\-]+")


def redact_secrets(text: str) -> str:
    return API_TOKEN_RE.sub(rf"\1{REDACTED}", SIGNED_TOKEN_RE.sub(REDACTED, text))


class RedactSecretsFilter(logging.Filter):
    """Rewrites the formatted message (and request path args) of every record passing through a handler, and
    formats its traceback once, redacted: formatters reuse `exc_text` rather than format `exc_info` again (a
    handler that reads `exc_info` itself, like an error tracker's, sees the raw exception)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_secrets(logging.Formatter().formatException(record.exc_info))
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class RedactingFormatter(logging.Formatter):
    """The text format, redacted as a whole (the request id comes from a client header)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(super().format(record))


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per record (OPS-3). The line is redacted as a whole: records carry extra fields beyond
    the message (Django's `request`, whose repr holds the path; a client-chosen request id)."""

    def jsonify_log_record(self, log_data) -> str:
        return redact_secrets(super().jsonify_log_record(log_data))


_installed = False


def install_record_factory() -> None:
    """Redact at record creation so every handler (console, files, Sentry, pytest's caplog) sees the same."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        RedactSecretsFilter().filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


# --- Request log and request ids (OPS-3) -------------------------------------------------------------------

request_logger = logging.getLogger("licensing_portal.request")
TASK_HEADER = "portal_request_id"  # a Celery message header: the request id of the code that queued the task


def _user_id(request) -> int | None:
    """The signed-in user's id if this request already loaded the user: reading it never costs a query."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """One line per request: method, path (redacted) and status in the message; user id, view name, status and
    duration as fields (the JSON formatter writes them as keys), with the request id every record carries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - start) * 1000, 1)
        match = getattr(request, "resolver_match", None)
        request_logger.log(
            logging.WARNING if response.status_code >= 500 else logging.INFO,
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "user_id": _user_id(request),
                "view": match.view_name if match else "",
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response


def _task_published(headers=None, **kwargs) -> None:
    from django_guid import get_guid

    request_id = get_guid()
    if request_id and headers is not None:
        headers[TASK_HEADER] = request_id


def _task_started(task=None, **kwargs) -> None:
    """In a worker, a task logs (and stamps the outbox rows it writes) with the id of the request that queued
    it, or a new one for a beat task. An eager task runs inside its caller and keeps the caller's id."""
    from django_guid import set_guid
    from django_guid.utils import generate_guid

    if task is None or task.request.is_eager:
        return
    set_guid(task.request.get(TASK_HEADER) or generate_guid())


def _task_finished(task=None, **kwargs) -> None:
    from django_guid import clear_guid

    if task is not None and not task.request.is_eager:
        clear_guid()


def connect_task_request_ids() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_task_published, dispatch_uid="core.request_id.publish", weak=False)
    task_prerun.connect(_task_started, dispatch_uid="core.request_id.prerun", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="core.request_id.postrun", weak=False)


# --- Error reporting (OPS-3) -------------------------------------------------------------------------------


def _redact_deep(value: Any) -> Any:
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, dict):
        return {key: _redact_deep(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_deep(item) for item in value]
    return value


def sentry_before_send(event: dict, hint: dict | None = None) -> dict:
    """Every string of the event (message, exception values, stack variables, breadcrumbs, request URL) goes
    through the same redaction as the log lines before it leaves the process."""
    return _redact_deep(event)


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        before_send=sentry_before_send,
        before_send_transaction=sentry_before_send,
        before_breadcrumb=lambda crumb, hint: _redact_deep(crumb),
    )
