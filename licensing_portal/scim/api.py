"""`/scim/v2/`: the SCIM 2.0 protocol (RFC 7644) over one organisation's directory (IDN-3).

Every request carries an organisation service token (API-2: `Authorization: Bearer lpt_...`); the token's
organisation scopes every read and write, so another organisation's user or group answers 404 like a missing one.
No session or cookie is accepted here, which is why these views need no CSRF token."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from licensing_portal.scim import documents, filters, schemas, selectors, services
from licensing_portal.scim.documents import GROUP_DEFS, USER_DEFS, ScimError

CONTENT_TYPE = "application/scim+json"


def _json(data, status: int = 200, **headers) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type=CONTENT_TYPE)
    for key, value in headers.items():
        response[key.replace("_", "-")] = value
    response["Cache-Control"] = "no-store"  # SEC-10: personal data
    return response


def _error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body = {"schemas": [schemas.ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    response = _json(body, status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


def _base(request) -> str:
    return request.build_absolute_uri(reverse("scim:root")).rstrip("/")


def scim_view(methods: tuple[str, ...]):
    """Token authentication, the token's rate limit (API-5), allowed methods, SCIM errors as RFC 7644 §3.12
    bodies."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            from licensing_portal.api.authentication import token_for
            from licensing_portal.api.throttles import retry_after, within_limit

            token = token_for(request)
            if token is None or token.kind != token.Kind.SERVICE:
                return _error(401, "An organisation service token is required.")
            if not within_limit(f"api:token:{token.pk}"):  # API-5: the token's one limit, SCIM calls included
                response = _error(429, "Too many requests for this token; try again later.")
                response["Retry-After"] = str(retry_after())
                return response
            if request.method not in methods:
                response = _error(405, f"{request.method} is not supported here.")
                response["Allow"] = ", ".join(methods)
                return response
            request.scim_organization = token.organization
            request.scim_actor = token.acting_user
            try:
                return view(request, *args, **kwargs)
            except ScimError as error:
                return _error(error.status, error.detail, error.scim_type)

        return wrapper

    return decorate


def _body(request):
    try:
        raw = request.body
    except Exception as error:  # RequestDataTooBig
        raise ScimError(413, "The request body is too large.") from error
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise ScimError(400, "The request body is not valid JSON.", "invalidSyntax") from error


# --- discovery ------------------------------------------------------------------------------------------------


@scim_view(("GET",))
def service_provider_config(request):
    return _json(schemas.service_provider_config(_base(request), request.build_absolute_uri("/scim/")))


@scim_view(("GET",))
def resource_types(request):
    docs = [schemas.resource_type_document(name, _base(request)) for name in schemas.RESOURCE_TYPES]
    return _json(schemas.list_response(docs, total=len(docs), start=1))


@scim_view(("GET",))
def resource_type(request, name: str):
    if name not in schemas.RESOURCE_TYPES:
        raise ScimError(404, "No such resource type.")
    return _json(schemas.resource_type_document(name, _base(request)))


@scim_view(("GET",))
def schema_list(request):
    docs = [schemas.schema_document(urn, _base(request)) for urn in schemas.SCHEMAS]
    return _json(schemas.list_response(docs, total=len(docs), start=1))


@scim_view(("GET",))
def schema_detail(request, urn: str):
    if urn not in schemas.SCHEMAS:
        raise ScimError(404, "No such schema.")
    return _json(schemas.schema_document(urn, _base(request)))


@scim_view(("GET", "POST", "PUT", "PATCH", "DELETE"))
def not_found(request, rest: str = ""):
    raise ScimError(404, "Not found.")


@scim_view(("POST",))
def search_root(request):
    raise ScimError(501, "Search one resource type at a time: /Users/.search or /Groups/.search.")


# --- documents --------------------------------------------------------------------------------------------------


def _meta(request, kind: str, obj) -> dict:
    return {
        "resourceType": kind,
        "created": obj.created_at.isoformat(),
        "lastModified": obj.updated_at.isoformat(),
        "location": f"{_base(request)}/{kind}s/{obj.scim_id}",
        "version": f'W/"{obj.version}"',
    }


def user_document(request, scim_user) -> dict:
    doc = {"schemas": [schemas.USER_SCHEMA], "id": str(scim_user.scim_id)}
    doc.update({k: v for k, v in scim_user.attributes.items() if k not in ("externalId",)})
    if scim_user.external_id:
        doc["externalId"] = scim_user.external_id
    doc["meta"] = _meta(request, "User", scim_user)
    return doc


def group_document(request, group, members: list[tuple[str, str]]) -> dict:
    doc = {"schemas": [schemas.GROUP_SCHEMA], "id": str(group.scim_id), "displayName": group.display_name}
    if group.external_id:
        doc["externalId"] = group.external_id
    if members:
        base = _base(request)
        doc["members"] = [{"value": v, "$ref": f"{base}/{kind}s/{v}", "type": kind} for v, kind in members]
    doc["meta"] = _meta(request, "Group", group)
    return doc


