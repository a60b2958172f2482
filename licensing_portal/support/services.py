"""Service requests (ADM-2): opened in the portal, answered by support staff in Django admin."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from agreements.models import LicensingID
from agreements.services import authorization_number_hash
from licensing_portal import limits
from licensing_portal.errors import ApplicationError
from licensing_portal.links import absolute_url
from licensing_portal.support.models import ServiceRequest, ServiceRequestMessage
from notifications.services import email_queue_to_user


def _limit(user) -> None:
    """SEC-8: what a requester types reaches support staff (and comes back quoted in replies)."""
    limits.user_text_email_allow(
        action="service_request",
        user=user,
        organization_ids=user.memberships.values_list("organization_id", flat=True),
    )


@transaction.atomic
def service_request_open(
    *,
    requester,
    topic: str,
    message: str,
    licensing_id: LicensingID | None = None,
    license_number: str = "",
    authorization_number: str = "",
    on_behalf_of: str = "",
) -> ServiceRequest:
    if not message.strip():
        raise ApplicationError(_("Please describe your request."))
    if authorization_number and not license_number:
        raise ApplicationError(_("Give the license number with its authorization number."))
    _limit(requester)
    request = ServiceRequest(
        requester=requester,
        topic=topic,
        licensing_id=licensing_id,
        license_number=license_number.strip(),
        authorization_hash=authorization_number_hash(authorization_number) if authorization_number else "",
        on_behalf_of=on_behalf_of.strip().lower(),
    )
    request.full_clean()
    request.save()
    ServiceRequestMessage.objects.create(request=request, author=requester, body=message.strip())
    return request


@transaction.atomic
def service_request_add_message(*, request: ServiceRequest, author, body: str) -> ServiceRequestMessage:
    """The requester adds to the thread; a closed request reopens."""
    if not body.strip():
        raise ApplicationError(_("The message is empty."))
    _limit(author)
    msg = ServiceRequestMessage.objects.create(request=request, author=author, body=body.strip())
    request.status = ServiceRequest.Status.OPEN
    request.save(update_fields=["status", "updated_at"])
    return msg


@transaction.atomic
def service_request_reply(*, request: ServiceRequest, staff_user, body: str) -> ServiceRequestMessage:
    """A support reply; the requester is emailed each reply (ADM-2)."""
    if not staff_user.is_staff:
        raise ApplicationError(_("Only support staff can reply."))
    if not body.strip():
        raise ApplicationError(_("The message is empty."))
    msg = ServiceRequestMessage.objects.create(request=request, author=staff_user, from_support=True, body=body.strip())
    request.status = ServiceRequest.Status.ANSWERED
    request.save(update_fields=["status", "updated_at"])
    email_queue_to_user(
        template="support/emails/reply",
        user=request.requester,
        context={
            "request_id": request.pk,
            "topic": request.get_topic_display(),
            "body": msg.body,
            "url": absolute_url(request.get_absolute_url()),
        },
    )
    return msg
