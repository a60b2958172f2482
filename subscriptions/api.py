"""API-3: pools, seats (list, assign, remove, bulk assign, export) over the subscriptions selectors and services.
A bulk assignment is the same all-or-nothing job as a file upload (SUB-3): the rows become a CSV file processed
by the worker, and the job's status is a resource."""

from __future__ import annotations

import csv
import io

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from licensing_portal.export import csv_response
from subscriptions import selectors, services
from subscriptions.models import BulkUpload, Product, Seat, SubscriptionPool

MAX_BULK_ROWS = 5000


class PoolSerializer(serializers.ModelSerializer):
    licensing_id = serializers.IntegerField(source="licensing_id_id")
    licensing_id_number = serializers.CharField(source="licensing_id.number")
    product = serializers.ChoiceField(choices=Product.choices)
    over_assignment = serializers.ChoiceField(choices=SubscriptionPool.OverAssignment.choices)
    assigned = serializers.IntegerField()
    free_seats = serializers.IntegerField()

    class Meta:
        model = SubscriptionPool
        fields = [
            "id", "licensing_id", "licensing_id_number", "product", "quantity", "assigned", "free_seats",
            "over_assignment",
        ]  # fmt: skip


class SeatSerializer(serializers.ModelSerializer):
    pool = serializers.IntegerField(source="pool_id")
    status = serializers.ChoiceField(choices=Seat.Status.choices)

    class Meta:
        model = Seat
        fields = [
            "id", "pool", "email", "first_name", "last_name", "status", "over_assigned", "assigned_at",
            "removed_at", "reference",
        ]  # fmt: skip


class SeatAssignSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    obligation_confirmed = serializers.BooleanField(
        help_text="You confirm the obligation to purchase a licence for each subscription assigned (SUB-2)."
    )


class BulkRowSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    first_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)


class BulkAssignSerializer(serializers.Serializer):
    rows = BulkRowSerializer(many=True, allow_empty=False, max_length=MAX_BULK_ROWS)
    obligation_confirmed = serializers.BooleanField()


class BulkJobSerializer(serializers.ModelSerializer):
    pool = serializers.IntegerField(source="pool_id")
    status = serializers.ChoiceField(choices=BulkUpload.Status.choices)
    errors = serializers.JSONField()

    class Meta:
        model = BulkUpload
        fields = ["id", "pool", "status", "row_count", "assigned_count", "errors", "created_at", "finished_at"]


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(tags=["subscriptions"])
class PoolList(generics.ListAPIView):
    """Pools of the licensing IDs on which you manage subscriptions (SUB-1)."""

    serializer_class = PoolSerializer

    def get_queryset(self):
        return selectors.pool_list(user=self.request.user)


@extend_schema(tags=["subscriptions"])
class PoolDetail(generics.RetrieveAPIView):
    serializer_class = PoolSerializer

    def get_object(self):
        return selectors.pool_get(user=self.request.user, pk=self.kwargs["pk"])


SEAT_FILTERS = [
    OpenApiParameter("q", str, description="Part of the email or name."),
    OpenApiParameter("status", str, enum=["active", "removed", "all"], description="Default: active."),
]


def _seat_filters(request, pool_id=None) -> dict:
    params = request.query_params
    wanted = params.get("status", Seat.Status.ACTIVE)
    if wanted not in {*Seat.Status.values, "all"}:
        raise serializers.ValidationError({"status": ["Use active, removed or all."]})
    return {"q": params.get("q", "")[:254], "pool_id": pool_id, "status": None if wanted == "all" else wanted}


