"""Writes from an organisation's directory (IDN-3): users, groups, group mappings, and the reconciliation that
gives and takes back what mapped groups give. Every change is audited; seats and roles go through the domain's
own services (settings.SCIM_MAPPING_TARGETS), never through queries of our own.

Choices (README "SCIM provisioning"): a directory user with an email gets a portal account of that email; the
directory owns the accounts it created (name, email, active) and deactivating one ends its sessions and API tokens
at once. An account that existed before is linked, never changed or deactivated by a directory (a directory must
not lock out someone else's account); its directory-given seats and roles still follow the groups. A provisioned
email in a domain the organisation verified (IDN-2) is a verified business email at once: the directory of the
organisation that proved the domain vouches for it, as its SSO provider does (IDN-1). Any other provisioned email
is not a verified business email until its owner confirms it (ACC-2). A member whose seat is refused (pool
full, SUB-3) keeps trying: every later change of the directory reconciles again.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from licensing_portal import audit
from licensing_portal.errors import ApplicationError
from licensing_portal.scim import selectors
from licensing_portal.scim.documents import GROUP_DEFS, USER_DEFS, ScimError, clean_document
from licensing_portal.scim.models import ScimAppliedAccess, ScimGroup, ScimGroupMapping, ScimMember, ScimUser


@cache
def mapping_targets() -> dict:
    """kind -> the domain's target class (subscriptions.scim.PoolTarget, permissions.scim.RolesTarget)."""
    return {kind: import_string(path) for kind, path in settings.SCIM_MAPPING_TARGETS.items()}


def _detail(organization) -> str:
    return f"organization={organization.pk} via=scim"


# --- users -----------------------------------------------------------------------------------------------------


def primary_email(doc: dict) -> str:
    """The primary email (else the first), else userName when it is an email; "" when there is none."""
    emails = [e for e in doc.get("emails", []) if e.get("value")]
    chosen = next((e["value"] for e in emails if e.get("primary") is True), None) or (
        emails[0]["value"] if emails else doc.get("userName", "")
    )
    chosen = (chosen or "").strip().lower()
    try:
        validate_email(chosen)
    except ValidationError:
        return ""
    return chosen if len(chosen) <= 254 else ""


def _names(doc: dict) -> tuple[str, str]:
    name = doc.get("name") or {}
    return (name.get("givenName") or "")[:150], (name.get("familyName") or "")[:150]


def _end_account_access(account, actor) -> int:
    """Sessions and API tokens of a deactivated account end now, not at their next use."""
    from licensing_portal.api.models import ApiToken
    from licensing_portal.core.services import user_deactivate

    user_deactivate(user=account, actor=actor)
    now = timezone.now()
    tokens = ApiToken.objects.filter(created_by=account).active()
    ended = tokens.update(revoked_at=now, revoked_by=actor)
    if ended:
        audit.record(
            actor=actor, verb="api_token.revoked", target_email=account.email, detail=f"{ended} token(s), via=scim"
        )
    return ended


def _vouch_for_email(scim_user: ScimUser, account) -> None:
    """ACC-2 through IDN-2: an account the directory owns, whose email is in a domain its organisation verified,
    has that email as a verified business email (the same rule and function as single sign-on)."""
    from licensing_portal.core.services import business_email_adopt_confirmed
    from licensing_portal.identity.selectors import in_verified_domain

    if account.verified_business_email or not in_verified_domain(
        organization_id=scim_user.organization_id, email=account.email
    ):
        return
    business_email_adopt_confirmed(
        user=account, email=account.email, how=f"directory of a verified domain, {_detail(scim_user.organization)}"
    )


