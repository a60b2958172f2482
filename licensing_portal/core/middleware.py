import time

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


class SessionAbsoluteTimeoutMiddleware:
    """Ends a session SESSION_ABSOLUTE_AGE seconds after sign-in however active it is (ASVS V7); the idle
    timeout is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST."""

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
    """Headers Django 5.2 does not set itself: Content-Security-Policy and Permissions-Policy."""

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
        return response
