"""An access review from start to export (REV-1..REV-3), in English and French: the administrator starts a review
from My Permissions, removes one person (applied at once, under the Manage Users rules), keeps the rest, and
downloads the result as CSV."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from permissions.models import AccessReview, Grant, Role
from tests.browser import assert_accessible_basics, sign_in, t
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_access_review_start_decide_remove_and_export(live_server, new_context, shot, lang):  # REV-1 REV-2 REV-3
    lid = LicensingIDFactory(organization=OrganizationFactory(name="Contoso"), number="E3100001")
    admin = grant(UserFactory(email="ada@contoso.example", language=lang), lid, Role.ADMINISTRATOR)
    leaver = grant(UserFactory(email="leo@contoso.example"), lid, Role.DOWNLOAD)
    stayer = grant(UserFactory(email="sam@contoso.example"), lid, Role.LICENSING_INFO)

    page = new_context(locale=lang, accept_downloads=True).new_page()
    sign_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/permissions/")
    page.get_by_role("link", name=t(lang, "Access reviews")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Access reviews"))
    page.get_by_role("link", name=t(lang, "Start or schedule a review")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "Start an access review"))
    page.get_by_label(lid.number).check()
    page.get_by_label(t(lang, "Due in (days)")).fill("7")
    assert_accessible_basics(page)
    shot(f"access-review-start-{lang}", page)
    page.get_by_role("button", name=t(lang, "Start the review")).click()

    expect(page.get_by_role("alert").first).to_contain_text(t(lang, "The review was started."))
    review = AccessReview.objects.get()
    remove = t(lang, "Remove %(email)s from %(number)s") % {"email": leaver.business_email, "number": lid.number}
    page.get_by_role("button", name=remove).click()
    expect(page.get_by_role("alert").first).to_contain_text(t(lang, "Your decision was recorded."))
    assert not Grant.objects.filter(licensing_id=lid, email=leaver.business_email).exists()  # applied at once

    for person in (admin, stayer):
        keep = t(lang, "Keep %(email)s on %(number)s") % {"email": person.business_email, "number": lid.number}
        page.get_by_role("button", name=keep).click()
        expect(page.get_by_role("alert").first).to_contain_text(t(lang, "Your decision was recorded."))
    expect(page.get_by_test_id("review-status")).to_have_text(t(lang, "Finished"))
    assert_accessible_basics(page)
    shot(f"access-review-finished-{lang}", page, full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=t(lang, "Download the result (CSV)")).click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"access-review-{review.pk}-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email[leaver.business_email][4:7] == ["remove", "removed", admin.email]
    assert by_email[stayer.business_email][4] == "keep"
    assert Grant.objects.filter(licensing_id=lid, email=stayer.business_email).exists()