def _sync_account(scim_user: ScimUser, doc: dict, actor) -> None:
    from licensing_portal.core.models import User

    email, active = scim_user.email, scim_user.active
    first, last = _names(doc)
    account = scim_user.account
    if account is not None and not scim_user.owns_account and account.email != email:
        scim_user.account, account = None, None  # linked to the old address: link anew below
    if account is None and email:
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            scim_user.account, scim_user.owns_account = existing, False
            audit.record(
                actor=actor, verb="scim.account_linked", target_email=email, detail=_detail(scim_user.organization)
            )
            return
        account = User.objects.create_user(
            email=email, first_name=first, last_name=last, business_email=email, is_active=active
        )
        scim_user.account, scim_user.owns_account = account, True
        audit.record(
            actor=actor, verb="scim.account_created", target_email=email, detail=_detail(scim_user.organization)
        )
        _vouch_for_email(scim_user, account)
        return
    if account is None or not scim_user.owns_account:
        return
    changed = []
    if (account.first_name, account.last_name) != (first, last):
        account.first_name, account.last_name = first, last
        changed += ["first_name", "last_name"]
    if email and account.email != email:
        if User.objects.filter(email__iexact=email).exclude(pk=account.pk).exists():
            raise ScimError(409, _("Another account already uses this email."), "uniqueness")
        before = account.email
        account.email = email
        changed.append("email")
        if account.business_email != email:
            account.business_email, account.business_email_verified_at = email, None  # ACC-2: confirm it anew
            changed += ["business_email", "business_email_verified_at"]
        audit.record(
            actor=actor,
            verb="scim.account_email_changed",
            target_email=email,
            before={"email": before},
            detail=_detail(scim_user.organization),
        )
    if changed:
        account.save(update_fields=changed)
    _vouch_for_email(scim_user, account)
    if not active and account.is_active:
        _end_account_access(account, actor)
    elif active and not account.is_active:
        account.is_active = True
        account.save(update_fields=["is_active"])
        audit.record(
            actor=actor, verb="user.reactivated", target_email=account.email, detail=_detail(scim_user.organization)
        )


@transaction.atomic
def user_save(*, organization, doc: dict, actor, scim_user: ScimUser | None = None) -> ScimUser:
    """Create (scim_user None) or replace a directory user from a cleaned document."""
    doc = clean_document(USER_DEFS, doc)
    user_name = doc.get("userName", "").strip()
    if not user_name:
        raise ScimError(400, _("userName is required."), "invalidValue")
    if selectors.user_name_taken(
        organization=organization, user_name=user_name, exclude_pk=scim_user.pk if scim_user else None
    ):
        raise ScimError(409, _("userName is already in use."), "uniqueness")
    creating = scim_user is None
    if creating:
        scim_user = ScimUser(organization=organization)
    before = {"userName": scim_user.user_name, "email": scim_user.email, "active": scim_user.active}
    scim_user.user_name = user_name
    scim_user.external_id = doc.get("externalId", "")
    scim_user.email = primary_email(doc)
    scim_user.active = doc.get("active", True) is not False
    scim_user.attributes = doc
    if not creating:
        scim_user.version += 1
    try:
        with transaction.atomic():
            _sync_account(scim_user, doc, actor)
            scim_user.save()
    except IntegrityError as error:
        raise ScimError(409, _("userName is already in use."), "uniqueness") from error
    after = {"userName": scim_user.user_name, "email": scim_user.email, "active": scim_user.active}
    audit.record(
        actor=actor,
        verb="scim.user_created" if creating else "scim.user_updated",
        target_email=scim_user.email,
        before={} if creating else before,
        after=after,
        detail=_detail(organization),
    )
    if creating or (before["email"], before["active"]) != (after["email"], after["active"]):
        reconcile(organization=organization, actor=actor)
    return scim_user


@transaction.atomic
def user_delete(*, scim_user: ScimUser, actor) -> None:
    """The directory deleted the user: an account it owns is deactivated (kept for the audit trail); the user leaves
    every group, and what those groups gave is taken back."""
    organization = scim_user.organization
    if scim_user.account is not None and scim_user.owns_account and scim_user.account.is_active:
        _end_account_access(scim_user.account, actor)
    audit.record(
        actor=actor,
        verb="scim.user_deleted",
        target_email=scim_user.email,
        before={"userName": scim_user.user_name},
        detail=_detail(organization),
    )
    scim_user.delete()
    reconcile(organization=organization, actor=actor)


