"""SUB-6 bulk edit, in English and French (ACC-5): a Subscriptions Manager downloads the pool's export as a
workbook, edits it in a spreadsheet (openpyxl), uploads it again, reads the preview of the changes (added,
changed before → after, removed) and applies them all at once."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from notifications.models import OutgoingEmail
from permissions.models import Role
from subscriptions.models import Seat
from tests.browser import assert_accessible_basics, sign_in, t
from tests.factories import LicensingIDFactory, OrganizationFactory, PoolFactory, SeatFactory, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sub6_export_edit_in_a_spreadsheet_reupload_preview_apply(live_server, new_context, shot, lang, tmp_path):
    lid = LicensingIDFactory(organization=OrganizationFactory(name="Contoso"))
    pool = PoolFactory(licensing_id=lid, quantity=10)
    manager = grant(
        UserFactory(email="mia@contoso.example", first_name="Mia", last_name="Manager", language=lang),
        lid,
        Role.SUBSCRIPTIONS_MANAGER,
    )
    ada = SeatFactory(pool=pool, email="ada@contoso.example", first_name="Ada", last_name="Lovelace")
    bob = SeatFactory(pool=pool, email="bob@contoso.example", first_name="Bob", last_name="Builder")
    kept = SeatFactory(pool=pool, email="kept@contoso.example", first_name="Kept", last_name="Same")

    page = new_context(locale=lang, accept_downloads=True).new_page()
    sign_in(page, live_server.url, manager.email)
    page.goto(f"{live_server.url}/subscriptions/pools/{pool.pk}/")
    page.get_by_role("link", name=t(lang, "Bulk edit from the export")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Bulk edit from the export"))
    assert_accessible_basics(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").click()
    exported = tmp_path / "export.xlsx"
    download_info.value.save_as(exported)

    workbook = load_workbook(exported)  # the spreadsheet edit
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[:8] == [
        "id",
        "email",
        "first_name",
        "last_name",
        "downloads_enabled",
        "notification_email",
        "reference",
        "remove",
    ]
    col = {name: header.index(name) + 1 for name in header}
    for row in range(2, sheet.max_row + 1):
        email = sheet.cell(row, col["email"]).value
        if email == ada.email:
            sheet.cell(row, col["first_name"], "Augusta")
            sheet.cell(row, col["reference"], "PO-2026-7")
            sheet.cell(row, col["downloads_enabled"], "no")
        elif email == bob.email:
            sheet.cell(row, col["remove"], "yes")
    sheet.append(["", "nina@contoso.example", "Nina", "New"])
    edited = tmp_path / "edited.xlsx"
    workbook.save(edited)

    page.get_by_label(t(lang, "Edited export (CSV or XLSX)")).set_input_files(str(edited))
    page.get_by_role("button", name=t(lang, "Upload and preview")).click()
    page.wait_for_url(re.compile(r"/subscriptions/bulk-edits/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Preview of the changes"))
    expect(page.locator("#bulk-edit-added")).to_contain_text("nina@contoso.example")
    changed = page.locator("#bulk-edit-changed tbody tr")
    expect(changed).to_have_count(3)
    expect(changed.filter(has_text="Augusta")).to_contain_text("Ada")  # before → after
    expect(page.locator("#bulk-edit-changed")).to_contain_text("PO-2026-7")
    expect(page.locator("#bulk-edit-removed li")).to_have_text([bob.email])
    assert Seat.objects.get(pk=ada.pk).first_name == "Ada"  # nothing moves before the confirmation
    assert_accessible_basics(page)
    shot(f"bulk-edit-preview-{lang}", page, full_page=True)

    page.check("input[name=confirm_obligation]")
    page.get_by_role("button", name=t(lang, "Apply all changes")).click()
    page.wait_for_url(re.compile(rf"/subscriptions/pools/{pool.pk}/$"))
    message = t(lang, "The changes were applied: %(added)s added, %(changed)s changed, %(removed)s removed.") % {
        "added": 1,
        "changed": 1,
        "removed": 1,
    }
    expect(page.get_by_role("alert").first).to_contain_text(message)
    rows = page.locator("#seats tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#seats")).to_contain_text("nina@contoso.example")
    shot(f"bulk-edit-applied-{lang}", page)

    ada.refresh_from_db()
    assert (ada.first_name, ada.reference, ada.downloads_enabled) == ("Augusta", "PO-2026-7", False)
    assert Seat.objects.get(pk=bob.pk).status == Seat.Status.REMOVED
    assert Seat.objects.get(pk=kept.pk).first_name == "Kept"
    sent = set(OutgoingEmail.objects.values_list("template", "to_email"))
    assert ("subscriptions/emails/subscription_removed", bob.email) in sent
    assert ("subscriptions/emails/subscription_assigned", "nina@contoso.example") in sent
