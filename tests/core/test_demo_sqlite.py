"""The README's one command runs the portal on SQLite (scripts/demo): the schema and the demo world must hold
there too, not only on PostgreSQL (a PostgreSQL-only field or a raw query's types once broke it)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_migrates_and_seeds_on_sqlite(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "licensing_portal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    for command in (["migrate", "-v0"], ["seed_demo"]):
        done = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *command], cwd=ROOT, env=environment, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
    assert "demo-pass-2026" in done.stdout
