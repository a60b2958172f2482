"""The row tables of My Permissions and Manage Users, and Manage Users' whole listing, rendered through Jinja2: on a
cold page (its cached fragment emptied by a permission change) Jinja2 prints the 25 rows in about half the time the
Django template language takes (issue 13; docs/architecture.md). The labels are translated here, with the msgids
the DTL templates had."""

from operator import itemgetter

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from licensing_portal.jinja import pagination, render

MY_PERMISSIONS_COLUMNS = (  # the loop variables of my_permissions_table.html, in order
    "url",
    "number",
    "program",
    "parent_program",
    "mbsa",
    "status",
    "roles",
    "inherited_admin",
    "opt_in_url",
    "opt_out_url",
    "remove_url",
    "remove_aria",
    "keeps_licensing_info",
    "manage_url",
)


def my_permissions_table(rows: list[dict]) -> SafeString:
    """PERM-3, PERM-8, PERM-9: the rows of `selectors.my_permission_rows`."""
    headers = [_("Licensing ID"), _("Program"), _("Parent program"), _("MBSA"), _("Status"), _("Roles"), _("Actions")]
    return render(
        "permissions/my_permissions_table.html",
        rows=map(itemgetter(*MY_PERMISSIONS_COLUMNS), rows),
        caption=_("Your permissions by licensing ID"),
        headers=headers,
        administrator_label=_("Administrator"),
        inherited_label=_("inherited"),
        opted_out_label=_("opted out of inherited administration"),
        opt_out_label=_("Opt out"),
        opt_in_label=_("Opt in"),
        remove_label=_("Remove"),
        remove_confirm=_("Remove this licensing ID from your permissions? Only Request Permissions brings it back."),
        keeps_label=_("Licensing Info is kept (contact of the parent agreement)."),
        contact_label=_("Primary Contact / Notices Correspondent: cannot be removed."),
        manage_label=_("Manage Users"),
    )


PEOPLE_COLUMNS = (  # the loop variables of people_table.html, in order
    "email",
    "email_query",
    "is_partner",
    "roles",
    "sa_benefits",
    "inherited_admin",
    "opted_out",
    "state",
    "state_label",
    "edit_url",
    "may_take_roles",
)


def people_table(rows: list[dict], *, licensing_id_pk: int, me: str | None) -> SafeString:
    """PERM-7, PERM-12, SEC-6: the rows of `selectors.people_page`; `me` is the viewer's business email."""
    pk = {"pk": licensing_id_pk}
    return render(
        "permissions/people_table.html",
        rows=map(itemgetter(*PEOPLE_COLUMNS), rows),
        me=me,
        caption=_("People with permissions on this licensing ID"),
        headers=[_("Business email"), _("Roles"), _("State"), _("Actions")],
        you_label=_("you"),
        partner_label=_("partner"),
        inherited_label=_("Administrator, inherited from the parent agreement"),
        opted_out_label=_("Parent administrator, opted out"),
        edit_label=_("Edit roles"),
        remove_label=_("Remove"),
        deny_label=_("Deny access"),
        read_only_label=_("read-only"),
        resend_label=_("Resend welcome"),
        person_label=_("All licensing IDs"),
        nobody_label=_("Nobody yet."),
        remove_url=reverse("permissions:manage_user_remove", kwargs=pk),
        deny_url=reverse("permissions:manage_user_deny", kwargs=pk),
        resend_url=reverse("permissions:manage_user_resend", kwargs=pk),
        person_url=reverse("permissions:person"),
    )


def people_listing(listing, *, licensing_id, me: str | None) -> SafeString:
    """PERM-7: Manage Users' cached fragment: its heading and links, the people table, the pagination bar."""
    return render(
        "permissions/manage_users_listing.html",
        heading=_("Manage Users — %(number)s") % {"number": licensing_id.number},
        program=licensing_id.get_program_display(),
        detail_url=licensing_id.get_absolute_url(),
        audit_url=reverse("permissions:audit_log", args=[licensing_id.pk]),
        details_label=_("Agreement details"),
        audit_label=_("Audit log"),
        table=people_table(listing.rows, licensing_id_pk=licensing_id.pk, me=me),
        pagination=pagination(listing.page),
    )