# --- groups ----------------------------------------------------------------------------------------------------


@transaction.atomic
def group_save(*, organization, doc: dict, actor, group: ScimGroup | None = None) -> ScimGroup:
    doc = clean_document(GROUP_DEFS, doc)
    display_name = doc.get("displayName", "").strip()
    if not display_name:
        raise ScimError(400, _("displayName is required."), "invalidValue")
    wanted = [m.get("value", "") for m in doc.get("members", [])]
    found = selectors.resolve_members(organization=organization, ids=wanted)
    unknown = [v for v in wanted if v not in found]
    if unknown:
        raise ScimError(400, _("Unknown member: %(id)s.") % {"id": unknown[0][:64]}, "invalidValue")
    creating = group is None
    if creating:
        group = ScimGroup(organization=organization)
    else:
        group.version += 1
    if group.pk and any(found[v] == ("Group", group.pk) for v in wanted):
        raise ScimError(400, _("A group cannot be a member of itself."), "invalidValue")
    before = set(selectors.members_of([group.pk]).get(group.pk, [])) if group.pk else set()
    group.display_name = display_name
    group.external_id = doc.get("externalId", "")
    group.save()
    members = {found[v] for v in wanted}
    ScimMember.objects.filter(group=group).delete()
    ScimMember.objects.bulk_create(
        [
            ScimMember(group=group, user_id=pk if kind == "User" else None, subgroup_id=pk if kind == "Group" else None)
            for kind, pk in sorted(members)
        ]
    )
    after = {(v, found[v][0]) for v in wanted}
    audit.record(
        actor=actor,
        verb="scim.group_created" if creating else "scim.group_updated",
        after={
            "displayName": display_name,
            "members": len(after),
            "added": sorted(i for i, _k in after - before)[:50],
            "removed": sorted(i for i, _k in before - after)[:50],
        },
        detail=_detail(organization),
    )
    if after != before:
        reconcile(organization=organization, actor=actor)
    return group


@transaction.atomic
def group_delete(*, group: ScimGroup, actor) -> None:
    organization = group.organization
    audit.record(
        actor=actor, verb="scim.group_deleted", before={"displayName": group.display_name}, detail=_detail(organization)
    )
    group.delete()
    reconcile(organization=organization, actor=actor)


# --- mappings (the organisation administrator's page) -----------------------------------------------------------


@transaction.atomic
def mapping_add(*, organization, group_pk, kind: str, target_id, roles=(), actor) -> ScimGroupMapping:
    target = mapping_targets().get(kind)
    group = selectors.group_by_pk(organization=organization, pk=group_pk)
    if target is None or group is None:
        raise ApplicationError(_("Choose a directory group and what it gives."))
    choices = dict(target.choices(organization=organization, actor=actor))
    try:
        target_id = int(target_id)
    except (TypeError, ValueError):
        target_id = None
    if target_id not in choices:
        raise ApplicationError(_("Choose a pool or licensing ID of this organisation that you manage."))
    roles = target.clean_roles(roles) if target.takes_roles else []
    mapping, created = ScimGroupMapping.objects.get_or_create(
        group=group, kind=kind, target_id=target_id, defaults={"roles": roles, "created_by": actor}
    )
    if not created:
        if mapping.roles == roles:
            raise ApplicationError(_("This group already gives that."))
        mapping.roles = roles
        mapping.save(update_fields=["roles"])
    audit.record(
        actor=actor,
        verb="scim.mapping_added" if created else "scim.mapping_changed",
        after={"group": group.display_name, "kind": kind, "target": choices[target_id], "roles": roles},
        detail=f"organization={organization.pk}",
    )
    reconcile(organization=organization, actor=actor)
    return mapping


