"""Keeps secrets out of log lines: links sent by email carry a signed token in their path (SEC, tokens.py)."""

from __future__ import annotations

import logging
import re

# django.core.signing.dumps(): "<base64 payload>:<base62 timestamp>:<base64 signature>" (payload "."-prefixed
# when compressed). Redacting the whole shape covers tokens in request paths, exceptions and email bodies.
SIGNED_TOKEN_RE = re.compile(r"\.?[A-Za-z0-9_\-]{8,}:[A-Za-z0-9]{4,}:[A-Za-z0-9_\-]{20,}")
REDACTED = "[redacted]"


def redact_secrets(text: str) -> str:
    return SIGNED_TOKEN_RE.sub(REDACTED, text)


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
