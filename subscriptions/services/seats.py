"""Writes of the subscriptions domain: seats (SUB-1..4), bulk files (SUB-3) and partner membership (MPN-1..3).

Every change that moves the assigned count locks the pool row first and counts active seats under that lock,
so two managers assigning the last seat at once cannot both succeed.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.models import Program
from licensing_portal import audit, converters, limits
from licensing_portal.errors import ApplicationError
from licensing_portal.export import spreadsheet_value
from notifications.services import email_queue, email_queue_many
from permissions import policies
from subscriptions import selectors
from subscriptions.models import (
    BulkEdit,
    BulkUpload,
    PartnerContactRole,
    PartnerMembership,
    PartnerSubscription,
    PoolUsageSnapshot,
    Product,
    Seat,
    SubscriptionPool,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024  # a 200 KB "zip bomb" unpacked to 60 MB took 34 s and 700 MB to read
MAX_REPORTED_ERRORS = 200
BULK_COLUMNS = ["email", "first_name", "last_name"]
REQUIRED_COLUMNS = ["email"]
EMAIL_MAX_LENGTH = 254
MAX_SEATS_REMOVED = 200  # a selection comes from pages of 50; a bound keeps one request small
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BulkRow:
    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    values: dict = field(default_factory=dict, compare=False)  # every named cell of the row (SUB-6)


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the file as a whole
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}


class BulkRejected(ApplicationError):
    """A bulk file or its rows failed validation; `errors` lists every problem and nothing was assigned."""

    def __init__(self, errors: list[RowError]) -> None:
        errors = errors[:MAX_REPORTED_ERRORS]  # the list is stored and shown: keep it readable and small
        super().__init__(
            _("The file was rejected: nothing was assigned. Fix every row listed and upload it again."),
            extra={"errors": [e.as_dict() for e in errors]},
        )
        self.errors = errors


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _require_obligation(confirmed: bool) -> None:
    if not confirmed:
        raise ApplicationError(_("Confirm that you understand the obligation to purchase takes effect at assignment."))


def _require_manager(actor, pool: SubscriptionPool) -> None:
    if not policies.can_manage_subscriptions(actor, pool.licensing_id):
        raise ApplicationError(_("You cannot manage subscriptions on this licensing ID."))


def _lock_pool(pool: SubscriptionPool) -> tuple[SubscriptionPool, int]:
    """Lock the pool row and return it with its active seat count, read under the lock."""
    locked = (
        SubscriptionPool.objects.select_for_update(of=("self",))
        .select_related("licensing_id", "licensing_id__organization")
        .get(pk=pool.pk)
    )
    return locked, locked.seats.filter(status=Seat.Status.ACTIVE).count()


def _email_is_valid(email: str) -> bool:
    if not email or len(email) > EMAIL_MAX_LENGTH:
        return False
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def _refuses_over_assignment(pool: SubscriptionPool) -> bool:
    """SUB-3 per pool setting; SUB-8: an Open License pool always refuses, whatever its setting says."""
    return (
        pool.over_assignment == SubscriptionPool.OverAssignment.REFUSE
        or pool.licensing_id.program == Program.OPEN_LICENSE
    )


def _over_message(pool: SubscriptionPool, assigned: int, wanted: int) -> str:
    free = max(pool.quantity - assigned, 0)
    if pool.licensing_id.program == Program.OPEN_LICENSE:
        return _(
            "This Open License pool has %(quantity)s subscriptions and %(free)s free; %(wanted)s more cannot be "
            "assigned. Open License subscriptions are never assigned beyond the purchased quantity: buy more "
            "or remove assignments first."
        ) % {"quantity": pool.quantity, "free": free, "wanted": wanted}
    return _(
        "This pool has %(quantity)s subscriptions and %(free)s free; %(wanted)s more cannot be assigned. "
        "Buy more subscriptions or remove assignments first."
    ) % {"quantity": pool.quantity, "free": free, "wanted": wanted}


def _benefits_url() -> str:
    return settings.PORTAL_BASE_URL + reverse("subscriptions:my_benefits")


def _product_label(product: str, language: str) -> str:
    with translation.override(language):
        return str(Product(product).label)


def _email_subscribers(*, pool: SubscriptionPool, seats: Sequence[Seat]) -> None:
    """SUB-4: one outbox row per subscriber, in their account's language (English if they have none yet)."""
    languages = selectors.languages_of([s.email for s in seats])
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


