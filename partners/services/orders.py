"""RES-1, RES-2 Open License orders naming a reseller; RES-3 partner orders."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from agreements.models import ContactType, LicensingID, OpenLicense, Organization, Program
from agreements.services import open_license_create
from licensing_portal import audit
from licensing_portal.addresses import language_of, normalize_email, recipients
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from notifications.services import email_queue
from partners.models import (
    OpenLicenseAccess,
    PartnerOrder,
)
from permissions import policies
from permissions.contacts import contact_add
from permissions.models import OPEN_LICENSE_ROLES, Grant
from permissions.services import grants_add

from .deny_link import _deny_url
from .sending_limits import _partner_sending_allow


@transaction.atomic
def open_license_order_record(
    *,
    organization: Organization,
    license_number: str,
    authorization_number: str,
    customer_email: str,
    reseller_email: str = "",
    actor=None,
    language: str = "en",
    available_at=None,
) -> OpenLicense:
    """Record an Open License order (AGR-5): the customer becomes Primary Contact (Administrator + welcome);
    a named reseller gets the OPEN-3 set (never Administrator, RES-2) and the welcome says so with a
    Deny Access link (RES-1)."""
    customer_email = normalize_email(customer_email)
    reseller_email = normalize_email(reseller_email or "")
    number = license_number.strip()
    if organization.kind != Organization.Kind.CUSTOMER:
        raise ApplicationError(_("An Open License belongs to a customer organisation."))
    if reseller_email and reseller_email == customer_email:
        raise ApplicationError(_("The reseller's email must differ from the customer's."))
    if (
        OpenLicense.objects.filter(license_number__iexact=number).exists()
        or LicensingID.objects.filter(program=Program.OPEN_LICENSE, number__iexact=number).exists()
    ):
        raise ApplicationError(_("An Open License with this license number already exists."))
    ol = open_license_create(
        organization=organization,
        license_number=number,
        authorization_number=authorization_number,
        customer_email=customer_email,
        reseller_email=reseller_email,
        available_at=available_at,
    )
    lid = ol.licensing_id
    welcome_extra: dict = {}
    if reseller_email:
        access = OpenLicenseAccess.objects.create(
            licensing_id=lid,
            email=reseller_email,
            requested_by=actor,
            kind=OpenLicenseAccess.Kind.RESELLER_ORDER,
        )
        grants_add(
            licensing_id=lid,
            email=reseller_email,
            roles=OPEN_LICENSE_ROLES,
            source=Grant.Source.RESELLER,
            granted_by=actor,
            verb="permission.reseller_added",
        )
        with translation.override(language_of(customer_email, default=language)):
            notice = _(
                "Your reseller %(email)s was given limited access to this Open License: license "
                "information, downloads, product keys, Software Assurance summary and subscriptions. "
                "They cannot manage your users unless you make them an Administrator. You can deny their "
                "access at any time, without signing in, with the link below or in Manage Users."
            ) % {"email": reseller_email}
        welcome_extra = {
            "reseller_notice": notice,
            "deny_url": _deny_url(access),
            "reseller_email": reseller_email,
        }
        for to_email, reseller_language in recipients([reseller_email]).values():
            email_queue(
                template="partners/emails/reseller_welcome",
                to_email=to_email,
                language=reseller_language,
                context={
                    "license_number": ol.license_number,
                    "customer_name": organization.name,
                    "base_url_login": portal_url("account_login"),
                },
            )
    contact_add(
        licensing_id=lid,
        contact_type=ContactType.PRIMARY,
        email=customer_email,
        actor=actor,
        language=language,
        welcome_extra=welcome_extra,
    )
    audit.record(
        actor=actor,
        verb="open_license.order_recorded",
        licensing_id=lid,
        target_email=customer_email,
        detail=f"reseller={reseller_email or '-'}",
    )
    return ol


@transaction.atomic
def partner_order_create(
    *, partner: Organization, placed_by, customer_email: str, customer_name: str, program: str
) -> PartnerOrder:
    if not policies.is_partner_member(placed_by, partner):
        raise ApplicationError(_("Only your partner organisation's staff can place orders for it."))
    if program not in Program.values:
        raise ApplicationError(_("Choose a program from the list."))
    order = PartnerOrder(
        partner=partner,
        placed_by=placed_by,
        customer_email=normalize_email(customer_email),
        customer_name=customer_name.strip(),
        program=program,
    )
    order.full_clean()
    _partner_sending_allow(partner=partner, user=placed_by, action="partner_order")
    order.save()
    audit.record(
        actor=placed_by,
        verb="partners.order_placed",
        target_email=order.customer_email,
        detail=f"partner={partner.pk} program={program}",
    )
    for to_email, language in recipients([order.customer_email]).values():
        with translation.override(language):
            program_label = str(Program(program).label)
        email_queue(
            template="partners/emails/order_invitation",
            to_email=to_email,
            language=language,
            context={
                "partner_name": partner.name,
                "customer_name": order.customer_name,
                "program": program_label,
                "signup_url": portal_url("account_signup"),
                "subscriptions_url": portal_url("subscriptions:index"),
            },
        )
    return order
