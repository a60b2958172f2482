"""Single-use, expiring, purpose-bound tokens for links sent by email.

The link carries `signing.dumps({"i": row_id, "n": nonce}, salt=purpose)`; the database keeps only a SHA-256
of the nonce. A token is rejected when tampered, of another purpose, expired or already used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing_portal.core.models import OneTimeToken
from licensing_portal.errors import ApplicationError

SALT_PREFIX = "licensing-portal.link."


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def issue(*, purpose: str, subject_id: int, max_age: timedelta) -> str:
    nonce = secrets.token_urlsafe(24)
    row = OneTimeToken.objects.create(
        purpose=purpose,
        subject_id=subject_id,
        secret_hash=_hash(nonce),
        expires_at=timezone.now() + max_age,
    )
    return signing.dumps({"i": row.pk, "n": nonce}, salt=SALT_PREFIX + purpose, compress=True)


@dataclass(frozen=True)
class CheckedToken:
    row: OneTimeToken

    @property
    def subject_id(self) -> int:
        return self.row.subject_id


def check(*, purpose: str, token: str) -> CheckedToken:
    """Validate without consuming (safe for GET/HEAD confirmation pages)."""
    try:
        payload = signing.loads(token, salt=SALT_PREFIX + purpose)
        row = OneTimeToken.objects.get(pk=payload["i"], purpose=purpose)
    except (signing.BadSignature, OneTimeToken.DoesNotExist, KeyError, TypeError):
        raise ApplicationError(_("This link is not valid.")) from None
    if not hmac.compare_digest(row.secret_hash, _hash(str(payload.get("n", "")))):
        raise ApplicationError(_("This link is not valid."))
    if row.used_at is not None:
        raise ApplicationError(_("This link has already been used."))
    if row.expires_at <= timezone.now():
        raise ApplicationError(_("This link has expired."))
    return CheckedToken(row=row)


@transaction.atomic
def consume(*, purpose: str, token: str) -> CheckedToken:
    """Validate and mark used, under a row lock so a replayed POST is a no-op."""
    checked = check(purpose=purpose, token=token)
    row = OneTimeToken.objects.select_for_update().get(pk=checked.row.pk)
    if row.used_at is not None:
        raise ApplicationError(_("This link has already been used."))
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    return CheckedToken(row=row)


def redact(token: str) -> str:
    """What may appear in a log line."""
    return token[:6] + "…" if token else ""


def purge(*, older_than: timedelta | None = None) -> int:
    """Retention: links used or expired more than ONE_TIME_TOKEN_RETENTION_DAYS ago go, in one DELETE (until
    then a click still says "already used" or "expired" rather than "not valid")."""
    if older_than is None:
        older_than = timedelta(days=settings.ONE_TIME_TOKEN_RETENTION_DAYS)
    cutoff = timezone.now() - older_than
    deleted, _rows = OneTimeToken.objects.filter(Q(used_at__lt=cutoff) | Q(expires_at__lt=cutoff)).delete()
    return deleted
