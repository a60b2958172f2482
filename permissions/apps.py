from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PermissionsConfig(AppConfig):
    name = "permissions"
    verbose_name = _("Permissions")

    def ready(self):
        from permissions.access_namespaces import install_after_migrate

        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="permissions_access_namespaces")
