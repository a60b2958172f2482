"""OPEN-5: failed Add Open License attempts, the 24-hour suspension, and support lifting it."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from licensing_portal import audit
from notifications.services import email_queue
from partners.models import (
    OpenLicenseAttempt,
    OpenLicenseAttemptKey,
    OpenLicenseSuspension,
)

ATTEMPT_LIMIT = 5
ATTEMPT_WINDOW = timedelta(hours=24)
SUSPENSION_LENGTH = timedelta(hours=24)

LOCKOUT_MESSAGE = gettext_lazy(
    "You have entered an invalid Authorization/License number combination multiple times. "
    "This functionality has been temporarily suspended."
)
LOCKOUT_NEXT_STEP = gettext_lazy(
    "The suspension lasts 24 hours. If you need access sooner, ask support to lift it through Contact us, "
    "giving the license number."
)


def lockout_text() -> str:
    """OPEN-5's sentence exactly, then how long and whom to contact; the same whatever caused it."""
    return f"{LOCKOUT_MESSAGE} {LOCKOUT_NEXT_STEP}"


def _clean_addr(remote_addr: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((remote_addr or "").strip()))
    except ValueError:
        return None


def open_license_suspension_active(*, user, remote_addr: str | None) -> bool:
    addr = _clean_addr(remote_addr)
    scope = Q(pk__in=[])
    if user is not None and user.pk:
        scope |= Q(scope=OpenLicenseSuspension.Scope.USER, user=user)
    if addr:
        scope |= Q(scope=OpenLicenseSuspension.Scope.ADDRESS, remote_addr=addr)
    return OpenLicenseSuspension.objects.filter(scope, lifted_at__isnull=True, expires_at__gt=timezone.now()).exists()


def _lockout_keys(*, user, addr: str | None) -> list[tuple[str, dict]]:
    keys = []
    if user is not None:
        keys.append((OpenLicenseSuspension.Scope.USER, {"user": user}))
    if addr:
        keys.append((OpenLicenseSuspension.Scope.ADDRESS, {"remote_addr": addr}))
    return keys


def _lockout_lock(keys: list[tuple[str, dict]]) -> None:
    """SEC-5: hold the user's and the address's key rows until the transaction ends. One upsert creates a missing
    row and locks it (INSERT .. ON CONFLICT DO UPDATE); keys are sorted, so two attempts never wait in a cycle."""
    names = sorted(f"{scope}:{key['user'].pk if 'user' in key else key['remote_addr']}" for scope, key in keys)
    OpenLicenseAttemptKey.objects.bulk_create(
        [OpenLicenseAttemptKey(key=name, last_used_at=timezone.now()) for name in names],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["last_used_at"],
    )


def _attempts_counted(*, scope: str, key: dict, now) -> int:
    """Invalid pairs (and pairs being checked) in the window; attempts before a lifted suspension no longer count."""
    last_lift = OpenLicenseSuspension.objects.filter(scope=scope, **key).aggregate(m=Max("lifted_at"))["m"]
    since = max(now - ATTEMPT_WINDOW, last_lift) if last_lift else now - ATTEMPT_WINDOW
    return OpenLicenseAttempt.objects.filter(created_at__gte=since, **key).count()


def _suspended(*, scope: str, key: dict, now) -> bool:
    return OpenLicenseSuspension.objects.filter(scope=scope, lifted_at__isnull=True, expires_at__gt=now, **key).exists()


@transaction.atomic
def _open_license_attempt_reserve(*, user, addr: str | None, license_number: str) -> OpenLicenseAttempt | None:
    """Check and count in one step, before the slow hash (SEC-5): under the key rows' locks, refuse when the user
    or the address is suspended or has used up its attempts (pairs still being checked included), else count
    this attempt now. None means refused; a valid pair gives its attempt back (_open_license_attempt_release)."""
    keys = _lockout_keys(user=user, addr=addr)
    _lockout_lock(keys)
    now = timezone.now()  # after waiting for the lock: the holder's attempts are committed and older
    for scope, key in keys:
        if _suspended(scope=scope, key=key, now=now) or _attempts_counted(scope=scope, key=key, now=now) >= (
            ATTEMPT_LIMIT
        ):
            return None
    return OpenLicenseAttempt.objects.create(user=user, remote_addr=addr, license_number=license_number, created_at=now)


