import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from notifications.models import OutgoingEmail
from subscriptions import services
from subscriptions.models import BulkUpload, Seat
from tests.factories import SeatFactory, UserFactory

pytestmark = pytest.mark.django_db


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _errors(file_name, content):
    with pytest.raises(services.BulkRejected) as exc:
        services.bulk_file_parse(file_name=file_name, content=content)
    return [(e.line, e.message) for e in exc.value.errors]


def test_csv_rows_keep_their_line_numbers():  # SUB-3
    content = "\ufeffEmail,First name,Last name\r\na@example.com,Ada,L\r\n\r\nb@example.com,,\r\n".encode()
    rows = services.bulk_file_parse(file_name="x.CSV", content=content)
    assert [(r.line, r.email, r.first_name) for r in rows] == [
        (2, "a@example.com", "Ada"),
        (4, "b@example.com", ""),
    ]


def test_xlsx_rows_are_read():  # SUB-3
    content = _xlsx(
        [
            ["email", "first_name", "last_name"],
            ["a@example.com", "Ada", None],
            [None, None, None],
            ["b@example.com", "Bo", "B"],
        ]
    )
    rows = services.bulk_file_parse(file_name="x.xlsx", content=content)
    assert [(r.line, r.email) for r in rows] == [(2, "a@example.com"), (4, "b@example.com")]


def test_not_utf8_is_reported_with_its_line():  # SUB-3
    content = "email,first_name\na@example.com,Zoé\nb@example.com,Chloé\n".encode()
    content = content.replace("Chloé".encode(), "Chloé".encode("latin-1"))
    [(line, message)] = _errors("x.csv", content)
    assert line == 3 and "UTF-8" in message


def test_missing_columns_are_reported():  # SUB-3
    [(line, message)] = _errors("x.csv", b"name,surname\nAda,L\n")
    assert line == 1 and "Missing column(s): email" in message
    errors = _errors("x.csv", b"first_name,last_name,email\nAda,L\n")
    assert errors[0][0] == 2 and "email" in errors[0][1]


def test_wrong_file_types_and_size_are_refused():  # SUB-3
    assert "Upload a .csv or .xlsx" in _errors("x.txt", b"email\na@example.com\n")[0][1]
    assert "not a valid XLSX" in _errors("x.xlsx", b"email\na@example.com\n")[0][1]
    assert "workbook, not CSV" in _errors("x.csv", _xlsx([["email"]]))[0][1]
    assert "larger than 10 MB" in _errors("x.csv", b"e" * (services.MAX_UPLOAD_BYTES + 1))[0][1]
    assert "empty" in _errors("x.csv", b"\n\n")[0][1]


def test_templates_parse_back():  # SUB-3
    for fmt in ("csv", "xlsx"):
        content, _ = services.bulk_template(file_format=fmt)
        assert [r.email for r in services.bulk_file_parse(file_name=f"t.{fmt}", content=content)] == [
            "someone@example.com"
        ]
    assert load_workbook(io.BytesIO(services.bulk_template(file_format="xlsx")[0])).active["A1"].value == "email"


def test_template_downloads(client, manager):  # SUB-3
    client.force_login(manager)
    csv_response = client.get("/subscriptions/bulk/template.csv")
    assert csv_response.status_code == 200
    assert csv_response.content.startswith(b"email,first_name,last_name")
    xlsx = client.get("/subscriptions/bulk/template.xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def _upload(client, pool, name, content, confirm=True):
    data = {"file": SimpleUploadedFile(name, content)}
    if confirm:
        data["confirm_obligation"] = "on"
    return client.post(f"/subscriptions/pools/{pool.pk}/bulk/", data)


def test_upload_with_bad_rows_assigns_nothing_and_lists_every_row(  # SUB-3
    client, manager, pool, django_capture_on_commit_callbacks
):
    SeatFactory(pool=pool, email="taken@example.com")
    content = b"email,first_name\nok@example.com,A\nnope,B\ntaken@example.com,C\nok@example.com,D\n"
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, pool, "people.csv", content)
    upload = BulkUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/subscriptions/bulk/{upload.pk}/"
    assert upload.status == BulkUpload.Status.REJECTED
    assert [e["line"] for e in upload.errors] == [3, 4, 5]
    assert upload.content == b""  # the file is not kept
    assert pool.seats.count() == 1 and not OutgoingEmail.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "nothing was assigned" in page and "“nope” is not a valid email address." in page


def test_upload_xlsx_assigns_every_row(client, manager, pool, django_capture_on_commit_callbacks):  # SUB-3
    content = _xlsx([["email", "first_name", "last_name"], ["a@example.com", "A", "A"], ["b@example.com", "B", "B"]])
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, pool, "people.xlsx", content)
    upload = BulkUpload.objects.get()
    assert (upload.status, upload.row_count, upload.assigned_count) == (BulkUpload.Status.DONE, 2, 2)
    assert set(pool.seats.values_list("email", flat=True)) == {"a@example.com", "b@example.com"}
    assert "2 subscriptions were assigned" in client.get(response["Location"]).content.decode()


def test_upload_needs_the_obligation_checkbox_and_a_right_file(client, manager, pool):  # SUB-2 SUB-3
    client.force_login(manager)
    response = _upload(client, pool, "p.csv", b"email\na@example.com\n", confirm=False)
    assert response.status_code == 400 and "Confirm the obligation to purchase" in response.content.decode()
    response = _upload(client, pool, "p.pdf", b"%PDF")
    assert response.status_code == 400 and "Upload a .csv or .xlsx file." in response.content.decode()
    assert not BulkUpload.objects.exists()


def test_pending_upload_page_refreshes_itself(client, manager, pool):  # SUB-3
    client.force_login(manager)
    _upload(client, pool, "p.csv", b"email\na@example.com\n")  # on_commit never fires in this test
    upload = BulkUpload.objects.get()
    assert upload.status == BulkUpload.Status.PENDING
    assert 'http-equiv="refresh"' in client.get(f"/subscriptions/bulk/{upload.pk}/").content.decode()
    services.bulk_upload_process(upload_id=upload.pk)
    assert services.bulk_upload_process(upload_id=upload.pk) is None  # processed once only
    assert Seat.objects.filter(email="a@example.com").count() == 1


def test_upload_by_someone_who_lost_the_role_assigns_nothing(manager, pool):  # SUB-2
    upload = services.bulk_upload_create(
        pool=pool,
        actor=manager,
        file_name="p.csv",
        content=b"email\na@x.example\n",
        obligation_confirmed=True,
    )
    from permissions.models import Grant

    Grant.objects.filter(email=manager.business_email).delete()
    upload.uploaded_by = UserFactory._meta.model.objects.get(pk=manager.pk)
    services.bulk_upload_process(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.status == BulkUpload.Status.REJECTED and not Seat.objects.exists()
