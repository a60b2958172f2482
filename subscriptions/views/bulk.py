"""Bulk files: upload and status (SUB-3), template download, bulk edit (SUB-6)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from licensing_portal.feedback import form_service
from subscriptions import selectors, services
from subscriptions.forms import (
    BulkEditApplyForm,
    BulkEditForm,
    BulkUploadForm,
)

from .seats import _form_page


@login_required
def bulk_upload(request, pk: int):
    pool = selectors.pool_get(user=request.user, pk=pk)
    context = {"pool": pool}
    if request.method != "POST":
        return _form_page(request, "subscriptions/bulk_upload.html", context, BulkUploadForm())
    form = BulkUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        ok, upload = form_service(
            form,
            services.bulk_upload_create,
            pool=pool,
            actor=request.user,
            file_name=upload_file.name,
            content=upload_file.read(),
            obligation_confirmed=form.cleaned_data["confirm_obligation"],
        )
        if ok:
            return redirect("subscriptions:bulk_status", pk=upload.pk)
    return _form_page(request, "subscriptions/bulk_upload.html", context, form, status=400)


@login_required
def bulk_status(request, pk: int):
    upload = selectors.bulk_upload_get(user=request.user, pk=pk)
    return render(request, "subscriptions/bulk_status.html", {"upload": upload, "pool": upload.pool})


@login_required
def bulk_template(request, file_format: str):
    content, content_type = services.bulk_template(file_format=file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="subscribers-template.{file_format}"'
    return response


@login_required
def bulk_edit(request, pk: int):
    """SUB-6: upload an edited export of this pool; the next page previews the changes before anything moves."""
    pool = selectors.pool_get(user=request.user, pk=pk)
    context = {"pool": pool}
    if request.method != "POST":
        return _form_page(request, "subscriptions/bulk_edit.html", context, BulkEditForm())
    form = BulkEditForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        ok, edit = form_service(
            form,
            services.bulk_edit_preview,
            pool=pool,
            actor=request.user,
            file_name=upload_file.name,
            content=upload_file.read(),
        )
        if ok:
            return redirect("subscriptions:bulk_edit_detail", pk=edit.pk)
    return _form_page(request, "subscriptions/bulk_edit.html", context, form, status=400)


@login_required
def bulk_edit_detail(request, pk: int):
    """SUB-6: GET shows the preview (added, changed before → after, removed) or the file's problems; POST
    applies every change or none."""
    edit = selectors.bulk_edit_get(user=request.user, pk=pk)
    context = {"edit": edit, "pool": edit.pool}
    if request.method != "POST":
        return _form_page(request, "subscriptions/bulk_edit_preview.html", context, BulkEditApplyForm())
    form = BulkEditApplyForm(request.POST)
    if form.is_valid():
        ok, _result = form_service(
            form,
            services.bulk_edit_apply,
            edit=edit,
            actor=request.user,
            obligation_confirmed=form.cleaned_data["confirm_obligation"],
        )
        if ok:
            messages.success(
                request,
                _("The changes were applied: %(added)s added, %(changed)s changed, %(removed)s removed.")
                % {"added": len(edit.added), "changed": len(edit.changed), "removed": len(edit.removed)},
            )
            return redirect("subscriptions:pool_detail", pk=edit.pool_id)
    return _form_page(request, "subscriptions/bulk_edit_preview.html", context, form, status=400)
