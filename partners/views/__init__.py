"""Partner and Open License pages (OPEN-1..6, RES-1..7, MPN-2), one module per rule family. Thin: form -> service ->
message/redirect. urls.py names the views through this package."""

from .decorators import ACTING_FOR, PK, partner_member_required, verified_business_email_required
from .home import index, partner_switch
from .open_license import access_deny, open_license_add
from .orders import order_create, order_record
from .people import people, person_accept, person_invitation_revoke, person_remove
from .registration import agreement_select, license_detail, license_register, olp_register, relationship_summary
from .relationships import (
    customer_partners,
    customers,
    relationship_accept,
    relationship_admin,
    relationship_invite,
    relationship_remove,
    support_contact_add,
    support_contact_remove,
)

__all__ = [
    "ACTING_FOR",
    "PK",
    "access_deny",
    "agreement_select",
    "customer_partners",
    "customers",
    "index",
    "license_detail",
    "license_register",
    "olp_register",
    "open_license_add",
    "order_create",
    "order_record",
    "partner_member_required",
    "partner_switch",
    "people",
    "person_accept",
    "person_invitation_revoke",
    "person_remove",
    "relationship_accept",
    "relationship_admin",
    "relationship_invite",
    "relationship_remove",
    "relationship_summary",
    "support_contact_add",
    "support_contact_remove",
    "verified_business_email_required",
]
