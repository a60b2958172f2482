"""What a directory group mapped to roles on a licensing ID gives (IDN-3): those roles to each member's business
email, through the permission services (PERM-1 roles, PERM-7 rules: only the customer's own administrators make
administrators, the last administrator stays; PERM-11 audit rows). Called by the SCIM kernel
(licensing_portal/scim) through settings.SCIM_MAPPING_TARGETS; the kernel never imports this app."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import LicensingID
from licensing_portal.errors import ApplicationError
from permissions import policies, services
from permissions.models import Grant, Role


class RolesTarget:
    kind = "roles"
    label = gettext_lazy("roles on the licensing ID")
    takes_roles = True
    role_choices = [(r, label) for r, label in Role.choices if r != Role.SA_MANAGER]  # SA needs a benefit choice

    @staticmethod
    def choices(*, organization, actor) -> list[tuple[int, str]]:
        """The organisation's licensing IDs the actor administers (PERM-7)."""
        ids = LicensingID.objects.visible_to(actor, roles=[Role.ADMINISTRATOR]).filter(organization=organization)
        return [(lid.pk, str(lid)) for lid in ids.order_by("number")]

    @staticmethod
    def labels(*, organization, target_ids) -> dict[int, str]:
        ids = LicensingID.objects.filter(pk__in=list(target_ids), organization=organization)
        return {lid.pk: str(lid) for lid in ids}

    @staticmethod
    def clean_roles(roles) -> list[str]:
        allowed = {r for r, _label in RolesTarget.role_choices}
        wanted = set(roles or ())
        if not wanted or wanted - allowed:
            raise ApplicationError(_("Choose at least one role."))
        return [r for r in Role.values if r in wanted]

    @staticmethod
    def apply(*, organization, target_id: int, grant: dict, revoke: dict, actor) -> tuple[dict, dict, dict]:
        """`grant` and `revoke` are {email: [roles]}. Returns (granted, revoked, refused) like PoolTarget.apply;
        only roles the email did not hold already count as given by the directory."""
        granted: dict = {}
        revoked: dict = {}
        refused: dict = {}
        lid = LicensingID.objects.filter(pk=target_id, organization=organization).first()
        if lid is None:
            return granted, dict(revoke), refused
        if not policies.can_manage_users(actor, lid):
            reason = _("You cannot manage users on this licensing ID.")
            return granted, revoked, dict.fromkeys({*grant, *revoke}, reason)
        for email, roles in sorted(revoke.items()):
            try:
                if Role.ADMINISTRATOR in roles and policies.would_leave_without_administrator(
                    lid, email=email, loses_direct=True
                ):
                    raise ApplicationError(_("The last administrator of %(number)s stays.") % {"number": lid.number})
                if not policies.may_take_roles_from(actor, lid, email=email):
                    raise ApplicationError(_("Only the customer's own administrators can change this access."))
                services.grants_revoke(
                    licensing_id=lid,
                    email=email,
                    roles=roles,
                    actor=actor,
                    verb="permission.removed",
                    detail="via=scim",
                )
                revoked[email] = list(roles)
            except ApplicationError as error:
                refused[email] = str(error)
        for email, roles in sorted(grant.items()):
            if Role.ADMINISTRATOR in roles and not policies.may_grant_administrator(actor, lid):
                refused[email] = _("Only the customer's own administrators can make someone an administrator.")
                continue
            created = services.grants_add(
                licensing_id=lid,
                email=email,
                roles=roles,
                source=Grant.Source.MANUAL,
                granted_by=actor,
                verb="permission.granted",
            )
            if created:
                granted[email] = sorted({g.role for g in created})
        return granted, revoked, refused
