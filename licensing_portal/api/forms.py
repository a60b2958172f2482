from datetime import UTC, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. a script."))
    expires_on = forms.DateField(
        label=_("Expires on (UTC)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token that does not expire."),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if "\x00" in name or not name:
            raise forms.ValidationError(_("Enter a name."))
        return name

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.now().date():
            raise forms.ValidationError(_("Choose a day after today."))
        if day is not None and day.year > 9998:
            raise forms.ValidationError(_("Choose an earlier day."))
        return day

    @property
    def expires_at(self):
        day = self.cleaned_data.get("expires_on")
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC) if day else None
