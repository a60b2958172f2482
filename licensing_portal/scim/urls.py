from django.urls import path, re_path

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from licensing_portal.scim import api, pages

app_name = "scim"
urlpatterns = [
    path("", pages.index, name="index"),
    path("organizations/<pk:pk>/", pages.organization_page, name="organization"),
    path("organizations/<pk:pk>/mappings/<pk:mapping_pk>/remove/", pages.mapping_remove, name="mapping_remove"),
    # SCIM 2.0 (RFC 7644), organisation service token only
    path("v2/", api.not_found, name="root"),
    path("v2/ServiceProviderConfig", api.service_provider_config, name="service_provider_config"),
    path("v2/ResourceTypes", api.resource_types, name="resource_types"),
    path("v2/ResourceTypes/<str:name>", api.resource_type, name="resource_type"),
    path("v2/Schemas", api.schema_list, name="schemas"),
    path("v2/Schemas/<str:urn>", api.schema_detail, name="schema"),
    path("v2/Users", api.collection, {"resource": api.USERS}, name="users"),
    path("v2/Users/.search", api.search, {"resource": api.USERS}, name="users_search"),
    path("v2/Users/<str:scim_id>", api.item, {"resource": api.USERS}, name="user"),
    path("v2/Groups", api.collection, {"resource": api.GROUPS}, name="groups"),
    path("v2/Groups/.search", api.search, {"resource": api.GROUPS}, name="groups_search"),
    path("v2/Groups/<str:scim_id>", api.item, {"resource": api.GROUPS}, name="group"),
    path("v2/.search", api.search_root, name="search"),
    re_path(r"^v2/(?P<rest>.+)$", api.not_found, name="not_found"),
]
