from django import forms
from django.utils.translation import gettext_lazy as _

from licensing_portal.core.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "contact_email", "language"]

    def __init__(self, *args, require_names: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = require_names
        self.fields["last_name"].required = require_names
        self.fields["contact_email"].help_text = _("Where notifications are sent. Empty: your sign-in email.")


class BusinessEmailForm(forms.Form):
    business_email = forms.EmailField(
        label=_("Business email"),
        max_length=254,
        help_text=_("The work address your organisation's agreements list. We will send a validation link to it."),
    )
