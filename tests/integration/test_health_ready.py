"""OPS-1 under the production shape: gunicorn (gunicorn.conf.py) with the production settings, PostgreSQL and a
Redis this test starts on its own port (never the shared one), stopped and started again under a running
gunicorn. Plain HTTP to 127.0.0.1, as the compose healthcheck asks: no HTTPS redirect, no DisallowedHost."""

import json
import os
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, free_port, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),  # gunicorn reads the test database: nothing may stay uncommitted
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed"),
]


class OwnRedis:
    """redis-server on a free port with its own directory and an append-only file, like the compose service:
    what was written before a stop is there again after the restart."""

    def __init__(self, directory: Path) -> None:
        self.dir, self.port, self.proc = directory, free_port(), None

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir)]
            + ["--appendonly", "yes", "--save", "", "--logfile", str(self.dir / "redis.log")],
            start_new_session=True,
        )
        wait_for(self.ping, timeout=10, what="redis-server to answer")

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: Redis flushes the append-only file and exits
            self.proc.wait(timeout=10)


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a fixed local http URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def redis_server(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_ops1_ready_follows_redis_under_gunicorn(redis_server, tmp_path):
    from django.db import connection

    port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_server.port}/0"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "licensing_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "ALLOWED_HOSTS": "portal.example.com",  # 127.0.0.1 is added by the production settings for probes
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    # Beat's sweep, run as beat would have it run: a process with the production settings.
    sweep = subprocess.run(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from notifications.tasks import email_sweep_task as t; t()",
        ],
        cwd=ROOT,
        env={**env, "CELERY_TASK_ALWAYS_EAGER": "true"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert sweep.returncode == 0, sweep.stderr

    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        gunicorn = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/health/ready?format=json"
    try:

        def answers():
            try:
                return _get(url)
            except OSError:
                return None

        status, body = wait_for(answers, timeout=30, what="gunicorn to answer")
        assert status == 200, body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=5) as live:  # noqa: S310
            assert live.status == 200

        redis_server.stop()
        status, body = _get(url)
        assert status == 503
        failing = {name.split("(")[0] for name, value in body.items() if value != "OK"}
        assert {"SharedCache", "Broker"} <= failing  # the cache falls back to local memory (OPS-5): not ready
        assert "Database" not in failing

        redis_server.start()
        status, body = wait_for(lambda: (r := _get(url))[0] == 200 and r, timeout=10, what="ready again")
        assert status == 200, body
        assert gunicorn.poll() is None
        assert "request_id=" in log.read_text()  # gunicorn.conf.py's access log format
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=15)
