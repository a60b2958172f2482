from django import forms
from django.utils.translation import gettext_lazy as _


class DomainForm(forms.Form):
    domain = forms.CharField(label=_("Domain"), max_length=253, help_text=_("For example contoso.com."))


class SSOForm(forms.Form):
    issuer = forms.URLField(
        label=_("Issuer URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Your provider's issuer; its /.well-known/openid-configuration must answer."),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=255)
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the current secret."),
    )
    enabled = forms.BooleanField(label=_("Send people of our verified domains to this provider"), required=False)
    require_sso = forms.BooleanField(
        label=_("Require single sign-on"),
        required=False,
        help_text=_("Password sign-in and password reset are refused for our verified domains."),
    )
