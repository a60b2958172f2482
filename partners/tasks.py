from celery import shared_task


@shared_task
def open_license_attempts_purge_task() -> int:
    from partners.services import open_license_attempts_purge

    return open_license_attempts_purge()
