"""How a view tells the person what a service did: success message, or the refusal's user-safe text."""

from contextlib import contextmanager

from django.contrib import messages

from licensing_portal.errors import ApplicationError


@contextmanager
def reported(request, success: str):
    """`with reported(request, _("Saved.")): services.x(...)` — an ApplicationError becomes an error message
    (the service changed nothing); otherwise the success message is shown."""
    try:
        yield
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
