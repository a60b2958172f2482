"""Real services for integration tests: Redis (broker), a Celery worker process and an SMTP sink.

The worker is a separate process: tests that use it are `django_db(transaction=True)` so it sees committed
rows in pytest-django's test database. One worker and one sink are shared per test module (`worker`, `smtp`);
`WorkerProcess` starts extra ones (e.g. with a short visibility timeout) and always stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
BROKER_DB = 5
BROKER_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{BROKER_DB}"
QUEUE = f"it-{uuid.uuid4().hex[:10]}"  # this test run's own queue: other runs may share the Redis db


def free_port() -> int:
    """aiosmtpd's Controller cannot take port=0 (its self-check connects to port 0), so pick one first."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_available() -> bool:
    with contextlib.suppress(OSError), socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5):
        return True
    return False


def redis_flush_queue() -> None:
    """Drop this run's queue (and its priority sub-queues), nothing else."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=BROKER_DB)
    for key in client.scan_iter(match=f"{QUEUE}*"):
        client.delete(key)


def wait_for(predicate, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# --- SMTP sink --------------------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""


@dataclass
class SinkHandler:
    """mode: "accept" (250), "tempfail" (451 on DATA), "block" (hold DATA until `release` is set, then accept
    only if the client is still connected: an SMTP server has not taken a message it never acknowledged)."""

    mode: str = "accept"
    messages: list[Received] = field(default_factory=list)
    attempts: list[float] = field(default_factory=list)
    data_arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.attempts.append(time.monotonic())
        if self.mode == "tempfail":
            return "451 4.3.0 Try again later"
        if self.mode == "block":
            self.data_arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)  # cancelled by aiosmtpd when the client's connection drops
            if server.transport is None or server.transport.is_closing():
                return "451 4.4.2 Client went away"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def with_message_id(self, message_id: str) -> list[Received]:
        return [m for m in self.messages if "".join(str(m.message["Message-ID"]).split()) == message_id]

    def reset(self, mode: str = "accept") -> None:
        self.mode = mode
        self.messages.clear()
        self.attempts.clear()
        self.data_arrived.clear()
        self.release.clear()


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        handler.release.set()
        controller.stop()


@pytest.fixture
def sink(smtp):
    """The module's SMTP sink, emptied and accepting."""
    smtp.reset()
    yield smtp
    smtp.release.set()


# --- Celery worker process ----------------------------------------------------------------------------------


class WorkerProcess:
    """A real `celery worker` (solo pool) on Redis db 5, against the test database and the SMTP sink."""

    def __init__(self, *, db_name: str, smtp_port: int, log_dir: Path, **env_overrides: str) -> None:
        self.name = f"reliab-{uuid.uuid4().hex[:8]}"
        self.log_path = log_dir / f"{self.name}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "licensing_portal.settings.test",
            "DATABASE_URL": f"postgres:///{db_name}",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_BROKER_URL": BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "5",
            "PYTHONPATH": str(ROOT),
            **env_overrides,
        }
        self.proc: subprocess.Popen | None = None

    def start(self, *, timeout: float = 30) -> WorkerProcess:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "licensing_portal",
                    "worker",
                    "--pool=solo",
                    "-l",
                    "info",
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                    "-n",
                    f"{self.name}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for(
                lambda: self.proc.poll() is not None or " ready." in self.log(),
                timeout=timeout,
                what=f"worker {self.name} to be ready",
            )
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
        except BaseException:
            self.stop()
            raise
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill9(self) -> None:
        """The crash case: no warm shutdown, no acknowledgement, sockets closed by the kernel."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def worker_factory(django_db_setup, django_db_blocker, smtp, tmp_path_factory):
    """Start workers with extra environment; every one started is stopped at the end of the module."""
    if not redis_available():
        pytest.fail("integration tests need Redis on 127.0.0.1:6379 (.ci/run starts it)")
    from django.db import connection

    db_name = connection.settings_dict["NAME"]
    log_dir = tmp_path_factory.mktemp("workers")
    started: list[WorkerProcess] = []

    def start(**env: str) -> WorkerProcess:
        worker = WorkerProcess(db_name=db_name, smtp_port=smtp.port, log_dir=log_dir, **env)
        started.append(worker)
        return worker.start()

    redis_flush_queue()
    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        redis_flush_queue()


@pytest.fixture(scope="module")
def worker(worker_factory):
    """One shared worker per module, with fast retries so the SMTP-failure path runs in seconds."""
    return worker_factory(EMAIL_RETRY_BACKOFF="1", EMAIL_RETRY_BACKOFF_MAX="1")


# --- the test process's side of Celery ---------------------------------------------------------------------


def _reset_connections(app) -> None:
    from kombu import pools

    pools.reset()  # closes and forgets every pooled broker connection of this process
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


@contextlib.contextmanager
def publishing_to(broker_url: str):
    """Make this process publish for real (not eagerly) to `broker_url`; restores the test defaults."""
    from licensing_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue
    saved_env = os.environ.pop("CELERY_BROKER_URL", None)  # Celery lets this variable override conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = broker_url
    app.conf.task_default_queue = QUEUE
    _reset_connections(app)
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue = saved
        if saved_env is not None:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _reset_connections(app)


@pytest.fixture
def real_broker():
    with publishing_to(BROKER_URL) as app:
        yield app


@pytest.fixture
def dead_broker():
    """A broker address where nothing listens: publishing fails at once."""
    with publishing_to(f"redis://127.0.0.1:{free_port()}/{BROKER_DB}") as app:
        yield app


@pytest.fixture
def silent_broker():
    """A broker that accepts TCP connections and never answers (a hung Redis, a dropped route)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever():
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    try:
        with publishing_to(f"redis://127.0.0.1:{server.getsockname()[1]}/{BROKER_DB}") as app:
            yield app
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        server.close()
