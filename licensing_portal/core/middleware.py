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
