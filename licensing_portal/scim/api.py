"""`/scim/v2/`: the SCIM 2.0 protocol (RFC 7644) over one organisation's directory (IDN-3).

Every request carries an organisation service token (API-2: `Authorization: Bearer lpt_...`); the token's
organisation scopes every read and write, so another organisation's user or group answers 404 like a missing one.
No session or cookie is accepted here, which is why these views need no CSRF token."""

from __future__ import annotations

import json
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


# --- queries ------------------------------------------------------------------------------------------------------


def _int(raw, default: int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _query(request, kind: str, params: dict) -> HttpResponse:
    organization = request.scim_organization
    raw_filter = params.get("filter")
    try:
        node = filters.parse(raw_filter) if raw_filter else None
    except filters.FilterError as error:
        raise ScimError(400, str(error), "invalidFilter") from error
    start = max(_int(params.get("startIndex"), 1), 1)
    count = min(max(_int(params.get("count"), schemas.MAX_RESULTS), 0), schemas.MAX_RESULTS)
    if kind == "User":
        queryset = selectors.users_of(organization=organization)

        def document(row):
            return user_document(request, row)
    else:
        queryset = selectors.groups_of(organization=organization)
        every_member: dict = {}

        def document(row):
            if not every_member:
                every_member.update(selectors.members_of(list(queryset.values_list("pk", flat=True))) or {0: []})
            return group_document(request, row, every_member.get(row.pk, []))

    matched_qs, matched_rows = selectors.filtered(queryset, node, kind=kind, document=document)
    if matched_qs is not None:
        total = matched_qs.count()
        page = list(matched_qs[start - 1 : start - 1 + count]) if count else []
    else:
        total = len(matched_rows)
        page = matched_rows[start - 1 : start - 1 + count] if count else []
    if kind == "User":
        docs = [user_document(request, row) for row in page]
    else:
        members = selectors.members_of([row.pk for row in page])
        docs = [group_document(request, row, members.get(row.pk, [])) for row in page]
    attributes, excluded = params.get("attributes"), params.get("excludedAttributes")
    docs = [documents.project(d, attributes=attributes, excluded=excluded) for d in docs]
    return _json(schemas.list_response(docs, total=total, start=start))


def _search_params(request) -> dict:
    body = _body(request)
    if not isinstance(body, dict):
        raise ScimError(400, "A SearchRequest object is expected.", "invalidSyntax")
    return {str(k): v for k, v in body.items()}


def _one(request, kind: str, obj, status: int = 200) -> HttpResponse:
    if kind == "User":
        doc = user_document(request, obj)
    else:
        doc = group_document(request, obj, selectors.members_of([obj.pk]).get(obj.pk, []))
    doc = documents.project(
        doc, attributes=request.GET.get("attributes"), excluded=request.GET.get("excludedAttributes")
    )
    headers = {"Location": doc.get("meta", {}).get("location", "")} if status == 201 else {}
    return _json(doc, status, **headers)


# --- Users --------------------------------------------------------------------------------------------------------


@scim_view(("GET", "POST"))
def users(request):
    if request.method == "GET":
        return _query(request, "User", request.GET.dict())
    scim_user = services.user_save(organization=request.scim_organization, doc=_body(request), actor=request.scim_actor)
    return _one(request, "User", scim_user, 201)


@scim_view(("POST",))
def users_search(request):
    return _query(request, "User", _search_params(request))


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def user(request, scim_id: str):
    organization, actor = request.scim_organization, request.scim_actor
    scim_user = selectors.user_get(organization=organization, scim_id=scim_id)
    if scim_user is None:
        raise ScimError(404, "No such user.")
    if request.method == "DELETE":
        services.user_delete(scim_user=scim_user, actor=actor)
        return HttpResponse(status=204)
    if request.method == "PUT":
        scim_user = services.user_save(organization=organization, doc=_body(request), actor=actor, scim_user=scim_user)
    elif request.method == "PATCH":
        current = _writable(user_document(request, scim_user))
        patched = documents.apply_patch(current, USER_DEFS, _body(request))
        scim_user = services.user_save(organization=organization, doc=patched, actor=actor, scim_user=scim_user)
    return _one(request, "User", scim_user)


# --- Groups -------------------------------------------------------------------------------------------------------


@scim_view(("GET", "POST"))
def groups(request):
    if request.method == "GET":
        return _query(request, "Group", request.GET.dict())
    group = services.group_save(organization=request.scim_organization, doc=_body(request), actor=request.scim_actor)
    return _one(request, "Group", group, 201)


@scim_view(("POST",))
def groups_search(request):
    return _query(request, "Group", _search_params(request))


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def group(request, scim_id: str):
    organization, actor = request.scim_organization, request.scim_actor
    found = selectors.group_get(organization=organization, scim_id=scim_id)
    if found is None:
        raise ScimError(404, "No such group.")
    if request.method == "DELETE":
        services.group_delete(group=found, actor=actor)
        return HttpResponse(status=204)
    if request.method == "PUT":
        found = services.group_save(organization=organization, doc=_body(request), actor=actor, group=found)
    elif request.method == "PATCH":
        current = _writable(group_document(request, found, selectors.members_of([found.pk]).get(found.pk, [])))
        patched = documents.apply_patch(current, GROUP_DEFS, _body(request))
        found = services.group_save(organization=organization, doc=patched, actor=actor, group=found)
    return _one(request, "Group", found)
