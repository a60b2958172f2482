"""Shared by several partner rule families: recipients, partner administrators, SEC-8 sending limits."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from agreements.models import Organization
from licensing_portal import limits
from licensing_portal.core.models import User
from licensing_portal.errors import ApplicationError


def _recipients(emails: Iterable[str]) -> list[tuple[str, str]]:
    """(address to write to, language) for business emails, following a registered user's profile."""
    emails = list(dict.fromkeys(e for e in emails if e))
    users = {
        u.business_email: u
        for u in User.objects.filter(business_email__in=emails, business_email_verified_at__isnull=False)
    }
    return [(users[e].notification_email, users[e].language) if e in users else (e, "en") for e in emails]


def _url(name: str, *args) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, args=args)


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
