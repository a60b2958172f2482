"""The domain functions the kernel asks (named in settings, so the kernel imports no domain app)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string


def audience(events, *, candidates: set[int]) -> dict[int, set[int]]:
    """For each audit event (by pk), the organisations among `candidates` that may see what it is about."""
    return import_string(settings.WEBHOOKS_AUDIENCE)(events, candidates=candidates)
