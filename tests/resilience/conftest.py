"""Fault injection for OPS-5: the portal under production settings (two gunicorn workers) against its OWN
stand-ins, never the shared services: a redis-server started here (killed, frozen with SIGSTOP, restarted) and a
TCP proxy in front of the test database (cut and restored: a PostgreSQL outage as the app sees it).

Every stand-in is module-scoped and self-cleaning; `healthy` puts them back before each test.
"""

from __future__ import annotations

import contextlib
import getpass
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration.conftest import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"
TOO_MANY = "Too many failed login attempts"


# --- Redis ---------------------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free port: kill, freeze (SIGSTOP: accepts connections, never answers),
    thaw, restart on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [*argv, "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.frozen = False
        wait_for(self.answers, timeout=10, what="redis-server to start")
        return self

    def answers(self) -> bool:
        import redis

        with contextlib.suppress(redis.RedisError):
            return redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
        return False

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=2)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            if self.frozen:
                self.thaw()
            self.proc.kill()
            self.proc.wait(timeout=10)

    def freeze(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)
        self.frozen = False

    def heal(self) -> None:
        if self.frozen:
            self.thaw()
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.client().flushall()


# --- PostgreSQL ----------------------------------------------------------------------------------------------


@dataclass
class PgProxy:
    """A TCP proxy the portal reaches the test database through. `cut()` drops every open connection and
    refuses new ones (what the app sees when PostgreSQL goes away); `restore()` lets connections through again."""

    upstream: tuple  # (AF_UNIX, path) or (AF_INET, (host, port))
    port: int = field(default_factory=free_port)
    down: bool = False
    _pairs: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> PgProxy:
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept_forever, daemon=True)
        self._thread.start()
        return self

    def _accept_forever(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                continue
            if self.down:
                client.close()
                continue
            family, address = self.upstream
            upstream = socket.socket(family, socket.SOCK_STREAM)
            try:
                upstream.connect(address)
            except OSError:
                client.close()
                upstream.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.down = True
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def restore(self) -> None:
        self.down = False

    def stop(self) -> None:
        self.cut()
        self._stop.set()
        self._thread.join(timeout=2)
        self._server.close()


def pg_upstream(settings_dict) -> tuple:
    host, port = settings_dict.get("HOST") or "", int(settings_dict.get("PORT") or 5432)
    if not host or host.startswith("/"):
        return socket.AF_UNIX, f"{host or '/var/run/postgresql'}/.s.PGSQL.{port}"
    return socket.AF_INET, (host, port)


# --- the portal: gunicorn, production settings ----------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict
    body: str
    elapsed: float
    cookies: dict

    @property
    def signed_in(self) -> bool:
        return self.status == 302 and "sessionid" in self.cookies

    @property
    def too_many(self) -> bool:
        return TOO_MANY in self.body


class Portal:
    """`gunicorn licensing_portal.wsgi` with two sync workers and production settings, on the stand-ins."""

    def __init__(self, *, database_url: str, redis_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "REDIS_"))},
            "DJANGO_SETTINGS_MODULE": "licensing_portal.settings.production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "False",
            "SECURE_HSTS_SECONDS": "0",
            "EMAIL_URL": "consolemail://",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> Portal:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
                [str(gunicorn), "licensing_portal.wsgi:application", "--workers", "2", "--timeout", "60"]
                + ["--bind", f"127.0.0.1:{self.port}", "--log-level", "info"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for(
                lambda: self.proc.poll() is not None or len(re.findall("Booting worker", self.log())) >= 2,
                timeout=30,
                what="two gunicorn workers",
            )
            assert self.proc.poll() is None, self.log()[-3000:]
            wait_for(lambda: self._get_ok("/accounts/login/"), timeout=30, what="the login page")
        except BaseException:
            self.stop()
            raise
        return self

    def _get_ok(self, path: str) -> bool:
        with contextlib.suppress(OSError):
            return self.request("GET", path, timeout=5).status == 200
        return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def request(self, method: str, path: str, *, data=None, cookies=None, timeout: float = 20) -> Reply:
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret, as cookie and header
        jar = {"csrftoken": csrf, **(cookies or {})}
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "X-CSRFToken": csrf,
        }
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            conn.close()
        elapsed = time.monotonic() - started
        set_cookies = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                set_cookies[key.strip()] = rest.split(";", 1)[0]
        return Reply(response.status, dict(response.getheaders()), text, elapsed, set_cookies)

    def login(self, email: str, password: str = PASSWORD, **kwargs) -> Reply:
        return self.request("POST", "/accounts/login/", data={"login": email, "password": password}, **kwargs)

    def errors_logged(self) -> int:
        return self.log().count("Internal Server Error:")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="module")
def pg_proxy(django_db_setup, django_db_blocker):
    from django.db import connection

    proxy = PgProxy(upstream=pg_upstream(connection.settings_dict)).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="module")
def portal(redis_server, pg_proxy, tmp_path_factory):
    from django.db import connection

    s = connection.settings_dict
    user = urllib.parse.quote(s.get("USER") or getpass.getuser())
    password = f":{urllib.parse.quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    database_url = f"postgres://{user}{password}@127.0.0.1:{pg_proxy.port}/{s['NAME']}?conn_max_age=60"
    portal = Portal(
        database_url=database_url,
        redis_url=redis_server.url,
        log_path=tmp_path_factory.mktemp("portal") / "gunicorn.log",
    ).start()
    try:
        yield portal
    finally:
        portal.stop()


@pytest.fixture
def healthy(portal, redis_server, pg_proxy):
    """Every stand-in up and empty before the test, and again after it (the next test must not inherit an
    outage)."""
    pg_proxy.restore()
    redis_server.heal()
    yield portal
    pg_proxy.restore()
    redis_server.heal()


@pytest.fixture
def account(transactional_db):
    """A committed account (the portal's workers read it through their own connections), its sign-in email
    verified. A cheap PBKDF2 hash: production settings check it (the tests' MD5 hasher is not theirs)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from tests.factories import UserFactory

    def make(*, for_gunicorn: bool = True):
        user = UserFactory(email=f"res-{secrets.token_hex(4)}@example.com")
        if for_gunicorn:
            hasher = PBKDF2PasswordHasher()
            user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        return user

    return make
