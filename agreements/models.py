from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licensing_portal.tenancy import LicensingScopedQuerySet


class Organization(models.Model):
    """A customer or partner (reseller) organisation: the tenant that owns licensing IDs (AGR-2)."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        PARTNER = "partner", _("Partner")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CUSTOMER)
    address = models.TextField(_("address"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # SEC-8: a partner organisation registered by its own users sends at most PARTNER_UNAPPROVED_DAILY_LIMIT
    # orders and invitations a day until support approves it in admin.
    sending_approved_at = models.DateTimeField(_("approved for sending"), null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Program(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise enrollment")
    SELECT = "select", _("Select / Select Plus")
    OPEN_VALUE = "open_value", _("Open Value")
    OPEN_LICENSE = "open_license", _("Open License")
    MBSA = "mbsa", _("MBSA")
    PARENT = "parent", _("Enterprise/Select parent agreement")


PARENT_PROGRAMS = frozenset({Program.MBSA, Program.PARENT})


class LicensingIDQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "pk"


class LicensingID(models.Model):
    """One agreement of a program (AGR-1), owned by one customer organisation, optionally under a parent (AGR-2)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    number = models.CharField(_("agreement number"), max_length=40)
    program = models.CharField(_("program"), max_length=20, choices=Program.choices)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="licensing_ids")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent agreement"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = LicensingIDQuerySet.as_manager()

    class Meta:
        verbose_name = _("licensing ID")
        verbose_name_plural = _("licensing IDs")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["program", "number"], name="uniq_program_number")]
        indexes = [models.Index(fields=["number"])]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_program_display()})"

    def get_absolute_url(self) -> str:
        return reverse("agreements:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_parent(self) -> bool:
        return self.program in PARENT_PROGRAMS


class OpenLicense(models.Model):
    """Open License order data (AGR-4, AGR-5). The authorization number is kept only as a password hash."""

    licensing_id = models.OneToOneField(LicensingID, on_delete=models.CASCADE, related_name="open_license")
    license_number = models.CharField(_("license number"), max_length=20, unique=True)
    authorization_hash = models.CharField(max_length=200)
    authorization_hint = models.CharField(max_length=8, blank=True, help_text=_("Last characters only."))
    customer_email = models.EmailField(_("customer business email"))
    reseller_email = models.EmailField(_("reseller business email"), blank=True)
    available_at = models.DateTimeField(
        default=timezone.now, help_text=_("Before this time the licence is still propagating.")
    )

    class Meta:
        verbose_name = _("Open License")

    def __str__(self) -> str:
        return self.license_number


class ContactType(models.TextChoices):
    PRIMARY = "primary", _("Primary Contact")
    NOTICES = "notices", _("Notices Correspondent")
    ONLINE_ACCESS = "online_access", _("Online Access Contact")
    SA_MANAGER = "sa_manager", _("Software Assurance Manager")
    ONLINE_SERVICES_MANAGER = "online_services_manager", _("Online Services Manager")
    SUBSCRIPTIONS_MANAGER = "subscriptions_manager", _("Subscriptions Manager")


class AgreementContactQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "licensing_id"


class AgreementContact(models.Model):
    """A contact of record on an agreement (AGR-3); its type grants roles automatically (PERM-2)."""

    licensing_id = models.ForeignKey(LicensingID, on_delete=models.CASCADE, related_name="contacts")
    contact_type = models.CharField(_("contact type"), max_length=30, choices=ContactType.choices)
    email = models.EmailField(_("business email"))
    name = models.CharField(_("name"), max_length=200, blank=True)

    objects = AgreementContactQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["licensing_id", "contact_type", "email"], name="uniq_contact")]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.get_contact_type_display()}: {self.email}"


class LicenseSummaryLineQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "licensing_id"


class LicenseSummaryLine(models.Model):
    """A product and quantity licensed under a licensing ID (AGR-6, Licensing Info role)."""

    licensing_id = models.ForeignKey(LicensingID, on_delete=models.CASCADE, related_name="license_lines")
    product = models.CharField(_("product"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))

    objects = LicenseSummaryLineQuerySet.as_manager()

    class Meta:
        ordering = ["product"]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class SABenefitLine(models.Model):
    """A Software Assurance benefit balance (AGR-6, Licensing Info or SA Manager role)."""

    licensing_id = models.ForeignKey(LicensingID, on_delete=models.CASCADE, related_name="sa_benefits")
    benefit = models.CharField(_("benefit"), max_length=40)
    available = models.PositiveIntegerField(_("available"), default=0)
    used = models.PositiveIntegerField(_("used"), default=0)

    objects = LicenseSummaryLineQuerySet.as_manager()

    class Meta:
        ordering = ["benefit"]

    def __str__(self) -> str:
        return self.benefit


class Download(models.Model):
    """Software the licensing ID may download (AGR-6, Download role)."""

    licensing_id = models.ForeignKey(LicensingID, on_delete=models.CASCADE, related_name="downloads")
    product = models.CharField(_("product"), max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    language = models.CharField(_("language"), max_length=20, default="English")
    # Delivered only through agreements:download, which checks the Download role (AGR-8): never a public URL.
    file = models.FileField(_("file"), upload_to="downloads/%Y/", blank=True)

    objects = LicenseSummaryLineQuerySet.as_manager()

    class Meta:
        ordering = ["product"]

    def __str__(self) -> str:
        return self.product


class ProductKey(models.Model):
    """A volume licence key (AGR-6, Product Keys role)."""

    licensing_id = models.ForeignKey(LicensingID, on_delete=models.CASCADE, related_name="product_keys")
    product = models.CharField(_("product"), max_length=200)
    key = models.CharField(_("key"), max_length=40)
    key_type = models.CharField(_("type"), max_length=20, default="MAK")

    objects = LicenseSummaryLineQuerySet.as_manager()

    class Meta:
        ordering = ["product"]

    def __str__(self) -> str:
        return self.product


class OrganizationMember(models.Model):
    """A person who works for an organisation (a partner's staff, MPN-1, RES-7; a customer's people)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(_("organisation administrator"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="uniq_org_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class ExpiryNotice(models.Model):
    """AGR-7: one expiry notice sent for a licensing ID at one threshold (days before `end_date`). Recorded in the
    transaction that queues the emails, so a rerun of the nightly task sends nothing; a new end date (renewal)
    starts the thresholds again."""

    licensing_id = models.ForeignKey(LicensingID, on_delete=models.CASCADE, related_name="expiry_notices")
    end_date = models.DateField()
    threshold_days = models.PositiveSmallIntegerField()
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("expiry notice")
        verbose_name_plural = _("expiry notices")
        constraints = [
            models.UniqueConstraint(fields=["licensing_id", "end_date", "threshold_days"], name="uniq_expiry_notice")
        ]

    def __str__(self) -> str:
        return f"{self.licensing_id_id}: {self.threshold_days} days before {self.end_date}"
