"""Access cases of the permissions app (format: tests/access_matrix.py)."""

from tests.access_matrix import ADMINS, ALL_ROLES, Case, Kind


def extend_world(world: dict) -> None:
    from permissions.models import Role
    from permissions.services import permission_request_submit
    from tests.factories import UserFactory

    requester = UserFactory(email="requester@example.com")
    world["permission_request"] = permission_request_submit(
        requester=requester, program=world["lid"].program, number=world["lid"].number, roles=[Role.DOWNLOAD]
    )
    # REV-1..3: reviews started by the administrator of lid, reviewed by the MBSA's (inherited) administrator
    from permissions.models import AccessReview
    from permissions.reviews import access_review_start

    users = world["users"]
    for key in ("review", "review_done"):
        world[key] = access_review_start(
            actor=users["administrator"],
            licensing_ids=[world["lid"]],
            reviewer_email=users["inherited_admin"].business_email,
        )
    AccessReview.objects.filter(pk=world["review_done"].pk).update(status=AccessReview.Status.FINISHED)


def _lid(w):
    return {"pk": w["lid"].pk}


def _review(w):
    return {"pk": w["review"].pk}


def _request(w):
    return {"pk": w["permission_request"].pk}


CASES = [
    Case("permissions:index", Kind.LOGIN),
    Case("permissions:my_permissions", Kind.LOGIN),
    Case("permissions:request", Kind.LOGIN),
    Case("permissions:requests_inbox", Kind.LOGIN),
    Case("permissions:remove_self", Kind.TENANT, method="post", kwargs=_lid, allowed=ALL_ROLES),
    Case("permissions:opt_out", Kind.TENANT, method="post", kwargs=_lid, allowed=frozenset({"inherited_admin"})),
    Case("permissions:opt_in", Kind.TENANT, method="post", kwargs=_lid, allowed=frozenset({"inherited_admin"})),
    Case("permissions:request_detail", Kind.TENANT, kwargs=_request, allowed=ADMINS),
    Case("permissions:request_decide", Kind.TENANT, method="post", kwargs=_request, allowed=ADMINS),
    Case("permissions:manage_users", Kind.TENANT, kwargs=_lid, allowed=ADMINS),
    Case("permissions:manage_user_edit", Kind.TENANT, kwargs=_lid, allowed=ADMINS, ok=frozenset({302})),
    Case("permissions:manage_user_remove", Kind.TENANT, method="post", kwargs=_lid, allowed=ADMINS),
    Case("permissions:manage_user_deny", Kind.TENANT, method="post", kwargs=_lid, allowed=ADMINS),
    # PERM-12: resend the welcome email of a person of the licensing ID; one person across the IDs one administers
    # (anyone signed in: the grid lists only their own administered IDs); the welcome link of a resent email
    Case("permissions:manage_user_resend", Kind.TENANT, method="post", kwargs=_lid, allowed=ADMINS),
    Case("permissions:person", Kind.LOGIN),
    Case("permissions:welcome", Kind.TOKEN, kwargs={"token": "not-a-token"}),
    Case("permissions:audit_log", Kind.TENANT, kwargs=_lid, allowed=ADMINS),
    # OPS-4: exports of one licensing ID's audit log; across every ID administered (the user's own, maybe none)
    Case("permissions:audit_export_csv", Kind.TENANT, kwargs=_lid, allowed=ADMINS),
    Case("permissions:audit_export_jsonl", Kind.TENANT, kwargs=_lid, allowed=ADMINS),
    # REV-1..3: the reviews list and start form (each person's own); one review reaches its starter and its reviewer
    Case("permissions:reviews", Kind.LOGIN),
    Case("permissions:review_start", Kind.LOGIN),
    Case("permissions:review_detail", Kind.TENANT, kwargs=_review, allowed=ADMINS),
    Case(
        "permissions:review_decide",
        Kind.TENANT,
        method="post",
        kwargs=_review,
        data=lambda w: {"item": w["review"].items.order_by("pk").first().pk, "decision": "keep"},
        allowed=ADMINS,
    ),
    Case("permissions:review_export", Kind.TENANT, kwargs=lambda w: {"pk": w["review_done"].pk}, allowed=ADMINS),
    Case("permissions:audit_log_all", Kind.LOGIN),
    Case("permissions:audit_export_all_csv", Kind.LOGIN),
    Case("permissions:audit_export_all_jsonl", Kind.LOGIN),
]
