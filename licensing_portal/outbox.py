"""The kernel's door to the outbox (NOTE-1), below the domain: every email goes through the notifications app,
which the kernel reaches through `settings.PORTAL_OUTBOX` (the module holding `email_queue` and
`email_queue_rendered`) instead of importing it (tests/test_architecture.py)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings


def _outbox():
    return import_module(settings.PORTAL_OUTBOX)


def email_queue(**kwargs):
    """Render in the recipient's language and store one outbox row (notifications.services.email_queue)."""
    return _outbox().email_queue(**kwargs)


def email_queue_rendered(**kwargs):
    """Store one already rendered outbox row (notifications.services.email_queue_rendered)."""
    return _outbox().email_queue_rendered(**kwargs)
