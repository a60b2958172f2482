from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "licensing_portal.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from licensing_portal import audit
        from licensing_portal.webhooks.outbox import deliveries_for_audit

        audit.recorded.connect(deliveries_for_audit, dispatch_uid="webhooks.deliveries_for_audit")
