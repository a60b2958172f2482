"""Subscription pages (SUB-1..8, MPN-1..3), one module per rule family. urls.py names the views through this package."""

from .benefits import contact_admin, my_benefits
from .bulk import bulk_edit, bulk_edit_detail, bulk_status, bulk_template, bulk_upload
from .partner_membership import (
    mpn_contact_role_remove,
    mpn_privileges,
    mpn_requirements,
    mpn_subscription_remove,
    mpn_vs_subscriptions,
)
from .pools import PAGE_SIZE, index, pool_detail, pool_settings, pool_usage, pool_usage_export
from .seats import seat_assign, seat_edit, seat_reassign, seat_remove, seat_resend, seats_remove
from .subscribers import report, subscribers, subscribers_export, subscribers_export_xlsx

__all__ = [
    "PAGE_SIZE",
    "bulk_edit",
    "bulk_edit_detail",
    "bulk_status",
    "bulk_template",
    "bulk_upload",
    "contact_admin",
    "index",
    "mpn_contact_role_remove",
    "mpn_privileges",
    "mpn_requirements",
    "mpn_subscription_remove",
    "mpn_vs_subscriptions",
    "my_benefits",
    "pool_detail",
    "pool_settings",
    "pool_usage",
    "pool_usage_export",
    "report",
    "seat_assign",
    "seat_edit",
    "seat_reassign",
    "seat_remove",
    "seat_resend",
    "seats_remove",
    "subscribers",
    "subscribers_export",
    "subscribers_export_xlsx",
]
