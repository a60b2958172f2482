from celery import shared_task


@shared_task(acks_late=True)
def bulk_upload_process_task(upload_id: int) -> None:
    from subscriptions.services import bulk_upload_process  # keeps the import graph acyclic

    bulk_upload_process(upload_id=upload_id)


@shared_task
def pool_usage_snapshot_task() -> None:
    """SUB-8: the daily snapshot of every pool's usage (beat: pool-usage-snapshot)."""
    from subscriptions.services import pool_usage_snapshot_all

    pool_usage_snapshot_all()
