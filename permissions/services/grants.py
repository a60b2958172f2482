"""Grants (PERM-1..3, PERM-11): add and revoke roles, the last-administrator rule, a customer denying a partner.

Every change is audited (PERM-11); emails go through the outbox (NOTE-1)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from agreements.models import LicensingID
from licensing_portal import audit
from licensing_portal.addresses import normalize_email, recipients
from licensing_portal.errors import ApplicationError
from notifications.services import email_queue
from permissions import access, policies
from permissions.models import (
    Grant,
    Role,
    SABenefit,
)


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


def _labels(values: Iterable[str], choices, language: str) -> list[str]:
    with translation.override(language):
        return [str(choices(v).label) for v in values if v in choices.values]


def _lid_context(licensing_id: LicensingID | None, language: str) -> dict:
    if licensing_id is None:
        return {}
    with translation.override(language):
        return {"licensing_id": licensing_id.number, "program": str(licensing_id.get_program_display())}


def _notify_access_removed(*, licensing_id: LicensingID, email: str, denied: bool) -> None:
    to, language = recipients([email])[normalize_email(email)]
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
