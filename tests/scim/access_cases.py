"""Access cases for the SCIM pages and endpoints (IDN-3): the group-mapping pages are for the organisation's own
administrators (404 for everyone else); /scim/v2/ takes an organisation service token, never a session."""

from tests.access_matrix import ADMINS, Case, Kind


def _org(world):
    return {"pk": world["tenant"].pk}


def _mapping(world):
    return {"pk": world["tenant"].pk, "mapping_pk": world["scim_mapping"].pk}


SCIM_ID = {"scim_id": "00000000-0000-4000-8000-000000000000"}

CASES = [
    Case("scim:index", Kind.LOGIN),
    Case("scim:organization", Kind.TENANT, kwargs=_org, allowed=ADMINS),
    Case("scim:mapping_remove", Kind.TENANT, method="post", kwargs=_mapping, allowed=ADMINS),
    Case("scim:root", Kind.TOKEN),
    Case("scim:service_provider_config", Kind.TOKEN),
    Case("scim:resource_types", Kind.TOKEN),
    Case("scim:resource_type", Kind.TOKEN, kwargs={"name": "User"}),
    Case("scim:schemas", Kind.TOKEN),
    Case("scim:schema", Kind.TOKEN, kwargs={"urn": "urn:ietf:params:scim:schemas:core:2.0:User"}),
    Case("scim:users", Kind.TOKEN),
    Case("scim:users_search", Kind.TOKEN, method="post"),
    Case("scim:user", Kind.TOKEN, kwargs=SCIM_ID),
    Case("scim:groups", Kind.TOKEN),
    Case("scim:groups_search", Kind.TOKEN, method="post"),
    Case("scim:group", Kind.TOKEN, kwargs=SCIM_ID),
    Case("scim:search", Kind.TOKEN, method="post"),
    Case("scim:not_found", Kind.TOKEN, kwargs={"rest": "Nowhere"}),
]


def extend_world(world: dict) -> None:
    from licensing_portal.scim.models import ScimGroup, ScimGroupMapping

    group = ScimGroup.objects.create(organization=world["tenant"], display_name="Everyone")
    world["scim_mapping"] = ScimGroupMapping.objects.create(
        group=group, kind="roles", target_id=world["lid"].pk, roles=["download"]
    )
