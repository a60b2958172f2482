from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from licensing_portal import health, metrics
from licensing_portal.identity import sign_in

# SEC-4: the admin has no sign-in form of its own. An anonymous visitor is sent to allauth's login (next= back to
# the admin), which asks for the same factors (password, then TOTP or a recovery code) and applies the same
# per-account and per-address limits as the portal; a signed-in user who is not active staff gets 403.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("admin/", admin.site.urls),
    path("metrics", metrics.metrics_view, name="metrics"),  # OPS-2: restricted by METRICS_TOKEN / _ALLOWED_IPS
    path("accounts/login/", sign_in.login, name="account_login"),  # email first: SSO domains go to their IdP (IDN-1)
    path("accounts/signup/", sign_in.signup, name="account_signup"),  # an SSO domain signs up at its IdP (IDN-1)
    path("accounts/", include("allauth.urls")),
    path("identity/", include("licensing_portal.identity.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("agreements/", include("agreements.urls")),
    path("permissions/", include("permissions.urls")),
    path("partners/", include("partners.urls")),
    path("subscriptions/", include("subscriptions.urls")),
    path("support/", include("licensing_portal.support.urls")),
    path("webhooks/", include("licensing_portal.webhooks.urls")),
    path("api/v1/", include("licensing_portal.api.urls")),  # API-1
    path("profile/api-tokens/", include("licensing_portal.api.token_urls")),  # API-2
    path("scim/", include("licensing_portal.scim.urls")),  # IDN-3
    path("", include("licensing_portal.core.urls")),
]
