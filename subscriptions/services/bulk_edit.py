"""SUB-6 bulk edit: export seats, preview an edited file, apply it in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing_portal import audit, converters
from licensing_portal.addresses import normalize_email
from licensing_portal.errors import ApplicationError
from licensing_portal.export import spreadsheet_value
from subscriptions.models import (
    BulkEdit,
    Seat,
    SubscriptionPool,
)

from .bulk_files import (
    BULK_COLUMNS,
    MAX_REPORTED_ERRORS,
    BulkRejected,
    BulkRow,
    RowError,
    _email_is_valid,
    bulk_file_parse,
)
from .bulk_upload import _validate_rows, seats_bulk_assign
from .pools import _lock_pool, _require_manager, _require_obligation
from .seats import MAX_SEATS_REMOVED, SEAT_FIELDS, seats_remove

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
