"""Health endpoints (OPS-1) for load balancers and the compose healthchecks.

`/health/live`: the process answers; touches nothing else (a restart is the only cure for a failure).
`/health/ready`: PostgreSQL, the cache, the Celery broker, every migration applied, the oldest queued outbox row
younger than HEALTH_OUTBOX_MAX_AGE and beat's outbox sweep seen within HEALTH_SWEEP_MAX_AGE (0 turns either off).
200 when every check passes, 503 otherwise; `?format=json` names the failing check.

Both paths are exempt from the HTTPS redirect (production.py) so a probe over plain HTTP inside the network is
answered, and production.py allows the loopback Host the container healthcheck sends.
"""

from __future__ import annotations

import dataclasses
import datetime
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

SWEEP_HEARTBEAT_KEY = "health:email-sweep:last-run"


def sweep_heartbeat_record() -> None:
    """Called by the outbox sweep task after each run: the unix time beat last got the sweep done."""
    cache.set(SWEEP_HEARTBEAT_KEY, time.time(), timeout=None)


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (kombu's Redis transport pings on connect)."""

    timeout = datetime.timedelta(seconds=2)

    def run(self) -> None:
        from licensing_portal.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        except Exception as exc:  # kombu wraps transport errors in several unrelated classes
            raise ServiceUnavailable("Broker unreachable") from exc


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration on disk is applied (the migrate job finished before this release serves)."""

    _applied = False  # once true in a process it stays true: a deployment never un-applies migrations

    def run(self) -> None:
        if Migrations._applied:
            return
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.temporary_connection():
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise ServiceUnavailable(f"{len(pending)} migration(s) not applied")
        Migrations._applied = True


@dataclasses.dataclass
class OutboxAge(HealthCheck):
    """The oldest queued outbox row is younger than HEALTH_OUTBOX_MAX_AGE seconds: mail is moving."""

    def run(self) -> None:
        max_age = settings.HEALTH_OUTBOX_MAX_AGE
        if not max_age:
            return
        from django.utils import timezone

        from notifications.models import OutgoingEmail

        # Checks run in executor threads: a temporary connection, so none is left open in a pool thread.
        with connections[DEFAULT_DB_ALIAS].temporary_connection():
            oldest = (
                OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED)
                .order_by("created_at")
                .values_list("created_at", flat=True)
                .first()
            )
        if oldest is not None and (timezone.now() - oldest).total_seconds() > max_age:
            raise ServiceUnavailable(f"Oldest queued email is older than {max_age} s")


@dataclasses.dataclass
class SweepHeartbeat(HealthCheck):
    """Beat's outbox sweep ran within HEALTH_SWEEP_MAX_AGE seconds (beat and a worker are alive)."""

    async def run(self) -> None:
        max_age = settings.HEALTH_SWEEP_MAX_AGE
        if not max_age:
            return
        try:
            last_run = await cache.aget(SWEEP_HEARTBEAT_KEY)
        except Exception as exc:  # the cache check reports the outage itself
            raise ServiceUnavailable("Cache unreachable") from exc
        if last_run is None:
            raise ServiceUnavailable("The outbox sweep has not run yet")
        if time.time() - float(last_run) > max_age:
            raise ServiceUnavailable(f"The outbox sweep has not run for more than {max_age} s")


@dataclasses.dataclass
class SharedCache(Cache):
    """The shared cache answers from Redis. While Redis is away the cache serves each process from local memory
    (OPS-5), so pages keep working, but limits are per process: not ready."""

    async def run(self) -> None:
        await super().run()
        if getattr(caches[self.alias], "serving_fallback", False):
            raise ServiceUnavailable("Redis unreachable: the cache serves this process from local memory")


class ReadyView(HealthCheckView):
    """django-health-check answers 500 on a failed check; load balancers and the spec expect 503."""

    checks = (Database, SharedCache, Broker, Migrations, OutboxAge, SweepHeartbeat)

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response


@never_cache
@require_GET
def live(request):
    return HttpResponse("ok\n", content_type="text/plain")


ready = ReadyView.as_view()


def main(argv: list[str]) -> int:
    """`python -m licensing_portal.health sweep`: the beat container's healthcheck (exit 1 when stale)."""
    import asyncio
    import sys

    import django

    if argv != ["sweep"]:
        sys.stderr.write("usage: python -m licensing_portal.health sweep\n")
        return 2
    django.setup()
    try:
        asyncio.run(SweepHeartbeat().run())
    except ServiceUnavailable as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
