"""OPEN-1..6 Add Open License: a user proves a licence and receives its grants (OPEN-3, RES-4 audit)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import LicensingID, OpenLicense, Program
from agreements.services import (
    authorization_number_matches,
)
from licensing_portal import audit
from licensing_portal.addresses import normalize_email, recipients
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from licensing_portal.ratelimits import refund_on_server_error
from notifications.services import email_queue
from partners.models import (
    OpenLicenseAccess,
)
from permissions import policies
from permissions.models import OPEN_LICENSE_ROLES, Grant, Role
from permissions.services import grants_add

from .deny_link import _deny_url
from .lockout import (
    _clean_addr,
    _open_license_attempt_failed,
    _open_license_attempt_release,
    _open_license_attempt_reserve,
    lockout_text,
)


def _open_license_match(
    *,
    user,
    remote_addr: str | None,
    license_number: str,
    authorization_number: str,
    customer_email: str | None = None,
) -> OpenLicense:
    """The Open License the pair (and, for partners, the customer email on the order) designates; anything
    else counts as an invalid attempt. A licence still propagating answers like a suspension, uncounted.
    The attempt is counted before the hash and refused beyond the limit even if the pair is right (SEC-5)."""
    addr = _clean_addr(remote_addr)
    user = user if user is not None and user.pk else None
    number = (license_number or "").strip()
    typed = number[:20]
    attempt = _open_license_attempt_reserve(user=user, addr=addr, license_number=typed)
    if attempt is not None:
        # The reservation is committed before the hash: a request that then fails on our side gives it back (OPS-5).
        refund_on_server_error(lambda: _open_license_attempt_release(attempt=attempt))
    if attempt is None:
        audit.record(actor=user, verb="open_license.refused_suspended", detail=f"addr={addr or '-'}")
        raise ApplicationError(lockout_text())
    ol = (
        (
            OpenLicense.objects.select_related("licensing_id__organization")
            .filter(license_number__iexact=number, licensing_id__program=Program.OPEN_LICENSE)
            .first()
        )
        if number
        else None
    )
    if ol is not None and ol.available_at > timezone.now():
        _open_license_attempt_release(attempt=attempt)
        raise ApplicationError(lockout_text())
    # An unknown number still pays for one hash, so timing does not tell which half was wrong.
    ok = authorization_number_matches(ol or OpenLicense(authorization_hash=""), authorization_number or "")
    ok = ok and ol is not None
    if ok and customer_email is not None:
        ok = ol.customer_email == normalize_email(customer_email)
    if ok:
        _open_license_attempt_release(attempt=attempt)
        return ol
    if _open_license_attempt_failed(user=user, addr=addr, license_number=typed, attempt=attempt):
        raise ApplicationError(lockout_text())
    if customer_email is not None:
        raise ApplicationError(
            _(
                "The license number, authorization number and customer email do not match "
                "an Open License order. Check them and try again."
            )
        )
    raise ApplicationError(
        _("The license number and authorization number do not match an Open License. Check them and try again.")
    )


# OPEN-3 / RES-4: how each grant source is audited
_ACCESS_GRANT = {
    OpenLicenseAccess.Kind.ADD_OPEN_LICENSE: (Grant.Source.OPEN_LICENSE, "permission.open_license_added"),
    OpenLicenseAccess.Kind.PARTNER_REGISTRATION: (Grant.Source.RESELLER, "permission.partner_registered"),
}


def _open_license_access_grant(*, licensing_id: LicensingID, email: str, user, kind: str, **access_fields):
    """Grant the OPEN-3 set (never Administrator) and record the access row a Deny Access link names."""
    source, verb = _ACCESS_GRANT[kind]
    grants_add(
        licensing_id=licensing_id, email=email, roles=OPEN_LICENSE_ROLES, source=source, granted_by=user, verb=verb
    )
    return OpenLicenseAccess.objects.create(
        licensing_id=licensing_id, email=email, requested_by=user, kind=kind, **access_fields
    )


def open_license_access_add(
    *, user, license_number: str, authorization_number: str, remote_addr: str | None
) -> OpenLicenseAccess:
    """A valid pair grants the OPEN-3 set, never Administrator (OPEN-6); requester and the licence's
    administrators are emailed, the administrators with a Deny Access link (OPEN-4)."""
    email = user.verified_business_email
    if not email:
        raise ApplicationError(_("Verify your business email before you add an Open License."))
    if not user.has_complete_profile:
        raise ApplicationError(_("Enter your first and last name in your profile before you add an Open License."))
    ol = _open_license_match(
        user=user,
        remote_addr=remote_addr,
        license_number=license_number,
        authorization_number=authorization_number,
    )
    lid = ol.licensing_id
    with transaction.atomic():
        held = set(
            Grant.objects.select_for_update().filter(licensing_id=lid, email=email).values_list("role", flat=True)
        )
        if Role.ADMINISTRATOR in held or set(OPEN_LICENSE_ROLES) <= held:
            raise ApplicationError(
                _("You already have access to Open License %(number)s. Nothing was changed.")
                % {"number": ol.license_number}
            )
        access = _open_license_access_grant(
            licensing_id=lid, email=email, user=user, kind=OpenLicenseAccess.Kind.ADD_OPEN_LICENSE
        )
        audit.record(actor=user, verb="open_license.access_added", licensing_id=lid, target_email=email)
        email_queue(
            template="partners/emails/open_license_granted",
            to_email=user.notification_email,
            language=user.language,
            context={
                "license_number": ol.license_number,
                "licensing_id_url": portal_url("agreements:detail", lid.pk),
                "request_url": portal_url("permissions:request"),
            },
        )
        # The Deny Access link acts on someone's access: only the customer's own administrators hold it (SEC-6).
        own_admins = policies.administrators_of_record(lid, own_only=True)
        for to_email, language in recipients(e for e in sorted(own_admins) if e != email).values():
            email_queue(
                template="partners/emails/open_license_admin_notice",
                to_email=to_email,
                language=language,
                context={
                    "license_number": ol.license_number,
                    "requester_name": user.get_full_name(),
                    "requester_email": email,
                    "deny_url": _deny_url(access),
                },
            )
    return access
