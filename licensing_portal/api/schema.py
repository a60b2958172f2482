"""OpenAPI schema details (API-1): the token scheme, and the error answers every operation can give (API-5), so a
client (and schemathesis) finds each documented."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_COMPONENT = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
            "required": ["status", "code", "message", "fields"],
        }
    },
    "required": ["error"],
}

ERROR_ANSWERS = {
    "400": "The input is not valid, or a business rule refused the change.",
    "401": "No token, or a token that is not valid, has expired or was revoked.",
    "403": "Signed in, but this operation is not open to you.",
    "404": "No such object, or not one you can see (another organisation's objects look missing).",
    "429": "Too many requests with this token: wait for the number of seconds in Retry-After.",
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "licensing_portal.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal or service token (lpt_...)."}


def add_error_answers(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: the shared error body and the 4xx answers on every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_COMPONENT
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_ANSWERS.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
                if code == "429":
                    responses[code].setdefault(
                        "headers", {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}
                    )
    return result
