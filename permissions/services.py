"""Writes to permission grants. Every change is audited (PERM-11); emails go through the outbox (NOTE-1)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.models import LicensingID
from licensing_portal import audit, limits
from licensing_portal.errors import ApplicationError
from notifications.services import email_queue
from permissions import access, policies
from permissions.access import business_email_of
from permissions.models import (
    Grant,
    InheritanceOptOut,
    PermissionRequest,
    Role,
    SABenefit,
)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _clean_roles(roles: Iterable[str]) -> list[str]:
    """Known roles in their canonical order; anything else is refused, never silently granted."""
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ApplicationError(_("Unknown role."))
    return [r for r in Role.values if r in wanted]


def _clean_benefits(roles: Iterable[str], sa_benefits: Iterable[str]) -> list[str]:
    if Role.SA_MANAGER not in set(roles):
        return []
    benefits = set(sa_benefits)
    if benefits - set(SABenefit.values):
        raise ApplicationError(_("Unknown Software Assurance benefit."))
    if not benefits:
        raise ApplicationError(_("Choose the benefits the Software Assurance Manager may manage."))
    return [b for b in SABenefit.values if b in benefits]


def _recipients(emails: Iterable[str]) -> dict[str, tuple[str, str]]:
    """business email -> (address to write to, language): a registered, verified user's notification address
    and language, else the business email itself in English. One query."""
    from licensing_portal.core.models import User

    emails = {normalize_email(e) for e in emails}
    found = {
        u.business_email: (u.notification_email, u.language)
        for u in User.objects.filter(business_email__in=emails, business_email_verified_at__isnull=False)
    }
    return {e: found.get(e, (e, "en")) for e in emails}


def _labels(values: Iterable[str], choices, language: str) -> list[str]:
    with translation.override(language):
        return [str(choices(v).label) for v in values if v in choices.values]


def _lid_context(licensing_id: LicensingID | None, language: str) -> dict:
    if licensing_id is None:
        return {}
    with translation.override(language):
        return {"licensing_id": licensing_id.number, "program": str(licensing_id.get_program_display())}


def _notify_access_removed(*, licensing_id: LicensingID, email: str, denied: bool) -> None:
    to, language = _recipients([email])[normalize_email(email)]
    email_queue(
        template="permissions/emails/access_removed",
        to_email=to,
        language=language,
        context={**_lid_context(licensing_id, language), "denied": denied},
    )


@transaction.atomic
def grants_add(
    *,
    licensing_id: LicensingID,
    email: str,
    roles: Iterable[str],
    source: str,
    granted_by=None,
    sa_benefits: Iterable[str] = (),
    verb: str = "permission.granted",
) -> list[Grant]:
    """Add the roles the email does not already hold on the licensing ID; returns the new grants."""
    email = normalize_email(email)
    roles = list(dict.fromkeys(roles))
    access.ended_grants_clear(licensing_id, email)  # an ended grant is no grant: the role can be given again
    held = set(Grant.objects.filter(licensing_id=licensing_id, email=email).values_list("role", flat=True))
    new = [
        Grant(
            licensing_id=licensing_id,
            email=email,
            role=role,
            source=source,
            granted_by=granted_by,
            sa_benefits=sorted(set(sa_benefits)) if role == Role.SA_MANAGER else [],
        )
        for role in roles
        if role not in held
    ]
    if not new:
        return []
    created = Grant.objects.bulk_create(new, ignore_conflicts=True)
    audit.record(
        actor=granted_by,
        verb=verb,
        licensing_id=licensing_id,
        target_email=email,
        before={"roles": sorted(held)},
        after={"roles": sorted(held | {g.role for g in new})},
        detail=f"source={source}",
    )
    return created


@transaction.atomic
def grants_revoke(
    *,
    licensing_id: LicensingID,
    email: str,
    roles: Iterable[str] | None = None,
    actor=None,
    verb: str = "permission.removed",
    detail: str = "",
) -> int:
    """Remove the given roles (all when None) of the email on the licensing ID; takes effect on the next request."""
    email = normalize_email(email)
    grants = Grant.objects.select_for_update().filter(licensing_id=licensing_id, email=email)
    held = set(grants.values_list("role", flat=True))
    doomed = grants if roles is None else grants.filter(role__in=list(roles))
    removed = set(doomed.values_list("role", flat=True))
    if not removed:
        return 0
    doomed.delete()
    audit.record(
        actor=actor,
        verb=verb,
        licensing_id=licensing_id,
        target_email=email,
        before={"roles": sorted(held)},
        after={"roles": sorted(held - removed)},
        detail=detail,
    )
    return len(removed)


def _refuse_if_last_administrator(
    licensing_id: LicensingID, email: str, *, loses_direct: bool = False, loses_inherited: bool = False
) -> None:
    if policies.would_leave_without_administrator(
        licensing_id, email=email, loses_direct=loses_direct, loses_inherited=loses_inherited
    ):
        raise ApplicationError(
            _(
                "%(email)s is the last administrator of licensing ID %(number)s. Make someone else an "
                "administrator first; nothing was changed."
            )
            % {"email": email, "number": licensing_id.number}
        )
    if policies.would_leave_without_own_administrator(
        licensing_id, email=email, loses_direct=loses_direct, loses_inherited=loses_inherited
    ):
        raise ApplicationError(
            _(
                "%(email)s is the last of the customer's own administrators of licensing ID %(number)s; a partner's "
                "delegated access does not count. Make someone of the organisation an administrator first; nothing "
                "was changed."
            )
            % {"email": email, "number": licensing_id.number}
        )


def _refuse_unless_may_take_roles(actor, licensing_id: LicensingID, email: str) -> None:
    """SEC-6: a partner's delegated access never removes, demotes or denies an administrator or a partner."""
    if not policies.may_take_roles_from(actor, licensing_id, email=email):
        raise ApplicationError(
            _(
                "Only the customer's own administrators can remove or change an administrator or a partner's "
                "access. Nothing was changed."
            )
        )


