"""A real DNS server (dnslib, UDP + TCP on a free local port) for domain verification (IDN-2); tests publish and
withdraw TXT records in it and point the portal's resolver (DNS_NAMESERVERS/DNS_PORT) at it."""

import socket
import threading

import pytest
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSServer

from tests.browser import shot  # noqa: F401 - fixture


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
    settings.DNS_NAMESERVERS = ["127.0.0.1"]
    settings.DNS_PORT = port
    settings.DNS_TIMEOUT = 2.0
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


# --- IDN-1: a real OpenID Connect provider in a second Django process (allauth.idp.oidc) ------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


class IdentityProvider:
    def __init__(self, url: str, env: dict) -> None:
        self.url = url
        self.env = env

    def seed(self, *, client_id: str, secret: str, redirect_uri: str, users: list[dict]) -> None:
        import json
        import subprocess
        import sys

        spec = {"client": {"id": client_id, "secret": secret, "redirect_uri": redirect_uri}, "users": users}
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tests.identity.idp.seed", json.dumps(spec)],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=60,
        )


@pytest.fixture(scope="session")
def oidc_idp(tmp_path_factory):
    """allauth's OpenID Connect provider on 127.0.0.1:<free port>, migrated from scratch, RSA key made now."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = tmp_path_factory.mktemp("idp")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.identity.idp.settings",
        "IDP_DB": str(folder / "idp.sqlite3"),
        "IDP_PRIVATE_KEY_FILE": str(folder / "key.pem"),
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "django", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    log = open(folder / "idp.log", "wb")  # noqa: SIM115 - open for the life of the process
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((folder / "idp.log").read_text())
        time.sleep(0.3)
    yield IdentityProvider(url, env)
    process.terminate()
    process.wait(timeout=10)
    log.close()
