"""Forms check shape only; the services decide (SEC-3). Unknown POST fields are simply never read."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from agreements.models import Program
from permissions.models import Role, SABenefit

AGREEMENT_NUMBER = RegexValidator(
    r"^[A-Za-z0-9-]{1,40}$", _("Enter the agreement number as printed: letters, digits and dashes.")
)


class RolesMixin(forms.Form):
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    sa_benefits = forms.MultipleChoiceField(
        label=_("Software Assurance benefits"),
        choices=SABenefit.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for the Software Assurance Manager role: the benefits this person may manage."),
    )

    def clean(self):
        data = super().clean()
        roles = data.get("roles") or []
        if Role.SA_MANAGER in roles:
            if not data.get("sa_benefits"):
                self.add_error("sa_benefits", _("Choose at least one benefit for the Software Assurance Manager."))
        else:
            data["sa_benefits"] = []
        return data


class PermissionRequestForm(RolesMixin):
    program = forms.ChoiceField(label=_("Program"), choices=[("", "---------"), *Program.choices])
    number = forms.CharField(label=_("Agreement number"), max_length=40, validators=[AGREEMENT_NUMBER])
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["program", "number", "roles", "sa_benefits", "comment"]


class PersonAddForm(RolesMixin):
    email = forms.EmailField(label=_("Business email"), max_length=254)

    field_order = ["email", "roles", "sa_benefits"]


class PersonRolesForm(RolesMixin):
    pass


class PersonEmailForm(forms.Form):
    email = forms.EmailField(label=_("Business email"), max_length=254)


class LicensingIDsField(forms.Field):
    """Primary keys of licensing IDs (SEC-9 shape); which of them the user may act on, the selector decides."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        from licensing_portal.converters import parse_pk

        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        pks = [parse_pk(v) for v in values]
        if not pks or None in pks or len(pks) > 1000:
            raise forms.ValidationError(_("Choose at least one licensing ID."))
        return sorted(set(pks))


class PersonApplyForm(RolesMixin):
    """PERM-12: one role set for one person, applied to several licensing IDs at once."""

    email = forms.EmailField(label=_("Business email"), max_length=254, widget=forms.HiddenInput)
    licensing_ids = LicensingIDsField(label=_("Licensing IDs"))

    field_order = ["email", "licensing_ids", "roles", "sa_benefits"]


class WelcomeResendForm(forms.Form):
    """PERM-12: its own field name, so a row's Resend button is told apart from its Remove and Deny buttons."""

    welcome_to = forms.EmailField(label=_("Business email"), max_length=254)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("deny", _("Deny"))])


class AuditFilterForm(forms.Form):
    """OPS-4: the audit log's filters, shared by the page and its CSV / JSON lines exports. Dates are UTC days,
    both ends included; the event matches a verb or its beginning (`permissions.` matches every permission event);
    the person matches the actor or the person acted on."""

    date_from = forms.DateField(label=_("From (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    event = forms.CharField(label=_("Event"), max_length=64, required=False)
    person = forms.CharField(label=_("Person (email)"), max_length=254, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        data["event"] = (data.get("event") or "").strip().lower()
        data["person"] = (data.get("person") or "").strip().lower()
        return data