def _refuse_unless_may_grant_administrator(actor, licensing_id: LicensingID) -> None:
    if not policies.may_grant_administrator(actor, licensing_id):
        raise ApplicationError(
            _("Only the customer's own administrators can make someone an administrator. Nothing was changed.")
        )


@transaction.atomic
def partner_access_deny(
    *,
    licensing_id: LicensingID,
    email: str,
    actor=None,
    via: str = "manage_users",
    notify: bool = True,
    require_partner: bool = False,
) -> int:
    """An administrator denies a partner's (reseller's) access to a licensing ID (RES-1, OPEN-4, PERM-7):
    every role that email holds there is removed at once, audited as a denial, and the partner is emailed
    (`notify=False` when the caller sends its own notice). Returns the roles removed."""
    email = normalize_email(email)
    if require_partner and not access.holds_partner_access(licensing_id, email):
        raise ApplicationError(_("Deny access applies to partners and resellers only; use Remove instead."))
    if actor is not None:  # the emailed Deny Access link has no actor: its single-use token is the authority
        _refuse_unless_may_take_roles(actor, licensing_id, email)
    _refuse_if_last_administrator(licensing_id, email, loses_direct=True)
    removed = grants_revoke(
        licensing_id=licensing_id,
        email=email,
        roles=None,
        actor=actor,
        verb="permission.access_denied",
        detail=f"via={via}",
    )
    if removed and notify:
        _notify_access_removed(licensing_id=licensing_id, email=email, denied=True)
    return removed


# --- Manage Users (PERM-7) -------------------------------------------------------------------------------


