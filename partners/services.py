"""Writes of the partners domain: Add Open License (OPEN-1..6), reseller access, partner orders and
reseller relationships (RES-1..7). Every refusal that matters for security leaves an audit row."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import ContactType, LicensingID, OpenLicense, Organization, OrganizationMember, Program
from agreements.services import (
    authorization_number_matches,
    open_license_create,
    organization_create,
)
from licensing_portal import audit, limits, tokens
from licensing_portal.core.models import OneTimeToken, User
from licensing_portal.errors import ApplicationError
from licensing_portal.ratelimits import refund_on_server_error
from notifications.services import email_queue, email_render
from partners.models import (
    OpenLicenseAccess,
    OpenLicenseAttempt,
    OpenLicenseAttemptKey,
    OpenLicenseSuspension,
    PartnerInvitation,
    PartnerOrder,
    ResellerRelationship,
    SupportContact,
)
from permissions import policies
from permissions.contacts import contact_add
from permissions.models import OPEN_LICENSE_ROLES, Grant, Role
from permissions.services import grants_add, grants_revoke, normalize_email, partner_access_deny

ATTEMPT_LIMIT = 5
ATTEMPT_WINDOW = timedelta(hours=24)
SUSPENSION_LENGTH = timedelta(hours=24)
DENY_PURPOSE = "deny-access"
INVITE_PURPOSE = "relationship-invite"
PEOPLE_INVITE_PURPOSE = "partner-people-invite"

LOCKOUT_MESSAGE = gettext_lazy(
    "You have entered an invalid Authorization/License number combination multiple times. "
    "This functionality has been temporarily suspended."
)
LOCKOUT_NEXT_STEP = gettext_lazy(
    "The suspension lasts 24 hours. If you need access sooner, ask support to lift it through Contact us, "
    "giving the license number."
)


def lockout_text() -> str:
    """OPEN-5's sentence exactly, then how long and whom to contact; the same whatever caused it."""
    return f"{LOCKOUT_MESSAGE} {LOCKOUT_NEXT_STEP}"


# ---------------------------------------------------------------- helpers


def _clean_addr(remote_addr: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((remote_addr or "").strip()))
    except ValueError:
        return None


def _recipients(emails: Iterable[str]) -> list[tuple[str, str]]:
    """(address to write to, language) for business emails, following a registered user's profile."""
    emails = list(dict.fromkeys(e for e in emails if e))
    users = {
        u.business_email: u
        for u in User.objects.filter(business_email__in=emails, business_email_verified_at__isnull=False)
    }
    return [(users[e].notification_email, users[e].language) if e in users else (e, "en") for e in emails]


def _language_of(email: str, *, default: str) -> str:
    """The language the agreements welcome email will use for this address (AGR-3)."""
    user = User.objects.filter(business_email=email, business_email_verified_at__isnull=False).first()
    return user.language if user else default


def _url(name: str, *args) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, args=args)


def _optional_url(name: str, fallback: str) -> str:
    try:
        return settings.PORTAL_BASE_URL + reverse(name)
    except NoReverseMatch:  # permissions:request lives in another app's branch until merged
        return settings.PORTAL_BASE_URL + fallback


def _deny_url(access: OpenLicenseAccess) -> str:
    token = tokens.issue(purpose=DENY_PURPOSE, subject_id=access.pk, max_age=settings.EMAIL_LINK_MAX_AGE)
    return _url("partners:access_deny", access.pk, token)


def _partner_admin_emails(partner: Organization) -> list[str]:
    return list(
        OrganizationMember.objects.filter(organization=partner, is_admin=True)
        .exclude(user__business_email="")
        .order_by("user__business_email")
        .values_list("user__business_email", flat=True)
    )


def _partner_admin_recipients(partner: Organization) -> list[tuple[str, str]]:
    return [
        (u.notification_email, u.language)
        for u in User.objects.filter(memberships__organization=partner, memberships__is_admin=True).order_by("pk")
    ]


def _partner_sending_allow(*, partner: Organization, user, action: str) -> None:
    """SEC-8: orders and invitations email text the partner typed (its name, the customer's): limited per user and
    per partner organisation, and to a few a day while support has not approved a self-registered partner."""
    limits.user_text_email_allow(action=action, user=user, organization_ids=[partner.pk])
    if partner.sending_approved_at is None and not limits.daily_allow(
        key=f"partner-unapproved:{partner.pk}", limit=settings.PARTNER_UNAPPROVED_DAILY_LIMIT
    ):
        raise ApplicationError(
            _(
                "Your partner organisation can place %(limit)d orders and invitations a day until support approves "
                "it. Nothing was sent or changed; contact support to have your organisation approved."
            )
            % {"limit": settings.PARTNER_UNAPPROVED_DAILY_LIMIT}
        )


# ---------------------------------------------------------------- OPEN-5 lockout


def open_license_suspension_active(*, user, remote_addr: str | None) -> bool:
    addr = _clean_addr(remote_addr)
    scope = Q(pk__in=[])
    if user is not None and user.pk:
        scope |= Q(scope=OpenLicenseSuspension.Scope.USER, user=user)
    if addr:
        scope |= Q(scope=OpenLicenseSuspension.Scope.ADDRESS, remote_addr=addr)
    return OpenLicenseSuspension.objects.filter(scope, lifted_at__isnull=True, expires_at__gt=timezone.now()).exists()


def _lockout_keys(*, user, addr: str | None) -> list[tuple[str, dict]]:
    keys = []
    if user is not None:
        keys.append((OpenLicenseSuspension.Scope.USER, {"user": user}))
    if addr:
        keys.append((OpenLicenseSuspension.Scope.ADDRESS, {"remote_addr": addr}))
    return keys


