"""The state of an outbox-like table of rows waiting for a worker (emails, webhook deliveries), for /metrics
(OPS-2) and /health/ready (OPS-1). Kernel module: it takes the rows, it names no app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class QueueStats:
    pending: int
    failed: int
    oldest_pending_age_seconds: float


def queue_stats(rows: QuerySet, *, pending: str, failed: str) -> QueueStats:
    """One aggregate query over `rows` (a status/created_at index answers it)."""
    row = rows.filter(status__in=[pending, failed]).aggregate(
        pending=Count("pk", filter=Q(status=pending)),
        failed=Count("pk", filter=Q(status=failed)),
        oldest=Min("created_at", filter=Q(status=pending)),
    )
    age = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    return QueueStats(pending=row["pending"], failed=row["failed"], oldest_pending_age_seconds=max(age, 0.0))
