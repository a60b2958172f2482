"""The one way to write an audit row (PERM-11)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from licensing_portal.core.models import AuditEvent

if TYPE_CHECKING:
    from agreements.models import LicensingID
    from licensing_portal.core.models import User


# The API token the request being served authenticated with (API-2): set by the API's token authentication,
# cleared when each request starts, read by every audit row the request writes.
_api_token_id: ContextVar[int | None] = ContextVar("audit_api_token_id", default=None)


def acting_through_api_token(token_id: int | None) -> None:
    _api_token_id.set(token_id)


def forget_api_token(**_kwargs) -> None:
    _api_token_id.set(None)


def current_api_token_id() -> int | None:
    return _api_token_id.get()


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL, and refusals are audited with what an attacker typed (tokens in links)."""
    return value.replace("\x00", "\ufffd")


def record(
    *,
    actor: User | None,
    verb: str,
    licensing_id: LicensingID | None = None,
    target_email: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor and actor.pk else None,
        actor_email=getattr(actor, "email", "") or "",
        verb=verb,
        licensing_id=licensing_id,
        target_email=_text(target_email),
        before=before or {},
        after=after or {},
        detail=_text(detail)[:500],
        api_token_id=_api_token_id.get(),
    )


def record_many(
    *, actor: User | None, verb: str, licensing_id: LicensingID | None = None, rows: list[dict[str, Any]]
) -> list[AuditEvent]:
    """One row per dict (`target_email`, `before`, `after`, `detail`) in a single INSERT (bulk actions, SUB-7)."""
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor if actor and actor.pk else None,
                actor_email=getattr(actor, "email", "") or "",
                verb=verb,
                licensing_id=licensing_id,
                target_email=_text(row.get("target_email", "")),
                before=row.get("before") or {},
                after=row.get("after") or {},
                detail=_text(row.get("detail", ""))[:500],
                api_token_id=_api_token_id.get(),
            )
            for row in rows
        ]
    )
