from django import forms
from django.utils.translation import gettext_lazy as _


class MappingForm(forms.Form):
    """A directory group and what it gives: `target` is "<kind>:<id>" (a pool, or a licensing ID with roles)."""

    group = forms.TypedChoiceField(label=_("Directory group"), coerce=int)
    target = forms.ChoiceField(label=_("Gives"))
    roles = forms.MultipleChoiceField(
        label=_("Roles (for a licensing ID)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that every member gets a seat (the obligation to purchase takes effect at assignment) "
            "or the roles, and loses them on leaving the group."
        )
    )

    def __init__(self, *args, groups, targets, role_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = groups
        self.fields["target"].choices = targets
        self.fields["roles"].choices = role_choices

    def clean_target(self):
        kind, _sep, target_id = self.cleaned_data["target"].partition(":")
        return kind, int(target_id)
