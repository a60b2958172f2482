"""Writes of the partners domain, one module per rule family: lockout (OPEN-5), open_license (OPEN-1..6),
deny_link (OPEN-4, RES-1, RES-4), orders (RES-1..3), registration (RES-4), relationships (RES-5..7),
support_contacts (RES-7), people (MPN-2). Callers import from here; modules import their siblings."""

from .deny_link import DENY_PURPOSE, open_license_access_check_link, open_license_access_deny_by_link
from .lockout import (
    ATTEMPT_LIMIT,
    ATTEMPT_WINDOW,
    LOCKOUT_MESSAGE,
    LOCKOUT_NEXT_STEP,
    SUSPENSION_LENGTH,
    lockout_text,
    open_license_attempts_purge,
    open_license_failure_record,
    open_license_suspension_active,
    open_license_suspension_lift,
)
from .open_license import open_license_access_add
from .orders import open_license_order_record, partner_order_create
from .people import (
    PEOPLE_INVITE_PURPOSE,
    partner_invitation_is_for,
    partner_invitation_revoke,
    partner_person_accept,
    partner_person_check_invitation,
    partner_person_invite,
    partner_person_remove,
)
from .registration import partner_license_register, partner_organization_register
from .relationships import (
    INVITE_PURPOSE,
    relationship_accept,
    relationship_admin_set,
    relationship_check_invitation,
    relationship_invitation_context,
    relationship_invitation_draft,
    relationship_invite,
    relationship_remove,
)
from .support_contacts import support_contact_add, support_contact_remove

__all__ = [
    "ATTEMPT_LIMIT",
    "ATTEMPT_WINDOW",
    "DENY_PURPOSE",
    "INVITE_PURPOSE",
    "LOCKOUT_MESSAGE",
    "LOCKOUT_NEXT_STEP",
    "PEOPLE_INVITE_PURPOSE",
    "SUSPENSION_LENGTH",
    "lockout_text",
    "open_license_access_add",
    "open_license_access_check_link",
    "open_license_access_deny_by_link",
    "open_license_attempts_purge",
    "open_license_failure_record",
    "open_license_order_record",
    "open_license_suspension_active",
    "open_license_suspension_lift",
    "partner_invitation_is_for",
    "partner_invitation_revoke",
    "partner_license_register",
    "partner_order_create",
    "partner_organization_register",
    "partner_person_accept",
    "partner_person_check_invitation",
    "partner_person_invite",
    "partner_person_remove",
    "relationship_accept",
    "relationship_admin_set",
    "relationship_check_invitation",
    "relationship_invitation_context",
    "relationship_invitation_draft",
    "relationship_invite",
    "relationship_remove",
    "support_contact_add",
    "support_contact_remove",
]
