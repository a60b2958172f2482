import pytest

from subscriptions.models import BulkUpload
from tests.factories import MemberFactory, MembershipFactory, SeatFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "subscriptionpool",
        "seat",
        "bulkupload",
        "partnermembership",
        "partnercontactrole",
        "partnersubscription",
    ],
)
def test_admin_lists_and_searches_every_model(client, staff, model):  # ADM-1
    seat = SeatFactory(email="findme@example.com")
    BulkUpload.objects.create(
        pool=seat.pool, uploaded_by=staff, file_name="x.csv", obligation_confirmed_at=seat.assigned_at
    )
    membership = MembershipFactory()
    MemberFactory(organization=membership.organization, is_admin=True)
    client.force_login(staff)
    for query in ("", seat.pool.licensing_id.number, "findme@example.com"):
        assert client.get(f"/admin/subscriptions/{model}/", {"q": query}).status_code == 200
    body = client.get("/admin/subscriptions/seat/", {"q": seat.pool.licensing_id.number}).content.decode()
    assert "findme@example.com" in body
