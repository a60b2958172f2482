"""OPEN-5: the counter lives in PostgreSQL, so two processes see the same attempts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from partners import services
from partners.models import OpenLicenseAttempt
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from licensing_portal.core.models import User
from partners import services
user = User.objects.get(pk={pk})
for _ in range({n}):
    services.open_license_failure_record(user=user, remote_addr="203.0.113.5", license_number="V1")
print("SUSPENDED" if services.open_license_suspension_active(user=user, remote_addr=None) else "OPEN")
"""


def _other_process(pk: int, n: int) -> str:
    settings = connection.settings_dict
    if settings["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs a database two processes can share")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres:///{settings['NAME']}",
        "DJANGO_SETTINGS_MODULE": "licensing_portal.settings.test",
    }
    out = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "shell", "-c", SCRIPT.format(pk=pk, n=n)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.django_db(transaction=True)
def test_lockout_holds_across_two_processes():  # OPEN-5
    user = UserFactory()
    assert _other_process(user.pk, 3) == "OPEN"
    assert OpenLicenseAttempt.objects.filter(user=user).count() == 3
    assert not services.open_license_failure_record(user=user, remote_addr="198.51.100.1", license_number="V1")
    assert services.open_license_failure_record(user=user, remote_addr="198.51.100.1", license_number="V1")
    # the other process sees the suspension this one created
    assert _other_process(user.pk, 0) == "SUSPENDED"
    # and a fresh user from the address the other process used (3 failures there) is not yet suspended
    assert not services.open_license_suspension_active(user=UserFactory(), remote_addr="203.0.113.5")
