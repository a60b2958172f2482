from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A portal account. Signs in with `email`; agreement access follows the verified `business_email` (ACC-1..3)."""

    username = None
    email = models.EmailField(_("sign-in email"), unique=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    business_email = models.EmailField(_("business email"), blank=True, db_index=True)
    business_email_verified_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def verified_business_email(self) -> str | None:
        """The address agreement permissions are keyed on, or None until it is confirmed (ACC-2)."""
        if self.business_email and self.business_email_verified_at:
            return self.business_email
        return None

    @property
    def notification_email(self) -> str:
        return self.contact_email or self.email

    @property
    def has_complete_profile(self) -> bool:
        return bool(self.first_name.strip() and self.last_name.strip())


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One append-only row per security-relevant change (PERM-11); never edited or deleted by the app."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_email = models.CharField(max_length=254, blank=True)
    verb = models.CharField(max_length=64, db_index=True)
    licensing_id = models.ForeignKey(
        "agreements.LicensingID",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    target_email = models.CharField(max_length=254, blank=True, db_index=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    # The API token the change was made with (API-2); a plain id: the kernel's audit does not depend on the API app.
    api_token_id = models.BigIntegerField(_("API token"), null=True, blank=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["licensing_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.target_email}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


class OneTimeToken(models.Model):
    """A link sent by email (validation, deny access, invitation). Only a hash of the secret is stored."""

    purpose = models.CharField(max_length=40)
    secret_hash = models.CharField(max_length=64, unique=True)
    subject_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("emailed link")
        verbose_name_plural = _("emailed links")
        indexes = [models.Index(fields=["purpose", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.subject_id}"
