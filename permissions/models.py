from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agreements.models import ContactType
from licensing_portal.tenancy import LicensingScopedQuerySet


class Role(models.TextChoices):
    """The seven roles of PERM-1, granted per licensing ID."""

    ADMINISTRATOR = "administrator", _("Administrator")
    LICENSING_INFO = "licensing_info", _("Licensing Info")
    DOWNLOAD = "download", _("Download")
    PRODUCT_KEYS = "product_keys", _("Product Keys")
    SA_MANAGER = "sa_manager", _("Software Assurance Manager")
    ONLINE_SERVICES_MANAGER = "online_services_manager", _("Online Services Manager")
    SUBSCRIPTIONS_MANAGER = "subscriptions_manager", _("Subscriptions Manager")


class SABenefit(models.TextChoices):
    PLANNING_SERVICES = "planning_services", _("Planning Services")
    TRAINING_VOUCHERS = "training_vouchers", _("Training Vouchers")
    E_LEARNING = "e_learning", _("E-Learning")
    EMPLOYEE_PURCHASE = "employee_purchase", _("Employee Purchase Program")
    HOME_USE = "home_use", _("Home Use Program")
    TECHNET = "technet", _("TechNet")
    PROBLEM_RESOLUTION = "problem_resolution", _("24x7 Problem Resolution Support")
    SOFTWARE = "software", _("Software")


# OPEN-3: what a valid Open License pair (or a named reseller, RES-1) grants. Never Administrator.
OPEN_LICENSE_ROLES = (Role.LICENSING_INFO, Role.DOWNLOAD, Role.PRODUCT_KEYS, Role.SUBSCRIPTIONS_MANAGER)

# PERM-2
CONTACT_TYPE_ROLE = {
    ContactType.PRIMARY: Role.ADMINISTRATOR,
    ContactType.NOTICES: Role.ADMINISTRATOR,
    ContactType.ONLINE_ACCESS: Role.ADMINISTRATOR,
    ContactType.SA_MANAGER: Role.SA_MANAGER,
    ContactType.ONLINE_SERVICES_MANAGER: Role.ONLINE_SERVICES_MANAGER,
    ContactType.SUBSCRIPTIONS_MANAGER: Role.SUBSCRIPTIONS_MANAGER,
}


class GrantQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "licensing_id"


class Grant(models.Model):
    """One role held by one business email on one licensing ID (PERM-1). Keyed on the email so that a
    person can be granted roles before they register (PERM-7)."""

    class Source(models.TextChoices):
        CONTACT = "contact", _("Agreement contact")
        MANUAL = "manual", _("Added by an administrator")
        REQUEST = "request", _("Approved request")
        OPEN_LICENSE = "open_license", _("Add Open License")
        RESELLER = "reseller", _("Reseller on the order")
        RELATIONSHIP = "relationship", _("Reseller relationship")
        LEGACY = "legacy", _("Legacy import")

    licensing_id = models.ForeignKey("agreements.LicensingID", on_delete=models.CASCADE, related_name="grants")
    email = models.EmailField(_("business email"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    sa_benefits = models.JSONField(_("SA benefits"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["licensing_id", "email", "role"], name="uniq_grant")]
        indexes = [
            models.Index(fields=["email", "role", "licensing_id"], name="grant_email_role_lid"),
            models.Index(fields=["licensing_id", "role"], name="grant_lid_role"),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_role_display()} on {self.licensing_id_id}"


class InheritanceOptOut(models.Model):
    """An administrator of a parent agreement who chose not to administer this child (PERM-8)."""

    licensing_id = models.ForeignKey("agreements.LicensingID", on_delete=models.CASCADE,
                                     related_name="inheritance_opt_outs")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["licensing_id", "email"], name="uniq_optout")]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.email} opted out of {self.licensing_id_id}"
