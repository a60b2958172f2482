"""OPS-5 in one process: the cache gives up within half a second, falls back to a per-process count (never to no
limit), logs and counts the outage, and uses Redis again when it answers, without a restart."""

import logging
import time

import pytest
from django.core.cache import caches
from prometheus_client import REGISTRY

from tests.integration.conftest import wait_for
from tests.resilience.conftest import PASSWORD, TOO_MANY, RedisServer

RETRY_AFTER = 0.3


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def resilient_cache(settings, own_redis):
    settings.CACHES = {
        "default": {
            "BACKEND": "licensing_portal.cache.ResilientRedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "RETRY_AFTER": RETRY_AFTER},
        },
        "fragments": settings.CACHES["fragments"],
        "static_fragments": settings.CACHES["static_fragments"],
    }
    cache = caches["default"]
    yield cache
    own_redis.heal()
    wait_for(lambda: not cache._outage.since, timeout=5, what="the cache to use Redis again")  # no watcher left


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_ops5_redis_killed_cache_answers_from_the_process_counts_and_logs_once(resilient_cache, own_redis, caplog):
    cache = resilient_cache
    cache.set("kept", "in redis")
    fallbacks, outages = _metric("portal_cache_fallback_total"), _metric("portal_cache_outages_total")
    own_redis.kill()

    with caplog.at_level(logging.WARNING, logger="licensing_portal.cache"):
        for n in range(1, 8):
            assert cache.add(f"lock-{n}", True, 10) is True  # never an exception
            assert cache.get_or_set("counter", 0) is not None
            cache.incr("counter")
        assert cache.get("counter") == 7  # a real count, per process
    assert _metric("portal_cache_outages_total") == outages + 1
    assert _metric("portal_cache_fallback_total") >= fallbacks + 21
    assert [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()] == [
        f"cache: Redis at {own_redis.url} unreachable (ConnectionError: Error 111 connecting to 127.0.0.1:"
        f"{own_redis.port}. Connection refused.); rate limits and cached values are per process until it answers "
        "again"
    ]  # logged once for the outage, not once per call

    own_redis.start()
    wait_for(lambda: cache.get("counter") is None, timeout=5, what="Redis to be used again")
    assert cache.set("back", 1) is None and own_redis.client().exists(":1:back") == 1


def test_ops5_silent_redis_costs_one_timeout_then_nothing_and_leaves_no_lock_behind(resilient_cache, own_redis):
    cache = resilient_cache
    own_redis.freeze()
    locked, first = _timed(lambda: cache.add("allauth:rl:x:lock", True, 10))
    assert locked is True
    assert first < 1.0, f"a silent Redis held the call {first:.2f}s"
    for _ in range(20):
        _, elapsed = _timed(lambda: cache.get("allauth:rl:x"))
        assert elapsed < 0.05  # during the outage no call waits on Redis again
    assert cache.delete("allauth:rl:x:lock") is True  # the lock was the process's own

    own_redis.thaw()  # Redis now runs the SET NX it had been sent: a lock nobody will release
    wait_for(lambda: not cache._outage.since, timeout=5, what="the cache to use Redis again")
    assert own_redis.client().exists(":1:allauth:rl:x:lock") == 0  # deleted before Redis was used again
    assert cache.add("allauth:rl:x:lock", True, 10) is True


def test_ops5_sign_in_limit_holds_per_process_while_redis_is_down(
    client, account, resilient_cache, own_redis, settings
):
    from licensing_portal.settings import base

    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    user = account(for_gunicorn=False)
    own_redis.kill()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": user.email, "password": "wrong-password-1"})
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert TOO_MANY in response.content.decode()  # never no limit
    assert "_auth_user_id" not in client.session
