"""OPEN-4, RES-1, RES-4: the customer's Deny Access link that removes a reseller's access."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing_portal import audit, tokens
from licensing_portal.addresses import recipients
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from notifications.services import email_queue
from partners.models import (
    OpenLicenseAccess,
)
from permissions.services import partner_access_deny

DENY_PURPOSE = "deny-access"


def _deny_url(access: OpenLicenseAccess) -> str:
    token = tokens.issue(purpose=DENY_PURPOSE, subject_id=access.pk, max_age=settings.EMAIL_LINK_MAX_AGE)
    return portal_url("partners:access_deny", access.pk, token)


def open_license_access_check_link(*, access_id: int, token: str) -> OpenLicenseAccess:
    """Validate a Deny Access link without using it (GET/HEAD confirmation page)."""
    checked = tokens.check(purpose=DENY_PURPOSE, token=token)
    access = OpenLicenseAccess.objects.select_related("licensing_id", "partner").filter(pk=access_id).first()
    if checked.subject_id != access_id or access is None:
        raise ApplicationError(_("This link is not valid."))
    return access


def open_license_access_deny_by_link(*, access_id: int, token: str) -> OpenLicenseAccess:
    """The POST behind the emailed Deny Access link: no sign-in; the single-use token is the authority."""
    try:
        with transaction.atomic():
            open_license_access_check_link(access_id=access_id, token=token)
            tokens.consume(purpose=DENY_PURPOSE, token=token)
            access = (
                OpenLicenseAccess.objects.select_for_update(of=("self",))
                .select_related("licensing_id")
                .get(pk=access_id)
            )
            return _access_deny(access=access, actor=None, via="email_link")
    except ApplicationError as exc:
        audit.record(
            actor=None,
            verb="open_license.deny_link_refused",
            detail=f"access={access_id} token={tokens.redact(token)} reason={exc.message}",
        )
        raise


def _access_deny(*, access: OpenLicenseAccess, actor, via: str) -> OpenLicenseAccess:
    if access.denied_at is not None:
        raise ApplicationError(_("This access was already denied."))
    partner_access_deny(licensing_id=access.licensing_id, email=access.email, actor=actor, via=via, notify=False)
    access.denied_at = timezone.now()
    access.denied_via = via
    access.save(update_fields=["denied_at", "denied_via"])
    audit.record(
        actor=actor,
        verb="open_license.access_denied",
        licensing_id=access.licensing_id,
        target_email=access.email,
        detail=f"kind={access.kind} via={via}",
    )
    for to_email, language in recipients([access.email]).values():
        email_queue(
            template="partners/emails/access_denied",
            to_email=to_email,
            language=language,
            context={"license_number": access.licensing_id.number},
        )
    return access