def _low_seats_check(*, pool: SubscriptionPool, assigned: int, actor=None) -> None:
    """Email the licence's managers once when free seats fall to the threshold; re-arm above it."""
    free = pool.quantity - assigned
    _notice_once_per_crossing(
        pool=pool,
        crossed=free <= pool.low_seats_threshold,
        flag="low_seats_alerted",
        template="subscriptions/emails/low_seats",
        verb="subscription.low_seats_alert",
        context={
            "quantity": pool.quantity,
            "assigned": assigned,
            "free": max(free, 0),
            "threshold": pool.low_seats_threshold,
            "pool_url": settings.PORTAL_BASE_URL + reverse("subscriptions:pool_detail", args=[pool.pk]),
        },
        after={"pool": pool.pk, "free": free, "threshold": pool.low_seats_threshold},
        actor=actor,
    )
    _over_allocation_check(pool=pool, assigned=assigned, actor=actor)  # every count change passes here


def _over_allocation_check(*, pool: SubscriptionPool, assigned: int, actor=None) -> None:
    """SUB-8: email the pool's Administrators and Subscriptions Managers once when the seats assigned beyond
    the purchased quantity reach the pool's threshold (0: never); re-arm when usage falls back below it."""
    beyond = assigned - pool.quantity
    _notice_once_per_crossing(
        pool=pool,
        crossed=pool.over_allocation_threshold > 0 and beyond >= pool.over_allocation_threshold,
        flag="over_allocation_alerted",
        template="subscriptions/emails/over_allocation",
        verb="subscription.over_allocation_notice",
        context={
            "quantity": pool.quantity,
            "assigned": assigned,
            "beyond": beyond,
            "threshold": pool.over_allocation_threshold,
            "usage_url": settings.PORTAL_BASE_URL + reverse("subscriptions:pool_usage", args=[pool.pk]),
        },
        after={"pool": pool.pk, "beyond": beyond, "threshold": pool.over_allocation_threshold},
        actor=actor,
    )


def _notice_once_per_crossing(
    *, pool: SubscriptionPool, crossed: bool, flag: str, template: str, verb: str, context: dict, after: dict, actor
) -> None:
    """A pool notice (low seats; SUB-8 over-allocation) goes once to the licence's Administrators and
    Subscriptions Managers, each in their language, when `crossed` turns true; `flag` re-arms it once it is false."""
    if crossed == getattr(pool, flag):
        return
    setattr(pool, flag, crossed)
    pool.save(update_fields=[flag])
    if not crossed:
        return
    recipients = selectors.subscription_managers_of(licensing_id=pool.licensing_id)
    email_queue_many(
        template=template,
        messages=[
            (
                email,
                language,
                {
                    "product": _product_label(pool.product, language),
                    "licensing_id": pool.licensing_id.number,
                    **context,
                },
            )
            for email, language in recipients
        ],
    )
    audit.record(
        actor=actor, verb=verb, licensing_id=pool.licensing_id, after=after, detail=f"recipients={len(recipients)}"
    )


def _unflag_if_within_quantity(*, pool: SubscriptionPool, assigned: int) -> None:
    if assigned <= pool.quantity:
        pool.seats.filter(status=Seat.Status.ACTIVE, over_assigned=True).update(over_assigned=False)


# ---- pools ----


@transaction.atomic
def pool_update(
    *, pool: SubscriptionPool, actor, low_seats_threshold: int, over_allocation_threshold: int | None = None
) -> SubscriptionPool:
    """A manager sets the low free seats threshold and the over-allocation threshold (SUB-8, None: unchanged);
    crossing one at once alerts (or re-arms) immediately."""
    pool, assigned = _lock_pool(pool)
    _require_manager(actor, pool)
    fields = ["low_seats_threshold"]
    if over_allocation_threshold is not None:
        fields.append("over_allocation_threshold")
    before = {name: getattr(pool, name) for name in fields}
    pool.low_seats_threshold = low_seats_threshold
    if over_allocation_threshold is not None:
        pool.over_allocation_threshold = over_allocation_threshold
    pool.full_clean()
    pool.save(update_fields=fields)
    audit.record(
        actor=actor,
        verb="subscription.pool_updated",
        licensing_id=pool.licensing_id,
        before=before,
        after={name: getattr(pool, name) for name in fields},
        detail=f"pool={pool.pk}",
    )
    _low_seats_check(pool=pool, assigned=assigned, actor=actor)
    return pool


