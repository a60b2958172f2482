from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "licensing_portal.core"
    label = "core"
    verbose_name = "Accounts and audit"

    def ready(self):
        from licensing_portal.core.logging import install_record_factory

        install_record_factory()
