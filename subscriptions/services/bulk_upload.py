"""SUB-3 bulk assignment: validate every row, then assign all or none; the upload task's service."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from licensing_portal import audit
from licensing_portal.addresses import normalize_email
from licensing_portal.errors import ApplicationError
from subscriptions.models import (
    BulkUpload,
    Seat,
    SubscriptionPool,
)

from .bulk_files import MAX_UPLOAD_BYTES, BulkRejected, BulkRow, RowError, _email_is_valid, bulk_file_parse
from .pools import _lock_pool, _over_message, _refuses_over_assignment, _require_manager, _require_obligation
from .seats import _email_subscribers
from .usage import _low_seats_check

logger = logging.getLogger(__name__)


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
