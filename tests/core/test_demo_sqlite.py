"""The README's one command runs the portal on SQLite (scripts/demo): the schema and the demo world must hold
there too, not only on PostgreSQL (a PostgreSQL-only field or a raw query's types once broke it), and every page
a demo login reaches must render there (My Permissions and Manage Users once ran PostgreSQL-only SQL: a 500)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run inside `manage.py shell -c` on the seeded demo database: signs in as each printed login with the printed
# password and GETs the main pages that login reaches, printing "FAIL <status> <email> <url>" for each that is not
# a 200 and "CHECKED <count> <manage users pages>" at the end. The pages are derived from what the login holds, as
# the navigation does, so a new demo login or licensing ID is covered without editing this list.
_VISIT_PAGES = r"""
import os
from django.test import Client
from django.urls import reverse
from agreements.models import LicensingID
from licensing_portal.core.models import User
from partners import selectors as partners
from permissions import access
from permissions.models import Role
from subscriptions import selectors as subscriptions

password = os.environ["DEMO_PASSWORD"]
checked, managed = 0, 0
for email in os.environ["DEMO_LOGINS"].split():
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    if not client.login(email=email, password=password):
        print("FAIL login", email, "-")
        continue
    user = User.objects.get(email=email)
    urls = [
        reverse("permissions:my_permissions"),
        reverse("permissions:my_permissions") + "?status=all",
        reverse("permissions:requests_inbox"),
        reverse("agreements:list"),
        reverse("partners:index"),
        reverse("partners:customer_partners"),
        reverse("partners:partner_access"),
        reverse("subscriptions:index"),
        reverse("subscriptions:my_benefits"),
    ]
    for pk in LicensingID.objects.filter(pk__in=access.accessible_licensing_ids(user)).values_list("pk", flat=True):
        urls += [reverse("agreements:detail", args=[pk]), reverse("agreements:access", args=[pk])]
    administered = access.accessible_licensing_ids(user, roles=[Role.ADMINISTRATOR])
    for pk in LicensingID.objects.filter(pk__in=administered).values_list("pk", flat=True):
        urls += [reverse("permissions:manage_users", args=[pk]), reverse("permissions:audit_log", args=[pk])]
        managed += 1
    if partners.partner_memberships(user=user):
        urls += [reverse(f"partners:{name}") for name in ("customers", "relationship_summary", "people")]
    urls += [reverse("subscriptions:pool_detail", args=[pool.pk]) for pool in subscriptions.pool_list(user=user)]
    urls += [
        reverse("subscriptions:mpn_requirements", args=[m.pk]) for m in subscriptions.membership_list(user=user)
    ]
    for url in urls:
        status = client.get(url).status_code
        checked += 1
        if status != 200:
            print("FAIL", status, email, url)
print("CHECKED", checked, managed)
"""


def _manage(*arguments, environment):
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_the_demo_migrates_seeds_and_serves_every_login_s_pages_on_sqlite(tmp_path):
    """The README quick start on SQLite: migrate, seed_demo, then each printed login signs in with the printed
    password and every main page it reaches answers 200: My Permissions (PERM-3), agreements list and detail, the
    permission check (PERM-1), Manage Users and the audit log of each licensing ID it administers (PERM-7,
    PERM-11), partner and subscription pages it has."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "licensing_portal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": "",  # the demo needs no Redis (scripts/demo)
    }
    for command in (["migrate", "-v0"], ["seed_demo"]):
        done = _manage(*command, environment=environment)
        assert done.returncode == 0, done.stderr[-3000:]
    password = re.search(r"password for all: (\S+)\)", done.stdout)
    logins = re.findall(r"^  (\S+@\S+)\s", done.stdout, flags=re.MULTILINE)
    assert password and password[1] == "demo-pass-2026"
    assert len(logins) >= 8, done.stdout

    visited = _manage(
        "shell",
        "-v0",
        "-c",
        _VISIT_PAGES,
        environment={**environment, "DEMO_PASSWORD": password[1], "DEMO_LOGINS": " ".join(logins)},
    )
    assert visited.returncode == 0, visited.stderr[-3000:]
    failures = [line for line in visited.stdout.splitlines() if line.startswith("FAIL")]
    assert not failures, "\n".join(failures) + "\n" + visited.stderr[-3000:]
    checked = re.search(r"^CHECKED (\d+) (\d+)$", visited.stdout, flags=re.MULTILINE)
    assert checked, visited.stdout[-3000:]
    assert int(checked[1]) > 8 * len(logins) and int(checked[2]) > 0  # the pages a login holds were reached
