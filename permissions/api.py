"""API-3: grants (list, add, change, remove), permission requests (list, create, approve, deny) and audit events
(list, filter), over the same selectors and services as Manage Users, Request Permissions and the audit log.
Every licensing ID is reached through `licensing_id_for_admin` (404 when not administered, like the pages)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from agreements.models import Program
from licensing_portal import converters  # noqa: F401  <pk:...> in URLs (SEC-9)
from licensing_portal.api.pagination import NewestFirstPagination
from licensing_portal.core.models import AuditEvent
from permissions import selectors, services
from permissions.forms import AuditFilterForm
from permissions.models import Grant, PermissionRequest, Role, SABenefit


def _roles(**kwargs):
    return serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), max_length=7, **kwargs)


def _benefits():
    return serializers.ListField(
        child=serializers.ChoiceField(choices=SABenefit.choices), required=False, default=list, max_length=8
    )


class GrantSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    source = serializers.ChoiceField(choices=Grant.Source.choices)
    sa_benefits = serializers.ListField(child=serializers.ChoiceField(choices=SABenefit.choices))

    class Meta:
        model = Grant
        fields = ["id", "email", "role", "sa_benefits", "source", "created_at", "ends_at"]


class PersonRolesSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    roles = _roles(min_length=1)
    sa_benefits = _benefits()


class PersonSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PersonResultSerializer(serializers.Serializer):
    email = serializers.EmailField()
    roles = _roles()


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _person_result(lid, email):
    roles, _benefits = selectors.person_roles(licensing_id=lid, email=email)
    return {"email": email, "roles": sorted(roles)}


@extend_schema(tags=["grants"])
class GrantList(generics.ListCreateAPIView):
    """The roles granted on a licensing ID you administer (Manage Users, PERM-7); POST adds a person."""

    serializer_class = GrantSerializer

    def get_queryset(self):
        lid = selectors.licensing_id_for_admin(user=self.request.user, pk=self.kwargs["pk"])
        return lid.grants.all()

    @extend_schema(request=PersonRolesSerializer, responses={201: PersonResultSerializer})
    def post(self, request, pk):
        lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
        data = _valid(PersonRolesSerializer, request.data)
        email = services.normalize_email(data["email"])
        services.person_roles_set(
            licensing_id=lid,
            email=email,
            roles=data["roles"],
            sa_benefits=data["sa_benefits"],
            actor=request.user,
            adding=True,
        )
        return Response(_person_result(lid, email), status=status.HTTP_201_CREATED)


@extend_schema(tags=["grants"], request=PersonRolesSerializer, responses={200: PersonResultSerializer})
class GrantChange(generics.GenericAPIView):
    """Give a person exactly these roles on the licensing ID (the Manage Users edit, PERM-7, PERM-9)."""

    serializer_class = PersonRolesSerializer

    def post(self, request, pk):
        lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
        data = _valid(PersonRolesSerializer, request.data)
        email = services.normalize_email(data["email"])
        services.person_roles_set(
            licensing_id=lid, email=email, roles=data["roles"], sa_benefits=data["sa_benefits"], actor=request.user
        )
        return Response(_person_result(lid, email))


@extend_schema(tags=["grants"], request=PersonSerializer, responses={200: PersonResultSerializer})
class GrantRemove(generics.GenericAPIView):
    """Remove every role a person holds directly on the licensing ID; the last administrator stays (PERM-7)."""

    serializer_class = PersonSerializer

    def post(self, request, pk):
        lid = selectors.licensing_id_for_admin(user=request.user, pk=pk)
        email = services.normalize_email(_valid(PersonSerializer, request.data)["email"])
        services.person_remove(licensing_id=lid, email=email, actor=request.user)
        return Response(_person_result(lid, email))


class PermissionRequestSerializer(serializers.ModelSerializer):
    program = serializers.ChoiceField(choices=Program.choices)
    status = serializers.ChoiceField(choices=PermissionRequest.Status.choices)
    roles = _roles()
    sa_benefits = serializers.ListField(child=serializers.ChoiceField(choices=SABenefit.choices))
    requester_name = serializers.CharField(source="requester.get_full_name")

    class Meta:
        model = PermissionRequest
        fields = [
            "id", "email", "requester_name", "program", "number", "licensing_id", "roles", "sa_benefits",
            "comment", "status", "created_at", "decided_at",
        ]  # fmt: skip


class PermissionRequestCreateSerializer(serializers.Serializer):
    program = serializers.ChoiceField(choices=Program.choices)
    number = serializers.CharField(max_length=40)
    roles = _roles(min_length=1)
    sa_benefits = _benefits()
    comment = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


ACCEPTED = inline_serializer("PermissionRequestAccepted", {"detail": serializers.CharField()})


@extend_schema(tags=["permission requests"])
class PermissionRequestList(generics.ListCreateAPIView):
    """Pending requests you can decide (PERM-5); POST asks for roles on a licensing ID (PERM-4)."""

    serializer_class = PermissionRequestSerializer

    def get_queryset(self):
        return selectors.permission_requests_pending(user=self.request.user)

    @extend_schema(request=PermissionRequestCreateSerializer, responses={202: ACCEPTED})
    def post(self, request):
        data = _valid(PermissionRequestCreateSerializer, request.data)
        services.permission_request_submit(requester=request.user, **data)
        # The same answer whether or not the licensing ID exists or has an administrator (SEC-12): only the
        # requester's mailbox learns what happened.
        return Response(
            {"detail": _("Your request was submitted. You will get an email about it.")},
            status=status.HTTP_202_ACCEPTED,
        )


@extend_schema(tags=["permission requests"])
class PermissionRequestDetail(generics.RetrieveAPIView):
    serializer_class = PermissionRequestSerializer

    def get_object(self):
        return selectors.permission_request_get(user=self.request.user, pk=self.kwargs["pk"])


class PermissionRequestDecide(generics.GenericAPIView):
    approve = True
    serializer_class = PermissionRequestSerializer

    @extend_schema(tags=["permission requests"], request=None, responses={200: PermissionRequestSerializer})
    def post(self, request, pk):
        pr = selectors.permission_request_get(user=request.user, pk=pk)
        pr = services.permission_request_decide(permission_request=pr, actor=request.user, approve=self.approve)
        return Response(PermissionRequestSerializer(pr).data)


class AuditEventSerializer(serializers.ModelSerializer):
    licensing_id = serializers.IntegerField(source="licensing_id_id", allow_null=True)
    before = serializers.JSONField()
    after = serializers.JSONField()

    class Meta:
        model = AuditEvent
        fields = [
            "id", "created_at", "actor_email", "verb", "licensing_id", "target_email", "before", "after", "detail",
            "api_token_id",
        ]  # fmt: skip


@extend_schema(
    tags=["audit events"],
    parameters=[
        OpenApiParameter("licensing_id", int, description="Only this licensing ID (one you administer)."),
        OpenApiParameter("date_from", str, description="From this UTC day (YYYY-MM-DD)."),
        OpenApiParameter("date_to", str, description="To this UTC day, included (YYYY-MM-DD)."),
        OpenApiParameter("event", str, description="An event name or its beginning, e.g. `permission.`."),
        OpenApiParameter("person", str, description="The actor's or the target's email."),
    ],
)
class AuditEventList(generics.ListAPIView):
    """Audit events of the licensing IDs you administer, newest first, with the audit log's filters (PERM-11,
    OPS-4)."""

    serializer_class = AuditEventSerializer

    def get_queryset(self):
        params = self.request.query_params
        form = AuditFilterForm(params)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        if "licensing_id" in params:
            lid = selectors.licensing_id_for_admin(user=self.request.user, pk=params["licensing_id"])
            return selectors.audit_events(licensing_id=lid, filters=form.cleaned_data)
        return selectors.audit_events_administered(user=self.request.user, filters=form.cleaned_data)

    pagination_class = NewestFirstPagination


urlpatterns = [
    path("licensing-ids/<pk:pk>/grants/", GrantList.as_view(), name="grant_list"),
    path("licensing-ids/<pk:pk>/grants/change/", GrantChange.as_view(), name="grant_change"),
    path("licensing-ids/<pk:pk>/grants/remove/", GrantRemove.as_view(), name="grant_remove"),
    path("permission-requests/", PermissionRequestList.as_view(), name="permission_request_list"),
    path("permission-requests/<pk:pk>/", PermissionRequestDetail.as_view(), name="permission_request_detail"),
    path(
        "permission-requests/<pk:pk>/approve/",
        PermissionRequestDecide.as_view(approve=True),
        name="permission_request_approve",
    ),
    path(
        "permission-requests/<pk:pk>/deny/",
        PermissionRequestDecide.as_view(approve=False),
        name="permission_request_deny",
    ),
    path("audit-events/", AuditEventList.as_view(), name="audit_event_list"),
]
