"""Admin actions that survive a tampered selection (SEC-3)."""

from django.contrib.admin import helpers


class SelectionCheckedMixin:
    """Django admin filters `pk__in=<posted ids>` and answers 500 to an id that is not a number: ignore those."""

    def response_action(self, request, queryset):
        posted = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        kept = [pk for pk in posted if pk.isascii() and pk.isdigit() and len(pk) <= 18]
        if kept != posted:
            post = request.POST.copy()
            post.setlist(helpers.ACTION_CHECKBOX_NAME, kept)
            request.POST = post
        return super().response_action(request, queryset)
