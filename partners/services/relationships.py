"""RES-5..7 reseller relationships: invite, accept, delegated administrator, remove."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.models import LicensingID, Organization, OrganizationMember
from licensing_portal import audit, tokens
from licensing_portal.addresses import normalize_email
from licensing_portal.core.models import OneTimeToken, User
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from notifications.services import email_queue, email_render
from partners import partner_access
from partners.models import (
    ResellerRelationship,
)
from permissions import policies

from .sending_limits import _partner_sending_allow

INVITE_PURPOSE = "relationship-invite"


def _partner_admin_emails(partner: Organization) -> list[str]:
    return list(
        OrganizationMember.objects.filter(organization=partner, is_admin=True)
        .exclude(user__business_email="")
        .order_by("user__business_email")
        .values_list("user__business_email", flat=True)
    )


def _partner_admin_recipients(partner: Organization) -> list[tuple[str, str]]:
    return [
        (u.notification_email, u.language)
        for u in User.objects.filter(memberships__organization=partner, memberships__is_admin=True).order_by("pk")
    ]


@transaction.atomic
def relationship_invite(
    *,
    partner: Organization,
    invited_by,
    customer_email: str = "",
    send_email: bool = False,
    roles: Iterable[str] | None = None,
    days: int | None = None,
) -> tuple[ResellerRelationship, str]:
    """A pending relationship and its personal link (shown once to the partner; only a hash is kept). It names the
    roles asked for and a duration (RES-8) and expires after 90 days."""
    if not policies.is_partner_admin(invited_by, partner):
        raise ApplicationError(_("Only your partner organisation's administrators can invite customers."))
    requested_roles, requested_days = partner_access.invitation_terms_clean(roles=roles, days=days)
    rel = ResellerRelationship(
        partner=partner,
        invited_by=invited_by,
        customer_email=normalize_email(customer_email or ""),
        requested_roles=requested_roles,
        requested_days=requested_days,
    )
    rel.full_clean()
    _partner_sending_allow(partner=partner, user=invited_by, action="relationship_invite")
    rel.save()
    token = tokens.issue(purpose=INVITE_PURPOSE, subject_id=rel.pk, max_age=partner_access.INVITATION_LINK_MAX_AGE)
    url = portal_url("partners:relationship_accept", token)
    audit.record(
        actor=invited_by,
        verb="partners.relationship_invited",
        target_email=rel.customer_email,
        after={"roles": requested_roles, "days": requested_days},
        detail=f"relationship={rel.pk}",
    )
    if send_email and rel.customer_email:
        email_queue(
            template="partners/emails/relationship_invitation",
            to_email=rel.customer_email,
            language=invited_by.language,
            context=relationship_invitation_context(relationship=rel, url=url),
        )
    return rel, url


def relationship_invitation_context(*, relationship: ResellerRelationship, url: str) -> dict:
    inviter = relationship.invited_by
    return {
        "partner_name": relationship.partner.name,
        "accept_url": url,
        "inviter_name": inviter.get_full_name() if inviter else "",
        "days": partner_access.INVITATION_MAX_DAYS,
        "roles": partner_access.roles_sorted(relationship.requested_roles),
        "access_days": relationship.requested_days,
    }


def relationship_invitation_draft(*, relationship: ResellerRelationship, url: str) -> dict[str, str]:
    """The draft email the partner copies or opens in a mail client (RES-5)."""
    subject, body, _html = email_render(
        "partners/emails/relationship_invitation",
        relationship_invitation_context(relationship=relationship, url=url),
        translation.get_language() or "en",
    )
    return {"subject": subject, "body": body}


def relationship_check_invitation(*, token: str) -> ResellerRelationship:
    checked = tokens.check(purpose=INVITE_PURPOSE, token=token)
    rel = ResellerRelationship.objects.select_related("partner").filter(pk=checked.subject_id).first()
    if rel is None or rel.status != ResellerRelationship.Status.PENDING:
        raise ApplicationError(_("This invitation is no longer open."))
    partner_access.invitation_refuse_if_expired(rel)
    return rel


def relationship_accept(
    *,
    token: str,
    user,
    customer_id: int | None,
    licensing_id_pks: Iterable[int] | None = None,
    roles: Iterable[str] | None = None,
    days: int | None = None,
) -> ResellerRelationship:
    """One of the customer's own administrators accepts (RES-5); the partner's administrators get the roles the
    customer keeps of those asked for, on the licensing IDs chosen among those this user administers as the
    customer's own, until the end chosen (RES-8; by default everything asked for). Anyone else, a partner acting
    through delegated access included (SEC-6), is refused, audited, nothing changed."""
    try:
        with transaction.atomic():
            checked = tokens.check(purpose=INVITE_PURPOSE, token=token)
            rel = (
                ResellerRelationship.objects.select_for_update(of=("self",))
                .select_related("partner")
                .filter(pk=checked.subject_id)
                .first()
            )
            if rel is None or rel.status != ResellerRelationship.Status.PENDING:
                raise ApplicationError(_("This invitation is no longer open."))
            partner_access.invitation_refuse_if_expired(rel)
            customer = (
                Organization.objects.filter(pk=customer_id, kind=Organization.Kind.CUSTOMER)
                .filter(pk__in=policies.customer_organization_ids(user))
                .first()
                if customer_id
                else None
            )
            if customer is None:
                raise ApplicationError(
                    _(
                        "Only an administrator of the customer organisation's agreements can "
                        "accept this invitation. Nothing was changed."
                    )
                )
            if ResellerRelationship.objects.filter(
                partner=rel.partner, customer=customer, status=ResellerRelationship.Status.ACTIVE
            ).exists():
                raise ApplicationError(
                    _("%(partner)s is already your partner. Nothing was changed.") % {"partner": rel.partner.name}
                )
            licences, rel.roles, rel.ends_at = partner_access.accept_terms(
                rel=rel, user=user, customer=customer, licensing_id_pks=licensing_id_pks, roles=roles, days=days
            )
            tokens.consume(purpose=INVITE_PURPOSE, token=token)
            rel.status = ResellerRelationship.Status.ACTIVE
            rel.customer = customer
            rel.accepted_by = user
            rel.accepted_at = timezone.now()
            rel.save(update_fields=["status", "customer", "accepted_by", "accepted_at", "roles", "ends_at"])
            _relationship_grant(rel=rel, licences=licences, actor=user)
            audit.record(
                actor=user,
                verb="partners.relationship_accepted",
                after={
                    "roles": rel.roles,
                    "licensing_ids": [lid.pk for lid in licences],
                    "ends_at": rel.ends_at.isoformat(),
                },
                detail=f"relationship={rel.pk} partner={rel.partner_id} customer={customer.pk}",
            )
            for to_email, language in _partner_admin_recipients(rel.partner):
                email_queue(
                    template="partners/emails/relationship_accepted",
                    to_email=to_email,
                    language=language,
                    context={"customer_name": customer.name, "customers_url": portal_url("partners:customers")},
                )
            return rel
    except ApplicationError as exc:
        audit.record(
            actor=user,
            verb="partners.relationship_accept_refused",
            detail=f"token={tokens.redact(token)} customer={customer_id} reason={exc.message}",
        )
        raise


def _relationship_grant(*, rel: ResellerRelationship, licences: list[LicensingID], actor) -> None:
    """The relationship's roles until its end (RES-8): partners/partner_access.py."""
    partner_access.relationship_grant(rel=rel, licences=licences, actor=actor)


