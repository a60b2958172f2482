"""Reads of the outbox for operators (OPS-1, OPS-2)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from notifications.models import OutgoingEmail


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    failed: int
    oldest_pending_age_seconds: float


def outbox_stats() -> OutboxStats:
    """One aggregate query (the status/created_at index answers it)."""
    queued, failed = OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.FAILED
    row = OutgoingEmail.objects.filter(status__in=[queued, failed]).aggregate(
        pending=Count("pk", filter=Q(status=queued)),
        failed=Count("pk", filter=Q(status=failed)),
        oldest=Min("created_at", filter=Q(status=queued)),
    )
    age = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    return OutboxStats(pending=row["pending"], failed=row["failed"], oldest_pending_age_seconds=max(age, 0.0))
