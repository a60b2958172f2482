from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Sends new accounts straight to the business email step (ACC-2)."""

    def save_user(self, request, user, form, commit=True):
        """A visitor who signed up in French keeps French (ACC-5)."""
        from django.conf import settings
        from django.utils.translation import get_language

        language = (get_language() or "en")[:2]
        user.language = language if language in dict(settings.LANGUAGES) else "en"
        return super().save_user(request, user, form, commit=commit)

    def get_signup_redirect_url(self, request):
        return reverse("core:business_email")

    def send_mail(self, template_prefix, email, context):
        # allauth's own mails (password reset, sign-in email confirmation) go through the outbox too (NOTE-1).
        from notifications.services import email_queue_rendered

        msg = self.render_mail(template_prefix, email, context)
        email_queue_rendered(
            template=template_prefix,
            to_email=email,
            subject=msg.subject,
            body_text=msg.body,
            language=getattr(context.get("user"), "language", "en"),
        )


def client_ip(request) -> str:
    """The client address that every limit keys on (SEC-11): allauth's own parser, so our limits and allauth's
    agree, configured by ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER (settings/base.py). An
    IPv6 client counts as its /64 network, as in allauth's limits (one host holds the whole network)."""
    from allauth.account.adapter import get_adapter
    from allauth.core.internal.ratelimit import truncate_ip

    return truncate_ip(get_adapter(request).get_client_ip(request))
