"""SEC-5: the OPEN-5 limit is checked and counted in one step, before the slow hash. A burst of concurrent wrong
pairs (Add Open License and RES-4 registrations alike) counts each checked attempt once, checks none beyond the
limit, creates one suspension per user and per address, and a right pair sent in the same burst after the limit
is refused. Real requests on PostgreSQL, released together by a barrier, each thread on its own connection."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, connections
from django.test import Client

from agreements.services import authorization_number_hash
from licensing_portal.core.models import AuditEvent
from notifications.models import OutgoingEmail
from partners.models import OpenLicenseAccess, OpenLicenseAttempt, OpenLicenseSuspension
from partners.services import ATTEMPT_LIMIT
from permissions.models import Grant
from tests.factories import OpenLicenseFactory, PartnerAdminFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ADD = "/partners/open-license/add/"
REGISTER = "/partners/open-license/register/"
ADDR = "203.0.113.50"
AUTH = "AUTH5500001"
CUSTOMER = "owner@contoso.example"
LOCKOUT = "This functionality has been temporarily suspended."
MISMATCH = "do not match"
WRONG = 10  # > ATTEMPT_LIMIT; each thread holds a connection, so the burst stays small


class SlowHasher(PBKDF2PasswordHasher):
    """Production's PBKDF2 with a tenth of its iterations: slow enough to open the window SEC-5 closes (the time
    spent hashing), quick enough for a shared CI machine."""

    iterations = PBKDF2PasswordHasher.iterations // 10


@pytest.fixture
def slow_hash(settings):
    """The tests' MD5 answers at once; the real window between check and count is the slow hash."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions and row locks")
    settings.PASSWORD_HASHERS = [f"{__name__}.SlowHasher"]
    assert authorization_number_hash(AUTH).startswith("pbkdf2_sha256$")


@pytest.fixture
def licence(slow_hash):
    return OpenLicenseFactory(authorization_number=AUTH, customer_email=CUSTOMER)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)  # in this thread: the burst threads only send requests
    return client


def _send(barrier, client, url, data):
    try:
        if barrier is not None:
            barrier.wait(timeout=60)
        return client.post(url, data, REMOTE_ADDR=ADDR)
    finally:
        connections.close_all()  # a thread's connection would block the flush at the end of the test


def _burst_then_right_pair(requests, right, *, user):
    """Release `requests` together; once the limit's worth of attempts is counted (the wrong pairs are then still
    being checked or answered), send the right pair. Returns (responses of the burst, response to the right pair)."""
    barrier = threading.Barrier(len(requests))
    with ThreadPoolExecutor(max_workers=len(requests) + 1) as pool:
        burst = [pool.submit(_send, barrier, *request) for request in requests]
        deadline = time.monotonic() + 120
        while OpenLicenseAttempt.objects.filter(user=user).count() < ATTEMPT_LIMIT:
            assert not all(f.done() for f in burst) and time.monotonic() < deadline, "the burst counted too few"
            time.sleep(0.005)
        right_response = pool.submit(_send, None, *right).result(timeout=120)
        done, _pending = wait(burst, timeout=120)
    assert len(done) == len(requests)
    return [f.result() for f in burst], right_response


def _assert_counted_once_and_suspended_once(user, responses, right_response):
    assert right_response.status_code == 400
    assert LOCKOUT in right_response.content.decode()
    for response in responses:
        body = response.content.decode()
        assert response.status_code == 400 and (LOCKOUT in body or MISMATCH in body)
    # exactly the limit was checked and counted; every other attempt was refused unchecked, and audited so
    assert OpenLicenseAttempt.objects.filter(user=user).count() == ATTEMPT_LIMIT
    assert OpenLicenseAttempt.objects.filter(remote_addr=ADDR).count() == ATTEMPT_LIMIT
    assert AuditEvent.objects.filter(verb="open_license.invalid_pair", actor=user).count() == ATTEMPT_LIMIT
    refused = AuditEvent.objects.filter(verb="open_license.refused_suspended", actor=user).count()
    assert refused == len(responses) + 1 - ATTEMPT_LIMIT
    # one suspension for the user and one for the address, one notice
    suspensions = OpenLicenseSuspension.objects.all()
    assert sorted(s.scope for s in suspensions) == ["address", "user"]
    assert all(s.is_active for s in suspensions)
    assert OutgoingEmail.objects.filter(template="partners/emails/lockout_notice").count() == 1
    # and nothing was granted
    assert not Grant.objects.filter(email=user.business_email).exists()
    assert not OpenLicenseAccess.objects.exists()


def test_sec5_burst_of_wrong_pairs_counts_the_limit_once_and_refuses_the_right_pair_after_it(licence):  # SEC-5
    user = UserFactory()
    base = {"license_number": licence.license_number, "acknowledge": "on"}
    wrong = [(_client(user), ADD, {**base, "authorization_number": f"BAD{n:08}"}) for n in range(WRONG)]
    right = (_client(user), ADD, {**base, "authorization_number": AUTH})

    responses, right_response = _burst_then_right_pair(wrong, right, user=user)

    _assert_counted_once_and_suspended_once(user, responses, right_response)


def test_sec5_res4_registrations_count_towards_the_same_limit_under_concurrency(licence):  # SEC-5 RES-4 OPEN-5
    user = PartnerAdminFactory().user  # a partner user, who can both register (RES-4) and add an Open License
    base = {"license_number": licence.license_number, "acknowledge": "on"}
    wrong = []
    for n in range(WRONG):
        if n % 3 == 0:
            wrong.append((_client(user), ADD, {**base, "authorization_number": f"BAD{n:08}"}))
        elif n % 3 == 1:
            data = {**base, "authorization_number": f"BAD{n:08}", "customer_email": CUSTOMER, "route": "selector"}
            wrong.append((_client(user), REGISTER, data))
        else:  # the right pair with another customer email is wrong too
            data = {**base, "authorization_number": AUTH, "customer_email": "x@elsewhere.example", "route": "selector"}
            wrong.append((_client(user), REGISTER, data))
    right = (
        _client(user),
        REGISTER,
        {**base, "authorization_number": AUTH, "customer_email": CUSTOMER, "route": "selector"},
    )

    responses, right_response = _burst_then_right_pair(wrong, right, user=user)

    _assert_counted_once_and_suspended_once(user, responses, right_response)
