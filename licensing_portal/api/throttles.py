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


class TokenRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        key = throttle_key(request)
        if key is None or not settings.API_THROTTLE_ENABLED:
            return True
        window = settings.API_THROTTLE_WINDOW
        self.window = window
        return limits.count(key=key, window=window) <= settings.API_THROTTLE_RATE

    def wait(self) -> float:
        window = getattr(self, "window", settings.API_THROTTLE_WINDOW)
        return max(1, int(window - time.time() % window) + 1)
