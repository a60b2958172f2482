"""Role-scoped, time-bound partner access (RES-8, RES-9), like granular delegated admin.

A relationship invitation names the roles the partner asks for and a duration; the customer's own administrator,
on accepting, picks the licensing IDs and may narrow both. The grants a relationship gives carry its end
(`Grant.ends_at`): the access rule (permissions) ignores a grant past its end on the very next request, and the
beat task here revokes it for good, audited, emailing both sides. Time is never re-checked here for access.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import LicensingID, Organization, OrganizationMember
from licensing_portal import audit
from licensing_portal.core.models import User
from licensing_portal.errors import ApplicationError
from notifications.services import email_queue
from partners.models import ACCESS_MAX_DAYS, INVITATION_MAX_DAYS, ResellerRelationship
from permissions import policies
from permissions.models import Grant, Role
from permissions.services import grants_add, grants_revoke

INVITATION_MAX_AGE = timedelta(days=INVITATION_MAX_DAYS)
# The emailed link outlives the invitation by a day, so that following it late says "expired after 90 days"
# (this module's clear message) rather than the generic "This link has expired."
INVITATION_LINK_MAX_AGE = INVITATION_MAX_AGE + timedelta(days=1)
REMINDER_DAYS = (30, 7)  # RES-9, largest first
ROLE_ORDER = list(Role.values)


# ---------------------------------------------------------------- helpers


def _url(name: str, *args) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, args=args)


def roles_sorted(roles: Iterable[str]) -> list[str]:
    wanted = set(roles)
    return [r for r in ROLE_ORDER if r in wanted]


def role_labels(roles: Iterable[str]) -> list[str]:
    """Labels in the active language (called under the recipient's language when an email is rendered)."""
    return [str(Role(r).label) for r in roles_sorted(roles)]


def _partner_side(rel: ResellerRelationship) -> list[tuple[str, str]]:
    return [
        (u.notification_email, u.language)
        for u in User.objects.filter(
            memberships__organization_id=rel.partner_id, memberships__is_admin=True, is_active=True
        ).order_by("pk")
    ]


def _customer_side(rel: ResellerRelationship) -> list[tuple[str, str]]:
    """The customer administrator who accepted, and the customer's own administrators of the delegated IDs."""
    emails: set[str] = set()
    for lid in rel.administered_licences.all():
        emails |= policies.administrators_of_record(lid, own_only=True)
    users = list(
        User.objects.filter(business_email__in=emails, business_email_verified_at__isnull=False, is_active=True)
    )
    if rel.accepted_by is not None and rel.accepted_by.is_active:
        users.append(rel.accepted_by)
    found = {u.business_email for u in users}
    result = [(u.notification_email, u.language) for u in sorted(users, key=lambda u: u.pk)]
    result += [(e, "en") for e in sorted(emails - found)]
    return result


def _email_both_sides(rel: ResellerRelationship, *, template: str, context: dict, extra=()) -> None:
    """Each address once, in its own language (the email renders the role labels in it)."""
    recipients = dict(_partner_side(rel) + _customer_side(rel) + list(extra))
    for to_email, language in recipients.items():
        email_queue(template=template, to_email=to_email, language=language, context=context)


def _context(rel: ResellerRelationship, **more) -> dict:
    return {
        "partner_name": rel.partner.name,
        "customer_name": rel.customer.name if rel.customer else "",
        "roles": roles_sorted(rel.roles),
        "licences": sorted(lid.number for lid in rel.administered_licences.all()),
        "ends_on": rel.ends_at.date().isoformat() if rel.ends_at else "",
        "partner_access_url": _url("partners:partner_access"),
        "customers_url": _url("partners:customers"),
        **more,
    }


def _partner_admin_emails(partner_id: int) -> list[str]:
    return list(
        OrganizationMember.objects.filter(organization_id=partner_id, is_admin=True)
        .exclude(user__business_email="")
        .order_by("user__business_email")
        .values_list("user__business_email", flat=True)
    )


# ---------------------------------------------------------------- RES-8 invitation and acceptance


def invitation_terms_clean(*, roles: Iterable[str] | None, days: int | None) -> tuple[list[str], int]:
    """The partner asks for any of the seven roles, for 1 day to 2 years."""
    roles = roles_sorted(roles) if roles is not None else [Role.ADMINISTRATOR.value]
    days = ACCESS_MAX_DAYS if days is None else days
    if not roles:
        raise ApplicationError(_("Choose at least one role."))
    if not 1 <= days <= ACCESS_MAX_DAYS:
        raise ApplicationError(_("The duration must be between 1 and %(days)d days.") % {"days": ACCESS_MAX_DAYS})
    return roles, days


def invitation_refuse_if_expired(rel: ResellerRelationship) -> None:
    """RES-8: a pending invitation expires 90 days after it was made."""
    if rel.created_at + INVITATION_MAX_AGE <= timezone.now():
        raise ApplicationError(
            _(
                "This invitation expired: an invitation must be accepted within %(days)d days. "
                "Ask %(partner)s to send a new one."
            )
            % {"days": INVITATION_MAX_DAYS, "partner": rel.partner.name}
        )


def accept_terms(
    *,
    rel: ResellerRelationship,
    user,
    customer: Organization,
    licensing_id_pks: Iterable[int] | None,
    roles: Iterable[str] | None,
    days: int | None,
) -> tuple[list[LicensingID], list[str], datetime]:
    """What the customer grants on accepting (RES-8): licensing IDs they administer as one of the customer's own
    administrators (SEC-6), the requested roles or fewer, the requested duration or shorter. Never more."""
    administered = {
        lid.pk: lid
        for lid in LicensingID.objects.filter(
            pk__in=policies.own_administered_licensing_ids(user), organization=customer
        ).order_by("number")
    }
    wanted = set(administered) if licensing_id_pks is None else set(licensing_id_pks)
    if not wanted:
        raise ApplicationError(_("Choose at least one licensing ID. Nothing was changed."))
    if not wanted <= set(administered):
        raise ApplicationError(_("You can only delegate licences you administer. Nothing was changed."))
    granted = roles_sorted(rel.requested_roles if roles is None else roles)
    if not granted:
        raise ApplicationError(_("Choose at least one role. Nothing was changed."))
    if not set(granted) <= set(rel.requested_roles):
        raise ApplicationError(
            _("You can narrow the roles the partner asked for, not add to them. Nothing was changed.")
        )
    days = rel.requested_days if days is None else days
    if not 1 <= days <= rel.requested_days:
        raise ApplicationError(
            _("The duration must be between 1 and %(days)d days (what the partner asked for). Nothing was changed.")
            % {"days": rel.requested_days}
        )
    return [administered[pk] for pk in sorted(wanted)], granted, timezone.now() + timedelta(days=days)


def relationship_grant(*, rel: ResellerRelationship, licences: list[LicensingID], actor) -> None:
    """The partner's administrators get the relationship's roles on the licences, ending when it ends (RES-8).
    A role the person already holds otherwise stays as it was (grants_add leaves it alone)."""
    for lid in licences:
        for email in _partner_admin_emails(rel.partner_id):
            created = grants_add(
                licensing_id=lid,
                email=email,
                roles=rel.roles,
                source=Grant.Source.RELATIONSHIP,
                granted_by=actor,
                verb="permission.relationship_granted",
            )
            if created:
                _grants_of(rel, [lid.pk], emails=[email]).update(ends_at=rel.ends_at)
    rel.administered_licences.add(*licences)


def _grants_of(rel: ResellerRelationship, licence_pks: list[int], emails=None):
    """The grants this relationship gave (a write target, not an access decision)."""
    if emails is None:
        emails = (
            OrganizationMember.objects.filter(organization_id=rel.partner_id)
            .exclude(user__business_email="")
            .values("user__business_email")
        )
    return Grant.objects.filter(licensing_id__in=licence_pks, email__in=emails, source=Grant.Source.RELATIONSHIP)


def relationship_revoke(
    *, rel: ResellerRelationship, licences: list[LicensingID], actor, verb: str = "permission.relationship_removed"
) -> None:
    """Only grants that came from this relationship go; anything granted otherwise stays (RES-6, RES-9)."""
    by_pk = {lid.pk: lid for lid in licences}
    doomed: dict[tuple[int, str], set[str]] = {}
    for lid_pk, email, role in _grants_of(rel, list(by_pk)).values_list("licensing_id", "email", "role"):
        doomed.setdefault((lid_pk, email), set()).add(role)
    for (lid_pk, email), roles in sorted(doomed.items()):
        grants_revoke(
            licensing_id=by_pk[lid_pk],
            email=email,
            roles=sorted(roles),
            actor=actor,
            verb=verb,
            detail=f"relationship={rel.pk}",
        )
    rel.administered_licences.remove(*licences)


# ---------------------------------------------------------------- RES-9 extension, early end, expiry


def _locked(relationship: ResellerRelationship) -> ResellerRelationship:
    return (
        ResellerRelationship.objects.select_for_update(of=("self",))
        .select_related("partner", "customer", "accepted_by")
        .get(pk=relationship.pk)
    )


def _set_end(rel: ResellerRelationship, ends_at: datetime) -> None:
    rel.ends_at = ends_at
    rel.reminders_sent = []  # the reminders go out again before the new end
    rel.extension_requested_days = None
    rel.extension_requested_at = None
    rel.extension_requested_by = None
    rel.save(
        update_fields=[
            "ends_at",
            "reminders_sent",
            "extension_requested_days",
            "extension_requested_at",
            "extension_requested_by",
        ]
    )
    _grants_of(rel, list(rel.administered_licences.values_list("pk", flat=True))).update(ends_at=ends_at)


def _refuse_unless_customer(rel: ResellerRelationship, actor) -> None:
    if rel.status != ResellerRelationship.Status.ACTIVE or not policies.may_manage_relationships(actor, rel.customer):
        raise ApplicationError(_("You cannot change this partner's access."))


@transaction.atomic
def relationship_extend(*, relationship: ResellerRelationship, actor, days: int) -> ResellerRelationship:
    """The customer extends the partner's access to `days` from today, at most 2 years (RES-9)."""
    rel = _locked(relationship)
    _refuse_unless_customer(rel, actor)
    if not 1 <= days <= ACCESS_MAX_DAYS:
        raise ApplicationError(
            _("Access can be extended to at most %(days)d days from today. Nothing was changed.")
            % {"days": ACCESS_MAX_DAYS}
        )
    ends_at = timezone.now() + timedelta(days=days)
    if rel.ends_at and ends_at <= rel.ends_at:
        raise ApplicationError(
            _("The new end must be later than the current one; to end sooner, end the access now. Nothing was changed.")
        )
    before = rel.ends_at
    _set_end(rel, ends_at)
    audit.record(
        actor=actor,
        verb="partners.relationship_extended",
        before={"ends_at": before.isoformat() if before else None},
        after={"ends_at": ends_at.isoformat()},
        detail=f"relationship={rel.pk}",
    )
    _email_both_sides(rel, template="partners/emails/relationship_access_extended", context=_context(rel))
    return rel


@transaction.atomic
def relationship_extension_request(*, relationship: ResellerRelationship, actor, days: int) -> ResellerRelationship:
    """The partner asks the customer to extend its access by `days` (RES-9); the customer approves or declines."""
    rel = _locked(relationship)
    if rel.status != ResellerRelationship.Status.ACTIVE or not policies.is_partner_admin(actor, rel.partner):
        raise ApplicationError(_("Only your partner organisation's administrators can ask for an extension."))
    if not 1 <= days <= ACCESS_MAX_DAYS:
        raise ApplicationError(
            _("An extension can be at most %(days)d days. Nothing was sent.") % {"days": ACCESS_MAX_DAYS}
        )
    rel.extension_requested_days = days
    rel.extension_requested_at = timezone.now()
    rel.extension_requested_by = actor
    rel.save(update_fields=["extension_requested_days", "extension_requested_at", "extension_requested_by"])
    audit.record(
        actor=actor,
        verb="partners.relationship_extension_requested",
        after={"days": days},
        detail=f"relationship={rel.pk}",
    )
    context = _context(rel, days=days)
    for to_email, language in dict(_customer_side(rel)).items():
        email_queue(
            template="partners/emails/relationship_extension_requested",
            to_email=to_email,
            language=language,
            context=context,
        )
    return rel


@transaction.atomic
def relationship_extension_decide(*, relationship: ResellerRelationship, actor, approve: bool) -> ResellerRelationship:
    """The customer approves (the end moves by the requested days, at most 2 years from today) or declines."""
    rel = _locked(relationship)
    _refuse_unless_customer(rel, actor)
    days = rel.extension_requested_days
    if not days:
        raise ApplicationError(_("There is no extension request to decide. Nothing was changed."))
    if approve:
        now = timezone.now()
        before = rel.ends_at
        ends_at = min(max(rel.ends_at or now, now) + timedelta(days=days), now + timedelta(days=ACCESS_MAX_DAYS))
        _set_end(rel, ends_at)
        audit.record(
            actor=actor,
            verb="partners.relationship_extension_approved",
            before={"ends_at": before.isoformat() if before else None},
            after={"ends_at": ends_at.isoformat(), "days": days},
            detail=f"relationship={rel.pk}",
        )
        _email_both_sides(rel, template="partners/emails/relationship_access_extended", context=_context(rel))
        return rel
    rel.extension_requested_days = None
    rel.extension_requested_at = None
    rel.extension_requested_by = None
    rel.save(update_fields=["extension_requested_days", "extension_requested_at", "extension_requested_by"])
    audit.record(
        actor=actor,
        verb="partners.relationship_extension_declined",
        after={"days": days},
        detail=f"relationship={rel.pk}",
    )
    _email_both_sides(rel, template="partners/emails/relationship_extension_declined", context=_context(rel, days=days))
    return rel


def _end(rel: ResellerRelationship, *, actor, verb: str) -> None:
    """Revoke every grant of the relationship, close it, audit, email both sides: one transaction (RES-9)."""
    context = _context(rel, ended_early=actor is not None)
    recipients = _partner_side(rel) + _customer_side(rel)
    if actor is not None:
        recipients.append((actor.notification_email, actor.language))
    relationship_revoke(
        rel=rel, licences=list(rel.administered_licences.all()), actor=actor, verb="permission.relationship_ended"
    )
    now = timezone.now()
    rel.status = ResellerRelationship.Status.EXPIRED
    rel.removed_at = now
    rel.removed_by = actor
    rel.ends_at = min(rel.ends_at, now) if rel.ends_at else now
    rel.extension_requested_days = None
    rel.save(update_fields=["status", "removed_at", "removed_by", "ends_at", "extension_requested_days"])
    audit.record(actor=actor, verb=verb, detail=f"relationship={rel.pk} partner={rel.partner_id}")
    for to_email, language in dict(recipients).items():
        email_queue(
            template="partners/emails/relationship_access_ended", to_email=to_email, language=language, context=context
        )


@transaction.atomic
def relationship_end_early(*, relationship: ResellerRelationship, actor) -> ResellerRelationship:
    """The customer ends the partner's delegated access now (RES-9)."""
    rel = _locked(relationship)
    _refuse_unless_customer(rel, actor)
    _end(rel, actor=actor, verb="partners.relationship_ended_early")
    return rel


def relationship_expire(*, relationship_id: int) -> bool:
    """End one relationship whose end has come (RES-9). Idempotent: a second run finds it no longer active."""
    with transaction.atomic():
        rel = (
            ResellerRelationship.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("partner", "customer", "accepted_by")
            .filter(pk=relationship_id, status=ResellerRelationship.Status.ACTIVE, ends_at__lte=timezone.now())
            .first()
        )
        if rel is None:
            return False
        _end(rel, actor=None, verb="partners.relationship_expired")
        return True


def relationships_expire() -> int:
    """Every relationship past its end, each in its own transaction (beat, RES-9)."""
    due = ResellerRelationship.objects.filter(
        status=ResellerRelationship.Status.ACTIVE, ends_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return sum(relationship_expire(relationship_id=pk) for pk in list(due))


def relationship_remind(*, relationship_id: int) -> int | None:
    """Send the reminder due for one relationship, once per threshold (RES-9); returns the threshold sent."""
    with transaction.atomic():
        now = timezone.now()
        rel = (
            ResellerRelationship.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("partner", "customer", "accepted_by")
            .filter(pk=relationship_id, status=ResellerRelationship.Status.ACTIVE, ends_at__gt=now)
            .first()
        )
        if rel is None:
            return None
        due = [d for d in REMINDER_DAYS if rel.ends_at - now <= timedelta(days=d) and d not in rel.reminders_sent]
        if not due:
            return None
        threshold = min(due)  # inside 7 days a late first run sends the 7-day reminder only
        rel.reminders_sent = sorted(set(rel.reminders_sent) | set(due))
        rel.save(update_fields=["reminders_sent"])
        audit.record(
            actor=None,
            verb="partners.relationship_reminded",
            after={"threshold_days": threshold, "ends_at": rel.ends_at.isoformat()},
            detail=f"relationship={rel.pk}",
        )
        _email_both_sides(
            rel,
            template="partners/emails/relationship_access_reminder",
            context=_context(rel, days_left=max(1, (rel.ends_at - now).days), threshold=threshold),
        )
        return threshold


def relationships_remind() -> int:
    horizon = timezone.now() + timedelta(days=max(REMINDER_DAYS))
    due = ResellerRelationship.objects.filter(
        status=ResellerRelationship.Status.ACTIVE, ends_at__gt=timezone.now(), ends_at__lte=horizon
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(due) if relationship_remind(relationship_id=pk) is not None)
