"""Reads of the outbox for operators (OPS-1, OPS-2)."""

from __future__ import annotations

from licensing_portal.queues import QueueStats, queue_stats
from notifications.models import OutgoingEmail


def outbox_stats() -> QueueStats:
    return queue_stats(OutgoingEmail.objects, pending=OutgoingEmail.Status.QUEUED, failed=OutgoingEmail.Status.FAILED)
