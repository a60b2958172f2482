import socket
import time
import uuid

import pytest
import time_machine

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"
REDIS_CACHE_URL = "redis://127.0.0.1:6379/6"


@pytest.fixture
def account(db):
    """Make a portal account whose sign-in email is verified (allauth's EmailAddress), as signup leaves it."""
    from allauth.account.models import EmailAddress

    def make(email: str = "alice@example.com", **fields):
        user = UserFactory(email=email, **fields)
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        return user

    return make


@pytest.fixture
def shared_cache(settings):
    """Django's cache on Redis (db 6), as in production: rate limits must hold across processes. The clock starts
    at the top of the next hour and runs on, so no fixed window (a minute, an hour) ends in the middle of a test."""
    import redis

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.fail("this test needs Redis on 127.0.0.1:6379 (.ci/run starts it)")
    prefix = f"t{uuid.uuid4().hex[:10]}"  # our own keys only: other test runs may share this Redis
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": prefix,
        },
        "fragments": settings.CACHES["fragments"],
        "static_fragments": settings.CACHES["static_fragments"],
    }
    with time_machine.travel(time.time() // 3600 * 3600 + 3600, tick=True):
        yield
    client = redis.Redis(host="127.0.0.1", port=6379, db=6)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def rate_limits(settings, shared_cache):
    """The production allauth rate limits (test settings switch them off)."""
    from licensing_portal.settings import base

    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    return base.ACCOUNT_RATE_LIMITS


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One access-matrix world (tests/access_matrix.py) per module: it takes ~0.5 s to build. Each test runs in
    its own savepoint on top of it (pytest-django's `db`), so a test's writes never reach the next test."""
    from django.db import transaction

    from tests.access_matrix import build_world

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(db, shared_world):
    return shared_world
