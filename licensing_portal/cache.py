"""Django's Redis cache, made to keep sign-in and every page working while Redis is down or silent (OPS-5).

Every call gives up within the socket timeouts (0.5 s, `REDIS_SOCKET_TIMEOUT`). When Redis does not answer, the
call and every later one are served by a per-process local memory cache, while a background thread pings Redis
every `RETRY_AFTER` seconds; requests never wait on a silent Redis again during the outage. Rate limits
(allauth's counters live in this cache) therefore fall back to a per-process count for the outage, never to no
limit. The outage is logged when it starts, at most once a minute while it lasts and when it ends, and counted
in the metrics (`portal_cache_fallback_total`, `portal_cache_outages_total`). When Redis answers again the local
counts are dropped and Redis's are used.

Nothing in this cache may be the only copy of anything: it holds counters, locks and derived values, so a
per-process stand-in for the duration of an outage is correct, only less shared.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from prometheus_client import Counter
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

FALLBACK_CALLS = Counter(
    "portal_cache_fallback",
    "Cache calls served by this process's local stand-in because Redis did not answer (OPS-5).",
)
OUTAGES = Counter("portal_cache_outages", "Times this process stopped using Redis for its cache (OPS-5).")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)  # refused, reset, timed out, still loading
STILL_DOWN_LOG_EVERY = 60.0


@dataclass
class _Outage:
    """Per process and per Redis location (Django builds one cache object per thread; they share this)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    since: float | None = None  # monotonic start of the current outage, None while Redis answers
    logged_at: float = 0.0
    # Keys an `add` or `delete` was sent for when Redis went silent: the command may still run when Redis wakes
    # up (a lock taken for nobody, a delete that did not happen), so they are deleted before Redis is used again.
    uncertain: set[str] = field(default_factory=set)


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 2.0))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._outage = _outage_for(self._location)
        local = {key: params[key] for key in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION") if key in params}
        # A fixed name: every thread's cache object of this process counts in the same local store.
        self._local = LocMemCache(f"redis-fallback:{self._location}", {**local, "OPTIONS": {"MAX_ENTRIES": 10_000}})

    @property
    def serving_fallback(self) -> bool:
        """True while this process answers from its local store because Redis is unreachable (/health/ready)."""
        return self._outage.since is not None

    # --- the switch --------------------------------------------------------------------------------------------

    def _call(self, name: str, *args, uncertain_keys=(), version=None, **kwargs):
        if self._outage.since is not None:
            return self._fallback(name, *args, version=version, **kwargs)
        try:
            return getattr(super(), name)(*args, version=version, **kwargs)
        except UNREACHABLE as exc:
            self._went_down(exc, uncertain_keys=uncertain_keys, version=version)
            return self._fallback(name, *args, version=version, **kwargs)

    def _fallback(self, name: str, *args, **kwargs):
        FALLBACK_CALLS.inc()
        return getattr(self._local, name)(*args, **kwargs)

    def _went_down(self, exc: Exception, *, uncertain_keys, version) -> None:
        outage = self._outage
        with outage.lock:
            if isinstance(exc, RedisTimeoutError):
                outage.uncertain.update(self.make_and_validate_key(key, version=version) for key in uncertain_keys)
            if outage.since is not None:
                return
            outage.since = outage.logged_at = time.monotonic()
        OUTAGES.inc()
        logger.warning(
            "cache: Redis at %s unreachable (%s: %s); rate limits and cached values are per process until it "
            "answers again",
            self._location,
            type(exc).__name__,
            exc,
        )
        threading.Thread(target=self._watch, name="redis-outage-watch", daemon=True).start()

    def _watch(self) -> None:
        """Ping Redis until it answers, then make it the cache again. Keys whose `add`/`delete` was in flight
        when Redis went silent are deleted first: Redis runs those commands when it wakes up, and allauth's lock
        keys left that way refused every sign-in of that address for 10 s."""
        outage = self._outage
        while outage.since is not None:
            time.sleep(self.retry_after)
            try:
                client = self._cache.get_client(write=True)
                client.ping()
                with outage.lock:
                    keys = sorted(outage.uncertain)
                if keys:
                    client.delete(*keys)
            except UNREACHABLE:
                now = time.monotonic()
                if now - outage.logged_at >= STILL_DOWN_LOG_EVERY:
                    outage.logged_at = now
                    logger.warning(
                        "cache: Redis at %s still unreachable after %.0f s", self._location, now - outage.since
                    )
                continue
            except Exception:  # never leave the process on its local stand-in because the watcher died
                logger.exception("cache: checking Redis at %s failed", self._location)
                continue
            with outage.lock:
                lasted = time.monotonic() - outage.since
                outage.uncertain.clear()
                self._local.clear()  # the next outage starts from empty counters, not from stale ones
                outage.since = None
            logger.warning("cache: Redis at %s answers again after %.1f s", self._location, lasted)

    # --- Django's cache API: every call goes through the switch ---------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version=version, uncertain_keys=(key,))

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version, uncertain_keys=(key,))

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version=version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._call("delete_many", keys, version=version, uncertain_keys=keys)

    def clear(self):
        self._local.clear()
        try:
            return super().clear()
        except UNREACHABLE as exc:
            self._went_down(exc, uncertain_keys=(), version=None)
            return False
