"""Writes to permission grants, one module per rule family: grants (PERM-1..3, PERM-11), manage_users (PERM-7),
welcome (PERM-7 welcome emails), inheritance (PERM-8, PERM-9), requests (PERM-4..6), legacy_import (PERM-10).
Callers import from here; modules import their siblings."""

from licensing_portal.addresses import normalize_email  # the kernel's, re-exported for existing callers

from .grants import grants_add, grants_revoke, partner_access_deny
from .inheritance import inheritance_opt_in, inheritance_opt_out, licensing_id_remove_self
from .legacy_import import LEGACY_MVLS_ROLES, LEGACY_SOURCES, legacy_permissions_import
from .manage_users import person_remove, person_roles_set, person_roles_set_many
from .requests import permission_request_decide, permission_request_submit
from .welcome import (
    WELCOME_PURPOSE,
    WELCOME_RESEND_DAILY_LIMIT,
    audit_resends,
    welcome_check,
    welcome_resend,
    welcome_use,
)

__all__ = [
    "LEGACY_MVLS_ROLES",
    "LEGACY_SOURCES",
    "WELCOME_PURPOSE",
    "WELCOME_RESEND_DAILY_LIMIT",
    "audit_resends",
    "grants_add",
    "grants_revoke",
    "inheritance_opt_in",
    "inheritance_opt_out",
    "legacy_permissions_import",
    "licensing_id_remove_self",
    "normalize_email",
    "partner_access_deny",
    "permission_request_decide",
    "permission_request_submit",
    "person_remove",
    "person_roles_set",
    "person_roles_set_many",
    "welcome_check",
    "welcome_resend",
    "welcome_use",
]
