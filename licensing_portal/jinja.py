"""The Jinja2 environment of the second template engine (settings TEMPLATES), which renders only the hot fragments:
the row tables of My Permissions and Manage Users, Manage Users' listing and the pagination bar, more than twice as
fast as the Django template language there (issue 13). Labels come translated from Python."""

import jinja2
from django.template import engines
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def environment(**options) -> jinja2.Environment:
    """Autoescape on, as every DTL page; an unknown name raises (a misspelt row key fails the tests, not silently)."""
    options.update(autoescape=True, undefined=jinja2.StrictUndefined)
    return jinja2.Environment(**options)  # noqa: S701 (autoescape is set on the line above)


def render(name: str, **context) -> SafeString:
    return mark_safe(engines["jinja2"].get_template(name).render(context))  # noqa: S308 (Jinja2 autoescapes)


def pagination(page, query: str = "") -> SafeString:
    """The bar under one page of rows: Previous, "Page n of N", Next; each link keeps `query` (URL-encoded, e.g. a
    filter). Nothing when every row fits on one page."""
    if not page.has_other_pages():
        return mark_safe("")
    return render(
        "core/pagination.html",
        href=f"?{query}&page=" if query else "?page=",
        previous=page.previous_page_number() if page.has_previous() else None,
        next=page.next_page_number() if page.has_next() else None,
        position=_("Page %(n)s of %(total)s") % {"n": page.number, "total": page.paginator.num_pages},
        label=_("Pages"),
        previous_label=_("Previous"),
        next_label=_("Next"),
    )
