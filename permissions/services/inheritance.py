"""Administrator inheritance (PERM-8) and removing a licensing ID from one's own permissions (PERM-9)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from agreements.models import LicensingID
from licensing_portal import audit
from licensing_portal.errors import ApplicationError
from permissions import access
from permissions.access import business_email_of
from permissions.models import (
    Grant,
    InheritanceOptOut,
    Role,
)

from .grants import _refuse_if_last_administrator


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
    (an opt-out marked `removed`), so only Request Permissions brings it back. Returns the roles kept.
    My Permissions derives its Remove button and "keeps Licensing Info" note from this rule (selectors, PERM-9)."""
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
