from celery import shared_task


@shared_task
def open_license_attempts_purge_task() -> int:
    from partners.services import open_license_attempts_purge

    return open_license_attempts_purge()


@shared_task
def partner_access_expiry_task() -> int:
    """RES-9: revoke delegated access whose end has come (each relationship in its own transaction)."""
    from partners.partner_access import relationships_expire

    return relationships_expire()


@shared_task
def partner_access_reminders_task() -> int:
    """RES-9: reminders 30 and 7 days before the end, once per threshold."""
    from partners.partner_access import relationships_remind

    return relationships_remind()
