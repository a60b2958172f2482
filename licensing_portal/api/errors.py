"""One JSON error shape for every API answer that is not a success (API-5):

    {"error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}}

`fields` maps an input field to its messages (400 only). Business rules refused by a service (ApplicationError)
answer 400 with the service's own message, as the pages show it.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from licensing_portal.errors import ApplicationError

logger = logging.getLogger(__name__)


def error_body(*, status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"status": status_code, "code": code, "message": str(message), "fields": fields or {}}}


def _field_messages(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as flat `field` / `rows.2.email` keys, each with its messages."""
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for name, value in detail.items():
            fields.update(_field_messages(value, f"{prefix}.{name}" if prefix else str(name)))
        return fields
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        fields = {}
        for index, item in enumerate(detail):
            fields.update(_field_messages(item, f"{prefix}.{index}" if prefix else str(index)))
        return fields
    messages = [str(item) for item in detail] if isinstance(detail, list) else [str(detail)]
    return {prefix: messages} if messages else {}


def _flatten(detail) -> tuple[str, dict]:
    if isinstance(detail, dict):
        fields = _field_messages(detail)
        message = fields.pop("non_field_errors", None) or fields.pop("detail", None)
        return (message[0] if message else _("The request is not valid.")), fields
    if isinstance(detail, list):
        return (str(detail[0]) if detail else _("The request is not valid.")), {}
    return str(detail), {}


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(status_code=400, code="refused", message=exc.message, fields=exc.extra.get("fields")),
            status=400,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("API request failed", exc_info=exc)
        return Response(
            error_body(status_code=500, code="server_error", message=_("Something went wrong on our side.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    message, fields = _flatten(response.data)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if not isinstance(code, str):
        code = "invalid"
    response.data = error_body(status_code=response.status_code, code=code, message=message, fields=fields)
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that names no endpoint: the same shape as every other error."""
    return JsonResponse(error_body(status_code=404, code="not_found", message=_("Not found.")), status=404)
