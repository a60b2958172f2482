from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing_portal.errors import ApplicationError
from licensing_portal.feedback import form_service
from licensing_portal.support import selectors, services
from licensing_portal.support.forms import MessageForm, ServiceRequestForm


@login_required
def service_request_list(request):
    return render(request, "support/list.html", {"requests": selectors.service_request_list(user=request.user)})


@login_required
def service_request_create(request):
    form = ServiceRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        ok, sr = form_service(form, services.service_request_open, requester=request.user, **form.cleaned_data)
        if ok:
            messages.success(request, _("Your request #%(id)s was sent to support.") % {"id": sr.pk})
            return redirect(sr)
    return render(request, "support/create.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def service_request_detail(request, pk: int):
    sr = selectors.service_request_get(user=request.user, pk=pk)
    return render(
        request,
        "support/detail.html",
        {"sr": sr, "thread": sr.messages.select_related("author"), "form": MessageForm()},
    )


@login_required
@require_POST
def service_request_message(request, pk: int):
    sr = selectors.service_request_get(user=request.user, pk=pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.service_request_add_message(request=sr, author=request.user, body=form.cleaned_data["body"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Message added."))
            return redirect(sr)
    return render(
        request,
        "support/detail.html",
        {"sr": sr, "thread": sr.messages.select_related("author"), "form": form},
        status=400,
    )
