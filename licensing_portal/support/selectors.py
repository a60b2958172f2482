from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from licensing_portal.support.models import ServiceRequest


def service_request_list(*, user) -> QuerySet[ServiceRequest]:
    return (
        ServiceRequest.objects.filter(requester=user)
        .select_related("licensing_id")
        .annotate(message_count=Count("messages"))
    )


def service_request_get(*, user, pk: int) -> ServiceRequest:
    """Only the requester reads a thread; anyone else gets 404."""
    return get_object_or_404(ServiceRequest.objects.select_related("licensing_id"), pk=pk, requester=user)
