"""Rate limits for actions that email text a user typed (SEC-8): partner orders, relationship invitations,
permission requests, service requests.

Each action is counted per user and per organisation in a fixed window on the shared cache
(`caches["default"]`, Redis in production): `add` creates the window's counter, `incr` counts atomically, so two
workers can never both take the last unit. A refused attempt counts too (hammering does not help). The caller
asks before it writes anything, inside its transaction: over a limit, it raises and nothing is sent or changed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _

from licensing_portal.errors import ApplicationError
from licensing_portal.ratelimits import refund_on_server_error

DAY = 24 * 60 * 60


def count(*, key: str, window: int) -> int:
    """Add one to `key` in the current `window` (seconds) and return the new total."""
    now = time.time()
    bucket = int(now // window)
    cache = caches["default"]
    cache_key = f"limits:{key}:{window}:{bucket}"
    ttl = int((bucket + 1) * window - now) + 1
    cache.add(cache_key, 0, timeout=ttl)
    try:
        total = cache.incr(cache_key)
    except ValueError:  # the counter expired between add and incr: this is the new window's first unit
        cache.add(cache_key, 1, timeout=window)
        total = 1
    refund_on_server_error(lambda: _uncount(cache, cache_key))  # a server error never counts (OPS-5)
    return total


def _uncount(cache, cache_key: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile: nothing left to give back
        cache.decr(cache_key)


def user_text_email_allow(*, action: str, user, organization_ids: Iterable[int] = ()) -> None:
    """Count one `action` by `user` for each organisation it acts for; refuse when the user or any of those
    organisations went over its limit in the window (USER_TEXT_EMAIL_LIMIT_* settings)."""
    if not settings.USER_TEXT_EMAIL_LIMITS_ENABLED:
        return
    window = settings.USER_TEXT_EMAIL_LIMIT_WINDOW
    over = count(key=f"{action}:user:{user.pk}", window=window) > settings.USER_TEXT_EMAIL_LIMIT_PER_USER
    for organization_id in sorted(set(organization_ids)):
        total = count(key=f"{action}:org:{organization_id}", window=window)
        over = over or total > settings.USER_TEXT_EMAIL_LIMIT_PER_ORGANIZATION
    if over:
        raise ApplicationError(
            _("You have done this too many times in a short while. Nothing was sent or changed; try again later.")
        )


def daily_allow(*, key: str, limit: int) -> bool:
    """Count one unit of `key` today (UTC) and say whether it is still within `limit`."""
    return count(key=f"day:{key}", window=DAY) <= limit
