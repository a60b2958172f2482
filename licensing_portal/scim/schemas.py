"""What the server publishes about itself (RFC 7643 §5-7): the attributes of Users and Groups it keeps, the
resource types and the service provider configuration. The same definitions drive the canonical names and the
type checks of incoming documents (licensing_portal/scim/documents.py)."""

from __future__ import annotations

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
MAX_RESULTS = 200


def _attr(name, type_="string", *, multi=False, required=False, mutability="readWrite", case_exact=False, **extra):
    attribute = {
        "name": name,
        "type": type_,
        "multiValued": multi,
        "description": extra.pop("description", name),
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": extra.pop("returned", "default"),
        "uniqueness": extra.pop("uniqueness", "none"),
    }
    attribute.update(extra)
    return attribute


USER_ATTRIBUTES = [
    _attr("userName", required=True, uniqueness="server", description="Unique identifier in the directory."),
    _attr(
        "name",
        "complex",
        subAttributes=[
            _attr("formatted"),
            _attr("familyName", description="Last name."),
            _attr("givenName", description="First name."),
        ],
    ),
    _attr("displayName"),
    _attr(
        "emails",
        "complex",
        multi=True,
        description="The primary (or first) one is the person's sign-in and business email.",
        subAttributes=[
            _attr("value"),
            _attr("type", canonicalValues=["work", "home", "other"]),
            _attr("primary", "boolean"),
        ],
    ),
    _attr("active", "boolean", description="False ends the person's sessions and API tokens at once."),
]

GROUP_ATTRIBUTES = [
    _attr("displayName", required=True),
    _attr(
        "members",
        "complex",
        multi=True,
        description="Users and groups; nested groups count with their members.",
        subAttributes=[
            _attr("value", mutability="immutable"),
            _attr("$ref", "reference", mutability="immutable", referenceTypes=["User", "Group"]),
            _attr("type", mutability="immutable", canonicalValues=["User", "Group"]),
        ],
    ),
]

SCHEMAS = {
    USER_SCHEMA: ("User", "User Account", USER_ATTRIBUTES),
    GROUP_SCHEMA: ("Group", "Group", GROUP_ATTRIBUTES),
}

RESOURCE_TYPES = {
    "User": {"endpoint": "/Users", "schema": USER_SCHEMA, "description": "User Account"},
    "Group": {"endpoint": "/Groups", "schema": GROUP_SCHEMA, "description": "Group"},
}


def schema_document(urn: str, base: str) -> dict:
    name, description, attributes = SCHEMAS[urn]
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{urn}"},
    }


def resource_type_document(name: str, base: str) -> dict:
    rt = RESOURCE_TYPES[name]
    return {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": name,
        "name": name,
        "endpoint": rt["endpoint"],
        "description": rt["description"],
        "schema": rt["schema"],
        "schemaExtensions": [],
        "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/{name}"},
    }


def service_provider_config(base: str, docs_url: str) -> dict:
    return {
        "schemas": [SPC_SCHEMA],
        "documentationUri": docs_url,
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Organisation service token",
                "description": "Authorization: Bearer <service token of the organisation> (API-2).",
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                "documentationUri": docs_url,
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base}/ServiceProviderConfig"},
    }


def list_response(resources: list, *, total: int, start: int) -> dict:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
