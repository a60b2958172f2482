from celery import shared_task


@shared_task
def expiry_notices_task() -> int:
    """AGR-7: the nightly expiry notices (idempotent: a rerun sends nothing)."""
    from agreements.expiry import expiry_notices_send

    return expiry_notices_send()
