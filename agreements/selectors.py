"""Reads of the agreements domain, always scoped to what the user may see (SEC-1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from agreements.models import AgreementContact, ContactType, Download, LicensingID, Program
from permissions import policies
from permissions.access import licensing_id_or_404

_PK_SENTINEL = 987654321


def pk_path(url_name: str) -> Callable[[int], str]:
    """`pk -> path` for a URL taking one `pk`, reversed once: list pages build one link per row without a
    `reverse()` (or `{% url %}`) per row (issue 7)."""
    prefix, suffix = reverse(url_name, kwargs={"pk": _PK_SENTINEL}).split(str(_PK_SENTINEL))
    return lambda pk: f"{prefix}{pk}{suffix}"


def choice_labels(choices) -> dict[str, str]:
    """Translated labels of a choices enum, resolved once per page instead of a get_*_display() per row."""
    return {value: str(label) for value, label in choices}


def licensing_id_list(*, user, include_inactive: bool = False) -> QuerySet[LicensingID]:
    qs = LicensingID.objects.visible_to(user).select_related("organization", "parent", "parent__parent")
    if not include_inactive:
        qs = qs.filter(status=LicensingID.Status.ACTIVE)
    return qs.order_by("number", "pk")


class Listing(NamedTuple):
    """One page of a table: the paginator's page and its rows, ready to print."""

    page: Page
    rows: list[dict]


def licensing_id_page(
    *, user, include_inactive: bool = False, number=None, per_page: int = 25, expiry: str = "", today=None
) -> Listing:
    """One page of the agreements list: one query lists the ordered pks (also the paginator's count), one
    fetches the page's rows, whatever the number of licensing IDs (issue 7). `expiry`: AGR-7's filter."""
    from agreements.expiry import expiry_filtered

    today = today or timezone.localdate()
    qs = expiry_filtered(licensing_id_list(user=user, include_inactive=include_inactive), expiry, today=today)
    page = Paginator(list(qs.values_list("pk", flat=True)), per_page).get_page(number)
    return Listing(page, licensing_id_rows(list(page.object_list), today=today))


def licensing_id_rows(pks: list[int], *, today=None) -> list[dict]:
    """Plain rows for the list table, in the order of `pks`: links and labels precomputed once per page. Past its
    end date a licensing ID shows as expired (AGR-7)."""
    from agreements.expiry import expiry_state

    if not pks:
        return []
    today = today or timezone.localdate()
    lids = LicensingID.objects.filter(pk__in=pks).select_related("organization", "parent").in_bulk()
    detail = pk_path("agreements:detail")
    programs, statuses = choice_labels(Program.choices), choice_labels(LicensingID.Status.choices)
    return [
        {
            "number": lid.number,
            "url": detail(lid.pk),
            "program": programs.get(lid.program, lid.program),
            "organization": lid.organization.name,
            "parent": lid.parent.number if lid.parent_id else None,
            "status": statuses.get(lid.status, lid.status),
            "end_date": lid.end_date,
            "expired": expiry_state(lid.end_date, today=today)[0],
            "days_left": expiry_state(lid.end_date, today=today)[1],
        }
        for lid in (lids[pk] for pk in pks if pk in lids)
    ]


def licensing_id_get(*, user, pk: int) -> LicensingID:
    """The licensing ID if the user holds any role on it; otherwise Http404 (same as missing). Without the cache
    stamp: its pages (detail, permission check, API) cache nothing under it."""
    return licensing_id_or_404(user, pk, stamped=False)


def contacts_by_type(*, licensing_id: LicensingID) -> list[AgreementContact]:
    """The agreement's contacts in the order of the contact types (AGR-3), then by email."""
    order = {value: n for n, value in enumerate(ContactType.values)}
    return sorted(licensing_id.contacts.all(), key=lambda c: (order.get(c.contact_type, len(order)), c.email))


def download_get(*, user, licensing_id_pk: int, pk: int) -> Download:
    """A deliverable file of a licensing ID for a holder of the Download role (AGR-8); Http404 for anyone else,
    exactly as for a missing file."""
    lid = licensing_id_or_404(user, licensing_id_pk)
    if not policies.can_download(user, lid):
        raise Http404
    download = lid.downloads.filter(pk=pk).exclude(file="").first()
    if download is None:
        raise Http404
    return download
