"""Access review pages (REV-1..REV-3): thin views; scoping in permissions/reviews.py selectors, rules in its
services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from licensing_portal.export import csv_response
from licensing_portal.feedback import reported
from licensing_portal.paging import page_number
from permissions import reviews
from permissions.review_forms import ReviewDecisionForm, ReviewStartForm

ITEMS_PER_PAGE = 100


@login_required
def review_list(request):
    return render(request, "permissions/reviews/list.html", {"reviews": reviews.review_list(user=request.user)})


@login_required
def review_start(request):
    """REV-1: start a review now, or schedule one every N days, over licensing IDs one administers."""
    lids = list(reviews.reviewable_licensing_ids(user=request.user))
    form = ReviewStartForm(request.POST or None, licensing_ids=lids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {lid.pk: lid for lid in lids}
        chosen = [by_pk[pk] for pk in data["licensing_ids"]]
        common = {
            "actor": request.user,
            "licensing_ids": chosen or None,
            "reviewer_email": data["reviewer_email"] or "",
            "due_days": data["due_days"],
            "remove_unconfirmed": data["remove_unconfirmed"],
        }
        review = None
        with reported(request, _("The review was started.")):
            if data["every_days"]:
                review = reviews.access_review_schedule(every_days=data["every_days"], **common)
            else:
                review = reviews.access_review_start(**common)
        if review is not None:
            return redirect("permissions:review_detail", pk=review.pk)
    return render(request, "permissions/reviews/start.html", {"form": form, "administers": bool(lids)})


@login_required
def review_detail(request, pk: int):
    review = reviews.review_get(user=request.user, pk=pk)
    page = Paginator(reviews.review_items(review=review, user=request.user), ITEMS_PER_PAGE).get_page(
        page_number(request)
    )
    context = {
        "review": review,
        "page": page,
        "rows": reviews.review_item_rows(page.object_list),
        "exportable": reviews.review_is_exportable(review),
        "decide_url": reverse("permissions:review_decide", args=[review.pk]),
        "may_decide": request.user.verified_business_email == review.reviewer_email
        or review.created_by_id == request.user.pk,
    }
    return render(request, "permissions/reviews/detail.html", context)


@login_required
@require_POST
def review_decide(request, pk: int):
    """REV-2: keep or remove one item; a removal applies at once under the Manage Users rules."""
    review = reviews.review_get(user=request.user, pk=pk)
    form = ReviewDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with reported(request, _("Your decision was recorded.")):
            reviews.access_review_decide(
                review=review, item_id=data["item"], actor=request.user, decision=data["decision"]
            )
    else:
        messages.error(request, _("Choose keep or remove for an item of this review."))
    return redirect("permissions:review_detail", pk=review.pk)


@login_required
def review_export(request, pk: int):
    """REV-3: the finished review as CSV (formula-safe), who decided what, when."""
    review = reviews.review_get(user=request.user, pk=pk)
    if not reviews.review_is_exportable(review):
        raise Http404("The review is not finished yet.")
    return csv_response(
        header=reviews.EXPORT_HEADER,
        rows=reviews.review_export_rows(review=review, user=request.user),
        filename=f"access-review-{review.pk}",
    )