@extend_schema(tags=["subscriptions"], parameters=SEAT_FILTERS)
class SeatList(generics.ListCreateAPIView):
    """The pool's subscribers (SUB-5); POST assigns one subscription (SUB-2, SUB-3)."""

    serializer_class = SeatSerializer

    def get_queryset(self):
        pool = selectors.pool_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.seat_list(user=self.request.user, **_seat_filters(self.request, pool.pk))

    @extend_schema(request=SeatAssignSerializer, responses={201: SeatSerializer}, parameters=[])
    def post(self, request, pk):
        pool = selectors.pool_get(user=request.user, pk=pk)
        data = _valid(SeatAssignSerializer, request.data)
        seat = services.seat_assign(
            pool=pool,
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            obligation_confirmed=data["obligation_confirmed"],
            actor=request.user,
        )
        return Response(SeatSerializer(seat).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["subscriptions"], parameters=SEAT_FILTERS)
class AllSeatList(generics.ListAPIView):
    """Subscribers across every pool you manage (SUB-5)."""

    serializer_class = SeatSerializer

    def get_queryset(self):
        return selectors.seat_list(user=self.request.user, **_seat_filters(self.request))


@extend_schema(tags=["subscriptions"])
class SeatDetail(generics.RetrieveDestroyAPIView):
    """One subscription; DELETE removes it (the subscriber is told, SUB-7)."""

    serializer_class = SeatSerializer

    def get_object(self):
        return selectors.seat_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(responses={200: SeatSerializer})
    def delete(self, request, pk):
        seat = services.seat_remove(seat=self.get_object(), actor=request.user)
        return Response(SeatSerializer(seat).data)


def _csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(services.BULK_COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in services.BULK_COLUMNS])
    return out.getvalue().encode()


@extend_schema(tags=["subscriptions"], request=BulkAssignSerializer, responses={202: BulkJobSerializer})
class BulkAssign(generics.GenericAPIView):
    """Assign many subscriptions at once, all or none (SUB-3): answers at once with the job, which the worker
    processes; follow it at /bulk-jobs/{id}/."""

    serializer_class = BulkAssignSerializer

    def post(self, request, pk):
        pool = selectors.pool_get(user=request.user, pk=pk)
        data = _valid(BulkAssignSerializer, request.data)
        upload = services.bulk_upload_create(
            pool=pool,
            actor=request.user,
            file_name="api.csv",
            content=_csv_bytes(data["rows"]),
            obligation_confirmed=data["obligation_confirmed"],
        )
        return Response(BulkJobSerializer(upload).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["subscriptions"])
class BulkJobDetail(generics.RetrieveAPIView):
    serializer_class = BulkJobSerializer

    def get_object(self):
        return selectors.bulk_upload_get(user=self.request.user, pk=self.kwargs["pk"])


@extend_schema(
    tags=["subscriptions"],
    parameters=SEAT_FILTERS,
    responses={(200, "text/csv"): OpenApiResponse(response=str, description="The subscriber export (SUB-5).")},
)
class SeatExport(generics.GenericAPIView):
    """The subscriber export as CSV, the same columns as the page's (it can be edited and uploaded again)."""

    pagination_class = None
    serializer_class = None

    def get(self, request):
        seats = selectors.seat_list(user=request.user, **_seat_filters(request))
        rows = (services.bulk_edit_export_row(seat) for seat in seats.iterator(chunk_size=1000))
        return csv_response(header=services.bulk_edit_export_header(), rows=rows, filename="subscribers")


urlpatterns = [
    path("pools/", PoolList.as_view(), name="pool_list"),
    path("pools/<pk:pk>/", PoolDetail.as_view(), name="pool_detail"),
    path("pools/<pk:pk>/seats/", SeatList.as_view(), name="pool_seat_list"),
    path("pools/<pk:pk>/bulk-assign/", BulkAssign.as_view(), name="pool_bulk_assign"),
    path("seats/", AllSeatList.as_view(), name="seat_list"),
    path("seats/export/", SeatExport.as_view(), name="seat_export"),
    path("seats/<pk:pk>/", SeatDetail.as_view(), name="seat_detail"),
    path("bulk-jobs/<pk:pk>/", BulkJobDetail.as_view(), name="bulk_job_detail"),
]
