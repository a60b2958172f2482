"""A large, deterministic data set for the benchmark (bench/run) and the performance tests.

Each app contributes through an optional `<app>/bench.py` exposing `seed(ctx: BenchContext) -> None`,
called in INSTALLED_APPS order (core users, then agreements, then permissions, partners, subscriptions), so a
hook may use what earlier hooks put on the context. Hooks must bulk-insert, draw randomness only from
`ctx.rng(<label>)` and size themselves with `ctx.count(<name>)`; see README.md, "Performance".
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 - printed for people poking at a benchmark database
BENCH_EMAIL_DOMAIN = "bench.example"

# Sizes at --scale 1 (issue 7). Hooks look them up with ctx.count(name).
BASE_COUNTS = {
    "organizations": 200,
    "licensing_ids": 10_000,
    "grants": 100_000,
    "hot_admins": 50,  # administrators of the one busy licensing ID (Manage Users)
    "hot_others": 200,  # other users with roles on it
    "power_user_licensing_ids": 500,
    "registered_per_org": 10,  # people of each organisation who have an account
    "people_per_org": 50,  # business emails holding grants in each organisation
    "bulk_assignees": 1_000,  # users to bulk-assign seats to (subscriptions hook)
    "permission_requests": 5_000,  # partner (permission) requests (permissions hook, PermissionRequest)
    "pool_seats": 1_200,  # seats in the bench subscription pool (subscriptions hook)
}
# Anchors of the benchmark keep their full size unless the whole run is scaled below them.
UNSCALED_MINIMUMS = {"hot_admins": 5, "hot_others": 10, "power_user_licensing_ids": 20, "bulk_assignees": 20}


@dataclass
class BenchContext:
    """What the hooks share: sizes, randomness, one password hash, created rows and the printed anchors."""

    seed: int
    scale: float
    password_hash: str
    stdout: object = None
    counts: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)  # Python objects handed from one hook to the next
    anchors: dict = field(default_factory=dict)  # JSON-safe facts bench/bench.py needs (emails, pks)
    logins: list = field(default_factory=list)  # (email, what) printed at the end

    def count(self, name: str) -> int:
        return self.counts[name]

    def rng(self, label: str) -> random.Random:
        """A generator private to one hook, so adding a hook never changes what the others produce."""
        return random.Random(f"{self.seed}:{label}")  # noqa: S311 - reproducible data, not secrets

    def email(self, local: str) -> str:
        return f"{local}@{BENCH_EMAIL_DOMAIN}"

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


def scaled_counts(scale: float) -> dict:
    counts = {}
    for name, base in BASE_COUNTS.items():
        value = max(1, round(base * scale))
        if name in UNSCALED_MINIMUMS:
            value = max(value, min(base, UNSCALED_MINIMUMS[name]))
        counts[name] = value
    counts["people_per_org"] = BASE_COUNTS["people_per_org"]
    counts["registered_per_org"] = BASE_COUNTS["registered_per_org"]
    return counts


def bench_hooks():
    for app in apps.get_app_configs():
        module = f"{app.name}.bench"
        if importlib.util.find_spec(module) is not None:
            yield app.label, importlib.import_module(module)


class Command(BaseCommand):
    help = "Seed a large deterministic benchmark data set (bulk inserts) and print the bench logins."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--scale", type=float, default=1.0, help="Multiply every size (tests use 0.2).")
        parser.add_argument("--anchors-out", help="Write the anchors (logins, pks) as JSON to this path.")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, seed, scale, anchors_out=None, quiet=False, **options):
        from licensing_portal.core.models import User

        if not 0 < scale <= 10:
            raise CommandError("--scale must be in (0, 10].")
        if User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").exists():
            raise CommandError("Bench data is already present; seed an empty database.")
        started = time.monotonic()
        ctx = BenchContext(
            seed=seed,
            scale=scale,
            password_hash=make_password(BENCH_PASSWORD),
            stdout=None if quiet else self.stdout,
            counts=scaled_counts(scale),
        )
        with transaction.atomic():
            for label, module in bench_hooks():
                hook_started = time.monotonic()
                module.seed(ctx)
                ctx.log(f"  {label:<14} {time.monotonic() - hook_started:6.1f} s")
        if connection.vendor == "postgresql":
            # A steady state, as a database in service reaches: statistics, and the visibility map the index-only
            # scans rely on; left to autovacuum, it runs in the middle of the measured rounds (issue 13). VACUUM
            # cannot run inside a transaction (the tests seed inside one).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE" if connection.get_autocommit() else "ANALYZE")
        ctx.anchors["seed"], ctx.anchors["scale"] = seed, scale
        ctx.anchors["password"] = BENCH_PASSWORD
        if anchors_out:
            Path(anchors_out).parent.mkdir(parents=True, exist_ok=True)
            Path(anchors_out).write_text(json.dumps(ctx.anchors, indent=2, sort_keys=True))
        if not quiet:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Bench data seeded in {time.monotonic() - started:.1f} s (seed {seed}, scale {scale}). "
                    f"Logins (password for all: {BENCH_PASSWORD})"
                )
            )
            for email, what in ctx.logins:
                self.stdout.write(f"  {email:<36} {what}")
        return
