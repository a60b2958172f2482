"""Legacy import (PERM-10): users of the retired MVLS / eOpen systems become grants, all rows or none."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from agreements.models import LicensingID
from licensing_portal.addresses import normalize_email
from licensing_portal.errors import ApplicationError
from permissions.models import (
    Grant,
    Role,
    SABenefit,
)

LEGACY_MVLS_ROLES: dict[str, tuple[str, ...]] = {
    "mvls user": (Role.LICENSING_INFO,),
    "user + vlk": (Role.LICENSING_INFO, Role.DOWNLOAD, Role.PRODUCT_KEYS),
    "sa benefit administrator": (Role.SA_MANAGER,),
    "online services benefit administrator": (Role.ONLINE_SERVICES_MANAGER,),
    "msdn benefit administrator": (Role.SUBSCRIPTIONS_MANAGER,),
    "administrator": (Role.ADMINISTRATOR,),
}
LEGACY_SOURCES = ("mvls", "eopen")


def _legacy_program(raw: str) -> str | None:
    from agreements.models import Program

    key = " ".join(raw.split()).lower()
    for value, label in Program.choices:
        with translation.override("en"):
            if key in (value, str(label).lower()):
                return value
    return None


def legacy_permissions_import(
    *, rows: list[dict[str, str]], source: str, dry_run: bool = False, first_line: int = 2
) -> dict:
    """Import users of the retired systems (PERM-10). Rows are checked first; any bad row (reported by its
    line number) means nothing is imported. Grants are written in bulk with source=legacy, one audit row per
    (licensing ID, email) whose roles change. Returns {"errors": [...], "changes": [...], "grants": n}."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from agreements.models import Program

    if source not in LEGACY_SOURCES:
        raise ApplicationError(_("Unknown legacy source."))
    errors: list[str] = []
    parsed: list[tuple[int, str, str, str, tuple[str, ...]]] = []
    for offset, row in enumerate(rows):
        line = first_line + offset
        email = normalize_email(row.get("email") or "")
        number = (row.get("licensing_id") or "").strip().upper()
        program_raw = (row.get("program") or "").strip()
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("line %(line)d: invalid email %(value)r") % {"line": line, "value": email})
            continue
        if not number:
            errors.append(_("line %(line)d: licensing_id is empty") % {"line": line})
            continue
        if source == "eopen":
            program = _legacy_program(program_raw) if program_raw else Program.OPEN_LICENSE
            if program != Program.OPEN_LICENSE:
                errors.append(
                    _("line %(line)d: eOpen rows must be Open Licenses, not %(value)r")
                    % {"line": line, "value": program_raw}
                )
                continue
            roles: tuple[str, ...] = (Role.ADMINISTRATOR,)
        else:
            program = _legacy_program(program_raw)
            if program is None:
                errors.append(_("line %(line)d: unknown program %(value)r") % {"line": line, "value": program_raw})
                continue
            role_raw = " ".join((row.get("role") or "").split()).lower()
            if role_raw not in LEGACY_MVLS_ROLES:
                errors.append(
                    _("line %(line)d: unknown legacy role %(value)r") % {"line": line, "value": row.get("role") or ""}
                )
                continue
            roles = LEGACY_MVLS_ROLES[role_raw]
        parsed.append((line, email, program, number, roles))

    lids = {}
    if parsed:
        numbers = {number for _line, _email, _program, number, _roles in parsed}
        lids = {(lid.program, lid.number.upper()): lid for lid in LicensingID.objects.filter(number__in=numbers)}
    wanted_roles: dict[tuple[int, str], set[str]] = {}
    lid_by_pk = {}
    for line, email, program, number, roles in parsed:
        lid = lids.get((program, number))
        if lid is None:
            errors.append(
                _("line %(line)d: no licensing ID %(number)s in program %(program)s")
                % {"line": line, "number": number, "program": program}
            )
            continue
        lid_by_pk[lid.pk] = lid
        wanted_roles.setdefault((lid.pk, email), set()).update(roles)
    if errors:
        return {"errors": errors, "changes": [], "grants": 0}

    held: dict[tuple[int, str], set[str]] = {}
    emails = {email for _pk, email in wanted_roles}
    for lid_pk, email, role in Grant.objects.filter(licensing_id__in=list(lid_by_pk), email__in=emails).values_list(
        "licensing_id", "email", "role"
    ):
        held.setdefault((lid_pk, email), set()).add(role)
    changes = []
    new_grants = []
    for (lid_pk, email), roles in sorted(wanted_roles.items(), key=lambda kv: (lid_by_pk[kv[0][0]].number, kv[0][1])):
        before = held.get((lid_pk, email), set())
        missing = [r for r in Role.values if r in roles - before]
        if not missing:
            continue
        changes.append(
            {
                "licensing_id": lid_by_pk[lid_pk].number,
                "email": email,
                "before": sorted(before),
                "after": sorted(before | set(missing)),
            }
        )
        new_grants += [
            Grant(
                licensing_id_id=lid_pk,
                email=email,
                role=r,
                source=Grant.Source.LEGACY,
                sa_benefits=list(SABenefit.values) if r == Role.SA_MANAGER else [],
            )
            for r in missing
        ]
    if not dry_run and new_grants:
        from licensing_portal.core.models import AuditEvent

        with transaction.atomic():
            Grant.objects.bulk_create(new_grants, ignore_conflicts=True, batch_size=1000)
            by_number = {lid.number: lid for lid in lid_by_pk.values()}
            # audit.record writes one row per call; a legacy file can hold thousands, so build the same rows
            # and insert them in bulk (AuditEvent stays append-only: bulk_create never updates).
            AuditEvent.objects.bulk_create(
                [
                    AuditEvent(
                        actor=None,
                        actor_email="",
                        verb="permission.legacy_import",
                        licensing_id=by_number[c["licensing_id"]],
                        target_email=c["email"],
                        before={"roles": c["before"]},
                        after={"roles": c["after"]},
                        detail=f"source={source}",
                    )
                    for c in changes
                ],
                batch_size=1000,
            )
    return {"errors": [], "changes": changes, "grants": len(new_grants)}