@transaction.atomic
def person_roles_set(
    *,
    licensing_id: LicensingID,
    email: str,
    roles: Iterable[str],
    actor,
    sa_benefits: Iterable[str] = (),
    adding: bool = False,
) -> None:
    """Give `email` exactly `roles` on the licensing ID (one audit row). `adding=True` is the "Add a person"
    form: it refuses someone already listed and sends the welcome email (PERM-7, AGR-3)."""
    from agreements.services import welcome_email_queue

    email = normalize_email(email)
    roles = _clean_roles(roles)
    if not roles:
        raise ApplicationError(_("Choose at least one role. To take every role away, use Remove."))
    benefits = _clean_benefits(roles, sa_benefits)
    access.ended_grants_clear(licensing_id, email)  # an ended grant is no grant (RES-8, RES-9)
    held = {g.role: g for g in Grant.objects.select_for_update().filter(licensing_id=licensing_id, email=email)}
    if adding and held:
        raise ApplicationError(
            _("%(email)s already has permissions on this licensing ID; edit their roles instead.") % {"email": email}
        )
    to_add = [r for r in roles if r not in held]
    to_remove = [r for r in held if r not in roles]
    benefits_changed = (
        Role.SA_MANAGER in held and Role.SA_MANAGER in roles and held[Role.SA_MANAGER].sa_benefits != benefits
    )
    if not (to_add or to_remove or benefits_changed):
        return
    if to_remove or benefits_changed:
        _refuse_unless_may_take_roles(actor, licensing_id, email)
    if Role.ADMINISTRATOR in to_add:
        _refuse_unless_may_grant_administrator(actor, licensing_id)
    if Role.ADMINISTRATOR in to_remove:
        _refuse_if_last_administrator(licensing_id, email, loses_direct=True)
    Grant.objects.bulk_create(
        [
            Grant(
                licensing_id=licensing_id,
                email=email,
                role=r,
                source=Grant.Source.MANUAL,
                granted_by=actor,
                sa_benefits=benefits if r == Role.SA_MANAGER else [],
            )
            for r in to_add
        ]
    )
    if to_remove:
        Grant.objects.filter(licensing_id=licensing_id, email=email, role__in=to_remove).delete()
    if benefits_changed:
        Grant.objects.filter(pk=held[Role.SA_MANAGER].pk).update(sa_benefits=benefits)
    before_benefits = held[Role.SA_MANAGER].sa_benefits if Role.SA_MANAGER in held else []
    audit.record(
        actor=actor,
        verb="permission.added" if adding else "permission.changed",
        licensing_id=licensing_id,
        target_email=email,
        before={"roles": sorted(held), "sa_benefits": before_benefits},
        after={"roles": sorted(roles), "sa_benefits": benefits},
        detail="via=manage_users",
    )
    if adding:
        to, language = _recipients([email])[email]
        welcome_email_queue(
            licensing_id=licensing_id, email=email, language=language, reason=_("Added by an administrator")
        )


@transaction.atomic
def person_roles_set_many(
    *,
    licensing_ids: Iterable[LicensingID],
    email: str,
    roles: Iterable[str],
    actor,
    sa_benefits: Iterable[str] = (),
) -> list[LicensingID]:
    """PERM-12: give `email` exactly `roles` on each licensing ID, each through person_roles_set (the PERM-7 and
    SEC-6 rules, audit row per ID). All or none: any refusal rolls every ID back and the error names each ID
    refused. Returns the licensing IDs, in order."""
    licensing_ids = sorted(licensing_ids, key=lambda lid: (lid.number, lid.pk))
    if not licensing_ids:
        raise ApplicationError(_("Choose at least one licensing ID."))
    roles, sa_benefits = list(roles), list(sa_benefits)
    email = normalize_email(email)
    # Where the person holds nothing yet this adds them, as "Add a person" does: audited so, welcome sent (PERM-7)
    held_on = set(
        Grant.objects.filter(licensing_id__in=[lid.pk for lid in licensing_ids], email=email).values_list(
            "licensing_id", flat=True
        )
    )
    refusals = []
    for licensing_id in licensing_ids:
        try:
            person_roles_set(
                licensing_id=licensing_id,
                email=email,
                roles=roles,
                sa_benefits=sa_benefits,
                actor=actor,
                adding=licensing_id.pk not in held_on,
            )
        except ApplicationError as exc:  # person_roles_set's savepoint is rolled back; the rest follows below
            refusals.append(f"{licensing_id.number}: {exc.message}")
    if refusals:
        transaction.set_rollback(True)
        raise ApplicationError(
            _("Nothing was changed on any licensing ID: %(refusals)s") % {"refusals": " ".join(refusals)}
        )
    return licensing_ids


WELCOME_PURPOSE = "permissions.welcome"
WELCOME_RESEND_DAILY_LIMIT = 3  # per person and licensing ID: enough to recover a lost email, too few to spam


