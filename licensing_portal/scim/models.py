"""SCIM 2.0 provisioning state of one organisation's directory (IDN-3).

The kernel owns what the directory said: its users (linked to portal accounts), its groups and their members
(users or other groups), and which group is mapped to what. What a mapping gives (a seat of a pool, roles on a
licensing ID) belongs to the domain and is reached through `settings.SCIM_MAPPING_TARGETS`, so a mapping stores a
target kind and id, not a foreign key into a domain app. `ScimAppliedAccess` remembers what the directory gave
each email, so that only that is taken back when a member leaves (a seat or a role given by hand stays).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScimUser(models.Model):
    """A user of an organisation's directory. `attributes` holds the SCIM attributes as last written (userName,
    name, displayName, emails, active); `email` and `active` are projected from them. `account` is the portal
    account of that email: created by this directory (`owns_account`: the directory then keeps its name, email
    and active flag) or an account that existed before (linked, never changed nor deactivated by the directory)."""

    organization = models.ForeignKey("agreements.Organization", on_delete=models.CASCADE, related_name="scim_users")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=255, blank=True)
    user_name = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)
    attributes = models.JSONField(default=dict, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="scim_identities"
    )
    owns_account = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("directory user")
        verbose_name_plural = _("directory users")
        ordering = ["user_name", "id"]
        constraints = [
            models.UniqueConstraint(
                "organization", models.functions.Lower("user_name"), name="uniq_scim_user_name_per_org"
            ),
        ]
        indexes = [models.Index(fields=["organization", "email"], name="scim_user_org_email")]

    def __str__(self) -> str:
        return self.user_name


class ScimGroup(models.Model):
    """A group of an organisation's directory. Members are users or other groups (flattened for mappings)."""

    organization = models.ForeignKey("agreements.Organization", on_delete=models.CASCADE, related_name="scim_groups")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("directory group")
        verbose_name_plural = _("directory groups")
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return self.display_name


class ScimMember(models.Model):
    """One direct member of a group: a user or a nested group (exactly one of the two)."""

    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="member_rows")
    user = models.ForeignKey(ScimUser, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    subgroup = models.ForeignKey(ScimGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="scim_member_user_xor_group",
                condition=Q(user__isnull=False, subgroup__isnull=True) | Q(user__isnull=True, subgroup__isnull=False),
            ),
            models.UniqueConstraint(fields=["group", "user"], name="uniq_scim_member_user"),
            models.UniqueConstraint(fields=["group", "subgroup"], name="uniq_scim_member_group"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} ∋ {self.user_id or self.subgroup_id}"


class ScimGroupMapping(models.Model):
    """A directory group mapped to a target of the organisation: a subscription pool (members get a seat) or a
    licensing ID with roles (members get those roles). Kinds come from settings.SCIM_MAPPING_TARGETS."""

    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="mappings")
    kind = models.CharField(_("gives"), max_length=20)
    target_id = models.BigIntegerField()
    roles = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group mapping")
        verbose_name_plural = _("group mappings")
        ordering = ["group", "kind", "target_id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "kind", "target_id"], name="uniq_scim_mapping"),
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.kind}:{self.target_id}"


class ScimAppliedAccess(models.Model):
    """What the directory gave one email on one target (a seat; roles), so leaving takes back exactly that."""

    organization = models.ForeignKey("agreements.Organization", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    target_id = models.BigIntegerField()
    email = models.EmailField()
    roles = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "target_id", "email"], name="uniq_scim_applied"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.target_id} {self.email}"