SNAPSHOT_BATCH = 5000  # rows per INSERT: 4 parameters a row stays far below PostgreSQL's 65,535


def pool_usage_snapshot_all(*, day=None) -> int:
    """SUB-8: record today's assigned and purchased counts of every pool, in a constant number of queries
    (one aggregate read, one upsert per SNAPSHOT_BATCH pools). Running it twice a day keeps the later counts."""
    day = day or timezone.localdate()
    counts = (
        SubscriptionPool.objects.order_by()
        .annotate(active=Count("seats", filter=Q(seats__status=Seat.Status.ACTIVE)))
        .values_list("pk", "quantity", "active")
    )
    rows = [
        PoolUsageSnapshot(pool_id=pk, day=day, assigned=active, quantity=quantity) for pk, quantity, active in counts
    ]
    PoolUsageSnapshot.objects.bulk_create(
        rows,
        batch_size=SNAPSHOT_BATCH,
        update_conflicts=True,
        unique_fields=["pool", "day"],
        update_fields=["assigned", "quantity"],
    )
    return len(rows)


# ---- seats ----


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
    languages = selectors.languages_of([s.email for s in seats])
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
    pool_url = settings.PORTAL_BASE_URL + reverse("subscriptions:pool_detail", args=[pool.pk])
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


def _validate_rows(*, pool: SubscriptionPool, rows: Sequence[BulkRow], assigned: int) -> list[RowError]:
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    candidates = []
    for row in rows:
        email = normalize_email(row.email)
        if not email:
            errors.append(RowError(row.line, _("The email is missing.")))
        elif not _email_is_valid(email):
            errors.append(RowError(row.line, _("“%(email)s” is not a valid email address.") % {"email": row.email}))
        elif email in first_line:
            errors.append(
                RowError(
                    row.line,
                    _("%(email)s is also on line %(line)s; each person may appear once.")
                    % {"email": email, "line": first_line[email]},
                )
            )
        else:
            first_line[email] = row.line
            candidates.append(email)
        if len(row.first_name) > 150 or len(row.last_name) > 150:
            errors.append(RowError(row.line, _("A name is longer than 150 characters.")))
    taken = set(pool.seats.filter(status=Seat.Status.ACTIVE, email__in=candidates).values_list("email", flat=True))
    for email in candidates:
        if email in taken:
            errors.append(
                RowError(
                    first_line[email],
                    _("%(email)s already has a subscription from this pool.") % {"email": email},
                )
            )
    wanted = len(rows)
    if _refuses_over_assignment(pool) and assigned + wanted > pool.quantity:
        errors.append(RowError(None, _over_message(pool, assigned, wanted)))
    return sorted(errors, key=lambda e: e.line or 0)


@transaction.atomic
def seats_bulk_assign(
    *, pool: SubscriptionPool, rows: Sequence[BulkRow], actor, obligation_confirmed: bool
) -> list[Seat]:
    """SUB-2, SUB-3: validate every row, then assign them all or none. The number of queries does not depend
    on the number of rows (one INSERT for the seats, one for the outbox)."""
    _require_obligation(obligation_confirmed)
    pool, assigned = _lock_pool(pool)
    _require_manager(actor, pool)
    if not rows:
        raise BulkRejected([RowError(None, _("The file has no subscriber rows."))])
    errors = _validate_rows(pool=pool, rows=rows, assigned=assigned)
    if errors:
        raise BulkRejected(errors)
    now = timezone.now()
    seats = [
        Seat(
            pool=pool,
            email=normalize_email(row.email),
            first_name=row.first_name.strip(),
            last_name=row.last_name.strip(),
            over_assigned=assigned + i + 1 > pool.quantity,
            obligation_confirmed_at=now,
            assigned_by=actor,
            assigned_at=now,
        )
        for i, row in enumerate(rows)
    ]
    created = Seat.objects.bulk_create(seats)
    audit.record(
        actor=actor,
        verb="subscription.bulk_assigned",
        licensing_id=pool.licensing_id,
        after={"pool": pool.pk, "product": pool.product, "emails": [s.email for s in created]},
        detail=f"rows={len(created)}",
    )
    _email_subscribers(pool=pool, seats=created)
    _low_seats_check(pool=pool, assigned=assigned + len(created), actor=actor)
    return created


# ---- bulk files ----


def _clean_header(cell) -> str:
    return str(cell or "").strip().lower().replace(" ", "_").replace("-", "_")


