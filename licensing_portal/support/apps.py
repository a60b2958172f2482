from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "licensing_portal.support"
    label = "support"
    verbose_name = _("Service requests")
