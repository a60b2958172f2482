"""Writes to the agreements domain (AGR-1..5)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Download, LicensingID, OpenLicense, Organization, Program
from licensing_portal import audit
from licensing_portal.errors import ApplicationError
from notifications.services import email_queue


def organization_create(*, name: str, kind: str = Organization.Kind.CUSTOMER, address: str = "") -> Organization:
    org = Organization(name=name, kind=kind, address=address)
    org.full_clean()
    org.save()
    return org


def licensing_id_create(
    *,
    organization: Organization,
    number: str,
    program: str,
    parent: LicensingID | None = None,
    status: str = LicensingID.Status.ACTIVE,
    start_date: date | None = None,
    end_date: date | None = None,
) -> LicensingID:
    if parent is not None and not parent.is_parent:
        raise ApplicationError(_("Only an MBSA or a parent program agreement can have child agreements."))
    lid = LicensingID(
        organization=organization,
        number=number.strip(),
        program=program,
        parent=parent,
        status=status,
        start_date=start_date,
        end_date=end_date,
    )
    lid.full_clean()
    lid.save()
    return lid


def authorization_number_hash(raw: str) -> str:
    return make_password(raw.strip().upper())


def authorization_number_matches(open_license: OpenLicense, raw: str) -> bool:
    """Constant-time comparison against the stored hash (AGR-4)."""
    return check_password(raw.strip().upper(), open_license.authorization_hash)


@transaction.atomic
def open_license_create(
    *,
    organization: Organization,
    license_number: str,
    authorization_number: str,
    customer_email: str,
    reseller_email: str = "",
    parent: LicensingID | None = None,
    available_at=None,
) -> OpenLicense:
    """Record an Open License order (AGR-4, AGR-5). Reseller auto-access (RES-1) is the partners app's job."""
    lid = licensing_id_create(
        organization=organization, number=license_number, program=Program.OPEN_LICENSE, parent=parent
    )
    raw = authorization_number.strip().upper()
    ol = OpenLicense(
        licensing_id=lid,
        license_number=license_number.strip(),
        authorization_hash=authorization_number_hash(raw),
        authorization_hint=raw[-2:],
        customer_email=customer_email.strip().lower(),
        reseller_email=reseller_email.strip().lower(),
        available_at=available_at or timezone.now() + settings.OPEN_LICENSE_PROPAGATION_DELAY,
    )
    ol.full_clean()
    ol.save()
    return ol


def welcome_email_queue(
    *,
    licensing_id: LicensingID,
    email: str,
    language: str = "en",
    reason: str = "",
    extra: dict | None = None,
) -> None:
    """The AGR-3 / PERM-7 welcome: you have access to this licensing ID, register to use it."""
    from licensing_portal.core.models import User

    user = User.objects.filter(business_email=email, business_email_verified_at__isnull=False).first()
    email_queue(
        template="agreements/emails/welcome",
        to_email=user.notification_email if user else email,
        language=user.language if user else language,
        context={
            "licensing_id": licensing_id.number,
            "program": licensing_id.get_program_display(),
            "reason": str(reason),
            "registered": bool(user),
            **(extra or {}),
        },
    )


def download_record(*, user, download: Download) -> None:
    """Every delivered file leaves an audit row (AGR-8)."""
    audit.record(actor=user, verb="download.delivered", licensing_id=download.licensing_id, detail=download.file_name)


@transaction.atomic
def organization_sending_approve(*, organization_ids: list[int], actor) -> int:
    """Support approves partner organisations for sending (SEC-8): the daily cap on their orders and invitations
    ends. Already approved or non-partner organisations are left as they are."""
    pending = list(
        Organization.objects.select_for_update()
        .filter(pk__in=organization_ids, kind=Organization.Kind.PARTNER, sending_approved_at__isnull=True)
        .order_by("pk")
    )
    now = timezone.now()
    for org in pending:
        org.sending_approved_at = now
        org.save(update_fields=["sending_approved_at"])
        audit.record(actor=actor, verb="partners.sending_approved", detail=f"partner={org.pk}")
    return len(pending)
