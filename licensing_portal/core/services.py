"""Account services: profile (ACC-4) and business email verification (ACC-2)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing_portal import audit, tokens
from licensing_portal.core.models import OneTimeToken, User
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from licensing_portal.outbox import email_queue

BUSINESS_EMAIL_PURPOSE = "business-email"


def sessions_purge() -> None:
    """Retention: expired sessions go (what `manage.py clearsessions` does), whatever the session engine."""
    from importlib import import_module

    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def user_sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """End every signed-in session of the account (except `keep_session_key`); returns how many (ASVS V7)."""
    from allauth.usersessions.models import UserSession

    ended = 0
    for session in UserSession.objects.filter(user=user).exclude(session_key=keep_session_key or ""):
        session.end()
        ended += 1
    return ended


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None = None) -> User:
    """Block the account and end all its sessions at once, not at their next request (ASVS V7)."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    ended = user_sessions_end(user=user)
    audit.record(actor=actor, verb="user.deactivated", target_email=user.email, detail=f"{ended} session(s) ended")
    return user


def profile_update(*, user: User, first_name: str, last_name: str, contact_email: str, language: str) -> User:
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.contact_email = contact_email.strip().lower()
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["first_name", "last_name", "contact_email", "language"])
    return user


def _business_email_verify(*, user: User, how: str) -> None:
    user.business_email_verified_at = timezone.now()
    user.save(update_fields=["business_email_verified_at"])
    audit.record(actor=user, verb="business_email.verified", target_email=user.business_email, detail=how)


@transaction.atomic
def business_email_adopt_confirmed(*, user: User, email: str, how: str = "sign-in email confirmed") -> User:
    """A sign-in address the person has just confirmed is proven: it serves as their business email as well when
    they have none yet (or it is that one, unconfirmed), so one confirmation serves both (ACC-2). The same holds
    for an address the directory or provider of the organisation that verified its domain vouches for (IDN-1,
    IDN-3); `how` says which, in the audit row."""
    email = email.strip().lower()
    if user.verified_business_email or user.business_email not in ("", email):
        return user
    user.business_email = email
    user.full_clean(exclude=["password"])
    user.save(update_fields=["business_email"])
    _business_email_verify(user=user, how=how)
    return user


def adopt_confirmed_sign_in_email(sender, request, email_address, **kwargs) -> None:
    """allauth's email_confirmed receiver."""
    business_email_adopt_confirmed(user=email_address.user, email=email_address.email)


@transaction.atomic
def business_email_start_verification(*, user: User, business_email: str) -> User:
    """Set (or re-send) the business email and email a signed, expiring, single-use link to it (ACC-2); an
    address the person already confirmed as a sign-in email is verified at once, without a second link."""
    email = business_email.strip().lower()
    if email != user.business_email:
        user.business_email = email
        user.business_email_verified_at = None
        user.full_clean(exclude=["password"])
        user.save(update_fields=["business_email", "business_email_verified_at"])
    if EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
        if not user.business_email_verified_at:
            _business_email_verify(user=user, how="sign-in email confirmed")
        return user
    OneTimeToken.objects.filter(purpose=BUSINESS_EMAIL_PURPOSE, subject_id=user.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )  # an older link must not verify a newer address
    token = tokens.issue(
        purpose=BUSINESS_EMAIL_PURPOSE, subject_id=user.pk, max_age=settings.BUSINESS_EMAIL_TOKEN_MAX_AGE
    )
    url = portal_url("core:business_email_confirm", token)
    email_queue(
        template="core/emails/business_email_validation",
        to_email=email,
        language=user.language,
        context={
            "confirm_url": url,
            "hours": int(settings.BUSINESS_EMAIL_TOKEN_MAX_AGE.total_seconds() // 3600),
        },
    )
    return user


def business_email_check_token(*, token: str) -> User:
    checked = tokens.check(purpose=BUSINESS_EMAIL_PURPOSE, token=token)
    return User.objects.get(pk=checked.subject_id)


@transaction.atomic
def business_email_confirm(*, token: str, user: User) -> User:
    checked = tokens.check(purpose=BUSINESS_EMAIL_PURPOSE, token=token)
    if checked.subject_id != user.pk:
        raise ApplicationError(_("This link was sent to another account. Sign in with that account to use it."))
    tokens.consume(purpose=BUSINESS_EMAIL_PURPOSE, token=token)
    _business_email_verify(user=user, how="validation link")
    return user
