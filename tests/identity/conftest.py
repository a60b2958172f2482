"""A real DNS server (dnslib, UDP + TCP on a free local port) for domain verification (IDN-2); tests publish and
withdraw TXT records in it and point the portal's resolver (IDENTITY_DNS_NAMESERVERS/_PORT) at it."""

import socket
import threading

import pytest
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSServer


class ZoneResolver(BaseResolver):
    def __init__(self) -> None:
        self.txt: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    def resolve(self, request, handler):
        reply = request.reply()
        qname = str(request.q.qname).rstrip(".").lower()
        with self.lock:
            values = list(self.txt.get(qname, []))
        if not values:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype in (QTYPE.TXT, QTYPE.ANY):
            for value in values:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        return reply

    def publish(self, name: str, value: str) -> None:
        with self.lock:
            self.txt.setdefault(name.rstrip(".").lower(), []).append(value)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dns_zone(settings):
    """Start a DNS server for the test and point the portal's resolver at it."""
    resolver = ZoneResolver()
    port = _free_port()
    udp = DNSServer(resolver, port=port, address="127.0.0.1", logger=_Quiet())
    udp.start_thread()
    settings.IDENTITY_DNS_NAMESERVERS = ["127.0.0.1"]
    settings.IDENTITY_DNS_PORT = port
    settings.IDENTITY_DNS_TIMEOUT = 2.0
    yield resolver
    udp.stop()


class _Quiet:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None


@pytest.fixture
def org_admin(db, tenant):
    """An administrator of a licensing ID of `tenant` (so an administrator of the organisation)."""
    from permissions.models import Role
    from tests.factories import LicensingIDFactory, UserFactory, grant

    user = UserFactory(email="admin@contoso.example")
    grant(user, LicensingIDFactory(organization=tenant), Role.ADMINISTRATOR)
    return user
