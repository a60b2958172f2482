from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "licensing_portal.core"
    label = "core"
    verbose_name = "Accounts and audit"