def _rows_from_table(table, errors: list[RowError]) -> list[BulkRow]:
    """`table` yields (line, cells). The first non-empty row is the header."""
    header: list[str] | None = None
    rows: list[BulkRow] = []
    for line, cells in table:
        cells = ["" if c is None else str(c).strip() for c in cells]
        if not any(cells):
            continue
        if header is None:
            header = [_clean_header(c) for c in cells]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                errors.append(
                    RowError(
                        line,
                        _("Missing column(s): %(columns)s. The first row must name the columns: %(expected)s.")
                        % {"columns": ", ".join(missing), "expected": ", ".join(BULK_COLUMNS)},
                    )
                )
                return []
            continue
        values = dict(zip(header, cells, strict=False))
        absent = [c for c in BULK_COLUMNS if c in header and header.index(c) >= len(cells)]
        if absent:
            errors.append(
                RowError(line, _("Missing column(s) on this row: %(columns)s.") % {"columns": ", ".join(absent)})
            )
            continue
        rows.append(
            BulkRow(
                line=line,
                email=values.get("email", ""),
                first_name=values.get("first_name", ""),
                last_name=values.get("last_name", ""),
                values=values,
            )
        )
    if header is None and not errors:
        errors.append(RowError(None, _("The file is empty.")))
    return rows


def _csv_table(content: bytes, errors: list[RowError]):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        errors.append(
            RowError(
                line,
                _(
                    "The file is not UTF-8 text (first bad byte on this line). Save it as "
                    "“CSV UTF-8” and upload it again."
                ),
            )
        )
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, _("This line is not valid CSV: %(error)s") % {"error": exc}))


def _xlsx_table(content: bytes, errors: list[RowError]):
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())  # reading stops at the declared sizes
    except (zipfile.BadZipFile, ValueError, OSError):
        errors.append(RowError(None, _("The file is not a valid XLSX workbook.")))
        return
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        errors.append(RowError(None, _("The file is not a valid XLSX workbook.")))
        return
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        errors.append(RowError(None, _("The file is not a valid XLSX workbook.")))
        return
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(cells)
    finally:
        workbook.close()


def bulk_file_parse(*, file_name: str, content: bytes) -> list[BulkRow]:
    """Read a CSV (UTF-8) or XLSX file of subscribers; raise BulkRejected listing every problem (SUB-3)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise BulkRejected([RowError(None, _("The file is larger than 10 MB."))])
    name = file_name.lower()
    errors: list[RowError] = []
    if name.endswith(".csv"):
        if content.startswith(b"PK\x03\x04"):
            raise BulkRejected(
                [RowError(None, _("This file is a workbook, not CSV. Name it .xlsx or export it as CSV UTF-8."))]
            )
        table = _csv_table(content, errors)
    elif name.endswith(".xlsx"):
        table = _xlsx_table(content, errors)
    else:
        raise BulkRejected([RowError(None, _("Upload a .csv or .xlsx file."))])
    rows = _rows_from_table(table, errors)
    if errors:
        raise BulkRejected(errors)
    return rows


def bulk_template(*, file_format: str) -> tuple[bytes, str]:
    """The downloadable template: header and one example row, as CSV or XLSX."""
    example = ["someone@example.com", "Ada", "Lovelace"]
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "subscribers"
        sheet.append(BULK_COLUMNS)
        sheet.append(example)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BULK_COLUMNS)
    writer.writerow(example)
    return out.getvalue().encode("utf-8"), "text/csv; charset=utf-8"


@transaction.atomic
def bulk_upload_create(
    *, pool: SubscriptionPool, actor, file_name: str, content: bytes, obligation_confirmed: bool
) -> BulkUpload:
    """Store the file and process it in a task after commit; the status page shows the outcome (SUB-3)."""
    from subscriptions.tasks import bulk_upload_process_task

    _require_obligation(obligation_confirmed)
    _require_manager(actor, pool)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ApplicationError(_("The file is larger than 10 MB."))
    if not file_name.lower().endswith((".csv", ".xlsx")):
        raise ApplicationError(_("Upload a .csv or .xlsx file."))
    upload = BulkUpload(
        pool=pool,
        uploaded_by=actor,
        file_name=file_name[:255],
        content=content,
        obligation_confirmed_at=timezone.now(),
    )
    upload.full_clean(exclude=["content"])
    upload.save()
    audit.record(
        actor=actor,
        verb="subscription.bulk_uploaded",
        licensing_id=pool.licensing_id,
        detail=f"upload={upload.pk} file={upload.file_name[:100]}",
    )
    transaction.on_commit(lambda: bulk_upload_process_task.delay(upload.pk))
    return upload


def bulk_upload_process(*, upload_id: int) -> BulkUpload | None:
    """Parse, validate and assign all rows or none; messages are stored in the uploader's language."""
    with transaction.atomic():
        upload = (
            BulkUpload.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("uploaded_by", "pool")
            .filter(pk=upload_id, status=BulkUpload.Status.PENDING)
            .first()
        )
        if upload is None:
            return None  # already processed, or another worker has it
        upload.status = BulkUpload.Status.PROCESSING
        upload.save(update_fields=["status"])
    language = getattr(upload.uploaded_by, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            with transaction.atomic():
                rows = bulk_file_parse(file_name=upload.file_name, content=bytes(upload.content))
                upload.row_count = len(rows)
                seats = seats_bulk_assign(
                    pool=upload.pool,
                    rows=rows,
                    actor=upload.uploaded_by,
                    obligation_confirmed=upload.obligation_confirmed_at is not None,
                )
                upload.status = BulkUpload.Status.DONE
                upload.assigned_count = len(seats)
                upload.errors = []
                _finish(upload)
        except BulkRejected as exc:
            upload.status = BulkUpload.Status.REJECTED
            upload.errors = [e.as_dict() for e in exc.errors]
            _finish(upload)
        except ApplicationError as exc:
            upload.status = BulkUpload.Status.REJECTED
            upload.errors = [RowError(None, exc.message).as_dict()]
            _finish(upload)
        except Exception:
            logger.exception("bulk upload %s could not be processed", upload.pk)
            upload.status = BulkUpload.Status.REJECTED
            upload.errors = [RowError(None, _("The file could not be processed. Nothing was assigned.")).as_dict()]
            _finish(upload)
    return upload


def _finish(upload: BulkUpload) -> None:
    upload.content = b""  # subscriber data is not kept beyond processing
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "row_count", "assigned_count", "errors", "content", "finished_at"])


