from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licensing_portal.tenancy import LicensingScopedQuerySet
from permissions.access import customer_organization_ids, partner_organization_ids
from permissions.models import Role

# RES-8: delegated access lasts 1 day to 2 years; an invitation not accepted within 90 days expires.
ACCESS_MAX_DAYS = 730
INVITATION_MAX_DAYS = 90


def validate_roles(value) -> None:
    """A list of PERM-1 role values (JSON, so SQLite, the demo's database, stores it as PostgreSQL does)."""
    if not isinstance(value, list) or not set(value) <= set(Role.values):
        raise ValidationError(_("Choose roles from the list."))


def default_relationship_roles() -> list[str]:
    """What a relationship delegated before RES-8 (Administrator only); new invitations name their roles."""
    return [Role.ADMINISTRATOR.value]


class OpenLicenseAttempt(models.Model):
    """One invalid license/authorization pair (OPEN-5, RES-4). Kept in the database so that every process
    counts the same attempts. Only the license number as typed (truncated) is kept, never the
    authorization number. A pair being checked holds its row from before the hash (SEC-5); a valid pair gives
    it back."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remote_addr = models.GenericIPAddressField(_("source address"), null=True, blank=True)
    license_number = models.CharField(_("license number typed"), max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("invalid Open License attempt")
        verbose_name_plural = _("invalid Open License attempts")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="ol_attempt_user"),
            models.Index(fields=["remote_addr", "created_at"], name="ol_attempt_addr"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.license_number}"


class OpenLicenseAttemptKey(models.Model):
    """One row per user and per source address that has tried a pair (OPEN-5, SEC-5): checking the limit and
    counting an attempt hold this row's lock, so concurrent attempts of one user or one address are counted one
    after the other, none beyond the limit is checked, and a single suspension is created."""

    key = models.CharField(max_length=80, unique=True)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open License attempt key")
        verbose_name_plural = _("Open License attempt keys")

    def __str__(self) -> str:
        return self.key


class OpenLicenseSuspension(models.Model):
    """Add Open License suspended for 24 hours for one user or one source address after repeated invalid
    pairs (OPEN-5). Support staff may lift it in Django admin (ADM-1)."""

    class Scope(models.TextChoices):
        USER = "user", _("User")
        ADDRESS = "address", _("Source address")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    remote_addr = models.GenericIPAddressField(_("source address"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("suspended until"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Open License suspension")
        verbose_name_plural = _("Open License suspensions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.user or self.remote_addr}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None and self.expires_at > timezone.now()


class OpenLicenseAccessQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "licensing_id"


class OpenLicenseAccess(models.Model):
    """Access to an Open License obtained without an administrator deciding: Add Open License (OPEN-3),
    a reseller named on the order (RES-1) or a partner registering the licence (RES-4). The licence's
    administrators may deny it; a Deny Access link's token names exactly this row."""

    class Kind(models.TextChoices):
        ADD_OPEN_LICENSE = "add_open_license", _("Add Open License")
        RESELLER_ORDER = "reseller_order", _("Reseller on the order")
        PARTNER_REGISTRATION = "partner_registration", _("Partner registration")

    class Route(models.TextChoices):
        SELECTOR = "selector", _("New open license in the agreement selector")
        SUMMARY = "summary", _("Relationship Summary")
        DIRECT = "direct", _("OLP Partners registration")

    licensing_id = models.ForeignKey(
        "agreements.LicensingID", on_delete=models.CASCADE, related_name="open_license_accesses"
    )
    email = models.EmailField(_("business email"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    route = models.CharField(_("route"), max_length=10, choices=Route.choices, blank=True, default="")
    partner = models.ForeignKey(
        "agreements.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="open_license_accesses",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    denied_at = models.DateTimeField(_("denied at"), null=True, blank=True)
    denied_via = models.CharField(_("denied via"), max_length=20, blank=True)

    objects = OpenLicenseAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("Open License access")
        verbose_name_plural = _("Open License accesses")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email"], name="ol_access_email")]

    def __str__(self) -> str:
        return f"{self.email} on {self.licensing_id_id} ({self.get_kind_display()})"


class PartnerScopedQuerySet(models.QuerySet):
    """Rows owned by a partner organisation; a user reaches them only as a member of that partner."""

    partner_path = "partner"

    def for_partner_user(self, user):
        return self.filter(**{f"{self.partner_path}__in": partner_organization_ids(user)})


class PartnerOrder(models.Model):
    """An order a partner placed on behalf of a customer (RES-3); the customer is invited by email."""

    partner = models.ForeignKey("agreements.Organization", on_delete=models.CASCADE, related_name="orders_placed")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    customer_email = models.EmailField(_("customer business email"))
    customer_name = models.CharField(_("customer organisation"), max_length=200)
    program = models.CharField(_("program"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartnerScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner order")
        verbose_name_plural = _("partner orders")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.customer_name} <{self.customer_email}>"


class ResellerRelationshipQuerySet(PartnerScopedQuerySet):
    def for_customer_admin(self, user):
        """The customer side: the customer's own administrators, never a partner's delegated access (SEC-6)."""
        return self.filter(customer__in=customer_organization_ids(user))

    def visible_to(self, user):
        """Either side of the relationship: the partner's staff or the customer's own administrators (SEC-6)."""
        return self.filter(
            models.Q(partner__in=partner_organization_ids(user))
            | models.Q(customer__in=customer_organization_ids(user))
        )


class ResellerRelationship(models.Model):
    """A partner acting for a customer (RES-5..7): invited by the partner, accepted by a customer
    administrator; the partner then administers the licences listed in `administered_licences`, which the
    customer may change at any time without ending the relationship (RES-6)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Invitation sent")
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")
        EXPIRED = "expired", _("Ended")

    partner = models.ForeignKey(
        "agreements.Organization", on_delete=models.CASCADE, related_name="customer_relationships"
    )
    customer = models.ForeignKey(
        "agreements.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="partner_relationships",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    customer_email = models.EmailField(_("customer email"), blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    administered_licences = models.ManyToManyField(
        "agreements.LicensingID",
        blank=True,
        related_name="+",
        verbose_name=_("licences the partner administers"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # RES-8..9: what the partner asks for, what the customer granted, and until when (partners/partner_access.py)
    requested_roles = models.JSONField(
        _("roles requested"), default=default_relationship_roles, validators=[validate_roles]
    )
    requested_days = models.PositiveSmallIntegerField(
        _("duration requested (days)"),
        default=ACCESS_MAX_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(ACCESS_MAX_DAYS)],
    )
    roles = models.JSONField(_("roles"), default=list, blank=True, validators=[validate_roles])
    ends_at = models.DateTimeField(_("access ends at"), null=True, blank=True, db_index=True)
    reminders_sent = models.JSONField(default=list, blank=True)  # RES-9 thresholds (days) already reminded of
    extension_requested_days = models.PositiveSmallIntegerField(
        _("extension requested (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(ACCESS_MAX_DAYS)],
    )
    extension_requested_at = models.DateTimeField(null=True, blank=True)
    extension_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ResellerRelationshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("reseller relationship")
        verbose_name_plural = _("reseller relationships")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.partner} → {self.customer or self.customer_email or '?'} ({self.status})"

    @property
    def invitation_expires_at(self):
        """RES-8: a pending invitation not accepted within 90 days is refused when followed."""
        from datetime import timedelta

        return self.created_at + timedelta(days=INVITATION_MAX_DAYS)

    @property
    def invitation_expired(self) -> bool:
        return self.invitation_expires_at <= timezone.now()


class SupportContactQuerySet(PartnerScopedQuerySet):
    partner_path = "relationship__partner"


class SupportContact(models.Model):
    """One of the partner's own staff named as support contact for a customer (RES-7)."""

    relationship = models.ForeignKey(ResellerRelationship, on_delete=models.CASCADE, related_name="support_contacts")
    member = models.ForeignKey("agreements.OrganizationMember", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupportContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("support contact")
        verbose_name_plural = _("support contacts")
        constraints = [models.UniqueConstraint(fields=["relationship", "member"], name="uniq_support_contact")]

    def __str__(self) -> str:
        return str(self.member)


class PartnerInvitationQuerySet(PartnerScopedQuerySet):
    def pending(self):
        """Neither accepted nor revoked, and its emailed link not yet expired."""
        cutoff = timezone.now() - settings.EMAIL_LINK_MAX_AGE
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, created_at__gt=cutoff)


class PartnerInvitation(models.Model):
    """The Program Administrator invites a person to work for the partner organisation (MPN-2): the emailed
    single-use link (only its hash is kept, licensing_portal/tokens.py) makes whoever signs in with the invited
    address a member of the partner, who may then be given a contact role and a subscription."""

    partner = models.ForeignKey("agreements.Organization", on_delete=models.CASCADE, related_name="people_invitations")
    email = models.EmailField(_("email"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = PartnerInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner people invitation")
        verbose_name_plural = _("partner people invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.partner}"

    @property
    def expires_at(self):
        return self.created_at + settings.EMAIL_LINK_MAX_AGE

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
