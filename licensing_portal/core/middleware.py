import time

from django.contrib.sessions.middleware import SessionMiddleware
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's profile language wins over cookie and browser (ACC-5); the switcher saves it to the
    profile. Anonymous visitors get LocaleMiddleware's choice (cookie, then Accept-Language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def speak_user_language(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: what the sign-in request itself says ("Successfully signed in") already speaks
    the profile language the next page will use (ACC-5), not the browser's."""
    translation.activate(user.language)
    if request is not None:
        request.LANGUAGE_CODE = user.language


def record_sign_in_time(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the absolute lifetime starts at sign-in, stored with the session the sign-in
    saves anyway (the middleware below only backfills sessions signed in before this receiver existed)."""
    if getattr(request, "session", None) is not None:
        now = int(time.time())
        request.session[SessionAbsoluteTimeoutMiddleware.KEY] = now
        request.session[ThrottledSessionMiddleware.SAVED_AT] = now  # the sign-in saves the session


class SessionAbsoluteTimeoutMiddleware:
    """Ends a session SESSION_ABSOLUTE_AGE seconds after sign-in however active it is (ASVS V7); the idle
    timeout is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST (see ThrottledSessionMiddleware)."""

    KEY = "_lp_authenticated_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.contrib.auth import logout

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(self.KEY, now)
            if now - int(started) > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django 5.2 does not set itself: Content-Security-Policy, Permissions-Policy, and
    `Cache-Control: no-store` on every page and file the portal renders (SEC-10): agreement data, product keys,
    exports and personal data must not stay in a browser or proxy cache. All of them, not a list of the
    sensitive ones, so a new page cannot forget it; token pages shown without signing in are covered too.
    Static files never get here (WhiteNoise answers them first, cacheable). A view that sets its own
    Cache-Control (e.g. `never_cache`, `cache_control(...)`) keeps it: that is the way to opt out."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.csp = settings.CONTENT_SECURITY_POLICY
        self.permissions_policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.csp:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        response.headers.setdefault("Cache-Control", "no-store")
        return response


class ThrottledSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware, except that SESSION_SAVE_EVERY_REQUEST slides the idle expiry at most once
    a minute: a request that changed nothing in a session saved less than REFRESH_AFTER seconds ago skips the
    write (issue 7: the write cost a transaction on every page). The idle timeout therefore stays between
    SESSION_COOKIE_AGE - REFRESH_AFTER and SESSION_COOKIE_AGE (ASVS V7); a changed session is saved as always.

    Built on the public session API only (issue 13): each save this middleware makes stamps the session with its
    time (SAVED_AT), and the stored expiry is at least that stamp plus the session's age, whatever saved it since.
    On a server error nothing is saved (as Django does) and the session is not read again: when the database is
    what failed, reading it a second time only logged a second traceback for the same 500."""

    REFRESH_AFTER = 60
    SAVED_AT = "_lp_saved_at"

    def process_response(self, request, response):
        from django.conf import settings
        from django.utils.cache import patch_vary_headers

        session = getattr(request, "session", None)
        if session is None:
            return response
        if response.status_code >= 500:
            if settings.SESSION_COOKIE_NAME in request.COOKIES and session.is_empty():
                return super().process_response(request, response)  # deletes the cookie; reads nothing
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        if not session.is_empty() and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST):
            now = int(time.time())
            saved_at = session.get(self.SAVED_AT)
            fresh = isinstance(saved_at, int) and 0 <= now - saved_at < self.REFRESH_AFTER
            if fresh and not session.modified:
                patch_vary_headers(response, ("Cookie",))
                return response
            if not session.is_empty():  # reading a session that no longer exists leaves nothing to stamp
                session[self.SAVED_AT] = now
        return super().process_response(request, response)
