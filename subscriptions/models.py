from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licensing_portal.tenancy import LicensingScopedQuerySet


class Product(models.TextChoices):
    VS_ENTERPRISE = "vs_enterprise", _("Visual Studio Enterprise")
    VS_PROFESSIONAL = "vs_professional", _("Visual Studio Professional")
    VS_TEST_PROFESSIONAL = "vs_test_professional", _("Visual Studio Test Professional")
    MSDN_PLATFORMS = "msdn_platforms", _("MSDN Platforms")
    MSDN = "msdn", _("MSDN")
    TECHNET = "technet", _("TechNet")


class SubscriptionPoolQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "licensing_id"

    def with_counts(self):
        return self.annotate(
            assigned=Count("seats", filter=Q(seats__status=Seat.Status.ACTIVE)),
            flagged=Count("seats", filter=Q(seats__status=Seat.Status.ACTIVE, seats__over_assigned=True)),
        )


class SubscriptionPool(models.Model):
    """Subscriptions of one product bought under a licensing ID (SUB-1). The assigned count is always derived
    from active seats, counted while the pool row is locked, so concurrent assignments cannot overshoot."""

    class OverAssignment(models.TextChoices):
        REFUSE = "refuse", _("Refuse assignments beyond the purchased quantity")
        ALLOW_AND_FLAG = "allow_flag", _("Allow them and flag the extra seats")

    licensing_id = models.ForeignKey(
        "agreements.LicensingID",
        on_delete=models.CASCADE,
        related_name="subscription_pools",
        verbose_name=_("licensing ID"),
    )
    product = models.CharField(_("product"), max_length=30, choices=Product.choices)
    quantity = models.PositiveIntegerField(_("purchased quantity"))
    over_assignment = models.CharField(
        _("over-assignment"), max_length=10, choices=OverAssignment.choices, default=OverAssignment.REFUSE
    )
    low_seats_threshold = models.PositiveIntegerField(
        _("low free seats threshold"),
        default=0,
        help_text=_("Subscriptions Managers are emailed once when free seats fall to this number or below."),
    )
    low_seats_alerted = models.BooleanField(_("low seats alert sent"), default=False)
    over_allocation_threshold = models.PositiveIntegerField(
        _("over-allocation threshold"),
        default=0,
        help_text=_(
            "Administrators and Subscriptions Managers are emailed once when this many seats or more are "
            "assigned beyond the purchased quantity (0: never)."
        ),
    )
    over_allocation_alerted = models.BooleanField(_("over-allocation notice sent"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubscriptionPoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscription pool")
        verbose_name_plural = _("subscription pools")
        ordering = ["licensing_id__number", "product"]
        constraints = [models.UniqueConstraint(fields=["licensing_id", "product"], name="uniq_pool_product")]

    def __str__(self) -> str:
        return f"{self.get_product_display()} × {self.quantity}"

    @property
    def free_seats(self) -> int:
        """Needs the `assigned` annotation of `with_counts()`; negative when over-assigned."""
        return self.quantity - self.assigned


class PoolUsageSnapshotQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "pool__licensing_id"


class PoolUsageSnapshot(models.Model):
    """The assigned and purchased counts of one pool on one day (SUB-8), taken by a daily task; the maximum
    usage page reads its peaks from these rows."""

    pool = models.ForeignKey(SubscriptionPool, on_delete=models.CASCADE, related_name="usage_snapshots")
    day = models.DateField(_("day"))
    assigned = models.PositiveIntegerField(_("assigned"))
    quantity = models.PositiveIntegerField(_("purchased quantity"))

    objects = PoolUsageSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("pool usage snapshot")
        verbose_name_plural = _("pool usage snapshots")
        ordering = ["pool", "day"]
        constraints = [models.UniqueConstraint(fields=["pool", "day"], name="uniq_pool_usage_day")]

    def __str__(self) -> str:
        return f"{self.pool_id} {self.day}: {self.assigned}/{self.quantity}"


class SeatQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "pool__licensing_id"

    def active(self):
        return self.filter(status=Seat.Status.ACTIVE)

    def with_state(self):
        """SUB-10 `signed_in`: an account whose sign-in email, or verified business email, is the seat's email
        has signed in since the seat was assigned (or reassigned). Otherwise the seat is still `invited`.
        One subquery, so a page of seats costs no extra query per seat."""
        from licensing_portal.core.models import User

        accounts = User.objects.filter(
            Q(email__iexact=OuterRef("email"))
            | Q(business_email__iexact=OuterRef("email"), business_email_verified_at__isnull=False),
            last_login__gte=OuterRef("assigned_at"),
        )
        return self.annotate(signed_in=Exists(accounts))


class Seat(models.Model):
    """One subscription of a pool assigned to a named person by email (SUB-2). Removing keeps the row;
    an email holds at most one active seat per pool."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Assigned")
        REMOVED = "removed", _("Removed")

    pool = models.ForeignKey(SubscriptionPool, on_delete=models.CASCADE, related_name="seats")
    email = models.EmailField(_("subscriber email"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    over_assigned = models.BooleanField(_("beyond the purchased quantity"), default=False)
    obligation_confirmed_at = models.DateTimeField(_("obligation to purchase confirmed at"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    downloads_enabled = models.BooleanField(
        _("software downloads"), default=True, help_text=_("The subscriber may download the software.")
    )
    notification_email = models.EmailField(
        _("notification email"),
        blank=True,
        help_text=_("Emails about this subscription go here instead of the subscriber email, when set."),
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    objects = SeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscription seat")
        verbose_name_plural = _("subscription seats")
        ordering = ["email", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "email"], condition=Q(status="active"), name="uniq_active_seat_email"
            )
        ]
        indexes = [
            models.Index(fields=["email", "status"], name="seat_email_status"),
            models.Index(fields=["pool", "status"], name="seat_pool_status"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.pool})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def mail_to(self) -> str:
        """Where this seat's emails go (SUB-10)."""
        return self.notification_email or self.email


class BulkUploadQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "pool__licensing_id"


class BulkUpload(models.Model):
    """A CSV/XLSX file of subscribers, validated as a whole and assigned all or nothing by a task (SUB-3).
    The raw file is dropped once processed; only the outcome is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("All rows assigned")
        REJECTED = "rejected", _("Rejected: nothing assigned")

    pool = models.ForeignKey(SubscriptionPool, on_delete=models.CASCADE, related_name="bulk_uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    assigned_count = models.PositiveIntegerField(_("assigned"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    obligation_confirmed_at = models.DateTimeField(_("obligation to purchase confirmed at"))
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BulkUploadQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulk upload")
        verbose_name_plural = _("bulk uploads")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REJECTED)


class BulkEditQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "pool__licensing_id"


class BulkEdit(models.Model):
    """An edited subscriber export re-uploaded to a pool (SUB-6): the file is read at once into a preview of the
    changes (added, changed with before and after, removed); applying it makes all of them or none. The raw
    file is not kept, only the preview."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for your confirmation")
        REJECTED = "rejected", _("Rejected: nothing changed")
        APPLIED = "applied", _("Applied")

    pool = models.ForeignKey(SubscriptionPool, on_delete=models.CASCADE, related_name="bulk_edits")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    objects = BulkEditQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulk edit")
        verbose_name_plural = _("bulk edits")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def added(self) -> list:
        return self.changes.get("added", [])

    @property
    def changed(self) -> list:
        return self.changes.get("changed", [])

    @property
    def removed(self) -> list:
        return self.changes.get("removed", [])

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def changed_rows(self) -> list[dict]:
        """Each changed seat with its fields as (label, before, after), for the preview."""

        def shown(value):
            return (_("yes") if value else _("no")) if isinstance(value, bool) else value

        return [
            {
                **change,
                "fields": [
                    (Seat._meta.get_field(name).verbose_name, shown(change["before"][name]), shown(value))
                    for name, value in change["after"].items()
                ],
            }
            for change in self.changed
        ]


# ---- Partner membership programme (MPN) -------------------------------------------------------------------


class PartnerMembershipQuerySet(models.QuerySet):
    def administered_by(self, user):
        """Memberships whose partner organisation has `user` as Program Administrator (MPN-2)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(organization__members__user=user, organization__members__is_admin=True)


class PartnerMembership(models.Model):
    """A partner organisation's membership (MPN-1): Action Pack or a Competency, entitling it to a number of
    Visual Studio subscriptions, each valid only when assigned to a named person who works for the partner."""

    class Kind(models.TextChoices):
        ACTION_PACK = "action_pack", _("Action Pack")
        COMPETENCY = "competency", _("Competency")

    organization = models.OneToOneField(
        "agreements.Organization",
        on_delete=models.CASCADE,
        related_name="partner_membership",
        verbose_name=_("partner"),
        limit_choices_to={"kind": "partner"},
    )
    kind = models.CharField(_("membership"), max_length=20, choices=Kind.choices)
    competency_name = models.CharField(_("competency"), max_length=120, blank=True)
    product = models.CharField(
        _("subscription level"), max_length=30, choices=Product.choices, default=Product.VS_PROFESSIONAL
    )
    entitlements = models.PositiveIntegerField(_("subscription entitlements"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartnerMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")
        ordering = ["organization__name"]

    def __str__(self) -> str:
        return f"{self.organization} – {self.get_kind_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from agreements.models import Organization

        if self.organization_id and self.organization.kind != Organization.Kind.PARTNER:
            raise ValidationError({"organization": _("Only a partner organisation can hold a membership.")})

    @property
    def requires_technical_contact(self) -> bool:
        return self.kind == self.Kind.ACTION_PACK


class ContactRole(models.TextChoices):
    FIRST_TECHNICAL = "technical_1", _("First Technical Contact")
    SECOND_TECHNICAL = "technical_2", _("Second Technical Contact")
    THIRD_TECHNICAL = "technical_3", _("Third Technical Contact")


class PartnerContactRole(models.Model):
    """A contact role the Program Administrator gave one of the partner's people (MPN-2). Each role is held by
    one person; a person holds at most one of them."""

    membership = models.ForeignKey(PartnerMembership, on_delete=models.CASCADE, related_name="contact_roles")
    member = models.ForeignKey(
        "agreements.OrganizationMember", on_delete=models.CASCADE, related_name="partner_contact_roles"
    )
    role = models.CharField(_("contact role"), max_length=20, choices=ContactRole.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner contact role")
        verbose_name_plural = _("partner contact roles")
        constraints = [
            models.UniqueConstraint(fields=["membership", "role"], name="uniq_mpn_role"),
            models.UniqueConstraint(fields=["membership", "member"], name="uniq_mpn_role_member"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.member}"


class PartnerSubscription(models.Model):
    """A membership subscription privilege assigned to one named person of the partner (MPN-1, MPN-3)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Assigned")
        REMOVED = "removed", _("Removed")

    membership = models.ForeignKey(PartnerMembership, on_delete=models.CASCADE, related_name="subscriptions")
    member = models.ForeignKey(
        "agreements.OrganizationMember", on_delete=models.CASCADE, related_name="partner_subscriptions"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("partner subscription")
        verbose_name_plural = _("partner subscriptions")
        ordering = ["-assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "member"],
                condition=Q(status="active"),
                name="uniq_active_mpn_subscription",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership}: {self.member}"