def _lockout_lock(keys: list[tuple[str, dict]]) -> None:
    """SEC-5: hold the user's and the address's key rows until the transaction ends. One upsert creates a missing
    row and locks it (INSERT .. ON CONFLICT DO UPDATE); keys are sorted, so two attempts never wait in a cycle."""
    names = sorted(f"{scope}:{key['user'].pk if 'user' in key else key['remote_addr']}" for scope, key in keys)
    OpenLicenseAttemptKey.objects.bulk_create(
        [OpenLicenseAttemptKey(key=name, last_used_at=timezone.now()) for name in names],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["last_used_at"],
    )


def _attempts_counted(*, scope: str, key: dict, now) -> int:
    """Invalid pairs (and pairs being checked) in the window; attempts before a lifted suspension no longer count."""
    last_lift = OpenLicenseSuspension.objects.filter(scope=scope, **key).aggregate(m=Max("lifted_at"))["m"]
    since = max(now - ATTEMPT_WINDOW, last_lift) if last_lift else now - ATTEMPT_WINDOW
    return OpenLicenseAttempt.objects.filter(created_at__gte=since, **key).count()


def _suspended(*, scope: str, key: dict, now) -> bool:
    return OpenLicenseSuspension.objects.filter(scope=scope, lifted_at__isnull=True, expires_at__gt=now, **key).exists()


@transaction.atomic
def _open_license_attempt_reserve(*, user, addr: str | None, license_number: str) -> OpenLicenseAttempt | None:
    """Check and count in one step, before the slow hash (SEC-5): under the key rows' locks, refuse when the user
    or the address is suspended or has used up its attempts (pairs still being checked included), else count
    this attempt now. None means refused; a valid pair gives its attempt back (_open_license_attempt_release)."""
    keys = _lockout_keys(user=user, addr=addr)
    _lockout_lock(keys)
    now = timezone.now()  # after waiting for the lock: the holder's attempts are committed and older
    for scope, key in keys:
        if _suspended(scope=scope, key=key, now=now) or _attempts_counted(scope=scope, key=key, now=now) >= (
            ATTEMPT_LIMIT
        ):
            return None
    return OpenLicenseAttempt.objects.create(user=user, remote_addr=addr, license_number=license_number, created_at=now)


def _open_license_attempt_release(*, attempt: OpenLicenseAttempt) -> None:
    OpenLicenseAttempt.objects.filter(pk=attempt.pk).delete()


