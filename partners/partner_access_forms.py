"""Forms of role-scoped, time-bound partner access (RES-8, RES-9). Shape only: the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import ACCESS_MAX_DAYS
from permissions.models import Role


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Roles"))
        super().__init__(choices=Role.choices, **kwargs)


class DaysField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Duration (days)"))
        super().__init__(min_value=1, max_value=ACCESS_MAX_DAYS, **kwargs)


class InvitationTermsForm(forms.Form):
    """RES-8: what the partner asks for: any of the seven roles, 1 day to 2 years."""

    roles = RolesField(
        help_text=_("The customer may grant fewer roles than you ask for."),
        initial=[Role.ADMINISTRATOR.value],
    )
    days = DaysField(
        help_text=_("From 1 to %(days)d days (two years). The customer may shorten it.") % {"days": ACCESS_MAX_DAYS},
        initial=ACCESS_MAX_DAYS,
    )


class AcceptTermsForm(forms.Form):
    """RES-8: what the customer grants on accepting. Whether they administer those IDs is the service's call."""

    licences = forms.TypedMultipleChoiceField(
        label=_("Licensing IDs"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    roles = RolesField(required=False)
    days = DaysField()

    def __init__(self, *args, licences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licences"].choices = [(lid.pk, lid.number) for lid in licences]


class ExtendForm(forms.Form):
    """RES-9: the customer extends to N days from today; the partner asks for N more days."""

    days = DaysField(label=_("Days from today"))


class ExtensionRequestForm(forms.Form):
    days = DaysField(label=_("Extra days"))


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