def _writable(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("schemas", "id", "meta")}


# --- the two resource types ---------------------------------------------------------------------------------------


def _user_documents(request, rows) -> list[dict]:
    return [user_document(request, row) for row in rows]


def _group_documents(request, rows) -> list[dict]:
    members = selectors.members_of([row.pk for row in rows])  # one query for all the rows
    return [group_document(request, row, members.get(row.pk, [])) for row in rows]


@dataclass(frozen=True)
class Resource:
    """What the protocol views need of one resource type (RFC 7644 §3): its kind, PATCH attribute definitions,
    selectors (the organisation's rows, one row), services (save, delete) and documents for a list of rows."""

    kind: str
    defs: dict
    rows_of: Callable
    get: Callable
    save: Callable  # (organization=, doc=, actor=, found=None)
    delete: Callable  # (found, actor=)
    documents_of: Callable  # (request, rows) -> [document]

    def document(self, request, row) -> dict:
        return self.documents_of(request, [row])[0]


USERS = Resource(
    "User",
    USER_DEFS,
    rows_of=selectors.users_of,
    get=selectors.user_get,
    save=lambda found=None, **save: services.user_save(scim_user=found, **save),
    delete=lambda found, actor: services.user_delete(scim_user=found, actor=actor),
    documents_of=_user_documents,
)
GROUPS = Resource(
    "Group",
    GROUP_DEFS,
    rows_of=selectors.groups_of,
    get=selectors.group_get,
    save=lambda found=None, **save: services.group_save(group=found, **save),
    delete=lambda found, actor: services.group_delete(group=found, actor=actor),
    documents_of=_group_documents,
)


# --- queries ------------------------------------------------------------------------------------------------------


def _int(raw, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _query(request, resource: Resource, params: dict) -> HttpResponse:
    raw_filter = params.get("filter")
    try:
        node = filters.parse(raw_filter) if raw_filter else None
    except filters.FilterError as error:
        raise ScimError(400, str(error), "invalidFilter") from error
    start = max(_int(params.get("startIndex"), 1), 1)
    count = min(max(_int(params.get("count"), schemas.MAX_RESULTS), 0), schemas.MAX_RESULTS)
    queryset = resource.rows_of(organization=request.scim_organization)
    matched_qs, matched_rows = selectors.filtered(
        queryset, node, kind=resource.kind, documents=lambda rows: resource.documents_of(request, rows)
    )
    if matched_qs is not None:
        total = matched_qs.count()
        page = list(matched_qs[start - 1 : start - 1 + count]) if count else []
    else:
        total = len(matched_rows)
        page = matched_rows[start - 1 : start - 1 + count] if count else []
    attributes, excluded = params.get("attributes"), params.get("excludedAttributes")
    docs = resource.documents_of(request, page)
    docs = [documents.project(d, attributes=attributes, excluded=excluded) for d in docs]
    return _json(schemas.list_response(docs, total=total, start=start))


def _search_params(request) -> dict:
    body = _body(request)
    if not isinstance(body, dict):
        raise ScimError(400, "A SearchRequest object is expected.", "invalidSyntax")
    return {str(k): v for k, v in body.items()}


def _one(request, resource: Resource, row, status: int = 200) -> HttpResponse:
    doc = documents.project(
        resource.document(request, row),
        attributes=request.GET.get("attributes"),
        excluded=request.GET.get("excludedAttributes"),
    )
    headers = {"Location": doc.get("meta", {}).get("location", "")} if status == 201 else {}
    return _json(doc, status, **headers)


# --- the views: /Users and /Groups (the URLconf names the resource) ----------------------------------------------


@scim_view(("GET", "POST"))
def collection(request, resource: Resource):
    if request.method == "GET":
        return _query(request, resource, request.GET.dict())
    created = resource.save(organization=request.scim_organization, doc=_body(request), actor=request.scim_actor)
    return _one(request, resource, created, 201)


@scim_view(("POST",))
def search(request, resource: Resource):
    return _query(request, resource, _search_params(request))


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def item(request, resource: Resource, scim_id: str):
    organization, actor = request.scim_organization, request.scim_actor
    found = resource.get(organization=organization, scim_id=scim_id)
    if found is None:
        raise ScimError(404, f"No such {resource.kind.lower()}.")
    if request.method == "DELETE":
        resource.delete(found, actor=actor)
        return HttpResponse(status=204)
    if request.method == "PUT":
        found = resource.save(organization=organization, doc=_body(request), actor=actor, found=found)
    elif request.method == "PATCH":
        current = _writable(resource.document(request, found))
        patched = documents.apply_patch(current, resource.defs, _body(request))
        found = resource.save(organization=organization, doc=patched, actor=actor, found=found)
    return _one(request, resource, found)
