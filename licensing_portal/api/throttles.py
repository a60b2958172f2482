"""Per-token limits on the shared cache (API-5): a fixed window counted atomically with `limits.count` (add + incr
on Redis), so every worker process sees the same total; over the limit answers 429 with Retry-After. A request
that ends in a server error gives its unit back (OPS-5, licensing_portal/ratelimits.py)."""

from __future__ import annotations

import time

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from licensing_portal import limits


def throttle_key(request) -> str | None:
    token = getattr(request, "auth", None)
    if token is not None and getattr(token, "pk", None):
        return f"api:token:{token.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"api:session:{user.pk}"  # the browsable docs, signed in
    return None


def within_limit(key: str | None) -> bool:
    """Counts one request for `key` (a token, or a signed-in person) in this window; False past the limit."""
    if key is None or not settings.API_THROTTLE_ENABLED:
        return True
    return limits.count(key=key, window=settings.API_THROTTLE_WINDOW) <= settings.API_THROTTLE_RATE


def retry_after() -> int:
    """Seconds until the next window starts."""
    window = settings.API_THROTTLE_WINDOW
    return max(1, int(window - time.time() % window) + 1)


class TokenRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        return within_limit(throttle_key(request))

    def wait(self) -> float:
        return retry_after()
