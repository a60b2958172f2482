import pytest
from django.core.management import CommandError, call_command

from agreements.models import Program
from licensing_portal.core.models import AuditEvent
from permissions.models import Grant, Role
from tests.factories import LicensingIDFactory, OpenLicenseFactory

pytestmark = pytest.mark.django_db


def _csv(tmp_path, text):
    path = tmp_path / "legacy.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _grants():
    return {(g.licensing_id.number, g.email, g.role, g.source) for g in Grant.objects.select_related("licensing_id")}


@pytest.fixture
def enrollment():
    return LicensingIDFactory(number="E1234567", program=Program.ENTERPRISE)


def test_mvls_roles_are_mapped(tmp_path, enrollment, capsys):  # PERM-10
    path = _csv(
        tmp_path,
        "email,licensing_id,program,role\n"
        "a@x.example,E1234567,enterprise,MVLS User\n"
        "b@x.example,E1234567,Enterprise enrollment,User + VLK\n"
        "c@x.example,e1234567,enterprise,SA Benefit Administrator\n"
        "d@x.example,E1234567,enterprise,Online Services Benefit Administrator\n"
        "e@x.example,E1234567,enterprise,MSDN Benefit Administrator\n"
        "F@X.example,E1234567,enterprise,  administrator \n",
    )
    call_command("import_legacy_permissions", path, "--source", "mvls")
    legacy = Grant.Source.LEGACY
    assert _grants() == {
        ("E1234567", "a@x.example", Role.LICENSING_INFO, legacy),
        ("E1234567", "b@x.example", Role.LICENSING_INFO, legacy),
        ("E1234567", "b@x.example", Role.DOWNLOAD, legacy),
        ("E1234567", "b@x.example", Role.PRODUCT_KEYS, legacy),
        ("E1234567", "c@x.example", Role.SA_MANAGER, legacy),
        ("E1234567", "d@x.example", Role.ONLINE_SERVICES_MANAGER, legacy),
        ("E1234567", "e@x.example", Role.SUBSCRIPTIONS_MANAGER, legacy),
        ("E1234567", "f@x.example", Role.ADMINISTRATOR, legacy),
    }
    assert AuditEvent.objects.filter(verb="permission.legacy_import").count() == 6  # one per person and ID
    b = AuditEvent.objects.get(target_email="b@x.example")
    assert b.before["roles"] == [] and b.after["roles"] == sorted(
        [Role.LICENSING_INFO, Role.DOWNLOAD, Role.PRODUCT_KEYS]
    )
    assert "granted 8 role(s)" in capsys.readouterr().out


def test_eopen_users_become_administrators_of_each_open_license(tmp_path):  # PERM-10
    ol1 = OpenLicenseFactory().licensing_id
    ol2 = OpenLicenseFactory().licensing_id
    path = _csv(
        tmp_path,
        f"email,licensing_id,program,role\n"
        f"o@x.example,{ol1.number},open_license,Whatever\n"
        f"o@x.example,{ol2.number},,\n",
    )
    call_command("import_legacy_permissions", path, "--source", "eopen")
    assert _grants() == {
        (ol1.number, "o@x.example", Role.ADMINISTRATOR, Grant.Source.LEGACY),
        (ol2.number, "o@x.example", Role.ADMINISTRATOR, Grant.Source.LEGACY),
    }


def test_bad_rows_reported_by_line_and_nothing_imported(tmp_path, enrollment, capsys):  # PERM-10
    path = _csv(
        tmp_path,
        "email,licensing_id,program,role\n"
        "ok@x.example,E1234567,enterprise,MVLS User\n"
        "not-an-email,E1234567,enterprise,MVLS User\n"
        "z@x.example,E0000000,enterprise,MVLS User\n"
        "y@x.example,E1234567,enterprise,Root\n"
        "w@x.example,E1234567,nonsense,MVLS User\n",
    )
    with pytest.raises(CommandError, match="4 bad row"):
        call_command("import_legacy_permissions", path, "--source", "mvls")
    err = capsys.readouterr().err
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert line in err
    assert "line 2" not in err
    assert not Grant.objects.exists() and not AuditEvent.objects.exists()


def test_eopen_row_for_non_open_license_is_refused(tmp_path, enrollment):  # PERM-10
    path = _csv(tmp_path, "email,licensing_id,program,role\no@x.example,E1234567,enterprise,\n")
    with pytest.raises(CommandError):
        call_command("import_legacy_permissions", path, "--source", "eopen")
    assert not Grant.objects.exists()


def test_dry_run_reports_and_writes_nothing(tmp_path, enrollment, capsys):  # PERM-10
    path = _csv(tmp_path, "email,licensing_id,program,role\na@x.example,E1234567,enterprise,User + VLK\n")
    call_command("import_legacy_permissions", path, "--source", "mvls", "--dry-run")
    out = capsys.readouterr().out
    assert "would grant 3 role(s)" in out and "a@x.example" in out
    assert not Grant.objects.exists() and not AuditEvent.objects.exists()


def test_reimport_adds_only_missing_roles(tmp_path, enrollment):  # PERM-10
    Grant.objects.create(licensing_id=enrollment, email="a@x.example", role=Role.LICENSING_INFO)
    path = _csv(tmp_path, "email,licensing_id,program,role\na@x.example,E1234567,enterprise,User + VLK\n")
    call_command("import_legacy_permissions", path, "--source", "mvls")
    call_command("import_legacy_permissions", path, "--source", "mvls")
    assert Grant.objects.filter(email="a@x.example").count() == 3
    [event] = AuditEvent.objects.all()
    assert event.before["roles"] == [Role.LICENSING_INFO]


def test_missing_column_is_refused(tmp_path, enrollment):  # PERM-10 SEC-3
    path = _csv(tmp_path, "email,licensing_id\na@x.example,E1234567\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command("import_legacy_permissions", path, "--source", "mvls")


def test_bulk_import_runs_a_constant_number_of_queries(tmp_path, django_assert_max_num_queries):  # PERM-10
    from agreements.models import LicensingID

    org = LicensingIDFactory().organization
    LicensingID.objects.bulk_create(
        [LicensingID(organization=org, number=f"B{i:07d}", program=Program.SELECT) for i in range(300)]
    )
    rows = "".join(f"u{i}@x.example,B{i:07d},select,User + VLK\n" for i in range(300))
    path = _csv(tmp_path, "email,licensing_id,program,role\n" + rows)
    with django_assert_max_num_queries(10):
        call_command("import_legacy_permissions", path, "--source", "mvls")
    assert Grant.objects.count() == 900
