"""Which audited decisions become which webhook events (API-4). The audit log already records every decision in
the service's transaction (licensing_portal/audit.py), so a delivery written there commits or rolls back with it.

An endpoint subscribes to categories; a verb maps to one or more public event types `<category>.<what>`. Verbs
that are refusals, notices or about a person rather than an organisation (lockouts, invalid attempts) map to
nothing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

GRANT = "grant"
PERMISSION_REQUEST = "permission_request"
SEAT = "seat"
RELATIONSHIP = "relationship"
OPEN_LICENSE = "open_license"

CATEGORIES = [
    (GRANT, _("Grants (roles added, changed, removed)")),
    (PERMISSION_REQUEST, _("Permission requests")),
    (SEAT, _("Subscription seats")),
    (RELATIONSHIP, _("Partner relationships")),
    (OPEN_LICENSE, _("Open License access")),
]
CATEGORY_NAMES = frozenset(name for name, _label in CATEGORIES)
SHORT_LABELS = {
    GRANT: _("Grants"),
    PERMISSION_REQUEST: _("Permission requests"),
    SEAT: _("Subscription seats"),
    RELATIONSHIP: _("Partner relationships"),
    OPEN_LICENSE: _("Open License access"),
}

VERB_EVENTS: dict[str, tuple[str, ...]] = {
    # grants (PERM-*)
    "permission.added": ("grant.added",),
    "permission.granted": ("grant.added",),
    "permission.changed": ("grant.changed",),
    "permission.removed": ("grant.removed",),
    "permission.self_removed": ("grant.removed",),
    "permission.access_denied": ("grant.removed",),
    "permission.inheritance_opt_out": ("grant.inheritance_opted_out",),
    "permission.inheritance_opt_in": ("grant.inheritance_opted_in",),
    "permission.reseller_added": ("grant.added",),
    "permission.relationship_granted": ("grant.added",),
    "permission.relationship_removed": ("grant.removed",),
    "permission.open_license_added": ("grant.added",),
    "permission.partner_registered": ("grant.added",),
    "permission.legacy_import": ("grant.added",),
    # permission requests (PERM-5); an approval also changes grants
    "permission.requested": ("permission_request.created",),
    "permission.request_approved": ("permission_request.approved", "grant.added"),
    "permission.request_denied": ("permission_request.denied",),
    # seats (SUB-*)
    "subscription.assigned": ("seat.assigned",),
    "subscription.bulk_assigned": ("seat.bulk_assigned",),
    "subscription.bulk_edit_applied": ("seat.bulk_edited",),
    "subscription.updated": ("seat.updated",),
    "subscription.reassigned": ("seat.reassigned",),
    "subscription.removed": ("seat.removed",),
    "subscription.pool_updated": ("seat.pool_updated",),
    "subscription.low_seats_alert": ("seat.low_seats",),
    # partner relationships (RES-5..7)
    "partners.relationship_invited": ("relationship.invited",),
    "partners.relationship_accepted": ("relationship.accepted",),
    "partners.relationship_permissions_changed": ("relationship.changed",),
    "partners.relationship_removed": ("relationship.removed",),
    "partners.support_contact_added": ("relationship.support_contact_added",),
    "partners.support_contact_removed": ("relationship.support_contact_removed",),
    # Open License (OPEN-*, RES-1, RES-4)
    "open_license.access_added": ("open_license.access_added",),
    "open_license.partner_added": ("open_license.partner_added",),
    "open_license.access_denied": ("open_license.access_denied",),
    "open_license.order_recorded": ("open_license.order_recorded",),
}


def category_of(event_type: str) -> str:
    return event_type.partition(".")[0]


def event_types_for(verb: str) -> tuple[str, ...]:
    return VERB_EVENTS.get(verb, ())


def encode_categories(categories) -> str:
    """Stored as `|grant|seat|` so that "subscribes to X" is a portable LIKE (SQLite in the demo, PostgreSQL)."""
    chosen = sorted(set(categories) & CATEGORY_NAMES)
    return "|" + "|".join(chosen) + "|" if chosen else ""


def decode_categories(stored: str) -> list[str]:
    return [name for name in stored.split("|") if name]
