from django import forms
from django.utils.translation import gettext_lazy as _

from licensing_portal.webhooks.events import CATEGORIES


class EndpointForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label=_("Organisation"), empty_label=None)
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An HTTPS address on the public internet that accepts POST requests."),
    )
    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=CATEGORIES, widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
