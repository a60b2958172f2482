"""Reads of one organisation's directory (IDN-3). Every read takes the organisation: a token or a page of one
organisation never reaches another's users, groups or mappings (404, SEC-1)."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from licensing_portal.scim import filters
from licensing_portal.scim.models import ScimGroup, ScimGroupMapping, ScimMember, ScimUser


def parse_id(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        return None


def user_get(*, organization, scim_id) -> ScimUser | None:
    pk = parse_id(scim_id)
    return None if pk is None else ScimUser.objects.filter(organization=organization, scim_id=pk).first()


def group_get(*, organization, scim_id) -> ScimGroup | None:
    pk = parse_id(scim_id)
    return None if pk is None else ScimGroup.objects.filter(organization=organization, scim_id=pk).first()


def users_of(*, organization) -> QuerySet[ScimUser]:
    return ScimUser.objects.filter(organization=organization).order_by("id")


def groups_of(*, organization) -> QuerySet[ScimGroup]:
    return ScimGroup.objects.filter(organization=organization).order_by("id")


def user_name_taken(*, organization, user_name: str, exclude_pk=None) -> bool:
    rows = ScimUser.objects.filter(organization=organization, user_name__iexact=user_name)
    return rows.exclude(pk=exclude_pk).exists() if exclude_pk else rows.exists()


def members_of(group_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """group id -> [(member scim id, "User" | "Group")], in one query for a page of groups."""
    out: dict[int, list[tuple[str, str]]] = {pk: [] for pk in group_ids}
    rows = ScimMember.objects.filter(group_id__in=group_ids).values_list(
        "group_id", "user__scim_id", "subgroup__scim_id"
    )
    for group_id, user_scim_id, subgroup_scim_id in rows.order_by("id"):
        if user_scim_id:
            out[group_id].append((str(user_scim_id), "User"))
        else:
            out[group_id].append((str(subgroup_scim_id), "Group"))
    return out


def resolve_members(*, organization, ids: list[str]) -> dict[str, tuple[str, int]]:
    """scim id -> ("User" | "Group", pk) for the ids that are this organisation's users or groups."""
    uuids = [u for u in (parse_id(i) for i in ids) if u is not None]
    found = {
        str(s): ("User", pk)
        for s, pk in ScimUser.objects.filter(organization=organization, scim_id__in=uuids).values_list("scim_id", "pk")
    }
    found.update(
        {
            str(s): ("Group", pk)
            for s, pk in ScimGroup.objects.filter(organization=organization, scim_id__in=uuids).values_list(
                "scim_id", "pk"
            )
        }
    )
    return found


def directory_graph(*, organization):
    """(users {pk: (email, active, first name, last name)}, edges [(group pk, user pk | None, subgroup pk | None)],
    mappings) of the organisation, in three queries, for flattening nested groups."""
    users = {}
    for pk, email, active, attributes in ScimUser.objects.filter(organization=organization).values_list(
        "pk", "email", "active", "attributes"
    ):
        name = attributes.get("name") or {}
        users[pk] = (email, active, name.get("givenName", ""), name.get("familyName", ""))
    edges = list(
        ScimMember.objects.filter(group__organization=organization).values_list("group_id", "user_id", "subgroup_id")
    )
    mappings = list(ScimGroupMapping.objects.filter(group__organization=organization))
    return users, edges, mappings


def mappings_of(*, organization) -> list[ScimGroupMapping]:
    return list(
        ScimGroupMapping.objects.filter(group__organization=organization)
        .select_related("group")
        .order_by("group__display_name", "kind", "target_id")
    )


def mapping_get(*, organization, pk: int) -> ScimGroupMapping | None:
    return ScimGroupMapping.objects.filter(group__organization=organization, pk=pk).select_related("group").first()


def group_choices(*, organization) -> list[tuple[int, str]]:
    return list(
        ScimGroup.objects.filter(organization=organization).order_by("display_name").values_list("pk", "display_name")
    )


def group_by_pk(*, organization, pk) -> ScimGroup | None:
    return ScimGroup.objects.filter(organization=organization, pk=pk).first()


# --- filters as queries: the equality filters directories send on every sync --------------------------------

# `email` holds the primary email only: filters on emails are matched on the documents.
_USER_FIELDS = {("username",): "user_name", ("externalid",): "external_id", ("active",): "active", ("id",): "scim_id"}
_GROUP_FIELDS = {("displayname",): "display_name", ("externalid",): "external_id", ("id",): "scim_id"}


class _NotTranslatable(Exception):
    pass


def _q(node: filters.Node, fields: dict) -> Q:
    if node.kind in ("and", "or"):
        left, right = _q(node.left, fields), _q(node.right, fields)
        return left & right if node.kind == "and" else left | right
    if node.kind == "not":
        return ~_q(node.left, fields)
    field = fields.get(tuple(node.path)) if node.kind == "cmp" else None
    if field is None or node.op not in ("eq", "ne"):
        raise _NotTranslatable
    value = node.value
    if field == "scim_id":
        value = parse_id(value)
        if value is None:
            return Q(pk__in=[])
        q = Q(scim_id=value)
    elif field == "active":
        if not isinstance(value, bool):
            raise _NotTranslatable
        q = Q(active=value)
    elif field == "external_id":
        if not isinstance(value, str):
            raise _NotTranslatable
        q = Q(external_id=value) & ~Q(external_id="")
    else:
        if not isinstance(value, str):
            raise _NotTranslatable
        q = Q(**{f"{field}__iexact": value})
    return ~q if node.op == "ne" else q


def filtered(queryset: QuerySet, node: filters.Node | None, *, kind: str, documents) -> tuple[QuerySet | None, list]:
    """(a queryset, []) when the filter translates to a query; else (None, the matching rows), evaluated on each
    row's document (`documents(rows)`, built for all rows at once) in Python: correct for any filter, linear in the
    directory's size."""
    if node is None:
        return queryset, []
    fields = _USER_FIELDS if kind == "User" else _GROUP_FIELDS
    try:
        return queryset.filter(_q(node, fields)), []
    except _NotTranslatable:
        pass
    rows = list(queryset)
    return None, [
        row for row, doc in zip(rows, documents(rows), strict=True) if filters.matches(node, filters.lower_keys(doc))
    ]


def group_summaries(*, organization) -> list[dict]:
    """Each group with its direct member count, in one query."""
    from django.db.models import Count

    return list(
        ScimGroup.objects.filter(organization=organization)
        .annotate(direct_members=Count("member_rows"))
        .order_by("display_name")
        .values("pk", "display_name", "direct_members")
    )


def user_counts(*, organization) -> dict:
    from django.db.models import Count

    return ScimUser.objects.filter(organization=organization).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(active=True))
    )
