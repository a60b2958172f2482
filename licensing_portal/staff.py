"""The "Support" group (ADM-1): what support staff get in Django admin instead of superuser.

Support staff are `is_staff` users in this group, never superusers. They may look at every portal record (search
and filters of ADM-1, the read-only audit log) and change only what their tools change: the outbox (resend), the
OPEN-5 suspensions (lift) and service requests (ADM-2 replies). They cannot change users, grants or
organisations, and see nothing of the framework's secrets (sessions, MFA authenticators, groups, permissions).

The group is (re)synchronised after every migrate (post_migrate, once per run, after the last app's permissions
exist), so a new model of a portal app is visible to support without a migration of its own.
"""

from __future__ import annotations

from django.apps import apps as global_apps

SUPPORT_GROUP = "Support"
# Apps whose every model support may view.
VIEW_APPS = (
    "core",
    "support",
    "notifications",
    "agreements",
    "permissions",
    "partners",
    "subscriptions",
    "webhooks",  # endpoints (never their secrets) and the delivery log (API-4)
    "scim",  # directory users, groups and their mappings (IDN-3)
)
# (app_label, model) support may change, for the admin actions and replies of ADM-1 / ADM-2.
CHANGE_MODELS = (
    ("notifications", "outgoingemail"),  # "Resend selected emails"
    ("partners", "openlicensesuspension"),  # "Lift the selected suspensions"
    ("support", "servicerequest"),  # status and reply (ADM-2)
    ("webhooks", "webhookdelivery"),  # "Resend selected deliveries" (API-4)
)


def support_permissions():
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    wanted = Q(content_type__app_label__in=VIEW_APPS, codename__startswith="view_")
    for app_label, model in CHANGE_MODELS:
        wanted |= Q(content_type__app_label=app_label, codename=f"change_{model}")
    return Permission.objects.filter(wanted)


def support_group_sync(*, using: str = "default"):
    """Create the Support group or reset its permissions to exactly the list above."""
    from django.contrib.auth.models import Group

    group, _ = Group.objects.using(using).get_or_create(name=SUPPORT_GROUP)
    group.permissions.set(support_permissions().using(using))
    return group


def _last_app_with_models():
    return [config for config in global_apps.get_app_configs() if config.models_module is not None][-1]


def support_group_after_migrate(sender, using="default", **kwargs):
    """post_migrate is sent once per app; permissions of every app exist when the last one's arrives."""
    if sender is _last_app_with_models():
        support_group_sync(using=using)
