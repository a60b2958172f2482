"""SEC-11: the client address behind every limit (OPEN-5's per-address suspension, allauth's per-address login
limit) comes from one parser, allauth's, configured by the number of trusted proxies or the header a trusted
proxy sets. Without a trusted proxy X-Forwarded-For changes nothing; behind one, clients are told apart."""

import importlib.util

import pytest
from django.test import Client, RequestFactory

from licensing_portal.core.adapters import client_ip
from licensing_portal.settings import base
from partners.models import OpenLicenseAttempt, OpenLicenseSuspension
from partners.services import ATTEMPT_LIMIT
from permissions.models import Grant
from tests.factories import OpenLicenseFactory, UserFactory
from tests.security.conftest import signed_in

pytestmark = pytest.mark.django_db

ADD = "/partners/open-license/add/"
AUTH = "AUTH1100001"
PROXY = "10.0.0.2"
SUSPENDED = "This functionality has been temporarily suspended."


@pytest.fixture
def one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def _request(remote_addr, **headers):
    return RequestFactory().post("/", REMOTE_ADDR=remote_addr, headers=headers)


def _wrong_pair(client, licence, **extra):
    data = {"license_number": licence.license_number, "authorization_number": "WRONG000", "acknowledge": "on"}
    return client.post(ADD, data, **extra)


def test_sec11_settings_come_from_the_environment(monkeypatch):  # SEC-11
    def load():
        spec = importlib.util.spec_from_file_location("settings_probe", base.__file__)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    monkeypatch.delenv("TRUSTED_PROXY_COUNT", raising=False)
    monkeypatch.delenv("TRUSTED_CLIENT_IP_HEADER", raising=False)
    default = load()
    assert default.ALLAUTH_TRUSTED_PROXY_COUNT == 0 and default.ALLAUTH_TRUSTED_CLIENT_IP_HEADER is None
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    monkeypatch.setenv("TRUSTED_CLIENT_IP_HEADER", "X-Real-IP")
    configured = load()
    assert configured.ALLAUTH_TRUSTED_PROXY_COUNT == 1
    assert configured.ALLAUTH_TRUSTED_CLIENT_IP_HEADER == "X-Real-IP"


def test_sec11_without_a_trusted_proxy_a_forwarded_for_is_ignored(settings):  # SEC-11
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    request = _request("198.51.100.7", **{"X-Forwarded-For": "203.0.113.1", "X-Real-IP": "203.0.113.2"})
    assert client_ip(request) == "198.51.100.7"


def test_sec11_behind_one_trusted_proxy_the_rightmost_forwarded_address_is_the_client(one_proxy):  # SEC-11
    # the client sent its own X-Forwarded-For; our proxy appended the address it saw
    request = _request(PROXY, **{"X-Forwarded-For": "6.6.6.6, 203.0.113.7"})
    assert client_ip(request) == "203.0.113.7"
    assert client_ip(_request(PROXY)) == PROXY  # reached without the proxy: its own address


def test_sec11_a_trusted_proxy_header_names_the_client(settings):  # SEC-11
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    request = _request(PROXY, **{"X-Real-IP": "203.0.113.8", "X-Forwarded-For": "6.6.6.6"})
    assert client_ip(request) == "203.0.113.8"


def test_sec11_ipv6_clients_count_per_64_network_as_in_allauth():  # SEC-11
    assert client_ip(_request("2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::"


def test_sec11_a_spoofed_forwarded_for_does_not_escape_the_address_limit(client):  # SEC-11 OPEN-5
    licence = OpenLicenseFactory(authorization_number=AUTH)
    for n in range(ATTEMPT_LIMIT):  # five users, one address, a new X-Forwarded-For each time
        client.force_login(UserFactory())
        _wrong_pair(client, licence, REMOTE_ADDR="198.51.100.7", headers={"X-Forwarded-For": f"203.0.113.{n}"})
    suspension = OpenLicenseSuspension.objects.get(scope=OpenLicenseSuspension.Scope.ADDRESS)
    assert suspension.remote_addr == "198.51.100.7"
    assert set(OpenLicenseAttempt.objects.values_list("remote_addr", flat=True)) == {"198.51.100.7"}


def test_sec11_behind_a_proxy_one_clients_failures_do_not_suspend_another(one_proxy):  # SEC-11 OPEN-5
    licence = OpenLicenseFactory(authorization_number=AUTH)
    attacker, customer = Client(), Client()
    attacker.force_login(UserFactory())
    for _ in range(ATTEMPT_LIMIT):
        response = _wrong_pair(attacker, licence, REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": "203.0.113.7"})
    assert SUSPENDED in response.content.decode()
    assert OpenLicenseSuspension.objects.get(scope=OpenLicenseSuspension.Scope.ADDRESS).remote_addr == "203.0.113.7"

    user = UserFactory()
    customer.force_login(user)
    page = customer.get(ADD, REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": "198.51.100.9"})
    assert SUSPENDED not in page.content.decode()
    data = {"license_number": licence.license_number, "authorization_number": AUTH, "acknowledge": "on"}
    response = customer.post(ADD, data, REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": "198.51.100.9"})
    assert response.status_code == 302
    assert Grant.objects.filter(email=user.business_email, licensing_id=licence.licensing_id).exists()


def _login(client, email, password, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def test_sec11_behind_a_proxy_failed_logins_elsewhere_do_not_block_a_portal_login(  # SEC-11 ACC-1
    account, rate_limits, one_proxy
):
    attacker = Client()
    for n in range(5):  # five failures on five accounts: the per-address limit of the attacker's address
        _login(
            attacker,
            f"victim{n}@example.com",
            "wrong-password-1",
            REMOTE_ADDR=PROXY,
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    blocked = _login(
        attacker,
        "victim9@example.com",
        "wrong-password-1",
        REMOTE_ADDR=PROXY,
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert "Too many failed login attempts" in blocked.content.decode()

    user, customer = account(), Client()
    response = _login(
        customer, user.email, "correct-horse-battery", REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": "198.51.100.9"}
    )
    assert response.status_code == 302
    assert signed_in(customer)


def test_sec11_without_a_trusted_proxy_a_spoofed_forwarded_for_does_not_reset_the_login_limit(  # SEC-11 ACC-1
    rate_limits,
):
    attacker = Client()
    for n in range(5):
        _login(
            attacker,
            f"victim{n}@example.com",
            "wrong-password-1",
            REMOTE_ADDR="198.51.100.7",
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
    blocked = _login(
        attacker,
        "victim9@example.com",
        "wrong-password-1",
        REMOTE_ADDR="198.51.100.7",
        headers={"X-Forwarded-For": "203.0.113.99"},
    )
    assert "Too many failed login attempts" in blocked.content.decode()