# ---- bulk edit (SUB-6) ----

EDIT_COLUMNS = ["id", *BULK_COLUMNS, "downloads_enabled", "notification_email", "reference", "remove"]
EXPORT_INFO_COLUMNS = ["licensing_id", "product", "status", "assigned_at", "beyond_quantity"]  # read-only
YES = {"yes", "y", "true", "1", "x", "oui", "o", "vrai"}
NO = {"no", "n", "false", "0", "non", "faux"}


def bulk_edit_export_header() -> list[str]:
    """The subscriber export's columns: the upload template's names, the seat id and a remove column, so an
    edited export can be uploaded again (SUB-5, SUB-6); the last columns are information, ignored on upload."""
    return [*EDIT_COLUMNS, *EXPORT_INFO_COLUMNS]


def bulk_edit_export_row(seat: Seat) -> list:
    return [
        seat.pk,
        seat.email,
        seat.first_name,
        seat.last_name,
        "yes" if seat.downloads_enabled else "no",
        seat.notification_email,
        seat.reference,
        "",
        seat.pool.licensing_id.number,
        seat.pool.get_product_display(),
        seat.get_status_display(),
        seat.assigned_at.isoformat(timespec="seconds"),
        _("yes") if seat.over_assigned else "",
    ]


def _flag(value: str) -> bool | None:
    value = value.strip().lower()
    return True if value in YES else False if value in NO else None


def _edited_fields(row: BulkRow, seat: Seat, errors: list[RowError]) -> dict:
    """The seat fields the row names, parsed; a field whose column is absent is left as it is."""
    after = {}
    for name in SEAT_FIELDS:
        if name not in row.values:
            continue
        value = spreadsheet_value(row.values[name]).strip()
        if name in ("first_name", "last_name") and len(value) > 150:
            errors.append(RowError(row.line, _("A name is longer than 150 characters.")))
        elif name == "reference" and len(value) > 100:
            errors.append(RowError(row.line, _("The reference is longer than 100 characters.")))
        elif name == "notification_email":
            value = normalize_email(value)
            if value and not _email_is_valid(value):
                errors.append(RowError(row.line, _("“%(email)s” is not a valid email address.") % {"email": value}))
        elif name == "downloads_enabled":
            value = _flag(value)
            if value is None:
                errors.append(
                    RowError(
                        row.line,
                        _("Write yes or no in the %(column)s column.") % {"column": "downloads_enabled"},
                    )
                )
        after[name] = value
    return {name: value for name, value in after.items() if value != getattr(seat, name)}


