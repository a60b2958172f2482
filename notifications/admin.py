from django.contrib import admin, messages
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from licensing_portal.admin_actions import SelectionCheckedMixin
from licensing_portal.fields import decrypt_or_none
from notifications.models import OutgoingEmail
from notifications.redaction import redact_links
from notifications.services import email_resend, email_undecryptable

CANNOT_DECRYPT = _(
    "This body cannot be decrypted: the key it was sealed with is no longer in SECRET_KEY or SECRET_KEY_FALLBACKS."
)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(SelectionCheckedMixin, admin.ModelAdmin):
    """The outbox (ADM-1): read-only, with a resend action. Staff see recipients, subject and state; every link
    in a body keeps its scheme and host only (SEC-7), whatever produced it: staff resend, they never need the link.
    Bodies are never loaded as model fields here: a row sealed with a key since dropped is shown as such, never
    as an error page (issue 18)."""

    list_display = ["created_at", "template", "to_email", "subject_shown", "language", "status", "attempts", "body"]
    list_filter = ["status", "template", "language"]
    search_fields = ["to_email", "subject", "template"]  # never the bodies: encrypted, and they hold the links
    fields = [
        "template",
        "to_email",
        "language",
        "subject_shown",
        "status",
        "attempts",
        "last_error_shown",
        "created_at",
        "last_attempt_at",
        "sent_at",
        "message_uuid",
        "body_text_redacted",
        "body_html_redacted",
    ]
    readonly_fields = fields
    actions = ["resend"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__")[0] in ("body_text", "body_html"):
            return False  # a filter on a body would probe its content (SEC-7)
        return super().lookup_allowed(lookup, value, request)

    def get_queryset(self, request):
        # The ciphertext as plain text: decrypted (or not) by the display methods below, never by the ORM.
        return (
            super()
            .get_queryset(request)
            .defer("body_text", "body_html")
            .annotate(sealed_text=Cast("body_text", TextField()), sealed_html=Cast("body_html", TextField()))
        )

    @staticmethod
    def _shown(sealed: str | None) -> str | None:
        if not sealed:
            return ""
        plain = decrypt_or_none(sealed)
        return None if plain is None else redact_links(plain)

    @admin.display(description=_("subject"), ordering="subject")
    def subject_shown(self, obj):
        return redact_links(obj.subject)

    @admin.display(description=_("last error"))
    def last_error_shown(self, obj):
        return redact_links(obj.last_error)

    @admin.display(description=_("body"))
    def body(self, obj):
        sealed = (obj.sealed_text, obj.sealed_html)
        readable = all(not value or decrypt_or_none(value) is not None for value in sealed)
        return _("readable") if readable else _("cannot be decrypted")

    @admin.display(description=_("body (text, links redacted)"))
    def body_text_redacted(self, obj):
        shown = self._shown(obj.sealed_text)
        return CANNOT_DECRYPT if shown is None else format_html('<pre style="white-space: pre-wrap">{}</pre>', shown)

    @admin.display(description=_("body (HTML source, links redacted)"))
    def body_html_redacted(self, obj):
        shown = self._shown(obj.sealed_html)
        return CANNOT_DECRYPT if shown is None else format_html('<pre style="white-space: pre-wrap">{}</pre>', shown)

    @admin.action(description=_("Resend selected emails"))
    def resend(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        refused = email_undecryptable(outgoing_email_ids=ids)
        count = email_resend(outgoing_email_ids=ids)
        if refused:
            self.message_user(
                request,
                _("%(count)d email(s) cannot be sent: their body cannot be decrypted (#%(ids)s).")
                % {"count": len(refused), "ids": ", #".join(map(str, refused))},
                messages.ERROR,
            )
        if count or not refused:
            self.message_user(request, _("%(count)d email(s) queued again.") % {"count": count}, messages.SUCCESS)
