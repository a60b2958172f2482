from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "licensing_portal.api"
    label = "api"
    verbose_name = _("API tokens")

    def ready(self):
        from django.core.signals import request_started

        from licensing_portal.audit import forget_api_token

        # A thread serves many requests: the token of the last one must never be audited on the next (API-2).
        request_started.connect(forget_api_token, dispatch_uid="api.forget_api_token")
