"""Access review forms (REV-1, REV-2): shape only; permissions/reviews.py decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from permissions.models import AccessReviewItem
from permissions.reviews import MAX_DUE_DAYS


class ReviewStartForm(forms.Form):
    licensing_ids = forms.TypedMultipleChoiceField(
        label=_("Licensing IDs"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every licensing ID you administer."),
    )
    reviewer_email = forms.EmailField(
        label=_("Reviewer (business email)"),
        required=False,
        max_length=254,
        help_text=_("Empty: you. The reviewer must administer every licensing ID of the review."),
    )
    due_days = forms.IntegerField(label=_("Due in (days)"), min_value=1, max_value=MAX_DUE_DAYS, initial=14)
    remove_unconfirmed = forms.BooleanField(label=_("Remove what is not confirmed by the due date"), required=False)
    every_days = forms.IntegerField(
        label=_("Repeat every (days)"),
        min_value=7,
        max_value=366,
        required=False,
        help_text=_("Empty: this review only. Otherwise a new review starts every that many days."),
    )

    def __init__(self, *args, licensing_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licensing_ids"].choices = [(lid.pk, lid.number) for lid in licensing_ids]


class ReviewDecisionForm(forms.Form):
    item = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    decision = forms.ChoiceField(
        choices=[(AccessReviewItem.Decision.KEEP, _("Keep")), (AccessReviewItem.Decision.REMOVE, _("Remove"))]
    )
