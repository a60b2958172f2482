"""Real stand-ins for what webhooks reach outside the process (API-4): an HTTP receiver thread on 127.0.0.1 and a
DNS server (dnslib) that every webhook test resolves through, so no test ever asks the machine's resolver."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers `status` (and `location` for a redirect); records every request."""

    status: int = 200
    location: str = ""
    hits: list[Hit] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/portal"


def _start(receiver: Receiver) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server hook name
            length = int(self.headers.get("Content-Length") or 0)
            receiver.hits.append(Hit(self.path, dict(self.headers.items()), self.rfile.read(length)))
            self.send_response(receiver.status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    made = []

    def make(status: int = 200, location: str = "") -> Receiver:
        r = Receiver(status=status, location=location)
        _start(r)
        made.append(r)
        return r

    yield make
    for r in made:
        r.server.shutdown()
        r.server.server_close()


# --- DNS ------------------------------------------------------------------------------------------------------


class Zone:
    """name -> list of addresses; anything else NXDOMAIN. `localhost` is loopback, as /etc/hosts says."""

    def __init__(self):
        self.records: dict[str, list[str]] = {}

    def reset(self):
        self.records = {"localhost": ["127.0.0.1", "::1"]}


@pytest.fixture(scope="session")
def dns_zone():
    from dnslib import AAAA, QTYPE, RCODE, RR, A
    from dnslib.server import BaseResolver, DNSServer

    zone = Zone()
    zone.reset()

    class Resolver(BaseResolver):
        def resolve(self, request, handler):
            reply = request.reply()
            name = str(request.q.qname).rstrip(".").lower()
            addresses = zone.records.get(name)
            if addresses is None:
                reply.header.rcode = RCODE.NXDOMAIN
                return reply
            for address in addresses:
                if ":" in address and request.q.qtype == QTYPE.AAAA:
                    reply.add_answer(RR(request.q.qname, QTYPE.AAAA, rdata=AAAA(address), ttl=0))
                elif ":" not in address and request.q.qtype == QTYPE.A:
                    reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(address), ttl=0))
            return reply

    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = DNSServer(Resolver(), port=port, address="127.0.0.1")
    server.start_thread()
    zone.nameserver = f"127.0.0.1:{port}"
    yield zone
    server.stop()


@pytest.fixture(autouse=True)
def _own_dns(settings, dns_zone):
    host, _sep, port = dns_zone.nameserver.rpartition(":")
    settings.DNS_NAMESERVERS, settings.DNS_PORT, settings.DNS_TIMEOUT = [host], int(port), 2.0
    dns_zone.reset()
    yield dns_zone


# --- the portal side ------------------------------------------------------------------------------------------


@pytest.fixture
def contoso_lid(tenant):
    from tests.factories import LicensingIDFactory

    return LicensingIDFactory(organization=tenant)


@pytest.fixture
def contoso_admin(contoso_lid):
    from permissions.models import Role
    from tests.factories import UserFactory, grant

    return grant(UserFactory(email="admin@contoso.example"), contoso_lid, Role.ADMINISTRATOR)


@pytest.fixture
def fabrikam_admin(other_tenant):
    from permissions.models import Role
    from tests.factories import LicensingIDFactory, UserFactory, grant

    lid = LicensingIDFactory(organization=other_tenant)
    return grant(UserFactory(email="admin@fabrikam.example"), lid, Role.ADMINISTRATOR)


SECRET = re.compile(r'<code id="webhook-secret">(whsec_[A-Za-z0-9_-]+)</code>')


def register(client, user, organization, url: str, events=("grant",)):
    """Through the page, as an administrator does: returns (endpoint, secret shown once)."""
    from django.urls import reverse

    from licensing_portal.webhooks.models import WebhookEndpoint

    client.force_login(user)
    page = client.post(
        reverse("webhooks:create"),
        {"organization": organization.pk, "url": url, "description": "ERP", "events": list(events)},
    )
    assert page.status_code == 302, page.content.decode()[:2000]  # POST/redirect/GET: the next GET shows it
    endpoint = WebhookEndpoint.objects.filter(organization=organization).latest("pk")
    assert page["Location"] == endpoint.get_absolute_url()
    secret = SECRET.search(client.get(page["Location"]).content.decode())[1]
    return endpoint, secret
