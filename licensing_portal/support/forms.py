from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.selectors import licensing_id_list
from licensing_portal.support.models import ServiceRequest


class ServiceRequestForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=ServiceRequest.Topic.choices)
    licensing_id = forms.ModelChoiceField(
        label=_("Licensing ID"), queryset=None, required=False, empty_label=_("— none / not listed —")
    )
    license_number = forms.RegexField(
        label=_("License number"),
        regex=r"^[A-Za-z0-9-]{1,20}$",
        required=False,
        help_text=_("For an Open License not listed above."),
    )
    authorization_number = forms.RegexField(
        label=_("Authorization number"),
        regex=r"^[A-Za-z0-9-]{1,40}$",
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    on_behalf_of = forms.EmailField(label=_("On behalf of a customer (their business email)"), required=False)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licensing_id"].queryset = licensing_id_list(user=user, include_inactive=True)


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
