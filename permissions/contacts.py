"""PERM-2: an agreement contact receives the role of its contact type.

The permissions side owns contact → grants, so the dependency runs one way: permissions calls agreements (the
contact row, the AGR-3 welcome), agreements never calls permissions (tests/test_architecture.py).
"""

from __future__ import annotations

from django.db import transaction

from agreements.models import AgreementContact, LicensingID
from agreements.services import welcome_email_queue
from permissions.models import CONTACT_TYPE_ROLE, Grant
from permissions.services import grants_add


@transaction.atomic
def contact_add(
    *,
    licensing_id: LicensingID,
    contact_type: str,
    email: str,
    name: str = "",
    actor=None,
    language: str = "en",
    welcome_extra: dict | None = None,
) -> AgreementContact:
    """List a contact on an agreement; it receives the matching role (PERM-2) and a welcome email (AGR-3)."""
    contact, created = AgreementContact.objects.get_or_create(
        licensing_id=licensing_id,
        contact_type=contact_type,
        email=email.strip().lower(),
        defaults={"name": name},
    )
    if not created:
        return contact
    grants_add(
        licensing_id=licensing_id,
        email=contact.email,
        roles=[CONTACT_TYPE_ROLE[contact_type]],
        source=Grant.Source.CONTACT,
        granted_by=actor,
    )
    welcome_email_queue(
        licensing_id=licensing_id,
        email=contact.email,
        language=language,
        reason=contact.get_contact_type_display(),
        extra=welcome_extra,
    )
    return contact
