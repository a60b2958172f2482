"""API-3: licensing IDs the caller holds roles on, each with those roles. Same tenancy as the Agreements page
(another organisation's licensing ID answers 404)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from agreements import selectors
from agreements.models import LicensingID, Program
from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from permissions.models import Role
from permissions.policies import roles_on


class LicensingIdSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name", read_only=True)
    parent = serializers.CharField(source="parent.number", read_only=True, allow_null=True, default=None)
    program = serializers.ChoiceField(choices=Program.choices, read_only=True)
    status = serializers.ChoiceField(choices=LicensingID.Status.choices, read_only=True)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), source="caller_roles", read_only=True
    )

    class Meta:
        model = LicensingID
        fields = ["id", "number", "program", "status", "organization", "parent", "start_date", "end_date", "roles"]


def with_roles(user, licences: list[LicensingID]) -> list[LicensingID]:
    """Each licensing ID with `caller_roles`: the caller's roles on it now, inherited Administrator included
    (PERM-8), for the whole page in two queries."""
    from partners.selectors import roles_by_licence

    roles = roles_by_licence(user=user, licences=licences)
    for lid in licences:
        lid.caller_roles = sorted(roles.get(lid.pk, ()))
    return licences


@extend_schema(
    tags=["licensing IDs"],
    parameters=[OpenApiParameter("include_inactive", bool, description="Include inactive licensing IDs.")],
)
class LicensingIdList(generics.ListAPIView):
    serializer_class = LicensingIdSerializer

    def get_queryset(self):
        include_inactive = self.request.query_params.get("include_inactive") in {"true", "1"}
        return selectors.licensing_id_list(user=self.request.user, include_inactive=include_inactive)

    def list(self, request, *args, **kwargs):
        page = with_roles(request.user, list(self.paginate_queryset(self.get_queryset())))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(tags=["licensing IDs"])
class LicensingIdDetail(generics.RetrieveAPIView):
    serializer_class = LicensingIdSerializer

    def get_object(self):
        lid = selectors.licensing_id_get(user=self.request.user, pk=self.kwargs["pk"])
        lid.caller_roles = sorted(roles_on(self.request.user, lid))
        return lid


urlpatterns = [
    path("licensing-ids/", LicensingIdList.as_view(), name="licensing_id_list"),
    path("licensing-ids/<pk:pk>/", LicensingIdDetail.as_view(), name="licensing_id_detail"),
]
