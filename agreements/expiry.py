"""Agreement expiry (AGR-7): nightly notices before a licensing ID's end date, and the list's expiry column, filter
and banner.

A notice goes to the administrators of record (policies.administrators_of_record), the Subscriptions Managers
(subscriptions.selectors.subscription_managers_of) and the reseller: the reseller named on an Open License order
(AGR-5) and the administrators of a partner whose active reseller relationship covers the licensing ID (RES-5).
Each recipient is written to at the address and in the language of their profile (permissions.services'
recipients helper), through the outbox. One `ExpiryNotice` row per (licensing ID, end date, threshold) is
written in the transaction that queues the emails: a rerun sends nothing, a missed night catches up with the
nearest threshold only, and a new end date (a renewal) starts the thresholds again.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation

from agreements.models import ExpiryNotice, LicensingID, OpenLicense
from licensing_portal import audit
from licensing_portal.addresses import normalize_email, recipients
from licensing_portal.links import portal_url

THRESHOLDS = (7, 30, 60, 120)  # days before the end date, nearest first
BANNER_DAYS = 30  # the list's banner counts licensing IDs ending within this many days
FILTER_CHOICES = ("7", "30", "60", "120", "expired")


def threshold_for(days_left: int) -> int | None:
    """The nearest threshold not yet passed: 100 days left -> 120, 45 -> 60, 0 -> 7; more than 120 -> None."""
    return next((t for t in THRESHOLDS if days_left <= t), None)


def reseller_emails(licensing_id: LicensingID) -> list[str]:
    """The reseller of the licensing ID: the reseller on its Open License order (AGR-5) and the administrators of
    partners whose active relationship covers it (RES-5)."""
    from agreements.models import OrganizationMember
    from partners.models import ResellerRelationship

    emails = set(
        OpenLicense.objects.filter(licensing_id=licensing_id)
        .exclude(reseller_email="")
        .values_list("reseller_email", flat=True)
    )
    partners = ResellerRelationship.objects.filter(
        status=ResellerRelationship.Status.ACTIVE, administered_licences=licensing_id
    ).values("partner")
    emails |= set(
        OrganizationMember.objects.filter(organization__in=partners, is_admin=True)
        .exclude(user__business_email="")
        .values_list("user__business_email", flat=True)
    )
    return sorted(normalize_email(e) for e in emails)


def expiry_recipients(licensing_id: LicensingID) -> list[tuple[str, str]]:
    """(address, language) of everyone told about the licensing ID's expiry, each once (AGR-7)."""
    from permissions.policies import administrators_of_record
    from subscriptions.selectors import subscription_managers_of

    emails = set(administrators_of_record(licensing_id))
    emails |= {email for email, _language in subscription_managers_of(licensing_id=licensing_id)}
    emails |= set(reseller_emails(licensing_id))
    by_address: dict[str, str] = {}
    for _email, (to, language) in sorted(recipients(emails).items()):
        by_address.setdefault(normalize_email(to), language)
    return sorted(by_address.items())


def _notice_send(*, licensing_id_pk: int, today: date) -> ExpiryNotice | None:
    """One licensing ID: under its row lock, the nearest threshold's notice unless it was already sent."""
    from notifications.services import email_queue

    with transaction.atomic():
        lid = (
            LicensingID.objects.select_for_update(of=("self",))
            .filter(pk=licensing_id_pk, status=LicensingID.Status.ACTIVE, end_date__gte=today)
            .first()
        )
        if lid is None:
            return None
        days_left = (lid.end_date - today).days
        threshold = threshold_for(days_left)
        if (
            threshold is None
            or ExpiryNotice.objects.filter(
                licensing_id=lid, end_date=lid.end_date, threshold_days__lte=threshold
            ).exists()
        ):  # sent for this threshold, or already for a nearer one
            return None
        recipients = expiry_recipients(lid)
        notice = ExpiryNotice.objects.create(
            licensing_id=lid, end_date=lid.end_date, threshold_days=threshold, recipients=len(recipients)
        )
        url = portal_url("agreements:detail", lid.pk)
        for to, language in recipients:
            with translation.override(language):
                program = str(lid.get_program_display())
            email_queue(
                template="agreements/emails/expiry_notice",
                to_email=to,
                language=language,
                context={
                    "licensing_id": lid.number,
                    "program": program,
                    "end_date": lid.end_date.isoformat(),
                    "days": days_left,
                    "url": url,
                },
            )
        audit.record(
            actor=None,
            verb="agreement.expiry_notice",
            licensing_id=lid,
            after={"threshold_days": threshold, "end_date": lid.end_date.isoformat(), "recipients": len(recipients)},
        )
        return notice


def expiry_notices_send(*, today: date | None = None) -> int:
    """AGR-7, the nightly task: a notice for every active licensing ID whose end date is within the largest
    threshold and whose nearest threshold was not notified yet. Returns the notices sent (0 on a rerun)."""
    today = today or timezone.localdate()
    candidates = LicensingID.objects.filter(
        status=LicensingID.Status.ACTIVE, end_date__gte=today, end_date__lte=today + timedelta(days=max(THRESHOLDS))
    ).values_list("pk", flat=True)
    return sum(1 for pk in candidates if _notice_send(licensing_id_pk=pk, today=today) is not None)


# --- the agreements list (AGR-7) ---------------------------------------------------------------------------------


def expiry_filter_value(raw: str | None) -> str:
    """The list's expiry filter from the query string: one of FILTER_CHOICES, anything else means no filter."""
    return raw if raw in FILTER_CHOICES else ""


def expiry_filtered(qs: QuerySet[LicensingID], value: str, *, today: date) -> QuerySet[LicensingID]:
    if value == "expired":
        return qs.filter(end_date__lt=today)
    if value:
        return qs.filter(end_date__gte=today, end_date__lte=today + timedelta(days=int(value)))
    return qs


def expiry_counts(qs: QuerySet[LicensingID], *, today: date) -> dict[str, int]:
    """The banner: how many of these licensing IDs end within BANNER_DAYS and how many have ended. One query."""
    return qs.order_by().aggregate(
        expiring=Count("pk", filter=Q(end_date__gte=today, end_date__lte=today + timedelta(days=BANNER_DAYS))),
        expired=Count("pk", filter=Q(end_date__lt=today)),
    )


def expiry_state(end_date: date | None, *, today: date) -> tuple[bool, int | None]:
    """(expired, days left) of one row; days left only within the largest threshold."""
    if end_date is None:
        return False, None
    days_left = (end_date - today).days
    if days_left < 0:
        return True, None
    return False, days_left if days_left <= max(THRESHOLDS) else None
