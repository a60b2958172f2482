from django import forms
from django.utils.translation import gettext_lazy as _

from subscriptions.models import ContactRole, Seat
from subscriptions.services import MAX_UPLOAD_BYTES

OBLIGATION_NOTICE = _(
    "I understand that the obligation to purchase takes effect at assignment: each subscription "
    "assigned is a subscription the organisation must pay for."
)


def _obligation_field():
    return forms.BooleanField(
        label=OBLIGATION_NOTICE,
        required=True,
        error_messages={"required": _("Confirm the obligation to purchase before assigning.")},
    )


class SeatAssignForm(forms.Form):
    email = forms.EmailField(label=_("Subscriber email"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    confirm_obligation = _obligation_field()


class SeatReassignForm(SeatAssignForm):
    email = forms.EmailField(label=_("New subscriber email"), max_length=254)


class SeatEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    downloads_enabled = forms.BooleanField(
        label=_("Software downloads"), required=False, help_text=_("The subscriber may download the software.")
    )
    notification_email = forms.EmailField(
        label=_("Notification email"),
        max_length=254,
        required=False,
        help_text=_("Emails about this subscription go here instead of the subscriber email, when set."),
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("Columns: email, first_name, last_name. UTF-8 for CSV. At most 10 MB."),
    )
    confirm_obligation = _obligation_field()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class BulkEditForm(BulkUploadForm):
    """SUB-6: an edited subscriber export; nothing changes before the preview is confirmed."""

    file = forms.FileField(
        label=_("Edited export (CSV or XLSX)"),
        help_text=_("Keep the id column. At most 10 MB."),
    )
    confirm_obligation = None


class BulkEditApplyForm(forms.Form):
    confirm_obligation = forms.BooleanField(label=OBLIGATION_NOTICE, required=False)


class PoolSettingsForm(forms.Form):
    low_seats_threshold = forms.IntegerField(
        label=_("Alert when free seats fall to"),
        min_value=0,
        max_value=1_000_000,
        help_text=_("Subscriptions Managers and Administrators are emailed once each time the pool crosses it."),
    )
    over_allocation_threshold = forms.IntegerField(
        label=_("Notify when seats beyond the purchased quantity reach"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("Emailed once per crossing to Subscriptions Managers and Administrators; 0 turns it off."),
    )


class SubscriberFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    pool = forms.TypedChoiceField(label=_("Pool"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Seat.Status.choices])

    def __init__(self, *args, pools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].choices = [("", _("All pools"))] + [
            (p.pk, f"{p.licensing_id.number} – {p.get_product_display()}") for p in pools
        ]
        self.fields["q"].widget.attrs.update({"class": "form-control", "placeholder": _("Email or name")})
        self.fields["pool"].widget.attrs["class"] = "form-select"
        self.fields["status"].widget.attrs["class"] = "form-select"


class PersonChoiceForm(forms.Form):
    """Pick one of the partner's people; `people` comes from the selector, so nobody else can be chosen."""

    member = forms.TypedChoiceField(label=_("Individual"), coerce=int)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.pk: p for p in people}
        self.fields["member"].choices = [
            (p.pk, f"{p.user.get_full_name() or p.user.email} <{p.user.email}>") for p in people
        ]

    def clean_member(self):
        return self.people[self.cleaned_data["member"]]


class ContactRoleForm(PersonChoiceForm):
    role = forms.ChoiceField(label=_("Contact role"), choices=ContactRole.choices)


class ContactAdminForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent to the people who manage this subscription for your organisation."),
    )
