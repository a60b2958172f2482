"""API-3: Add Open License (the OPEN-5 lockout counts API attempts exactly like the page's: same service, same
per-user and per-address counters), reseller relationships and the partner's customers."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from licensing_portal.core.adapters import client_ip
from partners import selectors, services
from partners.models import ResellerRelationship


class OpenLicenseAddSerializer(serializers.Serializer):
    license_number = serializers.CharField(max_length=40)
    authorization_number = serializers.CharField(max_length=40)


OPEN_LICENSE_ADDED = inline_serializer(
    "OpenLicenseAdded",
    {"licensing_id": serializers.IntegerField(), "number": serializers.CharField()},
)


@extend_schema(tags=["partners"], request=OpenLicenseAddSerializer, responses={201: OPEN_LICENSE_ADDED})
class OpenLicenseAdd(generics.GenericAPIView):
    """Add an Open License to your permissions with its licence and authorization numbers (OPEN-1..6). Failed
    attempts count towards the OPEN-5 lockout of your account and of your address, as on the page."""

    serializer_class = OpenLicenseAddSerializer

    def post(self, request):
        serializer = OpenLicenseAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = services.open_license_access_add(
            user=request.user,
            license_number=serializer.validated_data["license_number"],
            authorization_number=serializer.validated_data["authorization_number"],
            remote_addr=client_ip(request),
        )
        return Response(
            {"licensing_id": access.licensing_id_id, "number": access.licensing_id.number},
            status=status.HTTP_201_CREATED,
        )


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RelationshipSerializer(serializers.ModelSerializer):
    partner = OrganizationRefSerializer()
    customer = OrganizationRefSerializer(allow_null=True)
    status = serializers.ChoiceField(choices=ResellerRelationship.Status.choices)

    class Meta:
        model = ResellerRelationship
        fields = ["id", "partner", "customer", "status", "accepted_at", "removed_at", "created_at"]


@extend_schema(tags=["partners"])
class RelationshipList(generics.ListAPIView):
    """Reseller relationships you are part of: as the partner's staff, or as the customer's own administrator."""

    serializer_class = RelationshipSerializer

    def get_queryset(self):
        return selectors.relationship_list(user=self.request.user)


@extend_schema(tags=["partners"])
class RelationshipDetail(generics.RetrieveAPIView):
    serializer_class = RelationshipSerializer

    def get_object(self):
        return selectors.relationship_get(user=self.request.user, pk=self.kwargs["pk"])


@extend_schema(tags=["partners"])
class CustomerList(generics.ListAPIView):
    """The active customers of the partner organisations you work for (RES-5): one row per relationship."""

    serializer_class = RelationshipSerializer

    def get_queryset(self):
        return selectors.customer_relationship_list(user=self.request.user)


urlpatterns = [
    path("open-licenses/", OpenLicenseAdd.as_view(), name="open_license_add"),
    path("relationships/", RelationshipList.as_view(), name="relationship_list"),
    path("relationships/<pk:pk>/", RelationshipDetail.as_view(), name="relationship_detail"),
    path("customers/", CustomerList.as_view(), name="customer_list"),
]