@transaction.atomic
def _open_license_attempt_failed(*, user, addr: str | None, license_number: str, attempt=None) -> bool:
    """The pair was invalid: it stays counted (recorded now unless reserved before the hash); under the key rows'
    locks, suspend the user or the address that reached ATTEMPT_LIMIT within ATTEMPT_WINDOW, once (OPEN-5, SEC-5).
    Returns True when the feature is now suspended for this user or address."""
    keys = _lockout_keys(user=user, addr=addr)
    _lockout_lock(keys)
    now = timezone.now()  # after waiting for the lock: the holder's attempts are committed and older
    if attempt is None:
        OpenLicenseAttempt.objects.create(user=user, remote_addr=addr, license_number=license_number, created_at=now)
    audit.record(
        actor=user, verb="open_license.invalid_pair", detail=f"license_number={license_number} addr={addr or '-'}"
    )
    suspended = notify = False
    for scope, key in keys:
        if _attempts_counted(scope=scope, key=key, now=now) < ATTEMPT_LIMIT:
            continue
        suspended = True
        if not _suspended(scope=scope, key=key, now=now):
            OpenLicenseSuspension.objects.create(scope=scope, created_at=now, expires_at=now + SUSPENSION_LENGTH, **key)
            audit.record(actor=user, verb="open_license.suspended", detail=f"scope={scope} addr={addr or '-'}")
            notify = True
    if notify and user is not None:
        email_queue(
            template="partners/emails/lockout_notice",
            to_email=user.notification_email,
            language=user.language,
            context={"hours": int(SUSPENSION_LENGTH.total_seconds() // 3600)},
        )
    return suspended


def open_license_failure_record(*, user, remote_addr: str | None, license_number: str) -> bool:
    """Count one invalid pair for the user and the source address; suspend either once it reaches
    ATTEMPT_LIMIT within ATTEMPT_WINDOW (OPEN-5). Attempts before a lifted suspension no longer count.
    Returns True when the feature is now suspended for this user or address."""
    return _open_license_attempt_failed(
        user=user if user is not None and user.pk else None,
        addr=_clean_addr(remote_addr),
        license_number=(license_number or "").strip()[:20],
    )


@transaction.atomic
def open_license_suspension_lift(*, suspension: OpenLicenseSuspension, actor) -> int:
    """Support lifts a suspension (ADM-1); every active suspension of the same user/address goes with it."""
    key = (
        {"user": suspension.user}
        if suspension.scope == OpenLicenseSuspension.Scope.USER
        else {"remote_addr": suspension.remote_addr}
    )
    now = timezone.now()
    count = OpenLicenseSuspension.objects.filter(scope=suspension.scope, lifted_at__isnull=True, **key).update(
        lifted_at=now, lifted_by=actor
    )
    if count:
        audit.record(
            actor=actor,
            verb="open_license.suspension_lifted",
            target_email=suspension.user.email if suspension.user else "",
            detail=f"scope={suspension.scope} addr={suspension.remote_addr or '-'}",
        )
    return count


def _open_license_match(
    *,
    user,
    remote_addr: str | None,
    license_number: str,
    authorization_number: str,
    customer_email: str | None = None,
) -> OpenLicense:
    """The Open License the pair (and, for partners, the customer email on the order) designates; anything
    else counts as an invalid attempt. A licence still propagating answers like a suspension, uncounted.
    The attempt is counted before the hash and refused beyond the limit even if the pair is right (SEC-5)."""
    addr = _clean_addr(remote_addr)
    user = user if user is not None and user.pk else None
    number = (license_number or "").strip()
    typed = number[:20]
    attempt = _open_license_attempt_reserve(user=user, addr=addr, license_number=typed)
    if attempt is not None:
        # The reservation is committed before the hash: a request that then fails on our side gives it back (OPS-5).
        refund_on_server_error(lambda: _open_license_attempt_release(attempt=attempt))
    if attempt is None:
        audit.record(actor=user, verb="open_license.refused_suspended", detail=f"addr={addr or '-'}")
        raise ApplicationError(lockout_text())
    ol = (
        (
            OpenLicense.objects.select_related("licensing_id__organization")
            .filter(license_number__iexact=number, licensing_id__program=Program.OPEN_LICENSE)
            .first()
        )
        if number
        else None
    )
    if ol is not None and ol.available_at > timezone.now():
        _open_license_attempt_release(attempt=attempt)
        raise ApplicationError(lockout_text())
    # An unknown number still pays for one hash, so timing does not tell which half was wrong.
    ok = authorization_number_matches(ol or OpenLicense(authorization_hash=""), authorization_number or "")
    ok = ok and ol is not None
    if ok and customer_email is not None:
        ok = ol.customer_email == normalize_email(customer_email)
    if ok:
        _open_license_attempt_release(attempt=attempt)
        return ol
    if _open_license_attempt_failed(user=user, addr=addr, license_number=typed, attempt=attempt):
        raise ApplicationError(lockout_text())
    if customer_email is not None:
        raise ApplicationError(
            _(
                "The license number, authorization number and customer email do not match "
                "an Open License order. Check them and try again."
            )
        )
    raise ApplicationError(
        _("The license number and authorization number do not match an Open License. Check them and try again.")
    )


# ---------------------------------------------------------------- OPEN-1..6 Add Open License


# OPEN-3 / RES-4: how each grant source is audited
_ACCESS_GRANT = {
    OpenLicenseAccess.Kind.ADD_OPEN_LICENSE: (Grant.Source.OPEN_LICENSE, "permission.open_license_added"),
    OpenLicenseAccess.Kind.PARTNER_REGISTRATION: (Grant.Source.RESELLER, "permission.partner_registered"),
}


def _open_license_access_grant(*, licensing_id: LicensingID, email: str, user, kind: str, **access_fields):
    """Grant the OPEN-3 set (never Administrator) and record the access row a Deny Access link names."""
    source, verb = _ACCESS_GRANT[kind]
    grants_add(
        licensing_id=licensing_id, email=email, roles=OPEN_LICENSE_ROLES, source=source, granted_by=user, verb=verb
    )
    return OpenLicenseAccess.objects.create(
        licensing_id=licensing_id, email=email, requested_by=user, kind=kind, **access_fields
    )


def open_license_access_add(
    *, user, license_number: str, authorization_number: str, remote_addr: str | None
) -> OpenLicenseAccess:
    """A valid pair grants the OPEN-3 set, never Administrator (OPEN-6); requester and the licence's
    administrators are emailed, the administrators with a Deny Access link (OPEN-4)."""
    email = user.verified_business_email
    if not email:
        raise ApplicationError(_("Verify your business email before you add an Open License."))
    if not user.has_complete_profile:
        raise ApplicationError(_("Enter your first and last name in your profile before you add an Open License."))
    ol = _open_license_match(
        user=user,
        remote_addr=remote_addr,
        license_number=license_number,
        authorization_number=authorization_number,
    )
    lid = ol.licensing_id
    with transaction.atomic():
        held = set(
            Grant.objects.select_for_update().filter(licensing_id=lid, email=email).values_list("role", flat=True)
        )
        if Role.ADMINISTRATOR in held or set(OPEN_LICENSE_ROLES) <= held:
            raise ApplicationError(
                _("You already have access to Open License %(number)s. Nothing was changed.")
                % {"number": ol.license_number}
            )
        access = _open_license_access_grant(
            licensing_id=lid, email=email, user=user, kind=OpenLicenseAccess.Kind.ADD_OPEN_LICENSE
        )
        audit.record(actor=user, verb="open_license.access_added", licensing_id=lid, target_email=email)
        email_queue(
            template="partners/emails/open_license_granted",
            to_email=user.notification_email,
            language=user.language,
            context={
                "license_number": ol.license_number,
                "licensing_id_url": _url("agreements:detail", lid.pk),
                "request_url": _optional_url("permissions:request", "/permissions/request/"),
            },
        )
        # The Deny Access link acts on someone's access: only the customer's own administrators hold it (SEC-6).
        own_admins = policies.administrators_of_record(lid, own_only=True)
        for to_email, language in _recipients(e for e in sorted(own_admins) if e != email):
            email_queue(
                template="partners/emails/open_license_admin_notice",
                to_email=to_email,
                language=language,
                context={
                    "license_number": ol.license_number,
                    "requester_name": user.get_full_name(),
                    "requester_email": email,
                    "deny_url": _deny_url(access),
                },
            )
    return access


# ---------------------------------------------------------------- Deny Access link (OPEN-4, RES-1, RES-4)


def open_license_access_check_link(*, access_id: int, token: str) -> OpenLicenseAccess:
    """Validate a Deny Access link without using it (GET/HEAD confirmation page)."""
    checked = tokens.check(purpose=DENY_PURPOSE, token=token)
    access = OpenLicenseAccess.objects.select_related("licensing_id", "partner").filter(pk=access_id).first()
    if checked.subject_id != access_id or access is None:
        raise ApplicationError(_("This link is not valid."))
    return access


def open_license_access_deny_by_link(*, access_id: int, token: str) -> OpenLicenseAccess:
    """The POST behind the emailed Deny Access link: no sign-in; the single-use token is the authority."""
    try:
        with transaction.atomic():
            open_license_access_check_link(access_id=access_id, token=token)
            tokens.consume(purpose=DENY_PURPOSE, token=token)
            access = (
                OpenLicenseAccess.objects.select_for_update(of=("self",))
                .select_related("licensing_id")
                .get(pk=access_id)
            )
            return _access_deny(access=access, actor=None, via="email_link")
    except ApplicationError as exc:
        audit.record(
            actor=None,
            verb="open_license.deny_link_refused",
            detail=f"access={access_id} token={tokens.redact(token)} reason={exc.message}",
        )
        raise


def _access_deny(*, access: OpenLicenseAccess, actor, via: str) -> OpenLicenseAccess:
    if access.denied_at is not None:
        raise ApplicationError(_("This access was already denied."))
    partner_access_deny(licensing_id=access.licensing_id, email=access.email, actor=actor, via=via, notify=False)
    access.denied_at = timezone.now()
    access.denied_via = via
    access.save(update_fields=["denied_at", "denied_via"])
    audit.record(
        actor=actor,
        verb="open_license.access_denied",
        licensing_id=access.licensing_id,
        target_email=access.email,
        detail=f"kind={access.kind} via={via}",
    )
    for to_email, language in _recipients([access.email]):
        email_queue(
            template="partners/emails/access_denied",
            to_email=to_email,
            language=language,
            context={"license_number": access.licensing_id.number},
        )
    return access


# ---------------------------------------------------------------- RES-1, RES-2 orders naming a reseller


@transaction.atomic
def open_license_order_record(
    *,
    organization: Organization,
    license_number: str,
    authorization_number: str,
    customer_email: str,
    reseller_email: str = "",
    actor=None,
    language: str = "en",
    available_at=None,
) -> OpenLicense:
    """Record an Open License order (AGR-5): the customer becomes Primary Contact (Administrator + welcome);
    a named reseller gets the OPEN-3 set (never Administrator, RES-2) and the welcome says so with a
    Deny Access link (RES-1)."""
    customer_email = normalize_email(customer_email)
    reseller_email = normalize_email(reseller_email or "")
    number = license_number.strip()
    if organization.kind != Organization.Kind.CUSTOMER:
        raise ApplicationError(_("An Open License belongs to a customer organisation."))
    if reseller_email and reseller_email == customer_email:
        raise ApplicationError(_("The reseller's email must differ from the customer's."))
    if (
        OpenLicense.objects.filter(license_number__iexact=number).exists()
        or LicensingID.objects.filter(program=Program.OPEN_LICENSE, number__iexact=number).exists()
    ):
        raise ApplicationError(_("An Open License with this license number already exists."))
    ol = open_license_create(
        organization=organization,
        license_number=number,
        authorization_number=authorization_number,
        customer_email=customer_email,
        reseller_email=reseller_email,
        available_at=available_at,
    )
    lid = ol.licensing_id
    welcome_extra: dict = {}
    if reseller_email:
        access = OpenLicenseAccess.objects.create(
            licensing_id=lid,
            email=reseller_email,
            requested_by=actor,
            kind=OpenLicenseAccess.Kind.RESELLER_ORDER,
        )
        grants_add(
            licensing_id=lid,
            email=reseller_email,
            roles=OPEN_LICENSE_ROLES,
            source=Grant.Source.RESELLER,
            granted_by=actor,
            verb="permission.reseller_added",
        )
        with translation.override(_language_of(customer_email, default=language)):
            notice = _(
                "Your reseller %(email)s was given limited access to this Open License: license "
                "information, downloads, product keys, Software Assurance summary and subscriptions. "
                "They cannot manage your users unless you make them an Administrator. You can deny their "
                "access at any time, without signing in, with the link below or in Manage Users."
            ) % {"email": reseller_email}
        welcome_extra = {
            "reseller_notice": notice,
            "deny_url": _deny_url(access),
            "reseller_email": reseller_email,
        }
        for to_email, reseller_language in _recipients([reseller_email]):
            email_queue(
                template="partners/emails/reseller_welcome",
                to_email=to_email,
                language=reseller_language,
                context={
                    "license_number": ol.license_number,
                    "customer_name": organization.name,
                    "base_url_login": _url("account_login"),
                },
            )
    contact_add(
        licensing_id=lid,
        contact_type=ContactType.PRIMARY,
        email=customer_email,
        actor=actor,
        language=language,
        welcome_extra=welcome_extra,
    )
    audit.record(
        actor=actor,
        verb="open_license.order_recorded",
        licensing_id=lid,
        target_email=customer_email,
        detail=f"reseller={reseller_email or '-'}",
    )
    return ol


# ---------------------------------------------------------------- RES-3 partner orders


@transaction.atomic
def partner_order_create(
    *, partner: Organization, placed_by, customer_email: str, customer_name: str, program: str
) -> PartnerOrder:
    if not policies.is_partner_member(placed_by, partner):
        raise ApplicationError(_("Only your partner organisation's staff can place orders for it."))
    if program not in Program.values:
        raise ApplicationError(_("Choose a program from the list."))
    order = PartnerOrder(
        partner=partner,
        placed_by=placed_by,
        customer_email=normalize_email(customer_email),
        customer_name=customer_name.strip(),
        program=program,
    )
    order.full_clean()
    _partner_sending_allow(partner=partner, user=placed_by, action="partner_order")
    order.save()
    audit.record(
        actor=placed_by,
        verb="partners.order_placed",
        target_email=order.customer_email,
        detail=f"partner={partner.pk} program={program}",
    )
    for to_email, language in _recipients([order.customer_email]):
        with translation.override(language):
            program_label = str(Program(program).label)
        email_queue(
            template="partners/emails/order_invitation",
            to_email=to_email,
            language=language,
            context={
                "partner_name": partner.name,
                "customer_name": order.customer_name,
                "program": program_label,
                "signup_url": _url("account_signup"),
                "subscriptions_url": _url("subscriptions:index"),
            },
        )
    return order


# ---------------------------------------------------------------- RES-4 partner registers a licence


@transaction.atomic
def partner_organization_register(*, user, name: str) -> Organization:
    """OLP Partners registration (RES-4c): a new partner organisation with the user as its administrator."""
    if OrganizationMember.objects.filter(user=user, organization__kind=Organization.Kind.PARTNER).exists():
        raise ApplicationError(_("You already belong to a partner organisation."))
    if not name.strip():
        raise ApplicationError(_("Enter your organisation's name."))
    org = organization_create(name=name.strip(), kind=Organization.Kind.PARTNER)
    OrganizationMember.objects.create(organization=org, user=user, is_admin=True)
    audit.record(actor=user, verb="partners.partner_registered", target_email=user.email, detail=f"partner={org.pk}")
    return org


def partner_license_register(
    *,
    user,
    partner: Organization,
    license_number: str,
    authorization_number: str,
    customer_email: str,
    remote_addr: str | None,
    route: str,
) -> OpenLicenseAccess:
    """A partner registers an Open License for subscription management (RES-4): the pair plus the customer
    email on the order must match; the partner gets the OPEN-3 set and the customer is told, with a Deny
    Access link."""
    email = user.verified_business_email
    if not email:
        raise ApplicationError(_("Verify your business email first."))
    if not policies.is_partner_member(user, partner):
        raise ApplicationError(_("You are not a recognised partner user."))
    if route not in OpenLicenseAccess.Route.values:
        route = OpenLicenseAccess.Route.SELECTOR
    ol = _open_license_match(
        user=user,
        remote_addr=remote_addr,
        license_number=license_number,
        authorization_number=authorization_number,
        customer_email=customer_email,
    )
    lid = ol.licensing_id
    with transaction.atomic():
        if (
            OpenLicenseAccess.objects.select_for_update()
            .filter(
                licensing_id=lid,
                partner=partner,
                kind=OpenLicenseAccess.Kind.PARTNER_REGISTRATION,
                denied_at__isnull=True,
            )
            .exists()
        ):
            raise ApplicationError(
                _("Open License %(number)s is already registered to your organisation. Nothing was changed.")
                % {"number": ol.license_number}
            )
        access = _open_license_access_grant(
            licensing_id=lid,
            email=email,
            user=user,
            kind=OpenLicenseAccess.Kind.PARTNER_REGISTRATION,
            partner=partner,
            route=route,
        )
        audit.record(
            actor=user,
            verb="open_license.partner_added",
            licensing_id=lid,
            target_email=email,
            detail=f"partner={partner.pk} route={route}",
        )
        for to_email, language in _recipients([ol.customer_email]):
            email_queue(
                template="partners/emails/partner_added",
                to_email=to_email,
                language=language,
                context={
                    "license_number": ol.license_number,
                    "partner_name": partner.name,
                    "partner_email": email,
                    "deny_url": _deny_url(access),
                },
            )
    return access


# ---------------------------------------------------------------- RES-5..7 reseller relationships


@transaction.atomic
def relationship_invite(
    *, partner: Organization, invited_by, customer_email: str = "", send_email: bool = False
) -> tuple[ResellerRelationship, str]:
    """A pending relationship and its personal link (shown once to the partner; only a hash is kept)."""
    if not policies.is_partner_admin(invited_by, partner):
        raise ApplicationError(_("Only your partner organisation's administrators can invite customers."))
    rel = ResellerRelationship(
        partner=partner, invited_by=invited_by, customer_email=normalize_email(customer_email or "")
    )
    rel.full_clean()
    _partner_sending_allow(partner=partner, user=invited_by, action="relationship_invite")
    rel.save()
    token = tokens.issue(purpose=INVITE_PURPOSE, subject_id=rel.pk, max_age=settings.EMAIL_LINK_MAX_AGE)
    url = _url("partners:relationship_accept", token)
    audit.record(
        actor=invited_by,
        verb="partners.relationship_invited",
        target_email=rel.customer_email,
        detail=f"relationship={rel.pk}",
    )
    if send_email and rel.customer_email:
        email_queue(
            template="partners/emails/relationship_invitation",
            to_email=rel.customer_email,
            language=invited_by.language,
            context=relationship_invitation_context(relationship=rel, url=url),
        )
    return rel, url


def relationship_invitation_context(*, relationship: ResellerRelationship, url: str) -> dict:
    inviter = relationship.invited_by
    return {
        "partner_name": relationship.partner.name,
        "accept_url": url,
        "inviter_name": inviter.get_full_name() if inviter else "",
        "days": settings.EMAIL_LINK_MAX_AGE.days,
    }


def relationship_invitation_draft(*, relationship: ResellerRelationship, url: str) -> dict[str, str]:
    """The draft email the partner copies or opens in a mail client (RES-5)."""
    subject, body, _html = email_render(
        "partners/emails/relationship_invitation",
        relationship_invitation_context(relationship=relationship, url=url),
        translation.get_language() or "en",
    )
    return {"subject": subject, "body": body}


def relationship_check_invitation(*, token: str) -> ResellerRelationship:
    checked = tokens.check(purpose=INVITE_PURPOSE, token=token)
    rel = ResellerRelationship.objects.select_related("partner").filter(pk=checked.subject_id).first()
    if rel is None or rel.status != ResellerRelationship.Status.PENDING:
        raise ApplicationError(_("This invitation is no longer open."))
    return rel


def relationship_accept(*, token: str, user, customer_id: int | None) -> ResellerRelationship:
    """One of the customer's own administrators accepts (RES-5); the partner's administrators become Administrators
    of the customer's licences that this user administers as the customer's own. Anyone else, a partner acting
    through delegated access included (SEC-6), is refused, audited, nothing changed."""
    try:
        with transaction.atomic():
            checked = tokens.check(purpose=INVITE_PURPOSE, token=token)
            rel = (
                ResellerRelationship.objects.select_for_update(of=("self",))
                .select_related("partner")
                .filter(pk=checked.subject_id)
                .first()
            )
            if rel is None or rel.status != ResellerRelationship.Status.PENDING:
                raise ApplicationError(_("This invitation is no longer open."))
            customer = (
                Organization.objects.filter(pk=customer_id, kind=Organization.Kind.CUSTOMER)
                .filter(pk__in=policies.customer_organization_ids(user))
                .first()
                if customer_id
                else None
            )
            if customer is None:
                raise ApplicationError(
                    _(
                        "Only an administrator of the customer organisation's agreements can "
                        "accept this invitation. Nothing was changed."
                    )
                )
            if ResellerRelationship.objects.filter(
                partner=rel.partner, customer=customer, status=ResellerRelationship.Status.ACTIVE
            ).exists():
                raise ApplicationError(
                    _("%(partner)s is already your partner. Nothing was changed.") % {"partner": rel.partner.name}
                )
            tokens.consume(purpose=INVITE_PURPOSE, token=token)
            rel.status = ResellerRelationship.Status.ACTIVE
            rel.customer = customer
            rel.accepted_by = user
            rel.accepted_at = timezone.now()
            rel.save(update_fields=["status", "customer", "accepted_by", "accepted_at"])
            licences = list(
                LicensingID.objects.filter(pk__in=policies.own_administered_licensing_ids(user), organization=customer)
            )
            _relationship_grant(rel=rel, licences=licences, actor=user)
            audit.record(
                actor=user,
                verb="partners.relationship_accepted",
                detail=f"relationship={rel.pk} partner={rel.partner_id} customer={customer.pk}",
            )
            for to_email, language in _partner_admin_recipients(rel.partner):
                email_queue(
                    template="partners/emails/relationship_accepted",
                    to_email=to_email,
                    language=language,
                    context={"customer_name": customer.name, "customers_url": _url("partners:customers")},
                )
            return rel
    except ApplicationError as exc:
        audit.record(
            actor=user,
            verb="partners.relationship_accept_refused",
            detail=f"token={tokens.redact(token)} customer={customer_id} reason={exc.message}",
        )
        raise


def _relationship_grant(*, rel: ResellerRelationship, licences: list[LicensingID], actor) -> None:
    for lid in licences:
        for email in _partner_admin_emails(rel.partner):
            grants_add(
                licensing_id=lid,
                email=email,
                roles=[Role.ADMINISTRATOR],
                source=Grant.Source.RELATIONSHIP,
                granted_by=actor,
                verb="permission.relationship_granted",
            )
    rel.administered_licences.add(*licences)


def _relationship_revoke(*, rel: ResellerRelationship, licences: list[LicensingID], actor) -> None:
    """Only Administrator grants that came from this relationship go; anything granted otherwise stays."""
    by_pk = {lid.pk: lid for lid in licences}
    member_emails = (
        OrganizationMember.objects.filter(organization=rel.partner)
        .exclude(user__business_email="")
        .values("user__business_email")
    )
    doomed = Grant.objects.filter(
        licensing_id__in=list(by_pk),
        email__in=member_emails,
        role=Role.ADMINISTRATOR,
        source=Grant.Source.RELATIONSHIP,
    ).values_list("licensing_id", "email")
    for lid_pk, email in list(doomed):
        grants_revoke(
            licensing_id=by_pk[lid_pk],
            email=email,
            roles=[Role.ADMINISTRATOR],
            actor=actor,
            verb="permission.relationship_removed",
            detail=f"relationship={rel.pk}",
        )
    rel.administered_licences.remove(*licences)


@transaction.atomic
def relationship_admin_set(
    *, relationship: ResellerRelationship, licensing_id_pks: Iterable[int], actor
) -> ResellerRelationship:
    """The customer grants, reassigns or removes the partner's administrator permissions (RES-6); the
    relationship itself stays (the partner remains reseller and support provider). Only the customer's own
    administrators, over licences they administer as such: never a partner through delegated access (SEC-6)."""
    rel = (
        ResellerRelationship.objects.select_for_update(of=("self",))
        .select_related("partner", "customer")
        .get(pk=relationship.pk)
    )
    if rel.status != ResellerRelationship.Status.ACTIVE or not policies.may_manage_relationships(actor, rel.customer):
        raise ApplicationError(_("You cannot change this partner's permissions."))
    allowed = {
        lid.pk: lid
        for lid in LicensingID.objects.filter(
            pk__in=policies.own_administered_licensing_ids(actor), organization=rel.customer
        )
    }
    wanted = set(licensing_id_pks)
    if not wanted <= set(allowed):
        raise ApplicationError(_("You can only delegate licences you administer. Nothing was changed."))
    current = set(rel.administered_licences.filter(pk__in=list(allowed)).values_list("pk", flat=True))
    added, removed = wanted - current, current - wanted
    if not added and not removed:
        return rel
    _relationship_grant(rel=rel, licences=[allowed[pk] for pk in sorted(added)], actor=actor)
    _relationship_revoke(rel=rel, licences=[allowed[pk] for pk in sorted(removed)], actor=actor)
    audit.record(
        actor=actor,
        verb="partners.relationship_permissions_changed",
        after={"added": sorted(added), "removed": sorted(removed)},
        detail=f"relationship={rel.pk}",
    )
    numbers = {pk: allowed[pk].number for pk in allowed}
    context = {
        "partner_name": rel.partner.name,
        "customer_name": rel.customer.name,
        "administered": sorted(numbers[pk] for pk in wanted),
    }
    for to_email, language in _partner_admin_recipients(rel.partner) + [(actor.notification_email, actor.language)]:
        email_queue(
            template="partners/emails/relationship_permissions_changed",
            to_email=to_email,
            language=language,
            context=context,
        )
    return rel


@transaction.atomic
def relationship_remove(*, relationship: ResellerRelationship, actor) -> ResellerRelationship:
    """Either side ends the relationship (RES-6): the partner's own administrators, or the customer's own
    administrators (never another partner through its delegated access, SEC-6). The partner's delegated
    administration ends on the next request and both sides are emailed."""
    rel = (
        ResellerRelationship.objects.select_for_update(of=("self",))
        .select_related("partner", "customer")
        .get(pk=relationship.pk)
    )
    partner_side = policies.is_partner_admin(actor, rel.partner)
    customer_side = policies.may_manage_relationships(actor, rel.customer)
    if not (partner_side or customer_side):
        raise ApplicationError(_("You cannot remove this relationship."))
    if rel.status == ResellerRelationship.Status.REMOVED:
        raise ApplicationError(_("This relationship was already removed."))
    _relationship_revoke(rel=rel, licences=list(rel.administered_licences.all()), actor=actor)
    OneTimeToken.objects.filter(purpose=INVITE_PURPOSE, subject_id=rel.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    rel.support_contacts.all().delete()
    rel.status = ResellerRelationship.Status.REMOVED
    rel.removed_by = actor
    rel.removed_at = timezone.now()
    rel.save(update_fields=["status", "removed_by", "removed_at"])
    audit.record(
        actor=actor,
        verb="partners.relationship_removed",
        detail=f"relationship={rel.pk} by={'partner' if partner_side else 'customer'}",
    )
    recipients = _partner_admin_recipients(rel.partner)
    if rel.accepted_by is not None:
        recipients.append((rel.accepted_by.notification_email, rel.accepted_by.language))
    recipients.append((actor.notification_email, actor.language))
    context = {
        "partner_name": rel.partner.name,
        "customer_name": rel.customer.name if rel.customer else "",
        "removed_by": actor.get_full_name() or actor.email,
    }
    for to_email, language in dict(recipients).items():
        email_queue(
            template="partners/emails/relationship_removed",
            to_email=to_email,
            language=language,
            context=context,
        )
    return rel


@transaction.atomic
def support_contact_add(*, relationship: ResellerRelationship, member: OrganizationMember, actor) -> SupportContact:
    """The partner names one of its own staff as support contact for a customer (RES-7)."""
    if not policies.is_partner_admin(actor, relationship.partner):
        raise ApplicationError(_("Only your partner organisation's administrators can assign support contacts."))
    if relationship.status != ResellerRelationship.Status.ACTIVE:
        raise ApplicationError(_("This relationship is not active."))
    if member.organization_id != relationship.partner_id:
        raise ApplicationError(_("A support contact must work for your organisation."))
    contact, created = SupportContact.objects.get_or_create(relationship=relationship, member=member)
    if created:
        audit.record(
            actor=actor,
            verb="partners.support_contact_added",
            target_email=member.user.email,
            detail=f"relationship={relationship.pk}",
        )
    return contact


@transaction.atomic
def support_contact_remove(*, support_contact: SupportContact, actor) -> None:
    if not policies.is_partner_admin(actor, support_contact.relationship.partner):
        raise ApplicationError(_("Only your partner organisation's administrators can remove support contacts."))
    audit.record(
        actor=actor,
        verb="partners.support_contact_removed",
        target_email=support_contact.member.user.email,
        detail=f"relationship={support_contact.relationship_id}",
    )
    support_contact.delete()


# ---------------------------------------------------------------- MPN-2 the partner's people


def partner_invitation_is_for(*, invitation: PartnerInvitation, user) -> bool:
    """May this signed-in user accept the invitation (MPN-2)? Said on the confirmation page before they try."""
    return _is_address_of(user, invitation.email)


def _is_address_of(user, email: str) -> bool:
    """The user signs in with `email` (allauth, verified) or has it as their verified business email."""
    from allauth.account.models import EmailAddress

    if normalize_email(user.verified_business_email or "") == email:
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def _language_for_address(email: str, *, default: str) -> str:
    """The language of the account using this address, if any (the inviter never learns which)."""
    user = User.objects.filter(Q(email__iexact=email) | Q(business_email=email)).order_by("pk").first()
    return user.language if user else default


@transaction.atomic
def partner_person_invite(*, partner: Organization, invited_by, email: str) -> PartnerInvitation:
    """The Program Administrator invites a person to work for the partner (MPN-2). Whether the address has an
    account is never told: the answer and the email are the same either way. An earlier open invitation to the
    same address is replaced (its link stops working)."""
    if not policies.is_partner_admin(invited_by, partner):
        raise ApplicationError(_("Only your partner organisation's Program Administrator can add people to it."))
    invitation = PartnerInvitation(partner=partner, invited_by=invited_by, email=normalize_email(email))
    invitation.full_clean()
    if (
        OrganizationMember.objects.filter(organization=partner)
        .filter(Q(user__email__iexact=invitation.email) | Q(user__business_email=invitation.email))
        .exists()
    ):  # they are on the People page already: nothing is revealed
        raise ApplicationError(
            _("%(email)s already works for %(partner)s. Nothing was sent.")
            % {"email": invitation.email, "partner": partner.name}
        )
    _partner_sending_allow(partner=partner, user=invited_by, action="partner_person_invite")
    for earlier in PartnerInvitation.objects.pending().filter(partner=partner, email=invitation.email):
        _invitation_close(invitation=earlier)
    invitation.save()
    token = tokens.issue(purpose=PEOPLE_INVITE_PURPOSE, subject_id=invitation.pk, max_age=settings.EMAIL_LINK_MAX_AGE)
    audit.record(
        actor=invited_by,
        verb="partners.person_invited",
        target_email=invitation.email,
        detail=f"partner={partner.pk} invitation={invitation.pk}",
    )
    email_queue(
        template="partners/emails/person_invitation",
        to_email=invitation.email,
        language=_language_for_address(invitation.email, default=invited_by.language),
        context={
            "partner_name": partner.name,
            "inviter_name": invited_by.get_full_name(),
            "accept_url": _url("partners:person_accept", token),
            "days": settings.EMAIL_LINK_MAX_AGE.days,
        },
    )
    return invitation


def _invitation_close(*, invitation: PartnerInvitation) -> None:
    now = timezone.now()
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    OneTimeToken.objects.filter(purpose=PEOPLE_INVITE_PURPOSE, subject_id=invitation.pk, used_at__isnull=True).update(
        used_at=now
    )


def partner_person_check_invitation(*, token: str) -> PartnerInvitation:
    """For the confirmation page (GET changes nothing)."""
    checked = tokens.check(purpose=PEOPLE_INVITE_PURPOSE, token=token)
    invitation = PartnerInvitation.objects.select_related("partner").filter(pk=checked.subject_id).first()
    if invitation is None or not invitation.is_pending:
        raise ApplicationError(_("This invitation is no longer open."))
    return invitation


def partner_person_accept(*, token: str, user) -> OrganizationMember:
    """The invited person joins the partner (MPN-2), as a member who is not an administrator. Only an account
    that signs in with the invited address, or has it as its verified business email, may accept; anyone else
    is refused, audited, and nothing changes. The inviter is emailed in their language."""
    try:
        with transaction.atomic():
            checked = tokens.check(purpose=PEOPLE_INVITE_PURPOSE, token=token)
            invitation = (
                PartnerInvitation.objects.select_for_update(of=("self",))
                .select_related("partner", "invited_by")
                .filter(pk=checked.subject_id)
                .first()
            )
            if invitation is None or not invitation.is_pending:
                raise ApplicationError(_("This invitation is no longer open."))
            partner = invitation.partner
            if not _is_address_of(user, invitation.email):
                raise ApplicationError(
                    _(
                        "This invitation was sent to %(email)s. Sign in with the account that uses that address, "
                        "or has it as its verified business email, to accept it. Nothing was changed."
                    )
                    % {"email": invitation.email}
                )
            if OrganizationMember.objects.filter(organization=partner, user=user).exists():
                raise ApplicationError(
                    _("You already work for %(partner)s. Nothing was changed.") % {"partner": partner.name}
                )
            tokens.consume(purpose=PEOPLE_INVITE_PURPOSE, token=token)
            member = OrganizationMember(organization=partner, user=user, is_admin=False)
            member.full_clean(validate_constraints=False)
            member.save()
            invitation.accepted_at = timezone.now()
            invitation.accepted_by = user
            invitation.save(update_fields=["accepted_at", "accepted_by"])
            audit.record(
                actor=user,
                verb="partners.person_joined",
                target_email=invitation.email,
                detail=f"partner={partner.pk} invitation={invitation.pk}",
            )
            inviter = invitation.invited_by
            if inviter is not None and inviter.is_active:
                email_queue(
                    template="partners/emails/person_joined",
                    to_email=inviter.notification_email,
                    language=inviter.language,
                    context={
                        "partner_name": partner.name,
                        "person_name": user.get_full_name(),
                        "person_email": invitation.email,
                        "people_url": _url("partners:people") + f"?partner={partner.pk}",
                    },
                )
            return member
    except ApplicationError as exc:
        audit.record(
            actor=user,
            verb="partners.person_accept_refused",
            detail=f"token={tokens.redact(token)} reason={exc.message}",
        )
        raise


@transaction.atomic
def partner_invitation_revoke(*, invitation: PartnerInvitation, actor) -> PartnerInvitation:
    """The Program Administrator withdraws an open invitation: its link stops working (MPN-2)."""
    invitation = (
        PartnerInvitation.objects.select_for_update(of=("self",)).select_related("partner").get(pk=invitation.pk)
    )
    if not policies.is_partner_admin(actor, invitation.partner):
        raise ApplicationError(_("Only your partner organisation's Program Administrator can withdraw invitations."))
    if not invitation.is_pending:
        raise ApplicationError(_("This invitation is no longer open."))
    _invitation_close(invitation=invitation)
    audit.record(
        actor=actor,
        verb="partners.person_invitation_revoked",
        target_email=invitation.email,
        detail=f"partner={invitation.partner_id} invitation={invitation.pk}",
    )
    return invitation


@transaction.atomic
def partner_person_remove(*, member: OrganizationMember, actor) -> None:
    """The Program Administrator removes one of the partner's people who is not an administrator (MPN-2): never
    themselves, never an administrator (so the partner always keeps one). Someone holding a membership
    subscription keeps it until it is removed on the Visual Studio subscriptions page (MPN-1)."""
    member = (
        OrganizationMember.objects.select_for_update(of=("self",))
        .select_related("organization", "user")
        .get(pk=member.pk)
    )
    partner = member.organization
    if not policies.is_partner_admin(actor, partner):
        raise ApplicationError(_("Only your partner organisation's Program Administrator can remove people."))
    if member.user_id == actor.pk:
        raise ApplicationError(_("You cannot remove yourself. Nothing was changed."))
    if member.is_admin:
        raise ApplicationError(
            _("%(person)s is an administrator of %(partner)s; ask support to change administrators.")
            % {"person": member.user, "partner": partner.name}
        )
    if member.partner_subscriptions.filter(status="active").exists():
        raise ApplicationError(
            _("%(person)s holds a membership subscription. Remove it first, then remove the person.")
            % {"person": member.user}
        )
    audit.record(
        actor=actor,
        verb="partners.person_removed",
        target_email=member.user.email,
        detail=f"partner={partner.pk}",
    )
    member.delete()


def open_license_attempts_purge(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Attempts older than the window only matter for forensics; the audit log keeps those."""
    cutoff = timezone.now() - older_than
    deleted, _rows = OpenLicenseAttempt.objects.filter(created_at__lt=cutoff).delete()
    OpenLicenseAttemptKey.objects.filter(last_used_at__lt=cutoff).delete()  # the lock rows of quiet users/addresses
    return deleted
