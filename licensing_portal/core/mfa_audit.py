"""Second factors and passkeys are security decisions: adding or removing one, and a passwordless sign-in with a
passkey (IDN-4), each write an audit row. allauth.mfa does the work; its signals tell us what happened."""

from __future__ import annotations

from licensing_portal import audit


def _kind(authenticator) -> dict:
    kind = {"type": authenticator.type}
    if authenticator.type == authenticator.Type.WEBAUTHN:
        kind["passwordless"] = bool(authenticator.wrap().is_passwordless)
    return kind


def authenticator_added(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    audit.record(actor=user, verb="mfa.authenticator_added", target_email=user.email, after=_kind(authenticator))


def authenticator_removed(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    audit.record(actor=user, verb="mfa.authenticator_removed", target_email=user.email, before=_kind(authenticator))


def authenticator_used(sender, request=None, user=None, authenticator=None, passwordless=False, **kwargs) -> None:
    if passwordless:  # a password sign-in is already visible as such; a passkey alone is worth its own row
        audit.record(actor=user, verb="mfa.passkey_sign_in", target_email=user.email, after=_kind(authenticator))


def connect() -> None:
    from allauth.mfa import signals

    signals.authenticator_added.connect(authenticator_added, dispatch_uid="core.mfa_added")
    signals.authenticator_removed.connect(authenticator_removed, dispatch_uid="core.mfa_removed")
    signals.authenticator_used.connect(authenticator_used, dispatch_uid="core.mfa_used")
