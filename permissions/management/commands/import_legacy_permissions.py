"""manage.py import_legacy_permissions FILE.csv --source mvls|eopen [--dry-run] (PERM-10)."""

import csv

from django.core.management.base import BaseCommand, CommandError

from permissions.services import LEGACY_SOURCES, legacy_permissions_import

COLUMNS = ("email", "licensing_id", "program", "role")


class Command(BaseCommand):
    help = (
        "Import users of the retired MVLS / eOpen systems as permission grants. CSV columns: email, "
        "licensing_id, program, role (role is ignored for eOpen). All rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, choices=LEGACY_SOURCES)
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")

    def handle(self, *args, file, source, dry_run, **options):
        try:
            with open(file, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                header = [h.strip().lower() for h in (reader.fieldnames or [])]
                needed = [c for c in COLUMNS if c != "role" or source == "mvls"]
                missing = [c for c in needed if c not in header]
                if missing:
                    raise CommandError(f"line 1: missing column(s): {', '.join(missing)}")
                reader.fieldnames = header
                rows = [{k: (v or "") for k, v in row.items() if k} for row in reader]
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        result = legacy_permissions_import(rows=rows, source=source, dry_run=dry_run)
        if result["errors"]:
            for error in result["errors"]:
                self.stderr.write(error)
            raise CommandError(f"{len(result['errors'])} bad row(s); nothing was imported.")
        verb = "would grant" if dry_run else "granted"
        for change in result["changes"]:
            self.stdout.write(
                f"{change['licensing_id']} {change['email']}: "
                f"{','.join(change['before']) or '-'} -> {','.join(change['after'])}"
            )
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}{verb} {result['grants']} role(s) in "
            f"{len(result['changes'])} change(s) from {len(rows)} row(s)."
        )
