from django.contrib.auth.decorators import login_required
from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agreements import expiry, selectors, services
from licensing_portal.paging import page_number
from permissions import access, policies

PAGE_SIZE = 25  # the same page size as My Permissions


@login_required
def licensing_id_list(request):
    include_inactive = request.GET.get("status") == "all"
    expiry_filter = expiry.expiry_filter_value(request.GET.get("expiry"))
    today = timezone.localdate()
    number = page_number(request)
    context = {
        "include_inactive": include_inactive,
        "page_number": number,
        "expiry_filter": expiry_filter,
        "expiry_choices": expiry.FILTER_CHOICES,
        "today": today.isoformat(),
        "extra_query": urlencode(
            {k: v for k, v in (("status", "all" if include_inactive else ""), ("expiry", expiry_filter)) if v}
        ),  # part of the cache key: "expired" and "days left" change at midnight
    }
    if request.user.verified_business_email:
        context.update(
            access_version=access.viewer_stamp(request.user),  # its namespaces and next grant end (issue 13)
            # Read only when the table fragment is not cached under this access version (issue 7).
            listing=SimpleLazyObject(
                lambda: selectors.licensing_id_page(
                    user=request.user,
                    include_inactive=include_inactive,
                    number=number,
                    per_page=PAGE_SIZE,
                    expiry=expiry_filter,
                    today=today,
                )
            ),
            expiry_banner=SimpleLazyObject(
                lambda: expiry.expiry_counts(
                    selectors.licensing_id_list(user=request.user, include_inactive=include_inactive), today=today
                )
            ),
            banner_days=expiry.BANNER_DAYS,
        )
    return render(request, "agreements/list.html", context)


@login_required
def licensing_id_detail(request, pk: int):
    """Each section shows only through the role that grants it (AGR-6, PERM-1)."""
    lid = selectors.licensing_id_get(user=request.user, pk=pk)
    user = request.user
    context = {
        "lid": lid,
        "roles": policies.roles_on(user, lid),
        "license_lines": lid.license_lines.all() if policies.can_view_licensing_info(user, lid) else None,
        "contacts": selectors.contacts_by_type(licensing_id=lid)
        if policies.can_view_licensing_info(user, lid)
        else None,
        "sa_benefits": lid.sa_benefits.all() if policies.can_view_sa_summary(user, lid) else None,
        "downloads": lid.downloads.all() if policies.can_download(user, lid) else None,
        "product_keys": lid.product_keys.all() if policies.can_view_product_keys(user, lid) else None,
        "can_manage_users": policies.can_manage_users(user, lid),
        "expired": expiry.expiry_state(lid.end_date, today=timezone.localdate())[0],  # AGR-7
    }
    return render(request, "agreements/detail.html", context)


@login_required
@require_safe
def licensing_id_download(request, pk: int, download_pk: int):
    """Streams a file to a holder of the Download role, audited (AGR-8); 404 for anyone else."""
    download = selectors.download_get(user=request.user, licensing_id_pk=pk, pk=download_pk)
    services.download_record(user=request.user, download=download)
    response = FileResponse(download.file.open("rb"), as_attachment=True, filename=download.file_name)
    add_never_cache_headers(response)  # SEC-10: licensed software is personal to its licensing ID
    return response


@login_required
@require_safe
@never_cache
def licensing_id_access(request, pk: int):
    """The permission check as JSON: what the signed-in user may do on one licensing ID, for scripts and
    integrations (PERM-1). 404 outside the user's reach, like the detail page."""
    lid = selectors.licensing_id_get(user=request.user, pk=pk)
    return JsonResponse(policies.capabilities(request.user, lid))
