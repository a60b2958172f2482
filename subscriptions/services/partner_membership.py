"""Partner membership (MPN-1..3): contact roles and partner subscriptions of a partner's people."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from licensing_portal import audit
from licensing_portal.errors import ApplicationError
from notifications.services import email_queue
from permissions import policies
from subscriptions.models import (
    PartnerContactRole,
    PartnerMembership,
    PartnerSubscription,
)

from .common import _benefits_url, _product_label


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
