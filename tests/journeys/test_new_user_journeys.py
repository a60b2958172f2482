"""Journeys that used to end in a dead end for a new user (issue 17), in English and French: a Download-only
user downloads a file (AGR-8); an unrecognised user arriving at Subscriptions reaches OLP Partners registration
(RES-4c)."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from agreements.models import Program
from licensing_portal.core.models import AuditEvent
from permissions.models import Role
from tests.browser import assert_accessible_basics, sign_in, t
from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agr8_download_only_user_downloads_the_file(live_server, page, lang, tmp_path):
    lid = LicensingIDFactory(organization=OrganizationFactory(name="Contoso"), program=Program.ENTERPRISE)
    item = lid.downloads.create(product="Office LTSC", file_name="office_ltsc_x64.iso")
    item.file.save("office_ltsc_x64.iso", ContentFile(b"installer bytes"), save=True)
    user = UserFactory(email=f"dana.{lang}@contoso.example", language=lang)
    grant(user, lid, Role.DOWNLOAD)

    sign_in(page, live_server.url, user.email)
    page.get_by_role("link", name=t(lang, "Agreements"), exact=True).first.click()
    page.get_by_role("link", name=lid.number).click()
    expect(page.get_by_role("heading", name=t(lang, "Downloads"))).to_be_visible()
    assert_accessible_basics(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="office_ltsc_x64.iso").click()
    download = info.value
    assert download.suggested_filename == "office_ltsc_x64.iso"
    saved = tmp_path / "file.iso"
    download.save_as(saved)
    assert saved.read_bytes() == b"installer bytes"
    assert AuditEvent.objects.filter(verb="download.delivered", actor=user, licensing_id=lid).count() == 1


def test_res4c_unrecognised_user_goes_from_subscriptions_to_olp_registration(live_server, page, lang):
    user = UserFactory(email=f"newcomer.{lang}@example.com", language=lang)
    sign_in(page, live_server.url, user.email)
    page.get_by_role("link", name=t(lang, "Subscriptions"), exact=True).first.click()
    expect(page.get_by_role("alert")).to_contain_text(
        t(lang, "You are not a recognised user of a partner organisation.")
    )
    assert_accessible_basics(page)
    page.get_by_role("link", name=t(lang, "OLP Partners registration")).click()
    page.wait_for_url("**/partners/olp-partners/register/")
    expect(page.get_by_role("heading", level=1)).to_have_text(t(lang, "OLP Partners registration"))
