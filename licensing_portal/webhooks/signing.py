"""The signature a receiver checks (API-4, docs/webhooks.md): hex HMAC-SHA256 of `timestamp + "." + body` with
the endpoint's secret, in `X-Signature`; the timestamp (Unix seconds) in `X-Webhook-Timestamp`."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - a label in front of the random part, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
