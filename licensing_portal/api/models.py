"""API tokens (API-2): personal tokens of a person, service tokens of an organisation.

A raw token is `lpt_<key id>_<secret>`. It is shown once; the database keeps the key id (the display prefix,
unique, looked up first) and a SHA-256 of the whole token (compared in constant time). A token acts as the person
who created it, with the roles that person holds at the time of each request: nothing is copied onto the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PREFIX = "lpt_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _split(raw: str) -> str | None:
    """The key id of a well-formed raw token, else None."""
    if not isinstance(raw, str) or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    key_id, sep, secret = raw[len(PREFIX) :].partition("_")
    if not sep or len(key_id) != 12 or not secret:
        return None
    return key_id


# last_used_at is written at most once a minute per token: a busy script must not turn every read into a write.
LAST_USED_RESOLUTION = 60


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def personal_of(self, user):
        return self.filter(kind=ApiToken.Kind.PERSONAL, user=user)

    def of_organization(self, organization):
        return self.filter(kind=ApiToken.Kind.SERVICE, organization=organization)

    def authenticate(self, raw: str) -> ApiToken | None:
        """The token `raw` stands for, if it is usable now: not revoked, not expired, its creator active, and for a
        service token, its creator still an administrator of the organisation (checked on every request)."""
        key_id = _split(raw)
        if key_id is None:
            _hash(raw if isinstance(raw, str) else "")  # same work whether or not the shape is right
            return None
        token = self.select_related("created_by", "organization", "user").filter(key_id=key_id).first()
        digest = _hash(raw)
        if token is None or not hmac.compare_digest(token.secret_hash, digest):
            return None
        if not token.is_usable():
            return None
        token.touch()
        return token


class ApiToken(models.Model):
    """A bearer credential for the REST API (API-2). Personal: `user` is set (and is `created_by`). Service:
    `organization` is set, created by one of its administrators, and acts as that administrator."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        SERVICE = "service", _("Service")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    organization = models.ForeignKey(
        "agreements.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="created_api_tokens"
    )
    key_id = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="api_token_owner_matches_kind",
                condition=(
                    Q(kind="personal", user__isnull=False, organization__isnull=True)
                    | Q(kind="service", user__isnull=True, organization__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def prefix(self) -> str:
        return f"{PREFIX}{self.key_id}"

    @property
    def acting_user(self):
        """The person a request made with this token acts as (their roles are read per request)."""
        return self.created_by

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_usable(self) -> bool:
        if self.is_revoked or self.is_expired or not self.created_by.is_active:
            return False
        if self.kind == self.Kind.SERVICE:
            from permissions.policies import may_administer_organization

            return may_administer_organization(self.created_by, self.organization)
        return True

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used_at and (now - self.last_used_at).total_seconds() < LAST_USED_RESOLUTION:
            return
        ApiToken.objects.filter(pk=self.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(seconds=LAST_USED_RESOLUTION))
        ).update(last_used_at=now)
        self.last_used_at = now

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """(raw token, key id, hash of the raw token)."""
        key_id = secrets.token_hex(6)
        raw = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        return raw, key_id, _hash(raw)
