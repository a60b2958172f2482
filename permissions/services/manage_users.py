"""Manage Users (PERM-7): set one person's roles on one or many licensing IDs, remove a person."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from agreements.models import LicensingID
from licensing_portal import audit
from licensing_portal.addresses import normalize_email, recipients
from licensing_portal.errors import ApplicationError
from permissions import access
from permissions.models import (
    Grant,
    Role,
)

from .grants import (
    _clean_benefits,
    _clean_roles,
    _notify_access_removed,
    _refuse_if_last_administrator,
    _refuse_unless_may_grant_administrator,
    _refuse_unless_may_take_roles,
    grants_revoke,
)


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
        to, language = recipients([email])[email]
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