def _relationship_revoke(*, rel: ResellerRelationship, licences: list[LicensingID], actor) -> None:
    """Only grants that came from this relationship go; anything granted otherwise stays."""
    partner_access.relationship_revoke(rel=rel, licences=licences, actor=actor)


@transaction.atomic
def relationship_admin_set(
    *, relationship: ResellerRelationship, licensing_id_pks: Iterable[int], actor
) -> ResellerRelationship:
    """The customer grants, reassigns or removes the partner's administrator permissions (RES-6); the
    relationship itself stays (the partner remains reseller and support provider). Only the customer's own
    administrators, over licences they administer as such: never a partner through delegated access (SEC-6)."""
    rel = (
        ResellerRelationship.objects.select_for_update(of=("self",))
        .select_related("partner", "customer")
        .get(pk=relationship.pk)
    )
    if rel.status != ResellerRelationship.Status.ACTIVE or not policies.may_manage_relationships(actor, rel.customer):
        raise ApplicationError(_("You cannot change this partner's permissions."))
    allowed = {
        lid.pk: lid
        for lid in LicensingID.objects.filter(
            pk__in=policies.own_administered_licensing_ids(actor), organization=rel.customer
        )
    }
    wanted = set(licensing_id_pks)
    if not wanted <= set(allowed):
        raise ApplicationError(_("You can only delegate licences you administer. Nothing was changed."))
    current = set(rel.administered_licences.filter(pk__in=list(allowed)).values_list("pk", flat=True))
    added, removed = wanted - current, current - wanted
    if not added and not removed:
        return rel
    _relationship_grant(rel=rel, licences=[allowed[pk] for pk in sorted(added)], actor=actor)
    _relationship_revoke(rel=rel, licences=[allowed[pk] for pk in sorted(removed)], actor=actor)
    audit.record(
        actor=actor,
        verb="partners.relationship_permissions_changed",
        after={"added": sorted(added), "removed": sorted(removed)},
        detail=f"relationship={rel.pk}",
    )
    numbers = {pk: allowed[pk].number for pk in allowed}
    context = {
        "partner_name": rel.partner.name,
        "customer_name": rel.customer.name,
        "administered": sorted(numbers[pk] for pk in wanted),
    }
    for to_email, language in _partner_admin_recipients(rel.partner) + [(actor.notification_email, actor.language)]:
        email_queue(
            template="partners/emails/relationship_permissions_changed",
            to_email=to_email,
            language=language,
            context=context,
        )
    return rel


