from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext


def _portal_site() -> SimpleNamespace:
    """What allauth's emails call the site: the portal's name and public host, as our own emails do."""
    return SimpleNamespace(name=gettext("Licensing Portal"), domain=urlsplit(settings.PORTAL_BASE_URL).netloc)


def signup_language() -> str:
    """The language of the request that creates an account: the portal's language negotiation (language cookie,
    then the browser's Accept-Language, LocaleMiddleware), one of LANGUAGES, else English (ACC-5)."""
    from django.utils.translation import get_language

    language = (get_language() or "en")[:2]
    return language if language in dict(settings.LANGUAGES) else "en"


class AccountAdapter(DefaultAccountAdapter):
    """Sends new accounts straight to the business email step (ACC-2)."""

    def save_user(self, request, user, form, commit=True):
        """A visitor who signed up in French keeps French (ACC-5)."""
        user.language = signup_language()
        return super().save_user(request, user, form, commit=commit)

    def format_email_subject(self, subject: str) -> str:
        """The portal's name, not the host the request happened to use ("[127.0.0.1:8101]")."""
        return f"[{_portal_site().name}] {subject}"

    def get_signup_redirect_url(self, request):
        return reverse("core:business_email")

    def send_mail(self, template_prefix, email, context):
        # allauth's own mails (password reset, sign-in email confirmation) go through the outbox too (NOTE-1).
        from licensing_portal.outbox import email_queue_rendered

        msg = self.render_mail(template_prefix, email, {"email": email, "current_site": _portal_site(), **context})
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
