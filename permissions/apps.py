from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PermissionsConfig(AppConfig):
    name = "permissions"
    verbose_name = _("Permissions")

    def ready(self):
        from permissions import access_listing, access_namespaces

        post_migrate.connect(
            access_namespaces.install_after_migrate, sender=self, dispatch_uid="permissions_access_namespaces"
        )
        post_migrate.connect(access_listing.install_after_migrate, sender=self, dispatch_uid="permissions_listing")
