from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.models import Program
from licensing_portal.converters import PK_MAX
from partners.partner_access_forms import InvitationTermsForm

LICENSE_NUMBER_HELP = _("As printed on the Open License order, for example V1234567.")


class LicenseNumberField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(label=_("License number"), max_length=20, help_text=LICENSE_NUMBER_HELP, **kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        if not value.isalnum():
            raise forms.ValidationError(_("A license number has letters and digits only."))
        return value


class AuthorizationNumberField(forms.CharField):
    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})

    def __init__(self, **kwargs):
        super().__init__(label=_("Authorization number"), max_length=40, strip=True, **kwargs)


class OpenLicenseAddForm(forms.Form):
    """OPEN-1: license number, authorization number, acknowledgement (shape only)."""

    license_number = LicenseNumberField()
    authorization_number = AuthorizationNumberField()
    acknowledge = forms.BooleanField(
        label=_(
            "I acknowledge that I am authorised to manage this Open License for its owner, and that its "
            "administrators will be told about this request."
        ),
        error_messages={"required": _("Tick “I acknowledge” to continue.")},
    )


class PartnerLicenseRegisterForm(OpenLicenseAddForm):
    """RES-4: the same, plus the customer email on the order."""

    customer_email = forms.EmailField(label=_("Customer email on the order"), max_length=254)
    route = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = ["authorization_number", "license_number", "customer_email", "acknowledge"]


class PartnerRegisterForm(forms.Form):
    """RES-4c OLP Partners registration."""

    name = forms.CharField(label=_("Partner organisation name"), max_length=200)


class PartnerOrderForm(forms.Form):
    """RES-3."""

    customer_email = forms.EmailField(label=_("Customer business email"), max_length=254)
    customer_name = forms.CharField(label=_("Customer organisation"), max_length=200)
    program = forms.ChoiceField(label=_("Program"), choices=Program.choices)


class StaffOrderForm(forms.Form):
    """RES-1: support staff record an Open License order."""

    organization = forms.ModelChoiceField(label=_("Customer organisation"), queryset=None)
    license_number = LicenseNumberField()
    authorization_number = forms.CharField(label=_("Authorization number"), max_length=40)
    customer_email = forms.EmailField(label=_("Customer business email"), max_length=254)
    reseller_email = forms.EmailField(label=_("Reseller business email"), max_length=254, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class RelationshipInviteForm(InvitationTermsForm):
    """RES-5, with the roles and duration asked for (RES-8)."""

    customer_email = forms.EmailField(label=_("Customer email (optional)"), max_length=254, required=False)
    send_email = forms.BooleanField(label=_("Also send the invitation from the portal"), required=False)
    field_order = ["customer_email", "roles", "days", "send_email"]

    def clean(self):
        data = super().clean()
        if data.get("send_email") and not data.get("customer_email"):
            self.add_error("customer_email", _("Enter the customer's email to send the invitation."))
        return data


class RelationshipAcceptForm(forms.Form):
    """Shape only: whether the user administers that organisation is the service's call (audited)."""

    customer = forms.IntegerField(label=_("Your organisation"), min_value=1, max_value=PK_MAX)  # SEC-9


class SupportContactForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Support contact"), coerce=int)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.pk, m.user.get_full_name() or m.user.email) for m in members]


class PartnerSwitchForm(forms.Form):
    """Which of the user's partner organisations they act for (a user may work for several)."""

    organization = forms.TypedChoiceField(label=_("Acting for"), coerce=int)

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(m.organization_id, m.organization.name) for m in memberships]


class PartnerPersonInviteForm(forms.Form):
    """MPN-2: the address of the person the Program Administrator adds to the partner."""

    email = forms.EmailField(label=_("Email address"), max_length=254)