@transaction.atomic
def welcome_resend(*, licensing_id: LicensingID, email: str, actor) -> str:
    """PERM-12: an administrator sends the welcome email again, with a fresh single-use link; earlier links of
    that person on that licensing ID stop working. Audited; a few times a day per person and licensing ID.
    Returns the link."""
    from agreements.services import welcome_email_queue
    from licensing_portal import tokens
    from licensing_portal.core.models import OneTimeToken

    email = normalize_email(email)
    if not policies.can_manage_users(actor, licensing_id):
        raise ApplicationError(_("Only an administrator of this licensing ID can do this."))
    if not Grant.objects.filter(licensing_id=licensing_id, email=email).exists():
        raise ApplicationError(_("This person holds no permissions of their own here."))
    if not limits.daily_allow(key=f"welcome_resend:{licensing_id.pk}:{email}", limit=WELCOME_RESEND_DAILY_LIMIT):
        raise ApplicationError(
            _("The welcome email of %(email)s was already resent today. Try again tomorrow.") % {"email": email}
        )
    earlier = audit_resends(licensing_id=licensing_id, email=email).values("pk")
    event = audit.record(actor=actor, verb="permission.welcome_resent", licensing_id=licensing_id, target_email=email)
    OneTimeToken.objects.filter(purpose=WELCOME_PURPOSE, subject_id__in=earlier, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    token = tokens.issue(purpose=WELCOME_PURPOSE, subject_id=event.pk, max_age=settings.EMAIL_LINK_MAX_AGE)
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("permissions:welcome", args=[token])
    _to, language = _recipients([email])[email]
    welcome_email_queue(
        licensing_id=licensing_id,
        email=email,
        language=language,
        reason=_("Added by an administrator"),
        extra={"welcome_url": url},
    )
    return url


def audit_resends(*, licensing_id: LicensingID, email: str):
    from licensing_portal.core.models import AuditEvent

    return AuditEvent.objects.filter(verb="permission.welcome_resent", licensing_id=licensing_id, target_email=email)


def welcome_check(*, token: str):
    """The audit row of the resend a welcome link belongs to (its licensing ID and person); the page asks before
    the link is used (GET changes nothing)."""
    from licensing_portal import tokens
    from licensing_portal.core.models import AuditEvent

    checked = tokens.check(purpose=WELCOME_PURPOSE, token=token)
    event = AuditEvent.objects.select_related("licensing_id").filter(pk=checked.subject_id).first()
    if event is None or event.licensing_id is None:
        raise ApplicationError(_("This link is not valid."))
    return event


@transaction.atomic
def welcome_use(*, token: str):
    """Use a welcome link once (PERM-12); a second use is refused."""
    from licensing_portal import tokens

    event = welcome_check(token=token)
    tokens.consume(purpose=WELCOME_PURPOSE, token=token)
    return event


@transaction.atomic
def person_remove(*, licensing_id: LicensingID, email: str, actor) -> int:
    """Remove every role `email` holds directly on the licensing ID and tell them (PERM-7)."""
    email = normalize_email(email)
    if not Grant.objects.filter(licensing_id=licensing_id, email=email).exists():
        raise ApplicationError(
            _(
                "This person holds no permissions of their own here (an inherited "
                "administrator opts out from My Permissions)."
            )
        )
    _refuse_unless_may_take_roles(actor, licensing_id, email)
    _refuse_if_last_administrator(licensing_id, email, loses_direct=True)
    removed = grants_revoke(
        licensing_id=licensing_id,
        email=email,
        roles=None,
        actor=actor,
        verb="permission.removed",
        detail="via=manage_users",
    )
    _notify_access_removed(licensing_id=licensing_id, email=email, denied=False)
    return removed


# --- Administrator inheritance (PERM-8) and removing a licensing ID from one's own permissions (PERM-9) ----


def _require_email(user) -> str:
    email = business_email_of(user)
    if not email:
        raise ApplicationError(_("Verify your business email first."))
    return email


@transaction.atomic
def inheritance_opt_out(*, user, licensing_id: LicensingID) -> None:
    email = _require_email(user)
    if not access.is_parent_administrator(user, licensing_id):
        raise ApplicationError(_("You do not inherit administration of this licensing ID."))
    existing = InheritanceOptOut.objects.select_for_update().filter(licensing_id=licensing_id, email=email).first()
    if existing is not None:
        raise ApplicationError(_("You have already opted out of administering this licensing ID."))
    _refuse_if_last_administrator(licensing_id, email, loses_inherited=True)
    direct = sorted(Grant.objects.filter(licensing_id=licensing_id, email=email).values_list("role", flat=True))
    InheritanceOptOut.objects.create(licensing_id=licensing_id, email=email)
    audit.record(
        actor=user,
        verb="permission.inheritance_opt_out",
        licensing_id=licensing_id,
        target_email=email,
        before={"roles": sorted(set(direct) | {Role.ADMINISTRATOR}), "inherited_admin": True},
        after={"roles": direct, "inherited_admin": False},
    )
    access.forget_cached_roles(user)


@transaction.atomic
def inheritance_opt_in(*, user, licensing_id: LicensingID) -> None:
    email = _require_email(user)
    if not access.is_parent_administrator(user, licensing_id):
        raise ApplicationError(_("You do not inherit administration of this licensing ID."))
    existing = InheritanceOptOut.objects.select_for_update().filter(licensing_id=licensing_id, email=email).first()
    if existing is None:
        raise ApplicationError(_("You already administer this licensing ID."))
    if existing.reason == InheritanceOptOut.Reason.REMOVED:
        raise ApplicationError(
            _("You removed this licensing ID from your permissions; use Request Permissions to get access again.")
        )
    direct = sorted(Grant.objects.filter(licensing_id=licensing_id, email=email).values_list("role", flat=True))
    existing.delete()
    audit.record(
        actor=user,
        verb="permission.inheritance_opt_in",
        licensing_id=licensing_id,
        target_email=email,
        before={"roles": direct, "inherited_admin": False},
        after={"roles": sorted(set(direct) | {Role.ADMINISTRATOR}), "inherited_admin": True},
    )
    access.forget_cached_roles(user)


@transaction.atomic
def licensing_id_remove_self(*, user, licensing_id: LicensingID) -> list[str]:
    """A person removes a licensing ID from their own permissions (PERM-9). Refused for its Primary Contact or
    Notices Correspondent; a PC/NC of its MBSA/parent keeps Licensing Info. Inherited administration ends too
    (an opt-out marked `removed`), so only Request Permissions brings it back. Returns the roles kept."""
    email = _require_email(user)
    keep = access.self_removal(licensing_id, email)  # PERM-9, the keep rule
    if keep.primary_or_notices:
        raise ApplicationError(
            _(
                "You are the Primary Contact or Notices Correspondent of this agreement, so it "
                "cannot be removed from your permissions."
            )
        )
    keep_info = keep.parent_primary_or_notices
    held = set(
        Grant.objects.select_for_update().filter(licensing_id=licensing_id, email=email).values_list("role", flat=True)
    )
    parent_admin, inherited = keep.parent_admin, keep.inherited_admin
    if not held and not inherited:
        raise ApplicationError(_("You hold no permissions on this licensing ID."))
    _refuse_if_last_administrator(licensing_id, email, loses_direct=True, loses_inherited=True)
    Grant.objects.filter(licensing_id=licensing_id, email=email).exclude(
        role__in=[Role.LICENSING_INFO] if keep_info else []
    ).delete()
    kept = []
    if keep_info:
        kept = [Role.LICENSING_INFO.value]
        if Role.LICENSING_INFO not in held:
            Grant.objects.create(
                licensing_id=licensing_id, email=email, role=Role.LICENSING_INFO, source=Grant.Source.CONTACT
            )
    if parent_admin:
        InheritanceOptOut.objects.update_or_create(
            licensing_id=licensing_id, email=email, defaults={"reason": InheritanceOptOut.Reason.REMOVED}
        )
    audit.record(
        actor=user,
        verb="permission.self_removed",
        licensing_id=licensing_id,
        target_email=email,
        before={"roles": sorted(held | ({Role.ADMINISTRATOR.value} if inherited else set()))},
        after={"roles": kept},
        detail="kept licensing info as PC/NC of parent" if keep_info else "",
    )
    access.forget_cached_roles(user)
    return kept


# --- Request Permissions (PERM-4..6) ----------------------------------------------------------------------


def _request_url(permission_request: PermissionRequest) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("permissions:request_detail", args=[permission_request.pk])


def _tell_requester(*, template: str, requester, program: str, number: str, roles: list[str]) -> None:
    """An outcome the Request Permissions page does not show (SEC-12), emailed in the requester's language."""
    with translation.override(requester.language):
        program_label = str(dict(PermissionRequest._meta.get_field("program").choices).get(program, program))
    email_queue(
        template=template,
        to_email=requester.notification_email,
        language=requester.language,
        context={"number": number, "program": program_label, "roles": _labels(roles, Role, requester.language)},
    )


@transaction.atomic
def permission_request_submit(
    *,
    requester,
    program: str,
    number: str,
    roles: Iterable[str],
    sa_benefits: Iterable[str] = (),
    comment: str = "",
) -> PermissionRequest:
    """Route a request to the administrators of record of exactly that licensing ID, each by their own email
    (PERM-4). Unknown licensing ID, no administrator or no verified business email: the request fails and the
    requester gets the request failure notification (PERM-6). Either way the row is kept. A request already
    pending there is not sent again; the requester is told by email. The page answers the same in every one
    of these cases, so it cannot tell which licensing IDs exist (SEC-12): only the requester's mailbox learns."""
    roles = _clean_roles(roles)
    if not roles:
        raise ApplicationError(_("Choose at least one role."))
    benefits = _clean_benefits(roles, sa_benefits)
    # SEC-8 (the comment is emailed); counted whether or not the licensing ID exists (SEC-12)
    limits.user_text_email_allow(
        action="permission_request",
        user=requester,
        organization_ids=requester.memberships.values_list("organization_id", flat=True),
    )
    number = number.strip().upper()
    email = business_email_of(requester) or ""
    lid = LicensingID.objects.filter(program=program, number__iexact=number).first()
    admins = policies.administrators_of_record(lid) if lid is not None and email else set()
    pr = PermissionRequest(
        requester=requester,
        email=email,
        program=program,
        number=number,
        licensing_id=lid,
        roles=roles,
        sa_benefits=benefits,
        comment=comment.strip()[:1000],
    )
    if not email:
        pr.failure_reason = "no_business_email"
    elif lid is None:
        pr.failure_reason = "unknown_licensing_id"
    elif not admins:
        pr.failure_reason = "no_administrator"
    if pr.failure_reason:
        pr.status = PermissionRequest.Status.FAILED
        pr.full_clean()
        pr.save()
        audit.record(
            actor=requester,
            verb="permission.request_failed",
            licensing_id=lid,
            target_email=email,
            after={"roles": roles},
            detail=f"{pr.failure_reason} program={program} number={number}",
        )
        _tell_requester(
            template="permissions/emails/request_failure",
            requester=requester,
            program=program,
            number=number,
            roles=roles,
        )
        return pr
    held = set(Grant.objects.filter(licensing_id=lid, email=email).values_list("role", flat=True))
    if set(roles) <= held:  # tells nothing new: My Permissions lists the licensing IDs this user holds roles on
        raise ApplicationError(_("You already hold these roles on this licensing ID."))
    pending = PermissionRequest.objects.filter(
        requester=requester, licensing_id=lid, status=PermissionRequest.Status.PENDING
    ).first()
    if pending is not None:  # a refusal on the page would tell that the licensing ID exists (SEC-12)
        _tell_requester(
            template="permissions/emails/request_already_pending",
            requester=requester,
            program=program,
            number=number,
            roles=roles,
        )
        return pending
    pr.status = PermissionRequest.Status.PENDING
    pr.full_clean()
    pr.save()
    audit.record(
        actor=requester,
        verb="permission.requested",
        licensing_id=lid,
        target_email=email,
        before={"roles": sorted(held)},
        after={"roles": roles},
        detail=f"request={pr.pk}",
    )
    url = _request_url(pr)
    name = requester.get_full_name()
    for _admin, (to, language) in sorted(_recipients(admins).items()):
        email_queue(
            template="permissions/emails/permission_request",
            to_email=to,
            language=language,
            context={
                **_lid_context(lid, language),
                "requester_name": name,
                "requester_email": email,
                "roles": _labels(roles, Role, language),
                "sa_benefits": _labels(benefits, SABenefit, language),
                "comment": pr.comment,
                "url": url,
            },
        )
    return pr


@transaction.atomic
def permission_request_decide(*, permission_request: PermissionRequest, actor, approve: bool) -> PermissionRequest:
    """An administrator of record approves (roles take effect at once) or denies; the requester is emailed the
    decision (PERM-5). A request already decided is left as it is."""
    pr = (
        PermissionRequest.objects.select_for_update(of=("self",))
        .select_related("licensing_id", "requester")
        .get(pk=permission_request.pk)
    )
    if pr.status != PermissionRequest.Status.PENDING:
        raise ApplicationError(
            _("This request was already decided (%(status)s); nothing was changed.")
            % {"status": pr.get_status_display()}
        )
    lid = pr.licensing_id
    if lid is None or not policies.can_manage_users(actor, lid):
        raise ApplicationError(_("Only an administrator of this licensing ID can decide this request."))
    held = sorted(Grant.objects.filter(licensing_id=lid, email=pr.email).values_list("role", flat=True))
    if approve and Role.ADMINISTRATOR in pr.roles and Role.ADMINISTRATOR not in held:
        _refuse_unless_may_grant_administrator(actor, lid)  # SEC-6
    if approve:
        created = grants_add(
            licensing_id=lid,
            email=pr.email,
            roles=pr.roles,
            source=Grant.Source.REQUEST,
            granted_by=actor,
            sa_benefits=pr.sa_benefits,
            verb="permission.request_approved",
        )
        if not created:
            audit.record(
                actor=actor,
                verb="permission.request_approved",
                licensing_id=lid,
                target_email=pr.email,
                before={"roles": held},
                after={"roles": held},
                detail=f"request={pr.pk}",
            )
    else:
        audit.record(
            actor=actor,
            verb="permission.request_denied",
            licensing_id=lid,
            target_email=pr.email,
            before={"roles": held},
            after={"roles": held},
            detail=f"request={pr.pk}",
        )
    pr.status = PermissionRequest.Status.APPROVED if approve else PermissionRequest.Status.DENIED
    pr.decided_by = actor
    pr.decided_at = timezone.now()
    pr.save(update_fields=["status", "decided_by", "decided_at"])
    requester = pr.requester
    email_queue(
        template="permissions/emails/request_decision",
        to_email=requester.notification_email,
        language=requester.language,
        context={
            **_lid_context(lid, requester.language),
            "approved": approve,
            "roles": _labels(pr.roles, Role, requester.language),
            "url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("permissions:index"),
        },
    )
    return pr


# --- Legacy import (PERM-10) ------------------------------------------------------------------------------

LEGACY_MVLS_ROLES: dict[str, tuple[str, ...]] = {
    "mvls user": (Role.LICENSING_INFO,),
    "user + vlk": (Role.LICENSING_INFO, Role.DOWNLOAD, Role.PRODUCT_KEYS),
    "sa benefit administrator": (Role.SA_MANAGER,),
    "online services benefit administrator": (Role.ONLINE_SERVICES_MANAGER,),
    "msdn benefit administrator": (Role.SUBSCRIPTIONS_MANAGER,),
    "administrator": (Role.ADMINISTRATOR,),
}
LEGACY_SOURCES = ("mvls", "eopen")


def _legacy_program(raw: str) -> str | None:
    from agreements.models import Program

    key = " ".join(raw.split()).lower()
    for value, label in Program.choices:
        with translation.override("en"):
            if key in (value, str(label).lower()):
                return value
    return None


def legacy_permissions_import(
    *, rows: list[dict[str, str]], source: str, dry_run: bool = False, first_line: int = 2
) -> dict:
    """Import users of the retired systems (PERM-10). Rows are checked first; any bad row (reported by its
    line number) means nothing is imported. Grants are written in bulk with source=legacy, one audit row per
    (licensing ID, email) whose roles change. Returns {"errors": [...], "changes": [...], "grants": n}."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from agreements.models import Program

    if source not in LEGACY_SOURCES:
        raise ApplicationError(_("Unknown legacy source."))
    errors: list[str] = []
    parsed: list[tuple[int, str, str, str, tuple[str, ...]]] = []
    for offset, row in enumerate(rows):
        line = first_line + offset
        email = normalize_email(row.get("email") or "")
        number = (row.get("licensing_id") or "").strip().upper()
        program_raw = (row.get("program") or "").strip()
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("line %(line)d: invalid email %(value)r") % {"line": line, "value": email})
            continue
        if not number:
            errors.append(_("line %(line)d: licensing_id is empty") % {"line": line})
            continue
        if source == "eopen":
            program = _legacy_program(program_raw) if program_raw else Program.OPEN_LICENSE
            if program != Program.OPEN_LICENSE:
                errors.append(
                    _("line %(line)d: eOpen rows must be Open Licenses, not %(value)r")
                    % {"line": line, "value": program_raw}
                )
                continue
            roles: tuple[str, ...] = (Role.ADMINISTRATOR,)
        else:
            program = _legacy_program(program_raw)
            if program is None:
                errors.append(_("line %(line)d: unknown program %(value)r") % {"line": line, "value": program_raw})
                continue
            role_raw = " ".join((row.get("role") or "").split()).lower()
            if role_raw not in LEGACY_MVLS_ROLES:
                errors.append(
                    _("line %(line)d: unknown legacy role %(value)r") % {"line": line, "value": row.get("role") or ""}
                )
                continue
            roles = LEGACY_MVLS_ROLES[role_raw]
        parsed.append((line, email, program, number, roles))

    lids = {}
    if parsed:
        numbers = {number for _line, _email, _program, number, _roles in parsed}
        lids = {(lid.program, lid.number.upper()): lid for lid in LicensingID.objects.filter(number__in=numbers)}
    wanted_roles: dict[tuple[int, str], set[str]] = {}
    lid_by_pk = {}
    for line, email, program, number, roles in parsed:
        lid = lids.get((program, number))
        if lid is None:
            errors.append(
                _("line %(line)d: no licensing ID %(number)s in program %(program)s")
                % {"line": line, "number": number, "program": program}
            )
            continue
        lid_by_pk[lid.pk] = lid
        wanted_roles.setdefault((lid.pk, email), set()).update(roles)
    if errors:
        return {"errors": errors, "changes": [], "grants": 0}

    held: dict[tuple[int, str], set[str]] = {}
    emails = {email for _pk, email in wanted_roles}
    for lid_pk, email, role in Grant.objects.filter(licensing_id__in=list(lid_by_pk), email__in=emails).values_list(
        "licensing_id", "email", "role"
    ):
        held.setdefault((lid_pk, email), set()).add(role)
    changes = []
    new_grants = []
    for (lid_pk, email), roles in sorted(wanted_roles.items(), key=lambda kv: (lid_by_pk[kv[0][0]].number, kv[0][1])):
        before = held.get((lid_pk, email), set())
        missing = [r for r in Role.values if r in roles - before]
        if not missing:
            continue
        changes.append(
            {
                "licensing_id": lid_by_pk[lid_pk].number,
                "email": email,
                "before": sorted(before),
                "after": sorted(before | set(missing)),
            }
        )
        new_grants += [
            Grant(
                licensing_id_id=lid_pk,
                email=email,
                role=r,
                source=Grant.Source.LEGACY,
                sa_benefits=list(SABenefit.values) if r == Role.SA_MANAGER else [],
            )
            for r in missing
        ]
    if not dry_run and new_grants:
        from licensing_portal.core.models import AuditEvent

        with transaction.atomic():
            Grant.objects.bulk_create(new_grants, ignore_conflicts=True, batch_size=1000)
            by_number = {lid.number: lid for lid in lid_by_pk.values()}
            # audit.record writes one row per call; a legacy file can hold thousands, so build the same rows
            # and insert them in bulk (AuditEvent stays append-only: bulk_create never updates).
            AuditEvent.objects.bulk_create(
                [
                    AuditEvent(
                        actor=None,
                        actor_email="",
                        verb="permission.legacy_import",
                        licensing_id=by_number[c["licensing_id"]],
                        target_email=c["email"],
                        before={"roles": c["before"]},
                        after={"roles": c["after"]},
                        detail=f"source={source}",
                    )
                    for c in changes
                ],
                batch_size=1000,
            )
    return {"errors": [], "changes": changes, "grants": len(new_grants)}
