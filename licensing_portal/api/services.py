"""Creating and revoking API tokens (API-2). The raw token is returned once and never stored."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing_portal import audit
from licensing_portal.api.models import ApiToken
from licensing_portal.errors import ApplicationError

MAX_ACTIVE_TOKENS = 50  # per person or organisation: a leaked session cannot mint tokens without end


@transaction.atomic
def api_token_create(*, creator, name: str, expires_at=None, organization=None) -> tuple[ApiToken, str]:
    """A personal token of `creator`, or with `organization` a service token of it (its administrators only).
    Returns the token and the raw secret, which is shown once."""
    from permissions.policies import may_administer_organization

    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the token a name."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(_("The expiry date must be in the future."))
    if organization is not None:
        if not may_administer_organization(creator, organization):
            raise ApplicationError(_("Only an administrator of the organisation can create its service tokens."))
        kind, owner = ApiToken.Kind.SERVICE, {"organization": organization}
        existing = ApiToken.objects.of_organization(organization)
    else:
        kind, owner = ApiToken.Kind.PERSONAL, {"user": creator}
        existing = ApiToken.objects.personal_of(creator)
    if existing.active().count() >= MAX_ACTIVE_TOKENS:
        raise ApplicationError(_("Too many active tokens: revoke one you no longer use first."))
    raw, key_id, digest = ApiToken.generate()
    token = ApiToken(
        kind=kind, name=name, created_by=creator, key_id=key_id, secret_hash=digest, expires_at=expires_at, **owner
    )
    token.full_clean(exclude=["key_id", "secret_hash"])
    token.save()
    audit.record(
        actor=creator,
        verb="api_token.created",
        after={
            "token": token.prefix,
            "kind": kind,
            "organization": getattr(organization, "pk", None),
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        detail=name,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke at once (the next request with it answers 401). The token's owner, an administrator of its
    organisation, or staff in admin may revoke; revoking twice changes nothing."""
    from permissions.policies import may_administer_organization

    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    allowed = (
        getattr(actor, "is_staff", False)
        or (token.kind == ApiToken.Kind.PERSONAL and token.user_id == actor.pk)
        or (token.kind == ApiToken.Kind.SERVICE and may_administer_organization(actor, token.organization))
    )
    if not allowed:
        raise ApplicationError(_("You cannot revoke this token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor=actor, verb="api_token.revoked", after={"token": token.prefix}, detail=token.name)
    return token
