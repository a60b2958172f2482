"""RES-7: a partner's support contacts on a reseller relationship."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from agreements.models import OrganizationMember
from licensing_portal import audit
from licensing_portal.errors import ApplicationError
from partners.models import (
    ResellerRelationship,
    SupportContact,
)
from permissions import policies


@transaction.atomic
def support_contact_add(*, relationship: ResellerRelationship, member: OrganizationMember, actor) -> SupportContact:
    """The partner names one of its own staff as support contact for a customer (RES-7)."""
    if not policies.is_partner_admin(actor, relationship.partner):
        raise ApplicationError(_("Only your partner organisation's administrators can assign support contacts."))
    if relationship.status != ResellerRelationship.Status.ACTIVE:
        raise ApplicationError(_("This relationship is not active."))
    if member.organization_id != relationship.partner_id:
        raise ApplicationError(_("A support contact must work for your organisation."))
    contact, created = SupportContact.objects.get_or_create(relationship=relationship, member=member)
    if created:
        audit.record(
            actor=actor,
            verb="partners.support_contact_added",
            target_email=member.user.email,
            detail=f"relationship={relationship.pk}",
        )
    return contact


@transaction.atomic
def support_contact_remove(*, support_contact: SupportContact, actor) -> None:
    if not policies.is_partner_admin(actor, support_contact.relationship.partner):
        raise ApplicationError(_("Only your partner organisation's administrators can remove support contacts."))
    audit.record(
        actor=actor,
        verb="partners.support_contact_removed",
        target_email=support_contact.member.user.email,
        detail=f"relationship={support_contact.relationship_id}",
    )
    support_contact.delete()
