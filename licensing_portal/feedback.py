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


def form_service(form, service, /, **kwargs):
    """Form -> service -> error, once (as NetBox's generic edit view does): `ok, result = form_service(form,
    services.x, a=1)`. A refusal (ApplicationError) becomes a form-wide error and `ok` is False; the service
    changed nothing."""
    try:
        return True, service(**kwargs)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return False, None
