"""PERM-7 welcome emails: resend (limited per person and licensing ID) and the welcome link."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import LicensingID
from licensing_portal import audit, limits
from licensing_portal.addresses import normalize_email, recipients
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from permissions import policies
from permissions.models import (
    Grant,
)

WELCOME_PURPOSE = "permissions.welcome"
WELCOME_RESEND_DAILY_LIMIT = 3  # per person and licensing ID: enough to recover a lost email, too few to spam


@transaction.atomic
def welcome_resend(*, licensing_id: LicensingID, email: str, actor) -> str:
    """PERM-12: an administrator sends the welcome email again, with a fresh single-use link; earlier links of
    that person on that licensing ID stop working. Audited; a few times a day per person and licensing ID.
    Returns the link."""
    from agreements.services import welcome_email_queue
    from licensing_portal import tokens
    from licensing_portal.core.models import OneTimeToken

    email = normalize_email(email)
    if not policies.can_manage_users(actor, licensing_id):
        raise ApplicationError(_("Only an administrator of this licensing ID can do this."))
    if not Grant.objects.filter(licensing_id=licensing_id, email=email).exists():
        raise ApplicationError(_("This person holds no permissions of their own here."))
    if not limits.daily_allow(key=f"welcome_resend:{licensing_id.pk}:{email}", limit=WELCOME_RESEND_DAILY_LIMIT):
        raise ApplicationError(
            _("The welcome email of %(email)s was already resent today. Try again tomorrow.") % {"email": email}
        )
    earlier = audit_resends(licensing_id=licensing_id, email=email).values("pk")
    event = audit.record(actor=actor, verb="permission.welcome_resent", licensing_id=licensing_id, target_email=email)
    OneTimeToken.objects.filter(purpose=WELCOME_PURPOSE, subject_id__in=earlier, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    token = tokens.issue(purpose=WELCOME_PURPOSE, subject_id=event.pk, max_age=settings.EMAIL_LINK_MAX_AGE)
    url = portal_url("permissions:welcome", token)
    _to, language = recipients([email])[email]
    welcome_email_queue(
        licensing_id=licensing_id,
        email=email,
        language=language,
        reason=_("Added by an administrator"),
        extra={"welcome_url": url},
    )
    return url


def audit_resends(*, licensing_id: LicensingID, email: str):
    from licensing_portal.core.models import AuditEvent

    return AuditEvent.objects.filter(verb="permission.welcome_resent", licensing_id=licensing_id, target_email=email)


def welcome_check(*, token: str):
    """The audit row of the resend a welcome link belongs to (its licensing ID and person); the page asks before
    the link is used (GET changes nothing)."""
    from licensing_portal import tokens
    from licensing_portal.core.models import AuditEvent

    checked = tokens.check(purpose=WELCOME_PURPOSE, token=token)
    event = AuditEvent.objects.select_related("licensing_id").filter(pk=checked.subject_id).first()
    if event is None or event.licensing_id is None:
        raise ApplicationError(_("This link is not valid."))
    return event


@transaction.atomic
def welcome_use(*, token: str):
    """Use a welcome link once (PERM-12); a second use is refused."""
    from licensing_portal import tokens

    event = welcome_check(token=token)
    tokens.consume(purpose=WELCOME_PURPOSE, token=token)
    return event
