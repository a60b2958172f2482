"""Writes of the subscriptions domain, one module per rule family: pools (SUB-1..3, SUB-8), usage (SUB-5),
seats (SUB-1..4), bulk_files (the CSV/XLSX parser), bulk_upload (SUB-3), bulk_edit (SUB-6),
partner_membership (MPN-1..3). Callers import from here; modules import their siblings."""

from licensing_portal.addresses import normalize_email  # the kernel's, re-exported for existing callers

from .bulk_edit import (
    EDIT_COLUMNS,
    EXPORT_INFO_COLUMNS,
    NO,
    YES,
    bulk_edit_apply,
    bulk_edit_export_header,
    bulk_edit_export_row,
    bulk_edit_preview,
)
from .bulk_files import (
    BULK_COLUMNS,
    EMAIL_MAX_LENGTH,
    MAX_REPORTED_ERRORS,
    MAX_UPLOAD_BYTES,
    MAX_XLSX_UNPACKED_BYTES,
    REQUIRED_COLUMNS,
    BulkRejected,
    BulkRow,
    RowError,
    bulk_file_parse,
    bulk_template,
)
from .bulk_upload import bulk_upload_create, bulk_upload_process, seats_bulk_assign
from .partner_membership import (
    partner_contact_role_assign,
    partner_contact_role_remove,
    partner_subscription_assign,
    partner_subscription_remove,
)
from .pools import pool_update
from .seats import (
    CONTACT_MESSAGE_MAX,
    MAX_SEATS_REMOVED,
    SEAT_FIELDS,
    seat_assign,
    seat_contact_admins,
    seat_reassign,
    seat_remove,
    seat_resend,
    seat_update,
    seats_remove,
)
from .usage import SNAPSHOT_BATCH, pool_usage_snapshot_all

__all__ = [
    "BULK_COLUMNS",
    "BulkRejected",
    "BulkRow",
    "CONTACT_MESSAGE_MAX",
    "EDIT_COLUMNS",
    "EMAIL_MAX_LENGTH",
    "EXPORT_INFO_COLUMNS",
    "MAX_REPORTED_ERRORS",
    "MAX_SEATS_REMOVED",
    "MAX_UPLOAD_BYTES",
    "MAX_XLSX_UNPACKED_BYTES",
    "NO",
    "REQUIRED_COLUMNS",
    "RowError",
    "SEAT_FIELDS",
    "SNAPSHOT_BATCH",
    "YES",
    "bulk_edit_apply",
    "bulk_edit_export_header",
    "bulk_edit_export_row",
    "bulk_edit_preview",
    "bulk_file_parse",
    "bulk_template",
    "bulk_upload_create",
    "bulk_upload_process",
    "normalize_email",
    "partner_contact_role_assign",
    "partner_contact_role_remove",
    "partner_subscription_assign",
    "partner_subscription_remove",
    "pool_update",
    "pool_usage_snapshot_all",
    "seat_assign",
    "seat_contact_admins",
    "seat_reassign",
    "seat_remove",
    "seat_resend",
    "seat_update",
    "seats_bulk_assign",
    "seats_remove",
]
