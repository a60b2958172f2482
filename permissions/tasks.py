from celery import shared_task


@shared_task
def access_reviews_tick_task() -> dict:
    """REV-1, REV-2: start scheduled reviews, remind reviewers once, mark overdue reviews (idempotent)."""
    from permissions.reviews import access_reviews_tick

    return access_reviews_tick()
