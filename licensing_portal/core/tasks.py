"""Retention tasks run by beat (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task
def sessions_purge_task() -> None:
    from licensing_portal.core.services import sessions_purge

    sessions_purge()


@shared_task
def one_time_tokens_purge_task() -> int:
    from licensing_portal.tokens import purge

    return purge()
