"""Seats (SUB-1..4): assign, edit, resend, reassign, remove one or many, a subscriber contacting the admins."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing_portal import audit, limits
from licensing_portal.addresses import languages_of, normalize_email
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from notifications.services import email_queue_many
from subscriptions import selectors
from subscriptions.models import (
    Seat,
    SubscriptionPool,
)

from .bulk_files import _email_is_valid
from .common import _benefits_url, _product_label
from .pools import _lock_pool, _over_message, _refuses_over_assignment, _require_manager, _require_obligation
from .usage import _low_seats_check, _unflag_if_within_quantity

MAX_SEATS_REMOVED = 200  # a selection comes from pages of 50; a bound keeps one request small


def _email_subscribers(*, pool: SubscriptionPool, seats: Sequence[Seat]) -> None:
    """SUB-4: one outbox row per subscriber, in their account's language (English if they have none yet)."""
    languages = languages_of([s.email for s in seats])
    url = _benefits_url()
    messages = []
    for seat in seats:
        language = languages.get(seat.email, "en")
        messages.append(
            (
                seat.mail_to,  # SUB-10: the seat's notification email when set
                language,
                {
                    "first_name": seat.first_name,
                    "product": _product_label(pool.product, language),
                    "licensing_id": pool.licensing_id.number,
                    "organization": pool.licensing_id.organization.name,
                    "benefits_url": url,
                    "registered": seat.email in languages,
                },
            )
        )
    email_queue_many(template="subscriptions/emails/subscription_assigned", messages=messages)


@transaction.atomic
def seat_assign(
    *,
    pool: SubscriptionPool,
    email: str,
    actor,
    obligation_confirmed: bool,
    first_name: str = "",
    last_name: str = "",
) -> Seat:
    """SUB-2: assign one subscription; over the quantity it is refused or flagged per the pool (SUB-3)."""
    _require_obligation(obligation_confirmed)
    pool, assigned = _lock_pool(pool)
    _require_manager(actor, pool)
    email = normalize_email(email)
    if not _email_is_valid(email):
        raise ApplicationError(_("Enter a valid email address."))
    if pool.seats.filter(status=Seat.Status.ACTIVE, email=email).exists():
        raise ApplicationError(_("%(email)s already has a subscription from this pool.") % {"email": email})
    over = assigned + 1 > pool.quantity
    if over and _refuses_over_assignment(pool):
        raise ApplicationError(_over_message(pool, assigned, 1))
    now = timezone.now()
    seat = Seat(
        pool=pool,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        over_assigned=over,
        obligation_confirmed_at=now,
        assigned_by=actor,
        assigned_at=now,
    )
    seat.full_clean(validate_constraints=False)  # the pool lock and the check above cover the constraint
    seat.save()
    audit.record(
        actor=actor,
        verb="subscription.assigned",
        licensing_id=pool.licensing_id,
        target_email=email,
        after={"pool": pool.pk, "product": pool.product, "over_assigned": over},
    )
    _email_subscribers(pool=pool, seats=[seat])
    _low_seats_check(pool=pool, assigned=assigned + 1, actor=actor)
    return seat


SEAT_FIELDS = ["first_name", "last_name", "downloads_enabled", "notification_email", "reference"]


@transaction.atomic
def seat_update(
    *,
    seat: Seat,
    actor,
    first_name: str,
    last_name: str,
    downloads_enabled: bool | None = None,
    notification_email: str | None = None,
    reference: str | None = None,
) -> Seat:
    """Edit the subscriber's name and the seat's download switch, notification email and reference (SUB-10);
    a field given as None is left as it is. Changing the person is `seat_reassign`."""
    seat = Seat.objects.select_for_update(of=("self",)).select_related("pool__licensing_id").get(pk=seat.pk)
    _require_manager(actor, seat.pool)
    if seat.status != Seat.Status.ACTIVE:
        raise ApplicationError(_("This subscription was removed."))
    before = {name: getattr(seat, name) for name in SEAT_FIELDS}
    seat.first_name, seat.last_name = first_name.strip(), last_name.strip()
    if downloads_enabled is not None:
        seat.downloads_enabled = downloads_enabled
    if notification_email is not None:
        notification_email = normalize_email(notification_email)
        if notification_email and not _email_is_valid(notification_email):
            raise ApplicationError(_("Enter a valid email address."))
        seat.notification_email = notification_email
    if reference is not None:
        seat.reference = reference.strip()
    seat.full_clean(validate_constraints=False)
    seat.save(update_fields=SEAT_FIELDS)
    audit.record(
        actor=actor,
        verb="subscription.updated",
        licensing_id=seat.pool.licensing_id,
        target_email=seat.email,
        before=before,
        after={name: getattr(seat, name) for name in SEAT_FIELDS},
    )
    return seat


