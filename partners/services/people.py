"""MPN-2: the partner's people (invitations, acceptance, removal)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Organization, OrganizationMember
from licensing_portal import audit, tokens
from licensing_portal.addresses import normalize_email
from licensing_portal.core.models import OneTimeToken, User
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from notifications.services import email_queue
from partners.models import (
    PartnerInvitation,
)
from permissions import policies

from .sending_limits import _partner_sending_allow

PEOPLE_INVITE_PURPOSE = "partner-people-invite"


def partner_invitation_is_for(*, invitation: PartnerInvitation, user) -> bool:
    """May this signed-in user accept the invitation (MPN-2)? Said on the confirmation page before they try."""
    return _is_address_of(user, invitation.email)


def _is_address_of(user, email: str) -> bool:
    """The user signs in with `email` (allauth, verified) or has it as their verified business email."""
    from allauth.account.models import EmailAddress

    if normalize_email(user.verified_business_email or "") == email:
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def _language_for_address(email: str, *, default: str) -> str:
    """The language of the account using this address, if any (the inviter never learns which)."""
    user = User.objects.filter(Q(email__iexact=email) | Q(business_email=email)).order_by("pk").first()
    return user.language if user else default


@transaction.atomic
def partner_person_invite(*, partner: Organization, invited_by, email: str) -> PartnerInvitation:
    """The Program Administrator invites a person to work for the partner (MPN-2). Whether the address has an
    account is never told: the answer and the email are the same either way. An earlier open invitation to the
    same address is replaced (its link stops working)."""
    if not policies.is_partner_admin(invited_by, partner):
        raise ApplicationError(_("Only your partner organisation's Program Administrator can add people to it."))
    invitation = PartnerInvitation(partner=partner, invited_by=invited_by, email=normalize_email(email))
    invitation.full_clean()
    if (
        OrganizationMember.objects.filter(organization=partner)
        .filter(Q(user__email__iexact=invitation.email) | Q(user__business_email=invitation.email))
        .exists()
    ):  # they are on the People page already: nothing is revealed
        raise ApplicationError(
            _("%(email)s already works for %(partner)s. Nothing was sent.")
            % {"email": invitation.email, "partner": partner.name}
        )
    _partner_sending_allow(partner=partner, user=invited_by, action="partner_person_invite")
    for earlier in PartnerInvitation.objects.pending().filter(partner=partner, email=invitation.email):
        _invitation_close(invitation=earlier)
    invitation.save()
    token = tokens.issue(purpose=PEOPLE_INVITE_PURPOSE, subject_id=invitation.pk, max_age=settings.EMAIL_LINK_MAX_AGE)
    audit.record(
        actor=invited_by,
        verb="partners.person_invited",
        target_email=invitation.email,
        detail=f"partner={partner.pk} invitation={invitation.pk}",
    )
    email_queue(
        template="partners/emails/person_invitation",
        to_email=invitation.email,
        language=_language_for_address(invitation.email, default=invited_by.language),
        context={
            "partner_name": partner.name,
            "inviter_name": invited_by.get_full_name(),
            "accept_url": portal_url("partners:person_accept", token),
            "days": settings.EMAIL_LINK_MAX_AGE.days,
        },
    )
    return invitation


def _invitation_close(*, invitation: PartnerInvitation) -> None:
    now = timezone.now()
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    OneTimeToken.objects.filter(purpose=PEOPLE_INVITE_PURPOSE, subject_id=invitation.pk, used_at__isnull=True).update(
        used_at=now
    )


def partner_person_check_invitation(*, token: str) -> PartnerInvitation:
    """For the confirmation page (GET changes nothing)."""
    checked = tokens.check(purpose=PEOPLE_INVITE_PURPOSE, token=token)
    invitation = PartnerInvitation.objects.select_related("partner").filter(pk=checked.subject_id).first()
    if invitation is None or not invitation.is_pending:
        raise ApplicationError(_("This invitation is no longer open."))
    return invitation


def partner_person_accept(*, token: str, user) -> OrganizationMember:
    """The invited person joins the partner (MPN-2), as a member who is not an administrator. Only an account
    that signs in with the invited address, or has it as its verified business email, may accept; anyone else
    is refused, audited, and nothing changes. The inviter is emailed in their language."""
    try:
        with transaction.atomic():
            checked = tokens.check(purpose=PEOPLE_INVITE_PURPOSE, token=token)
            invitation = (
                PartnerInvitation.objects.select_for_update(of=("self",))
                .select_related("partner", "invited_by")
                .filter(pk=checked.subject_id)
                .first()
            )
            if invitation is None or not invitation.is_pending:
                raise ApplicationError(_("This invitation is no longer open."))
            partner = invitation.partner
            if not _is_address_of(user, invitation.email):
                raise ApplicationError(
                    _(
                        "This invitation was sent to %(email)s. Sign in with the account that uses that address, "
                        "or has it as its verified business email, to accept it. Nothing was changed."
                    )
                    % {"email": invitation.email}
                )
            if OrganizationMember.objects.filter(organization=partner, user=user).exists():
                raise ApplicationError(
                    _("You already work for %(partner)s. Nothing was changed.") % {"partner": partner.name}
                )
            tokens.consume(purpose=PEOPLE_INVITE_PURPOSE, token=token)
            member = OrganizationMember(organization=partner, user=user, is_admin=False)
            member.full_clean(validate_constraints=False)
            member.save()
            invitation.accepted_at = timezone.now()
            invitation.accepted_by = user
            invitation.save(update_fields=["accepted_at", "accepted_by"])
            audit.record(
                actor=user,
                verb="partners.person_joined",
                target_email=invitation.email,
                detail=f"partner={partner.pk} invitation={invitation.pk}",
            )
            inviter = invitation.invited_by
            if inviter is not None and inviter.is_active:
                email_queue(
                    template="partners/emails/person_joined",
                    to_email=inviter.notification_email,
                    language=inviter.language,
                    context={
                        "partner_name": partner.name,
                        "person_name": user.get_full_name(),
                        "person_email": invitation.email,
                        "people_url": portal_url("partners:people") + f"?partner={partner.pk}",
                    },
                )
            return member
    except ApplicationError as exc:
        audit.record(
            actor=user,
            verb="partners.person_accept_refused",
            detail=f"token={tokens.redact(token)} reason={exc.message}",
        )
        raise


@transaction.atomic
def partner_invitation_revoke(*, invitation: PartnerInvitation, actor) -> PartnerInvitation:
    """The Program Administrator withdraws an open invitation: its link stops working (MPN-2)."""
    invitation = (
        PartnerInvitation.objects.select_for_update(of=("self",)).select_related("partner").get(pk=invitation.pk)
    )
    if not policies.is_partner_admin(actor, invitation.partner):
        raise ApplicationError(_("Only your partner organisation's Program Administrator can withdraw invitations."))
    if not invitation.is_pending:
        raise ApplicationError(_("This invitation is no longer open."))
    _invitation_close(invitation=invitation)
    audit.record(
        actor=actor,
        verb="partners.person_invitation_revoked",
        target_email=invitation.email,
        detail=f"partner={invitation.partner_id} invitation={invitation.pk}",
    )
    return invitation


@transaction.atomic
def partner_person_remove(*, member: OrganizationMember, actor) -> None:
    """The Program Administrator removes one of the partner's people who is not an administrator (MPN-2): never
    themselves, never an administrator (so the partner always keeps one). Someone holding a membership
    subscription keeps it until it is removed on the Visual Studio subscriptions page (MPN-1)."""
    member = (
        OrganizationMember.objects.select_for_update(of=("self",))
        .select_related("organization", "user")
        .get(pk=member.pk)
    )
    partner = member.organization
    if not policies.is_partner_admin(actor, partner):
        raise ApplicationError(_("Only your partner organisation's Program Administrator can remove people."))
    if member.user_id == actor.pk:
        raise ApplicationError(_("You cannot remove yourself. Nothing was changed."))
    if member.is_admin:
        raise ApplicationError(
            _("%(person)s is an administrator of %(partner)s; ask support to change administrators.")
            % {"person": member.user, "partner": partner.name}
        )
    if member.partner_subscriptions.filter(status="active").exists():
        raise ApplicationError(
            _("%(person)s holds a membership subscription. Remove it first, then remove the person.")
            % {"person": member.user}
        )
    audit.record(
        actor=actor,
        verb="partners.person_removed",
        target_email=member.user.email,
        detail=f"partner={partner.pk}",
    )
    member.delete()