def _open_license_attempt_release(*, attempt: OpenLicenseAttempt) -> None:
    OpenLicenseAttempt.objects.filter(pk=attempt.pk).delete()


@transaction.atomic
def _open_license_attempt_failed(*, user, addr: str | None, license_number: str, attempt=None) -> bool:
    """The pair was invalid: it stays counted (recorded now unless reserved before the hash); under the key rows'
    locks, suspend the user or the address that reached ATTEMPT_LIMIT within ATTEMPT_WINDOW, once (OPEN-5, SEC-5).
    Returns True when the feature is now suspended for this user or address."""
    keys = _lockout_keys(user=user, addr=addr)
    _lockout_lock(keys)
    now = timezone.now()  # after waiting for the lock: the holder's attempts are committed and older
    if attempt is None:
        OpenLicenseAttempt.objects.create(user=user, remote_addr=addr, license_number=license_number, created_at=now)
    audit.record(
        actor=user, verb="open_license.invalid_pair", detail=f"license_number={license_number} addr={addr or '-'}"
    )
    suspended = notify = False
    for scope, key in keys:
        if _attempts_counted(scope=scope, key=key, now=now) < ATTEMPT_LIMIT:
            continue
        suspended = True
        if not _suspended(scope=scope, key=key, now=now):
            OpenLicenseSuspension.objects.create(scope=scope, created_at=now, expires_at=now + SUSPENSION_LENGTH, **key)
            audit.record(actor=user, verb="open_license.suspended", detail=f"scope={scope} addr={addr or '-'}")
            notify = True
    if notify and user is not None:
        email_queue(
            template="partners/emails/lockout_notice",
            to_email=user.notification_email,
            language=user.language,
            context={"hours": int(SUSPENSION_LENGTH.total_seconds() // 3600)},
        )
    return suspended


def open_license_failure_record(*, user, remote_addr: str | None, license_number: str) -> bool:
    """Count one invalid pair for the user and the source address; suspend either once it reaches
    ATTEMPT_LIMIT within ATTEMPT_WINDOW (OPEN-5). Attempts before a lifted suspension no longer count.
    Returns True when the feature is now suspended for this user or address."""
    return _open_license_attempt_failed(
        user=user if user is not None and user.pk else None,
        addr=_clean_addr(remote_addr),
        license_number=(license_number or "").strip()[:20],
    )


@transaction.atomic
def open_license_suspension_lift(*, suspension: OpenLicenseSuspension, actor) -> int:
    """Support lifts a suspension (ADM-1); every active suspension of the same user/address goes with it."""
    key = (
        {"user": suspension.user}
        if suspension.scope == OpenLicenseSuspension.Scope.USER
        else {"remote_addr": suspension.remote_addr}
    )
    now = timezone.now()
    count = OpenLicenseSuspension.objects.filter(scope=suspension.scope, lifted_at__isnull=True, **key).update(
        lifted_at=now, lifted_by=actor
    )
    if count:
        audit.record(
            actor=actor,
            verb="open_license.suspension_lifted",
            target_email=suspension.user.email if suspension.user else "",
            detail=f"scope={suspension.scope} addr={suspension.remote_addr or '-'}",
        )
    return count


def open_license_attempts_purge(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Attempts older than the window only matter for forensics; the audit log keeps those."""
    cutoff = timezone.now() - older_than
    deleted, _rows = OpenLicenseAttempt.objects.filter(created_at__lt=cutoff).delete()
    OpenLicenseAttemptKey.objects.filter(last_used_at__lt=cutoff).delete()  # the lock rows of quiet users/addresses
    return deleted