@transaction.atomic
def seat_resend(*, seat: Seat, actor) -> Seat:
    """SUB-10: send the assignment email again. Each seat may be resent a few times a day
    (SEAT_RESEND_DAILY_LIMIT): enough to recover a lost email, too few to spam a mailbox."""
    pool = SubscriptionPool.objects.select_related("licensing_id", "licensing_id__organization").get(pk=seat.pool_id)
    _require_manager(actor, pool)
    seat = Seat.objects.select_for_update(of=("self",)).get(pk=seat.pk, pool=pool)
    if seat.status != Seat.Status.ACTIVE:
        raise ApplicationError(_("This subscription was removed."))
    if not limits.daily_allow(key=f"seat_resend:{seat.pk}", limit=settings.SEAT_RESEND_DAILY_LIMIT):
        raise ApplicationError(
            _("The assignment email of this subscription was already resent today. Try again tomorrow.")
        )
    audit.record(
        actor=actor,
        verb="subscription.assignment_resent",
        licensing_id=pool.licensing_id,
        target_email=seat.email,
        after={"pool": pool.pk, "to": seat.mail_to},
    )
    _email_subscribers(pool=pool, seats=[seat])
    return seat


@transaction.atomic
def seat_reassign(
    *, seat: Seat, actor, email: str, obligation_confirmed: bool, first_name: str = "", last_name: str = ""
) -> Seat:
    """Give the same subscription to another person; the new subscriber is emailed (SUB-2, SUB-4)."""
    _require_obligation(obligation_confirmed)
    pool, _assigned = _lock_pool(seat.pool)
    _require_manager(actor, pool)
    seat = Seat.objects.select_for_update().get(pk=seat.pk, pool=pool)
    if seat.status != Seat.Status.ACTIVE:
        raise ApplicationError(_("This subscription was removed."))
    email = normalize_email(email)
    if not _email_is_valid(email):
        raise ApplicationError(_("Enter a valid email address."))
    if email == seat.email:
        raise ApplicationError(_("Enter the email of another person."))
    if pool.seats.filter(status=Seat.Status.ACTIVE, email=email).exists():
        raise ApplicationError(_("%(email)s already has a subscription from this pool.") % {"email": email})
    before = {"email": seat.email, "first_name": seat.first_name, "last_name": seat.last_name}
    now = timezone.now()
    seat.email, seat.first_name, seat.last_name = email, first_name.strip(), last_name.strip()
    seat.assigned_by, seat.assigned_at, seat.obligation_confirmed_at = actor, now, now
    seat.pool = pool
    seat.full_clean(validate_constraints=False)
    seat.save(
        update_fields=[
            "email",
            "first_name",
            "last_name",
            "assigned_by",
            "assigned_at",
            "obligation_confirmed_at",
        ]
    )
    audit.record(
        actor=actor,
        verb="subscription.reassigned",
        licensing_id=pool.licensing_id,
        target_email=email,
        before=before,
        after={"email": email, "first_name": seat.first_name, "last_name": seat.last_name},
    )
    _email_subscribers(pool=pool, seats=[seat])
    return seat


@transaction.atomic
def seat_remove(*, seat: Seat, actor) -> Seat:
    pool, assigned = _lock_pool(seat.pool)
    _require_manager(actor, pool)
    seat = Seat.objects.select_for_update().get(pk=seat.pk, pool=pool)
    if seat.status != Seat.Status.ACTIVE:
        raise ApplicationError(_("This subscription was already removed."))
    seat.status = Seat.Status.REMOVED
    seat.removed_at = timezone.now()
    seat.save(update_fields=["status", "removed_at"])
    audit.record(
        actor=actor,
        verb="subscription.removed",
        licensing_id=pool.licensing_id,
        target_email=seat.email,
        before={"pool": pool.pk, "status": Seat.Status.ACTIVE},
        after={"status": Seat.Status.REMOVED},
    )
    _unflag_if_within_quantity(pool=pool, assigned=assigned - 1)
    _low_seats_check(pool=pool, assigned=assigned - 1, actor=actor)
    return seat