def _bulk_edit_changes(*, pool: SubscriptionPool, rows: Sequence[BulkRow]) -> tuple[dict, list[RowError]]:
    """Compare the file with the pool: rows with an id change or remove that seat, rows without one are added.
    Three queries whatever the number of rows."""
    errors: list[RowError] = []
    added_rows: list[BulkRow] = []
    id_rows: list[tuple[BulkRow, int, bool]] = []
    id_lines: dict[int, int] = {}
    if not rows:
        errors.append(RowError(None, _("The file has no subscriber rows.")))
    for row in rows:
        if any("\x00" in value for value in row.values.values()):
            errors.append(RowError(row.line, _("This line holds a NUL character; save the file again as text.")))
            continue
        raw_id = spreadsheet_value(row.values.get("id", "")).strip()
        remove = _flag(row.values.get("remove", "")) if row.values.get("remove", "").strip() else False
        if remove is None:
            errors.append(RowError(row.line, _("Write yes or no in the %(column)s column.") % {"column": "remove"}))
            continue
        if not raw_id:
            if remove:
                errors.append(RowError(row.line, _("A row to remove needs the subscription id of the export.")))
            else:
                added_rows.append(row)
            continue
        pk = converters.parse_pk(raw_id.removesuffix(".0"))
        if pk is None:
            errors.append(RowError(row.line, _("“%(id)s” is not a subscription id.") % {"id": raw_id[:30]}))
        elif pk in id_lines:
            errors.append(
                RowError(
                    row.line,
                    _("The subscription %(id)s is also on line %(line)s; each may appear once.")
                    % {"id": pk, "line": id_lines[pk]},
                )
            )
        else:
            id_lines[pk] = row.line
            id_rows.append((row, pk, remove))
    seats = {seat.pk: seat for seat in Seat.objects.filter(pool=pool, pk__in=list(id_lines))}
    changed, removed = [], []
    for row, pk, remove in id_rows:
        seat = seats.get(pk)
        if seat is None:  # another pool's or tenant's id reads like an unknown one
            errors.append(RowError(row.line, _("This pool has no subscription with the id %(id)s.") % {"id": pk}))
            continue
        if seat.status != Seat.Status.ACTIVE:
            errors.append(
                RowError(
                    row.line, _("The subscription of %(email)s was removed; delete this row.") % {"email": seat.email}
                )
            )
            continue
        email = normalize_email(spreadsheet_value(row.email))
        if email and email != seat.email:
            errors.append(
                RowError(
                    row.line,
                    _("The email of a subscription cannot be edited here (%(old)s); use Reassign on the pool page.")
                    % {"old": seat.email},
                )
            )
            continue
        if remove:
            removed.append({"line": row.line, "id": seat.pk, "email": seat.email})
            continue
        after = _edited_fields(row, seat, errors)
        if after:
            before = {name: getattr(seat, name) for name in after}
            changed.append({"line": row.line, "id": seat.pk, "email": seat.email, "before": before, "after": after})
    if len(removed) > MAX_SEATS_REMOVED:
        errors.append(RowError(None, _("Select at most %(max)s subscriptions at a time.") % {"max": MAX_SEATS_REMOVED}))
    if added_rows:
        assigned = pool.seats.filter(status=Seat.Status.ACTIVE).count() - len(removed)
        errors += _validate_rows(pool=pool, rows=added_rows, assigned=assigned)
    added = [
        {
            "line": row.line,
            "email": normalize_email(row.email),
            "first_name": row.first_name.strip(),
            "last_name": row.last_name.strip(),
        }
        for row in added_rows
    ]
    return {"added": added, "changed": changed, "removed": removed}, sorted(errors, key=lambda e: e.line or 0)


