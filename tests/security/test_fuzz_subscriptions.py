"""Every subscriptions and MPN form under hostile input (SEC-3): no 500, no partial write, escaped output;
bulk uploads with hostile files (oversize, binary, wrong encodings, CSV injection, XLSX garbage and zip bombs)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import strategies as st

from subscriptions import services
from subscriptions.models import BulkEdit, BulkUpload, ContactRole, Seat
from tests.security.fuzz import PAYLOADS, assert_escaped, fuzz_form, hostile_text, portal_snapshot

pytestmark = pytest.mark.django_db

XSS = "<script>alert('xss')</script>"
N = 8
CONFIRM = st.sampled_from(["on", "", "\x00", "<b>yes</b>"])


@pytest.fixture
def manager(client, world):
    client.force_login(world["users"]["subscriptions_manager"])
    return world["users"]["subscriptions_manager"]


def _seat_fields():
    return {
        "email": st.one_of(hostile_text(), st.emails()),
        "first_name": hostile_text(),
        "last_name": hostile_text(),
        "confirm_obligation": CONFIRM,
    }


def test_seat_assign(client, world, manager):  # SEC-3 SUB-1
    pool = world["pool"]

    def whole_seat(data, before, after):
        seat = Seat.objects.filter(pool=pool).latest("pk")
        assert (seat.first_name, seat.last_name) == (data["first_name"].strip(), data["last_name"].strip())

    fuzz_form(
        client,
        reverse("subscriptions:seat_assign", args=[pool.pk]),
        _seat_fields(),
        valid={
            "email": "new.subscriber@contoso.example",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "confirm_obligation": "on",
        },
        snapshot=portal_snapshot(),
        on_success=whole_seat,
        max_examples=N,
    )


def test_seat_edit(client, world, manager):  # SEC-3 SUB-2 SUB-10
    fuzz_form(
        client,
        reverse("subscriptions:seat_edit", args=[world["seat"].pk]),
        {
            "first_name": hostile_text(),
            "last_name": hostile_text(),
            "downloads_enabled": CONFIRM,
            "notification_email": st.one_of(hostile_text(), st.emails()),
            "reference": hostile_text(),
        },
        valid={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "downloads_enabled": "",
            "notification_email": "ada@contoso.example",
            "reference": "PO-17",
        },
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_seat_reassign(client, world, manager):  # SEC-3 SUB-2
    fuzz_form(
        client,
        reverse("subscriptions:seat_reassign", args=[world["seat"].pk]),
        _seat_fields(),
        valid={
            "email": "next.subscriber@contoso.example",
            "first_name": "Bo",
            "last_name": "B",
            "confirm_obligation": "on",
        },
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_seat_remove(client, world, manager):  # SEC-3 SUB-2
    fuzz_form(
        client,
        reverse("subscriptions:seat_remove", args=[world["seat"].pk]),
        ["next", "email"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_seats_remove(client, world, manager):  # SEC-3 SUB-7
    fuzz_form(
        client,
        reverse("subscriptions:seats_remove", args=[world["pool"].pk]),
        {"seat": st.one_of(hostile_text(), st.integers().map(str), st.just("9" * 40)), "confirm": hostile_text()},
        valid={"seat": str(world["seat"].pk), "confirm": "yes"},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_seat_resend(client, world, manager):  # SEC-3 SUB-10
    fuzz_form(
        client,
        reverse("subscriptions:seat_resend", args=[world["seat"].pk]),
        ["next", "email", "seat"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_contact_admin(client, world):  # SEC-3 SEC-8 SUB-9
    client.force_login(world["users"]["download"])
    fuzz_form(
        client,
        reverse("subscriptions:contact_admin", args=[world["own_seat"].pk]),
        ["message"],
        valid={"message": "Please renew my subscription."},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_pool_settings(client, world, manager):  # SEC-3 SUB-8 (threshold e-mailed once per crossing)
    fuzz_form(
        client,
        reverse("subscriptions:pool_settings", args=[world["pool"].pk]),
        {
            "low_seats_threshold": st.one_of(st.integers().map(str), st.just("9" * 5000), hostile_text()),
            "over_allocation_threshold": st.one_of(st.integers().map(str), st.just(""), hostile_text()),
        },
        valid={"low_seats_threshold": "3", "over_allocation_threshold": "2"},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_stored_names_render_as_text(client, world, manager):  # SEC-3 SUB-1 SUB-5
    pool = world["pool"]
    response = client.post(
        reverse("subscriptions:seat_assign", args=[pool.pk]),
        {
            "email": "xss@contoso.example",
            "first_name": XSS,
            "last_name": '"><img src=x onerror=alert(1)>',
            "confirm_obligation": "on",
        },
    )
    assert response.status_code == 302
    for url in [
        reverse("subscriptions:pool_detail", args=[pool.pk]),
        reverse("subscriptions:subscribers"),
        reverse("subscriptions:subscribers") + "?q=%3Cscript%3E",
    ]:
        body = client.get(url).content.decode()
        assert XSS not in body and "<img src=x" not in body, url


# ---- bulk upload (SUB-3) ----


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """A real workbook whose sheet unpacks to far more than any upload may (~60 MB of one repeated cell)."""
    good = zipfile.ZipFile(io.BytesIO(_xlsx([["email", "first_name", "last_name"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in good.infolist():
            data = good.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                row = b'<row><c t="inlineStr"><is><t>a@example.com</t></is></c></row>'
                data = data.replace(b'<dimension ref="A1:C1" />', b"")  # or a reader stops at row 1
                data = data.replace(b"</sheetData>", row * (60 * 1024 * 1024 // len(row)) + b"</sheetData>")
            bomb.writestr(info.filename, data)
    return out.getvalue()


HOSTILE_FILES = {
    "oversize.csv": b"email,first_name,last_name\n" + b"a@example.com,A,B\n" * (services.MAX_UPLOAD_BYTES // 18 + 10),
    "binary.csv": bytes(range(256)) * 64,
    "latin1.csv": "email,first_name,last_name\nzoe@example.com,Zoé,Ünal\n".encode("latin-1"),
    "utf16.csv": "email,first_name,last_name\nzoe@example.com,Zoé,L\n".encode("utf-16"),
    "nul.csv": b"email,first_name,last_name\nnul@example.com,A\x00B,C\n",
    "garbage.xlsx": b"PK\x03\x04" + bytes(range(256)) * 16,
    "notazip.xlsx": b"email,first_name,last_name\na@example.com,A,B\n",
    "empty.csv": b"",
    "header-only.csv": b"email,first_name,last_name\n",
    "bad-quote.csv": b'email,first_name,last_name\n"a@example.com,"A\n',
    "workbook.csv": _xlsx([["email"], ["a@example.com"]]),
    "wrong.txt": b"email\na@example.com\n",
    f"{XSS}.csv": b"email,first_name,last_name\nnot-an-email,<b>x</b>,y\n",
}


def _upload(client, pool, name, content, confirm="on"):
    return client.post(
        reverse("subscriptions:bulk_upload", args=[pool.pk]),
        {"file": SimpleUploadedFile(name, content), "confirm_obligation": confirm},
    )


@pytest.mark.parametrize("name", list(HOSTILE_FILES))
def test_bulk_upload_hostile_files_assign_nothing(
    client, world, manager, name, django_capture_on_commit_callbacks
):  # SEC-3 SUB-3
    pool = world["pool"]
    seats = Seat.objects.count()
    snapshot = portal_snapshot()
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, pool, name, HOSTILE_FILES[name])
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert snapshot() == before  # refused at the door: nothing stored
        body = response.content.decode()
    else:
        upload = BulkUpload.objects.latest("pk")
        assert upload.status == BulkUpload.Status.REJECTED and upload.errors and upload.content == b""
        page = client.get(response["Location"])
        assert page.status_code == 200
        body = page.content.decode()
    assert Seat.objects.count() == seats
    assert_escaped(body, [name, XSS, "<b>x</b>"], name)


def test_bulk_upload_zip_bomb_is_refused_unread(
    client, world, manager, django_capture_on_commit_callbacks
):  # SEC-3 SUB-3 regression
    bomb = _zip_bomb()
    assert len(bomb) < services.MAX_UPLOAD_BYTES
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, world["pool"], "bomb.xlsx", bomb)
    assert response.status_code == 302
    upload = BulkUpload.objects.latest("pk")
    assert upload.status == BulkUpload.Status.REJECTED
    assert "XLSX" in upload.errors[0]["message"]
    assert not Seat.objects.filter(pool=world["pool"], email="a@example.com").exists()


def test_bulk_upload_csv_injection_is_exported_inert(
    client, world, manager, django_capture_on_commit_callbacks
):  # SEC-3 SUB-3 SUB-5
    content = (
        b"email,first_name,last_name\r\ninject@example.com,=HYPERLINK(\"http://evil.example\"),+cmd|' /C calc'!A0\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, world["pool"], "inject.csv", content)
    assert response.status_code == 302
    exported = b"".join(client.get(reverse("subscriptions:subscribers_export")).streaming_content).decode()
    line = next(row for row in exported.splitlines() if "inject@example.com" in row)
    assert "'=HYPERLINK" in line and "'+cmd" in line


def test_bulk_upload_form_fields(client, world, manager):  # SEC-3 SUB-3
    """Hostile obligation ticks and file names; the file itself is a well-formed CSV."""
    pool = world["pool"]
    url = reverse("subscriptions:bulk_upload", args=[pool.pk])
    snapshot = portal_snapshot()
    for index, payload in enumerate(PAYLOADS):
        name = (payload or "x")[:200] + (".csv" if index % 2 else "")
        before = snapshot()
        response = client.post(
            url, {"file": SimpleUploadedFile(name, b"email\na@example.com\n"), "confirm_obligation": payload}
        )
        assert response.status_code < 500
        if response.status_code != 302:
            assert snapshot() == before
            assert_escaped(response.content.decode(), [name, payload], url)
        else:
            assert_escaped(client.get(response["Location"]).content.decode(), [name, payload], url)


def _edit_files(world) -> dict[str, bytes]:
    seat = world["seat"]
    return {
        **HOSTILE_FILES,
        "hostile-ids.csv": (
            "id,email,first_name,remove\n"
            f"{seat.pk},,{XSS},\n-1,,,\n99999999999999999999,,,\n1e3,,,\n{XSS},,,yes\n{seat.pk},,,maybe\n"
        ).encode(),
        "hostile-fields.csv": (
            f"id,email,downloads_enabled,notification_email,reference\n{seat.pk},,{XSS},{XSS},{'x' * 500}\n"
        ).encode(),
        "other-email.csv": f"id,email\n{seat.pk},{XSS}@example.com\n".encode(),
    }


@pytest.mark.parametrize(
    "name",
    [*HOSTILE_FILES, "hostile-ids.csv", "hostile-fields.csv", "other-email.csv"],
)
def test_bulk_edit_hostile_files_change_nothing(client, world, manager, name):  # SEC-3 SUB-6
    pool = world["pool"]
    seats = list(Seat.objects.order_by("pk").values())
    snapshot = portal_snapshot()
    before = snapshot()
    response = client.post(
        reverse("subscriptions:bulk_edit", args=[pool.pk]),
        {"file": SimpleUploadedFile(name, _edit_files(world)[name])},
    )
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert snapshot() == before
        body = response.content.decode()
    else:
        edit = BulkEdit.objects.latest("pk")
        assert edit.status == BulkEdit.Status.REJECTED and edit.errors and edit.changes == {}
        page = client.get(response["Location"])
        assert page.status_code == 200
        body = page.content.decode()
        assert client.post(response["Location"], {"confirm_obligation": "on"}).status_code == 400
    assert list(Seat.objects.order_by("pk").values()) == seats
    assert_escaped(body, [name, XSS], name)


def test_bulk_edit_apply(client, world, manager):  # SEC-3 SUB-6
    """Hostile bodies on the apply POST: additions need a real tick; nothing half-applied."""
    pool = world["pool"]
    edit = services.bulk_edit_preview(
        pool=pool,
        actor=manager,
        file_name="e.csv",
        content=f"id,email,first_name\n{world['seat'].pk},,Renamed\n,fuzz-new@example.com,N\n".encode(),
    )
    url = reverse("subscriptions:bulk_edit_detail", args=[edit.pk])
    snapshot = portal_snapshot()
    for payload in PAYLOADS:
        before = snapshot()
        response = client.post(url, {"confirm_obligation": payload})
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert snapshot() == before
            assert_escaped(response.content.decode(), [payload], url)
        else:
            assert Seat.objects.filter(email="fuzz-new@example.com", status="active").count() == 1
            break


# ---- partner membership (MPN-2, MPN-3) ----


@pytest.fixture
def program_admin(client, world):
    client.force_login(world["users"]["partner"])
    return world["users"]["partner"]


def _member_choice(world):
    return st.one_of(st.just(str(world["contact_role"].member_id)), st.integers().map(str), hostile_text())


def test_mpn_contact_role_assign(client, world, program_admin):  # SEC-3 MPN-2
    fuzz_form(
        client,
        reverse("subscriptions:mpn_requirements", args=[world["membership"].pk]),
        {
            "member": _member_choice(world),
            "role": st.one_of(st.sampled_from(ContactRole.values), hostile_text()),
        },
        valid={"member": str(world["contact_role"].member_id), "role": ContactRole.values[1]},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_mpn_privilege_assign(client, world, program_admin):  # SEC-3 MPN-3
    fuzz_form(
        client,
        reverse("subscriptions:mpn_vs_subscriptions", args=[world["membership"].pk]),
        {"member": _member_choice(world)},
        valid={"member": str(world["contact_role"].member_id)},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


@pytest.mark.parametrize(
    "name,key",
    [
        ("subscriptions:mpn_contact_role_remove", "contact_role"),
        ("subscriptions:mpn_subscription_remove", "partner_subscription"),
    ],
)
def test_mpn_removals(client, world, program_admin, name, key):  # SEC-3 MPN-2 MPN-3
    fuzz_form(
        client,
        reverse(name, args=[world[key].pk]),
        ["member", "next"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_a_file_full_of_bad_rows_reports_a_bounded_list(
    client, world, manager, django_capture_on_commit_callbacks
):  # SEC-3 SUB-3 regression
    content = b"email,first_name,last_name\n" + b"not-an-email\n" * 5000
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, world["pool"], "many.csv", content)
    upload = BulkUpload.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert upload.status == BulkUpload.Status.REJECTED
    assert len(upload.errors) == services.MAX_REPORTED_ERRORS and upload.errors[0]["line"] == 2
