"""Email addresses and the people behind them: one normalisation, and whom to write to in which language.

Every email goes through the outbox in the recipient's language (NOTE-3); these are the lookups services use to
find that language. Kernel module: imports no domain app.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q


def normalize_email(email: str | None) -> str:
    """The one form every stored and compared address takes."""
    return (email or "").strip().lower()


def recipients(emails: Iterable[str]) -> dict[str, tuple[str, str]]:
    """business email -> (address to write to, language): a registered user's verified business email gives their
    notification address and language, else the business email itself in English. Keys are normalised and keep
    the order given; empty addresses are dropped. One query."""
    from licensing_portal.core.models import User

    wanted = list(dict.fromkeys(normalize_email(e) for e in emails if e))
    found = {
        u.business_email: (u.notification_email, u.language)
        for u in User.objects.filter(business_email__in=wanted, business_email_verified_at__isnull=False)
    }
    return {e: found.get(e, (e, "en")) for e in wanted}


def language_of(email: str, *, default: str) -> str:
    """The language of the user whose verified business email this is, else `default` (AGR-3 welcome emails)."""
    from licensing_portal.core.models import User

    user = User.objects.filter(business_email=email, business_email_verified_at__isnull=False).first()
    return user.language if user else default


def languages_of(emails: list[str]) -> dict[str, str]:
    """Language of the account behind each address (sign-in or verified business email); absent means 'en'."""
    from licensing_portal.core.models import User

    rows = User.objects.filter(
        Q(email__in=emails) | Q(business_email__in=emails, business_email_verified_at__isnull=False)
    ).values_list("email", "business_email", "language")
    found: dict[str, str] = {}
    for email, business_email, language in rows:
        found.setdefault(email, language)
        if business_email:
            found.setdefault(business_email, language)
    return found
