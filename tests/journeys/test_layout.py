"""At 1280 px the navbar is one row in both languages, and every cell of a table row shares the row's lines."""

import pytest

from agreements.models import Program
from permissions.models import Role
from tests.browser import VIEWPORT, sign_in
from tests.factories import LicensingIDFactory, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAME_ROW = """rows => rows.map(row => [...row.cells].map(cell => {
    const box = cell.getBoundingClientRect();
    return [Math.round(box.top), Math.round(box.bottom)];
}))"""


def test_navbar_is_one_row_and_action_cells_line_up_at_1280px(page, live_server, lang):
    user = UserFactory(email="a.rather.long.address@contoso-enterprises.example", language=lang)
    mbsa = LicensingIDFactory(program=Program.MBSA)
    for _ in range(3):
        lid = LicensingIDFactory(organization=mbsa.organization, parent=mbsa, program=Program.ENTERPRISE)
        grant(user, lid, Role.ADMINISTRATOR, Role.DOWNLOAD)
    grant(user, mbsa, Role.ADMINISTRATOR)
    page.set_viewport_size(VIEWPORT)
    sign_in(page, live_server.url, user.email)

    for path in ("/permissions/", f"/permissions/manage/{mbsa.pk}/"):
        page.goto(f"{live_server.url}{path}")
        brand = page.locator(".navbar-brand").bounding_box()
        sign_out = page.locator("nav form[action$='/logout/'] button").bounding_box()
        assert abs(brand["y"] + brand["height"] / 2 - (sign_out["y"] + sign_out["height"] / 2)) < 10, path
        for cells in page.locator("main table tbody tr").evaluate_all(SAME_ROW):
            assert len(set(map(tuple, cells))) == 1, (path, cells)