@transaction.atomic
def bulk_edit_preview(*, pool: SubscriptionPool, actor, file_name: str, content: bytes) -> BulkEdit:
    """SUB-6: read an edited export into a stored preview of its changes (or the list of its problems);
    nothing changes until `bulk_edit_apply`. The file itself is not kept."""
    _require_manager(actor, pool)
    changes: dict = {}
    try:
        rows = bulk_file_parse(file_name=file_name, content=content)
        changes, errors = _bulk_edit_changes(pool=pool, rows=rows)
    except BulkRejected as exc:
        errors = exc.errors
    edit = BulkEdit(
        pool=pool,
        uploaded_by=actor,
        file_name=file_name[:255],
        status=BulkEdit.Status.REJECTED if errors else BulkEdit.Status.PREVIEW,
        changes={} if errors else changes,
        errors=[e.as_dict() for e in errors[:MAX_REPORTED_ERRORS]],
    )
    edit.full_clean()
    edit.save()
    audit.record(
        actor=actor,
        verb="subscription.bulk_edit_uploaded",
        licensing_id=pool.licensing_id,
        detail=f"edit={edit.pk} file={edit.file_name[:100]} status={edit.status}",
    )
    return edit


@transaction.atomic
def bulk_edit_apply(*, edit: BulkEdit, actor, obligation_confirmed: bool) -> BulkEdit:
    """SUB-6: apply a previewed bulk edit, all or none: changes (one UPDATE), removals (`seats_remove`, SUB-7)
    and additions (`seats_bulk_assign`, SUB-3 limits), each with its audit rows and emails. A seat that changed
    since the preview refuses the whole edit. The number of queries does not depend on the number of rows."""
    edit = BulkEdit.objects.select_for_update(of=("self",)).get(pk=edit.pk)
    if edit.status != BulkEdit.Status.PREVIEW:
        raise ApplicationError(_("This bulk edit was already applied or rejected. Upload the file again."))
    if edit.added:
        _require_obligation(obligation_confirmed)
    pool, _assigned = _lock_pool(edit.pool)
    _require_manager(actor, pool)
    if edit.is_empty:
        raise ApplicationError(_("The file changes nothing."))
    if edit.changed:
        by_id = {change["id"]: change for change in edit.changed}
        seats = list(
            Seat.objects.select_for_update(of=("self",)).filter(
                pool=pool, pk__in=list(by_id), status=Seat.Status.ACTIVE
            )
        )
        stale = len(seats) != len(by_id) or any(
            getattr(seat, name) != value for seat in seats for name, value in by_id[seat.pk]["before"].items()
        )
        if stale:
            raise ApplicationError(
                _("Some subscriptions changed since the preview. Nothing was changed; export and edit them again.")
            )
        for seat in seats:
            for name, value in by_id[seat.pk]["after"].items():
                setattr(seat, name, value)
        Seat.objects.bulk_update(seats, SEAT_FIELDS)
        audit.record_many(
            actor=actor,
            verb="subscription.updated",
            licensing_id=pool.licensing_id,
            rows=[
                {
                    "target_email": seat.email,
                    "before": by_id[seat.pk]["before"],
                    "after": by_id[seat.pk]["after"],
                    "detail": f"bulk edit={edit.pk}",
                }
                for seat in seats
            ],
        )
    if edit.removed:
        seats_remove(pool=pool, seat_ids=[row["id"] for row in edit.removed], actor=actor)
    if edit.added:
        seats_bulk_assign(
            pool=pool,
            rows=[
                BulkRow(line=row["line"], email=row["email"], first_name=row["first_name"], last_name=row["last_name"])
                for row in edit.added
            ],
            actor=actor,
            obligation_confirmed=obligation_confirmed,
        )
    edit.status = BulkEdit.Status.APPLIED
    edit.applied_at = timezone.now()
    edit.save(update_fields=["status", "applied_at"])
    audit.record(
        actor=actor,
        verb="subscription.bulk_edit_applied",
        licensing_id=pool.licensing_id,
        after={"added": len(edit.added), "changed": len(edit.changed), "removed": len(edit.removed)},
        detail=f"edit={edit.pk}",
    )
    return edit


# ---- partner membership (MPN) ----


def _require_program_admin(actor, membership: PartnerMembership) -> None:
    if not policies.is_partner_admin(actor, membership.organization):
        raise ApplicationError(_("Only the partner's Program Administrator can do this."))


def _require_own_person(membership: PartnerMembership, member) -> None:
    if member.organization_id != membership.organization_id:
        raise ApplicationError(
            _("Only a person who works for %(partner)s can receive this.") % {"partner": membership.organization.name}
        )


