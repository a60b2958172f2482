"""allauth's sign-in and password-reset forms with the organisation's single sign-on rules (IDN-1).

The password field may be left empty: the sign-in view (sign_in.py) sends an email of an SSO domain to its
provider; any other email still needs its password. "Require SSO" refuses a password for the domain's accounts
after it was checked, so nothing is learnt from the refusal that a wrong password would not tell; active staff
keep their password (and second factor) as the break-glass path into /admin/ while a provider is down."""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from licensing_portal.identity import selectors

SSO_REQUIRED = _(
    "Your organisation requires single sign-on for this email address. Leave the password empty to continue "
    "to your organisation's sign-in page."
)

RESET_REFUSED = _("Your organisation signs you in with single sign-on; reset your password with your organisation.")


def password_refused_for(user) -> bool:
    """True when the account's sign-in email is in a verified domain whose organisation requires SSO, and the
    account is not active staff (the break-glass path)."""
    if user is None or (user.is_staff and user.is_active):
        return False
    provider = selectors.sso_for_email(user.email)
    return bool(provider and provider.require_sso)


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        password = self.fields["password"]
        password.required = False
        password.help_text = _("Leave empty if your organisation signs you in (single sign-on).")

    def clean(self):
        if not (self.data.get("password") or ""):
            forms.Form.clean(self)
            self.add_error("password", forms.Field.default_error_messages["required"])
            return self.cleaned_data
        cleaned = super().clean()
        if not self.errors and password_refused_for(getattr(self, "user", None)):
            raise forms.ValidationError(gettext(SSO_REQUIRED))
        return cleaned


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def clean_email(self) -> str:
        email = super().clean_email()
        provider = selectors.sso_for_email(email)
        if provider and provider.require_sso:
            raise forms.ValidationError(RESET_REFUSED)
        return email


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    """A reset link sent before the organisation required SSO no longer sets a password."""

    def clean(self):
        cleaned = super().clean()
        if password_refused_for(self.user):
            raise forms.ValidationError(RESET_REFUSED)
        return cleaned
