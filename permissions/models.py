from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agreements.models import ContactType, Program
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
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A time-bound grant (RES-8, RES-9) counts until this moment and not after it, whether or not the task that
    # deletes it has run yet; empty: held until removed.
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("permission grant")
        verbose_name_plural = _("permission grants")
        constraints = [models.UniqueConstraint(fields=["licensing_id", "email", "role"], name="uniq_grant")]
        indexes = [
            models.Index(fields=["email", "role", "licensing_id"], name="grant_email_role_lid"),
            models.Index(fields=["licensing_id", "role"], name="grant_lid_role"),
            # Ended grants for the task that deletes them; the next end still ahead of one email's grants and of one
            # licensing ID's, part of every access cache key (permissions/access.py): the first entry after now,
            # however many grants the email or the licensing ID has (issue 13).
            models.Index(fields=["ends_at"], name="grant_ends_at", condition=models.Q(ends_at__isnull=False)),
            models.Index(
                fields=["email", "ends_at"], name="grant_email_ends", condition=models.Q(ends_at__isnull=False)
            ),
            models.Index(
                fields=["licensing_id", "ends_at"], name="grant_lid_ends", condition=models.Q(ends_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_role_display()} on {self.licensing_id_id}"


# Grants a partner received on a customer's licence; Manage Users offers "Deny access" for these (PERM-7).
PARTNER_SOURCES = frozenset({Grant.Source.OPEN_LICENSE, Grant.Source.RESELLER, Grant.Source.RELATIONSHIP})

# Administrator a partner holds on a customer's licence through a reseller relationship (RES-5, RES-6): it acts on
# the customer's licences, subscriptions and users, never for the customer on relationships nor against the
# customer's own administrators (SEC-6, permissions/policies.py).
DELEGATED_SOURCES = frozenset({Grant.Source.RELATIONSHIP})


class InheritanceOptOut(models.Model):
    """An administrator of a parent agreement who does not administer this child (PERM-8). `reason=removed`
    records a PERM-9 removal from My Permissions: it can only be undone through Request Permissions."""

    class Reason(models.TextChoices):
        OPT_OUT = "opt_out", _("Opted out")
        REMOVED = "removed", _("Removed from my permissions")

    licensing_id = models.ForeignKey(
        "agreements.LicensingID", on_delete=models.CASCADE, related_name="inheritance_opt_outs"
    )
    email = models.EmailField()
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.OPT_OUT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inheritance opt-out")
        verbose_name_plural = _("inheritance opt-outs")
        constraints = [models.UniqueConstraint(fields=["licensing_id", "email"], name="uniq_optout")]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.email} opted out of {self.licensing_id_id}"


class PermissionRequestQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "licensing_id"


class PermissionRequest(models.Model):
    """A person's request for roles on one licensing ID (PERM-4), decided by its administrators of record
    (PERM-5), or failed at once when nobody can decide it (PERM-6)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")
        FAILED = "failed", _("Failed")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="permission_requests"
    )
    email = models.EmailField(_("business email"), blank=True)
    program = models.CharField(_("program"), max_length=20, choices=Program.choices)
    number = models.CharField(_("agreement number"), max_length=40)
    licensing_id = models.ForeignKey(
        "agreements.LicensingID",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="permission_requests",
    )
    roles = models.JSONField(_("roles"), default=list)
    sa_benefits = models.JSONField(_("SA benefits"), default=list, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = PermissionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("permission request")
        verbose_name_plural = _("permission requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["licensing_id", "status", "-created_at"], name="permreq_lid_status"),
            models.Index(fields=["requester", "status"], name="permreq_requester_status"),
        ]

    def __str__(self) -> str:
        return f"{self.email or self.requester_id} → {self.number} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("permissions:request_detail", args=[self.pk])

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.roles if r in Role.values]

    @property
    def sa_benefit_labels(self) -> list[str]:
        return [str(SABenefit(b).label) for b in self.sa_benefits if b in SABenefit.values]


class AccessNamespace(models.Model):
    """A counter per email (`e:`), licensing ID (`l:`) and organisation (`o:`) that database triggers raise in the
    same transaction as every write to a table that decides who sees what (permissions/access_namespaces.py).
    Cached fragments are keyed on the namespaces they depend on: once a revocation commits, the very next request
    of anyone it concerns misses the cache, and writers in different organisations bump different rows (issue 13)."""

    key = models.CharField(primary_key=True, max_length=300)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("access namespace")
        verbose_name_plural = _("access namespaces")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


# --- Access reviews (REV-1..REV-3): permissions/reviews.py holds the rules -----------------------------------


class AccessReviewSchedule(models.Model):
    """REV-1: a review started again every `every_days` days over the same licensing IDs, by the beat task
    (permissions/reviews.py); it stops when its creator no longer administers them."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reviewer_email = models.EmailField(_("reviewer"))
    licensing_ids = models.ManyToManyField("agreements.LicensingID", related_name="+")
    every_days = models.PositiveIntegerField(_("every (days)"))
    due_days = models.PositiveIntegerField(_("due after (days)"))
    remove_unconfirmed = models.BooleanField(_("remove what is not confirmed by the due date"), default=False)
    next_start_on = models.DateField(_("next review on"))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("access review schedule")
        verbose_name_plural = _("access review schedules")
        indexes = [models.Index(fields=["active", "next_start_on"], name="review_sched_next")]

    def __str__(self) -> str:
        return f"every {self.every_days} days, next {self.next_start_on}"


class AccessReview(models.Model):
    """REV-1: one review of who holds roles on the licensing IDs its creator administers; a reviewer decides
    keep/remove per item by `due_at` (REV-2); it is finished when nothing is left to decide (REV-3)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        OVERDUE = "overdue", _("Overdue")
        FINISHED = "finished", _("Finished")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_email = models.EmailField(_("started by"))
    reviewer_email = models.EmailField(_("reviewer"))
    schedule = models.ForeignKey(
        AccessReviewSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    due_at = models.DateTimeField(_("due"))
    remove_unconfirmed = models.BooleanField(_("remove what is not confirmed by the due date"), default=False)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="review_status_due"),
            models.Index(fields=["reviewer_email"], name="review_reviewer"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("permissions:review_detail", args=[self.pk])


class AccessReviewItemQuerySet(LicensingScopedQuerySet):
    licensing_id_path = "licensing_id"


class AccessReviewItem(models.Model):
    """One person or partner holding roles on one licensing ID at the start of a review, and its decision
    (REV-1, REV-2). `outcome` says what the decision did: the Manage Users rules may refuse a removal."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided")
        KEEP = "keep", _("Keep")
        REMOVE = "remove", _("Remove")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        KEPT = "kept", _("Kept")
        REMOVED = "removed", _("Removed")
        ALREADY_GONE = "already_gone", _("Already removed")
        REFUSED = "refused", _("Removal refused")

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    licensing_id = models.ForeignKey("agreements.LicensingID", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("business email"))
    roles = models.JSONField(_("roles"), default=list)
    is_partner = models.BooleanField(_("partner"), default=False)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices, blank=True, default="")
    note = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_email = models.CharField(_("decided by"), max_length=254, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = AccessReviewItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("access review item")
        verbose_name_plural = _("access review items")
        constraints = [
            models.UniqueConstraint(fields=["review", "licensing_id", "email"], name="uniq_review_item"),
        ]
        indexes = [models.Index(fields=["review", "decision"], name="review_item_decision")]

    def __str__(self) -> str:
        return f"{self.email} on {self.licensing_id_id}: {self.decision}"


class HolderListing(models.Model):
    """One licensing ID on one business email's My Permissions (PERM-3, PERM-8, PERM-9): listed while a grant
    lists it (a role held there, or Administrator held on its parent and not removed there), until the latest end
    among those grants (empty: one of them has none). Written only by database triggers
    (permissions/access_listing.py), read only by the page queries of My Permissions (permissions/access_mine.py:
    `listing_page`) and Manage Users (permissions/access_people.py: `listing_people`), so that a page's order and
    count come from one index however many licensing IDs the email holds or people the licensing ID lists (issue 13)."""

    email = models.EmailField()
    licensing_id = models.ForeignKey(
        "agreements.LicensingID", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    number = models.CharField(max_length=40)
    status = models.CharField(max_length=10)
    until = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email", "licensing_id"], name="uniq_holder_listing")]
        indexes = [
            models.Index(fields=["email", "number", "licensing_id"], include=["status", "until"], name="listing_page"),
            models.Index(fields=["licensing_id", "email"], include=["until"], name="listing_people"),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.number}"
