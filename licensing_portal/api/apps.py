from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "licensing_portal.api"
    label = "api"
    verbose_name = _("API tokens")

    def ready(self):
        from django.core.signals import request_finished, request_started

        from licensing_portal.api import schema  # noqa: F401  registers the token scheme with drf-spectacular
        from licensing_portal.audit import forget_api_token

        # A thread serves many requests: the token of the last one must never be audited on the next (API-2).
        request_started.connect(forget_api_token, dispatch_uid="api.forget_api_token")
        request_finished.connect(forget_api_token, dispatch_uid="api.forget_api_token_after")
