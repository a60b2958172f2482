from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "licensing_portal.identity"
    label = "identity"
    verbose_name = _("Identity: domains and single sign-on")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from licensing_portal.identity import sso

        user_logged_in.connect(sso.on_user_logged_in, dispatch_uid="identity.sso_signed_in")