@transaction.atomic
def partner_contact_role_assign(*, membership: PartnerMembership, member, role: str, actor) -> PartnerContactRole:
    """MPN-2: give one of the partner's people a Technical Contact role (each role has one holder)."""
    _require_program_admin(actor, membership)
    _require_own_person(membership, member)
    PartnerMembership.objects.select_for_update().get(pk=membership.pk)
    holder = PartnerContactRole.objects.filter(membership=membership, role=role).select_related("member__user").first()
    if holder and holder.member_id != member.pk:
        raise ApplicationError(
            _("%(person)s already holds this role. Remove it from them first.") % {"person": holder.member.user}
        )
    current = PartnerContactRole.objects.filter(membership=membership, member=member).first()
    before = {"role": current.role if current else ""}
    if current:
        current.role, current.assigned_by = role, actor
        current.full_clean(validate_constraints=False)
        current.save(update_fields=["role", "assigned_by"])
    else:
        current = PartnerContactRole(membership=membership, member=member, role=role, assigned_by=actor)
        current.full_clean(validate_constraints=False)
        current.save()
    audit.record(
        actor=actor,
        verb="mpn.contact_role_assigned",
        target_email=member.user.email,
        before=before,
        after={"role": role},
        detail=f"partner={membership.organization_id}",
    )
    return current


@transaction.atomic
def partner_contact_role_remove(*, contact_role: PartnerContactRole, actor) -> None:
    _require_program_admin(actor, contact_role.membership)
    audit.record(
        actor=actor,
        verb="mpn.contact_role_removed",
        target_email=contact_role.member.user.email,
        before={"role": contact_role.role},
        detail=f"partner={contact_role.membership.organization_id}",
    )
    contact_role.delete()


@transaction.atomic
def partner_subscription_assign(*, membership: PartnerMembership, member, actor) -> PartnerSubscription:
    """MPN-1..3: a membership subscription for one named person of the partner; Action Pack needs them to
    be a Technical Contact first. The membership row is locked so the entitlement count cannot be exceeded."""
    membership = (
        PartnerMembership.objects.select_for_update(of=("self",)).select_related("organization").get(pk=membership.pk)
    )
    _require_program_admin(actor, membership)
    _require_own_person(membership, member)
    if (
        membership.requires_technical_contact
        and not PartnerContactRole.objects.filter(membership=membership, member=member).exists()
    ):
        raise ApplicationError(
            _(
                "For Action Pack, %(person)s must first be given a Technical Contact role "
                "(Requirements & Assets → Assign roles)."
            )
            % {"person": member.user}
        )
    active = PartnerSubscription.objects.filter(membership=membership, status=PartnerSubscription.Status.ACTIVE)
    if active.filter(member=member).exists():
        raise ApplicationError(_("%(person)s already has a subscription.") % {"person": member.user})
    if active.count() >= membership.entitlements:
        raise ApplicationError(
            _("All %(count)s subscriptions of this membership are assigned. Remove one first.")
            % {"count": membership.entitlements}
        )
    subscription = PartnerSubscription(membership=membership, member=member, assigned_by=actor)
    subscription.full_clean(validate_constraints=False)
    subscription.save()
    user = member.user
    audit.record(
        actor=actor,
        verb="mpn.subscription_assigned",
        target_email=user.email,
        after={"product": membership.product},
        detail=f"partner={membership.organization_id}",
    )
    email_queue(
        template="subscriptions/emails/mpn_subscription_assigned",
        to_email=user.notification_email,
        language=user.language,
        context={
            "first_name": user.first_name,
            "partner": membership.organization.name,
            "membership": _membership_label(membership, user.language),
            "product": _product_label(membership.product, user.language),
            "benefits_url": _benefits_url(),
        },
    )
    return subscription


def _membership_label(membership: PartnerMembership, language: str) -> str:
    with translation.override(language):
        return str(PartnerMembership.Kind(membership.kind).label)


@transaction.atomic
def partner_subscription_remove(*, subscription: PartnerSubscription, actor) -> PartnerSubscription:
    subscription = (
        PartnerSubscription.objects.select_for_update(of=("self",))
        .select_related("membership__organization", "member__user")
        .get(pk=subscription.pk)
    )
    _require_program_admin(actor, subscription.membership)
    if subscription.status != PartnerSubscription.Status.ACTIVE:
        raise ApplicationError(_("This subscription was already removed."))
    subscription.status = PartnerSubscription.Status.REMOVED
    subscription.removed_at = timezone.now()
    subscription.save(update_fields=["status", "removed_at"])
    audit.record(
        actor=actor,
        verb="mpn.subscription_removed",
        target_email=subscription.member.user.email,
        detail=f"partner={subscription.membership.organization_id}",
    )
    return subscription
