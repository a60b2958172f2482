"""Access cases of the API (format: tests/access_matrix.py, kind API): every /api/v1/ route (API-1, API-2)."""

from tests.access_matrix import ADMINS, ALL_ROLES, PERSONAS, Case, Kind

EVERYONE = frozenset(PERSONAS)  # lists: everyone gets 200 with their own rows (tests/api/test_tenancy.py)
MANAGERS = frozenset({"administrator", "inherited_admin", "subscriptions_manager"})
RELATIONSHIP_SIDES = frozenset({"administrator", "inherited_admin", "partner"})


def _pk(key):
    return lambda w: {"pk": w[key].pk}


CASES = [
    Case("api:schema", Kind.PUBLIC),
    Case("api:docs", Kind.PUBLIC),
    Case("api:not_found", Kind.PUBLIC, kwargs={}, ok=frozenset({404})),
    Case("api:licensing_id_list", Kind.API, allowed=EVERYONE),
    Case("api:licensing_id_detail", Kind.API, kwargs=_pk("lid"), allowed=ALL_ROLES),
    Case("api:grant_list", Kind.API, kwargs=_pk("lid"), allowed=ADMINS),
    Case("api:grant_change", Kind.API, method="post", kwargs=_pk("lid"), allowed=ADMINS, ok=frozenset({400})),
    Case("api:grant_remove", Kind.API, method="post", kwargs=_pk("lid"), allowed=ADMINS, ok=frozenset({400})),
    Case("api:permission_request_list", Kind.API, allowed=EVERYONE),
    Case("api:permission_request_detail", Kind.API, kwargs=_pk("permission_request"), allowed=ADMINS),
    Case("api:permission_request_approve", Kind.API, method="post", kwargs=_pk("permission_request"), allowed=ADMINS),
    Case("api:permission_request_deny", Kind.API, method="post", kwargs=_pk("permission_request"), allowed=ADMINS),
    Case("api:audit_event_list", Kind.API, allowed=EVERYONE),
    Case("api:pool_list", Kind.API, allowed=EVERYONE),
    Case("api:pool_detail", Kind.API, kwargs=_pk("pool"), allowed=MANAGERS),
    Case("api:pool_seat_list", Kind.API, kwargs=_pk("pool"), allowed=MANAGERS),
    Case("api:pool_bulk_assign", Kind.API, method="post", kwargs=_pk("pool"), allowed=MANAGERS, ok=frozenset({400})),
    Case("api:seat_list", Kind.API, allowed=EVERYONE),
    Case("api:seat_export", Kind.API, allowed=EVERYONE),
    Case("api:seat_detail", Kind.API, kwargs=_pk("seat"), allowed=MANAGERS),
    Case("api:bulk_job_detail", Kind.API, kwargs=_pk("upload"), allowed=MANAGERS),
    Case("api:open_license_add", Kind.API, method="post", allowed=EVERYONE, ok=frozenset({400})),
    Case("api:relationship_list", Kind.API, allowed=EVERYONE),
    Case("api:relationship_detail", Kind.API, kwargs=_pk("relationship"), allowed=RELATIONSHIP_SIDES),
    Case("api:customer_list", Kind.API, allowed=EVERYONE),
]


def extend_world(world: dict) -> None:
    from licensing_portal.api.services import api_token_create

    world["api_token"], _raw = api_token_create(creator=world["users"]["administrator"], name="matrix")


CASES += [
    Case("api_tokens:personal", Kind.LOGIN),
    Case("api_tokens:organization", Kind.TENANT, kwargs=_pk("tenant"), allowed=ADMINS),
    Case(
        "api_tokens:revoke", Kind.TENANT, method="post", kwargs=_pk("api_token"), allowed=frozenset({"administrator"})
    ),
]
