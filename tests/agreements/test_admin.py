"""Support reaches "Record an Open License order" from admin (AGR-5): the admin never records an order itself."""

import pytest

from agreements.models import OpenLicense

pytestmark = pytest.mark.django_db

ORDER_PAGE = "/partners/staff/orders/new/"


def test_open_license_changelist_links_the_staff_order_page(client, staff):
    client.force_login(staff)
    body = client.get("/admin/agreements/openlicense/").content.decode()
    assert f'href="{ORDER_PAGE}"' in body
    assert "Record an Open License order" in body


def test_admin_add_open_license_goes_to_the_staff_order_page(client, staff):
    client.force_login(staff)
    response = client.get("/admin/agreements/openlicense/add/")
    assert response.status_code == 302
    assert response["Location"] == ORDER_PAGE
    assert client.post("/admin/agreements/openlicense/add/", {"license_number": "X1"}).status_code == 302
    assert not OpenLicense.objects.exists()
