from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "licensing_portal.core"
    label = "core"
    verbose_name = _("Accounts and audit")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from licensing_portal.core.logging import install_record_factory
        from licensing_portal.core.middleware import record_sign_in_time
        from licensing_portal.staff import support_group_after_migrate

        install_record_factory()
        user_logged_in.connect(record_sign_in_time, dispatch_uid="core.record_sign_in_time")
        post_migrate.connect(support_group_after_migrate, dispatch_uid="core.support_group")  # ADM-1
