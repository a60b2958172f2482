"""RES-4: a partner registers its organisation and a licence it sold."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from agreements.models import Organization, OrganizationMember
from agreements.services import (
    organization_create,
)
from licensing_portal import audit
from licensing_portal.addresses import recipients
from licensing_portal.errors import ApplicationError
from notifications.services import email_queue
from partners.models import (
    OpenLicenseAccess,
)
from permissions import policies

from .deny_link import _deny_url
from .open_license import _open_license_access_grant, _open_license_match


@transaction.atomic
def partner_organization_register(*, user, name: str) -> Organization:
    """OLP Partners registration (RES-4c): a new partner organisation with the user as its administrator."""
    if OrganizationMember.objects.filter(user=user, organization__kind=Organization.Kind.PARTNER).exists():
        raise ApplicationError(_("You already belong to a partner organisation."))
    if not name.strip():
        raise ApplicationError(_("Enter your organisation's name."))
    org = organization_create(name=name.strip(), kind=Organization.Kind.PARTNER)
    OrganizationMember.objects.create(organization=org, user=user, is_admin=True)
    audit.record(actor=user, verb="partners.partner_registered", target_email=user.email, detail=f"partner={org.pk}")
    return org


def partner_license_register(
    *,
    user,
    partner: Organization,
    license_number: str,
    authorization_number: str,
    customer_email: str,
    remote_addr: str | None,
    route: str,
) -> OpenLicenseAccess:
    """A partner registers an Open License for subscription management (RES-4): the pair plus the customer
    email on the order must match; the partner gets the OPEN-3 set and the customer is told, with a Deny
    Access link."""
    email = user.verified_business_email
    if not email:
        raise ApplicationError(_("Verify your business email first."))
    if not policies.is_partner_member(user, partner):
        raise ApplicationError(_("You are not a recognised partner user."))
    if route not in OpenLicenseAccess.Route.values:
        route = OpenLicenseAccess.Route.SELECTOR
    ol = _open_license_match(
        user=user,
        remote_addr=remote_addr,
        license_number=license_number,
        authorization_number=authorization_number,
        customer_email=customer_email,
    )
    lid = ol.licensing_id
    with transaction.atomic():
        if (
            OpenLicenseAccess.objects.select_for_update()
            .filter(
                licensing_id=lid,
                partner=partner,
                kind=OpenLicenseAccess.Kind.PARTNER_REGISTRATION,
                denied_at__isnull=True,
            )
            .exists()
        ):
            raise ApplicationError(
                _("Open License %(number)s is already registered to your organisation. Nothing was changed.")
                % {"number": ol.license_number}
            )
        access = _open_license_access_grant(
            licensing_id=lid,
            email=email,
            user=user,
            kind=OpenLicenseAccess.Kind.PARTNER_REGISTRATION,
            partner=partner,
            route=route,
        )
        audit.record(
            actor=user,
            verb="open_license.partner_added",
            licensing_id=lid,
            target_email=email,
            detail=f"partner={partner.pk} route={route}",
        )
        for to_email, language in recipients([ol.customer_email]).values():
            email_queue(
                template="partners/emails/partner_added",
                to_email=to_email,
                language=language,
                context={
                    "license_number": ol.license_number,
                    "partner_name": partner.name,
                    "partner_email": email,
                    "deny_url": _deny_url(access),
                },
            )
    return access