@transaction.atomic
def mapping_remove(*, mapping: ScimGroupMapping, actor) -> None:
    organization = mapping.group.organization
    audit.record(
        actor=actor,
        verb="scim.mapping_removed",
        before={
            "group": mapping.group.display_name,
            "kind": mapping.kind,
            "target": mapping.target_id,
            "roles": mapping.roles,
        },
        detail=f"organization={organization.pk}",
    )
    mapping.delete()
    reconcile(organization=organization, actor=actor)


# --- reconciliation: nested groups flattened, what mapped groups give -----------------------------------------


def effective_members(edges) -> dict[int, set[int]]:
    """group pk -> the user pks that are members directly or through nested groups (cycles are harmless)."""
    users, subgroups = defaultdict(set), defaultdict(set)
    for group_id, user_id, subgroup_id in edges:
        if user_id:
            users[group_id].add(user_id)
        else:
            subgroups[group_id].add(subgroup_id)
    out: dict[int, set[int]] = {}
    for start in {g for g, _u, _s in edges}:
        seen, stack, found = {start}, [start], set()
        while stack:
            group = stack.pop()
            found |= users[group]
            for sub in subgroups[group] - seen:
                seen.add(sub)
                stack.append(sub)
        out[start] = found
    return out


def reconcile(*, organization, actor) -> None:
    """Give every active member of a mapped group what the group gives, and take back what the directory gave to
    those who are no longer members; serialised per organisation (its row is locked)."""
    type(organization).objects.select_for_update().filter(pk=organization.pk).first()
    users, edges, mappings = selectors.directory_graph(organization=organization)
    members = effective_members(edges)
    targets = mapping_targets()
    desired: dict = defaultdict(lambda: defaultdict(set))
    names: dict = {}
    for mapping in mappings:
        if mapping.kind not in targets:
            continue
        for user_pk in members.get(mapping.group_id, ()):
            email, active, first, last = users[user_pk]
            if email and active:
                desired[(mapping.kind, mapping.target_id)][email] |= set(mapping.roles)
                names[email] = {"first_name": first, "last_name": last}
    applied_rows = {
        (row.kind, row.target_id, row.email): row for row in ScimAppliedAccess.objects.filter(organization=organization)
    }
    applied: dict = defaultdict(dict)
    for (kind, target_id, email), row in applied_rows.items():
        applied[(kind, target_id)][email] = set(row.roles)
    for key in sorted(set(desired) | set(applied)):
        kind, target_id = key
        target = targets.get(kind)
        if target is None:
            continue
        want, have = desired.get(key, {}), applied.get(key, {})
        if target.takes_roles:
            grant = {e: sorted(r - have.get(e, set())) for e, r in want.items() if r - have.get(e, set())}
            revoke = {e: sorted(r - want.get(e, set())) for e, r in have.items() if r - want.get(e, set())}
        else:
            grant = {e: names[e] for e in want if e not in have}
            revoke = {e: [] for e in have if e not in want}
        if not grant and not revoke:
            continue
        granted, revoked, refused = target.apply(
            organization=organization, target_id=target_id, grant=grant, revoke=revoke, actor=actor
        )
        for email, roles in granted.items():
            row = applied_rows.get((kind, target_id, email))
            if row is None:
                ScimAppliedAccess.objects.create(
                    organization=organization, kind=kind, target_id=target_id, email=email, roles=sorted(roles)
                )
            else:
                row.roles = sorted(set(row.roles) | set(roles))
                row.save(update_fields=["roles"])
        for email, roles in revoked.items():
            row = applied_rows.get((kind, target_id, email))
            if row is None:
                continue
            left = set(row.roles) - set(roles)
            if target.takes_roles and left:
                row.roles = sorted(left)
                row.save(update_fields=["roles"])
            else:
                row.delete()
        for email, reason in refused.items():
            audit.record(
                actor=actor,
                verb="scim.access_refused",
                target_email=email,
                after={"kind": kind, "target": target_id},
                detail=reason,
            )