def _email_removed(*, pool: SubscriptionPool, seats: Sequence[Seat]) -> None:
    """SUB-7: each removed subscriber is told, in their account's language; one INSERT for all of them."""
    languages = languages_of([s.email for s in seats])
    messages = []
    for seat in seats:
        language = languages.get(seat.email, "en")
        messages.append(
            (
                seat.mail_to,
                language,
                {
                    "first_name": seat.first_name,
                    "product": _product_label(pool.product, language),
                    "licensing_id": pool.licensing_id.number,
                    "organization": pool.licensing_id.organization.name,
                },
            )
        )
    email_queue_many(template="subscriptions/emails/subscription_removed", messages=messages)


@transaction.atomic
def seats_remove(*, pool: SubscriptionPool, seat_ids: Sequence[int], actor) -> list[Seat]:
    """SUB-7: remove several seats of one pool at once, all or none: a seat that is not an active seat of this
    pool refuses the whole selection. One audit row and one email per seat; the number of queries does not
    depend on the number of seats (bulk UPDATE, one INSERT each for audit rows and outbox rows)."""
    ids = sorted(set(seat_ids))
    if not ids:
        raise ApplicationError(_("Select at least one subscription to remove."))
    if len(ids) > MAX_SEATS_REMOVED:
        raise ApplicationError(_("Select at most %(max)s subscriptions at a time.") % {"max": MAX_SEATS_REMOVED})
    pool, assigned = _lock_pool(pool)
    _require_manager(actor, pool)
    seats = list(Seat.objects.select_for_update(of=("self",)).filter(pool=pool, pk__in=ids, status=Seat.Status.ACTIVE))
    if len(seats) != len(ids):
        raise ApplicationError(
            _("Some selected subscriptions were already removed or are not in this pool. Nothing was removed.")
        )
    now = timezone.now()
    Seat.objects.filter(pk__in=ids).update(status=Seat.Status.REMOVED, removed_at=now)
    for seat in seats:
        seat.status, seat.removed_at = Seat.Status.REMOVED, now
    audit.record_many(
        actor=actor,
        verb="subscription.removed",
        licensing_id=pool.licensing_id,
        rows=[
            {
                "target_email": seat.email,
                "before": {"pool": pool.pk, "status": Seat.Status.ACTIVE},
                "after": {"status": Seat.Status.REMOVED},
                "detail": "bulk",
            }
            for seat in seats
        ],
    )
    _email_removed(pool=pool, seats=seats)
    _unflag_if_within_quantity(pool=pool, assigned=assigned - len(seats))
    _low_seats_check(pool=pool, assigned=assigned - len(seats), actor=actor)
    return seats


CONTACT_MESSAGE_MAX = 2000


@transaction.atomic
def seat_contact_admins(*, seat: Seat, sender, message: str) -> int:
    """SUB-9 Contact my admin: the subscriber's message goes through the outbox to the pool's Subscriptions
    Managers and Administrators (those of record, inherited ones included), each in their language. The
    subscriber never learns who they are: the answer is a count only, never shown. Rate-limited per subscriber
    and per customer organisation (SEC-8); the message is quoted in the body, never in the subject."""
    message = message.strip()
    if not message:
        raise ApplicationError(_("Write your message."))
    if len(message) > CONTACT_MESSAGE_MAX:
        raise ApplicationError(_("Keep your message under %(max)s characters.") % {"max": CONTACT_MESSAGE_MAX})
    seat = Seat.objects.select_related("pool__licensing_id").get(pk=seat.pk)
    if seat.status != Seat.Status.ACTIVE or seat.email not in selectors.subscriber_emails(sender):
        raise ApplicationError(_("This subscription is not assigned to you."))
    pool = seat.pool
    limits.user_text_email_allow(
        action="contact_admin", user=sender, organization_ids=[pool.licensing_id.organization_id]
    )
    recipients = selectors.subscription_managers_of(licensing_id=pool.licensing_id)
    if not recipients:
        raise ApplicationError(
            _("Nobody manages this subscription in the portal yet. Ask your organisation another way.")
        )
    pool_url = portal_url("subscriptions:pool_detail", pool.pk)
    email_queue_many(
        template="subscriptions/emails/contact_admin",
        messages=[
            (
                email,
                language,
                {
                    "product": _product_label(pool.product, language),
                    "licensing_id": pool.licensing_id.number,
                    "subscriber_email": seat.email,
                    "subscriber_name": sender.get_full_name(),
                    "message": message,
                    "pool_url": pool_url,
                },
            )
            for email, language in recipients
        ],
    )
    audit.record(
        actor=sender,
        verb="subscription.admin_contacted",
        licensing_id=pool.licensing_id,
        target_email=seat.email,
        after={"pool": pool.pk},
        detail=f"recipients={len(recipients)}",
    )
    return len(recipients)
