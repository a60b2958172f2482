"""SEC-8: how many orders and invitations carrying partner-typed text a partner may send."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from agreements.models import Organization
from licensing_portal import limits
from licensing_portal.errors import ApplicationError


def _partner_sending_allow(*, partner: Organization, user, action: str) -> None:
    """SEC-8: orders and invitations email text the partner typed (its name, the customer's): limited per user and
    per partner organisation, and to a few a day while support has not approved a self-registered partner."""
    limits.user_text_email_allow(action=action, user=user, organization_ids=[partner.pk])
    if partner.sending_approved_at is None and not limits.daily_allow(
        key=f"partner-unapproved:{partner.pk}", limit=settings.PARTNER_UNAPPROVED_DAILY_LIMIT
    ):
        raise ApplicationError(
            _(
                "Your partner organisation can place %(limit)d orders and invitations a day until support approves "
                "it. Nothing was sent or changed; contact support to have your organisation approved."
            )
            % {"limit": settings.PARTNER_UNAPPROVED_DAILY_LIMIT}
        )