@transaction.atomic
def relationship_remove(*, relationship: ResellerRelationship, actor) -> ResellerRelationship:
    """Either side ends the relationship (RES-6): the partner's own administrators, or the customer's own
    administrators (never another partner through its delegated access, SEC-6). The partner's delegated
    administration ends on the next request and both sides are emailed."""
    rel = (
        ResellerRelationship.objects.select_for_update(of=("self",))
        .select_related("partner", "customer")
        .get(pk=relationship.pk)
    )
    partner_side = policies.is_partner_admin(actor, rel.partner)
    customer_side = policies.may_manage_relationships(actor, rel.customer)
    if not (partner_side or customer_side):
        raise ApplicationError(_("You cannot remove this relationship."))
    if rel.status == ResellerRelationship.Status.REMOVED:
        raise ApplicationError(_("This relationship was already removed."))
    _relationship_revoke(rel=rel, licences=list(rel.administered_licences.all()), actor=actor)
    OneTimeToken.objects.filter(purpose=INVITE_PURPOSE, subject_id=rel.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    rel.support_contacts.all().delete()
    rel.status = ResellerRelationship.Status.REMOVED
    rel.removed_by = actor
    rel.removed_at = timezone.now()
    rel.save(update_fields=["status", "removed_by", "removed_at"])
    audit.record(
        actor=actor,
        verb="partners.relationship_removed",
        detail=f"relationship={rel.pk} by={'partner' if partner_side else 'customer'}",
    )
    recipients = _partner_admin_recipients(rel.partner)
    if rel.accepted_by is not None:
        recipients.append((rel.accepted_by.notification_email, rel.accepted_by.language))
    recipients.append((actor.notification_email, actor.language))
    context = {
        "partner_name": rel.partner.name,
        "customer_name": rel.customer.name if rel.customer else "",
        "removed_by": actor.get_full_name() or actor.email,
    }
    for to_email, language in dict(recipients).items():
        email_queue(
            template="partners/emails/relationship_removed",
            to_email=to_email,
            language=language,
            context=context,
        )
    return rel
