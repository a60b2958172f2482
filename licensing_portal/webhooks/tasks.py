from celery import shared_task


# acks_late + reject_on_worker_lost: a worker killed mid-send leaves the message for the next worker. The
# retry schedule (exponential, with jitter) is computed by the service, which also decides when to give up.
@shared_task(bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)
def webhook_delivery_task(self, webhook_delivery_id: int) -> None:
    from licensing_portal.webhooks.services import delivery_send  # keeps the import graph acyclic

    retry_in = delivery_send(webhook_delivery_id=webhook_delivery_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)


@shared_task
def webhook_sweep_task() -> int:
    from licensing_portal.webhooks.services import delivery_sweep

    return delivery_sweep()


@shared_task
def webhook_sent_purge_task() -> int:
    from licensing_portal.webhooks.services import delivery_sent_purge

    return delivery_sent_purge()
