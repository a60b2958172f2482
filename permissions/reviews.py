"""Access reviews (REV-1..REV-3): services and selectors of the review family.

Who may start a review and over which licensing IDs is the access core's answer
(`policies.own_administered_licensing_ids`: the customer's own administrators, never a partner's delegated access,
SEC-6). A removal goes through the very services Manage Users uses (`services.person_remove`,
`services.partner_access_deny`), so the last administrator stays, SEC-6 holds and the audit rows and emails are the
usual ones; this module adds one audit row per decision and the review's own bookkeeping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.models import LicensingID
from agreements.selectors import choice_labels
from licensing_portal import audit
from licensing_portal.addresses import recipients
from licensing_portal.errors import ApplicationError
from licensing_portal.links import portal_url
from licensing_portal.tenancy import business_email_of
from notifications.services import email_queue
from permissions import access, policies, services
from permissions.models import (
    PARTNER_SOURCES,
    AccessReview,
    AccessReviewItem,
    AccessReviewSchedule,
    Role,
)
from permissions.selectors import person_roles

MAX_DUE_DAYS = 90
REMINDER_BEFORE = timedelta(days=3)  # REV-2: reviewers are reminded this long before the due date, once
Decision, Outcome = AccessReviewItem.Decision, AccessReviewItem.Outcome


# --- selectors -------------------------------------------------------------------------------------------------


def reviewable_licensing_ids(*, user) -> QuerySet[LicensingID]:
    """REV-1: the licensing IDs `user` may review, the ones they administer as one of the customer's own people
    (the access core's answer, SEC-6), in page order."""
    return LicensingID.objects.filter(pk__in=policies.own_administered_licensing_ids(user)).order_by("number", "pk")


def reviews_visible_to(*, user) -> QuerySet[AccessReview]:
    """Reviews the user started or is the reviewer of; anyone else's review is 404 like a missing one."""
    email = business_email_of(user)
    if not email:
        return AccessReview.objects.none()
    return AccessReview.objects.filter(Q(created_by=user) | Q(reviewer_email=email))


def review_list(*, user) -> QuerySet[AccessReview]:
    """One query: each review with its item counts."""
    return reviews_visible_to(user=user).annotate(
        item_count=Count("items"), pending_count=Count("items", filter=Q(items__decision=Decision.PENDING))
    )


def review_get(*, user, pk: int) -> AccessReview:
    return get_object_or_404(reviews_visible_to(user=user), pk=pk)


def review_items(*, review: AccessReview, user) -> QuerySet[AccessReviewItem]:
    """The review's items on licensing IDs the viewer still administers as the customer's own (SEC-1, SEC-6)."""
    return (
        review.items.filter(licensing_id__in=policies.own_administered_licensing_ids(user))
        .select_related("licensing_id")
        .order_by("licensing_id__number", "email", "pk")
    )


def review_item_rows(items: Iterable[AccessReviewItem]) -> list[dict]:
    """Plain rows for the table: labels resolved once per page, so the template loop only prints (issue 7)."""
    roles, decisions, outcomes = (
        choice_labels(Role.choices),
        choice_labels(Decision.choices),
        choice_labels(Outcome.choices),
    )
    return [
        {
            "pk": item.pk,
            "number": item.licensing_id.number,
            "email": item.email,
            "roles": ", ".join(roles.get(r, r) for r in item.roles),
            "is_partner": item.is_partner,
            "pending": item.decision == Decision.PENDING,
            "decision": decisions.get(item.decision, item.decision),
            "outcome": outcomes.get(item.outcome, item.outcome) if item.outcome else "",
            "note": item.note,
            "decided_by": item.decided_by_email,
            "decided_at": item.decided_at,
        }
        for item in items
    ]


EXPORT_HEADER = [
    "licensing_id",
    "email",
    "partner",
    "roles_at_start",
    "decision",
    "outcome",
    "decided_by",
    "decided_at",
    "note",
]


def review_export_rows(*, review: AccessReview, user) -> Iterator[list]:
    """REV-3: who decided what, when; one row per item the viewer may see, read through one server-side cursor."""
    for item in review_items(review=review, user=user).iterator(chunk_size=2000):
        yield [
            item.licensing_id.number,
            item.email,
            "yes" if item.is_partner else "no",
            " ".join(item.roles),
            item.decision,
            item.outcome,
            item.decided_by_email,
            item.decided_at.isoformat() if item.decided_at else "",
            item.note,
        ]


def review_is_exportable(review: AccessReview) -> bool:
    """REV-3: a finished review, or one past its due date (what was decided by then)."""
    return review.status in (AccessReview.Status.FINISHED, AccessReview.Status.OVERDUE)


# --- services --------------------------------------------------------------------------------------------------


def _reviewer_user(email: str):
    from licensing_portal.core.models import User

    return User.objects.filter(
        business_email=services.normalize_email(email), business_email_verified_at__isnull=False, is_active=True
    ).first()


def _review_url(review: AccessReview) -> str:
    return portal_url("permissions:review_detail", review.pk)


def _notify_reviewer(review: AccessReview, *, reminder: bool) -> None:
    to, language = recipients([review.reviewer_email])[review.reviewer_email]
    with translation.override(language):
        due = timezone.localtime(review.due_at).date().isoformat()
    email_queue(
        template="permissions/emails/review_reminder",
        to_email=to,
        language=language,
        context={
            "reminder": reminder,
            "due": due,
            "started_by": review.created_by_email,
            "items": review.items.filter(decision=Decision.PENDING).count(),
            "url": _review_url(review),
        },
    )


@transaction.atomic
def access_review_start(
    *,
    actor,
    licensing_ids: Iterable[LicensingID] | None = None,
    reviewer_email: str = "",
    due_days: int = 14,
    remove_unconfirmed: bool = False,
    schedule: AccessReviewSchedule | None = None,
) -> AccessReview:
    """REV-1: list every person and partner holding roles on the chosen licensing IDs (all the actor administers
    when none are chosen) for a keep/remove decision by `due_days` from now, by `reviewer_email` (the actor by
    default), who must administer every one of them too. Audited per licensing ID; the reviewer is emailed."""
    actor_email = business_email_of(actor)
    if not actor_email:
        raise ApplicationError(_("Verify your business email first."))
    if not 1 <= int(due_days) <= MAX_DUE_DAYS:
        raise ApplicationError(_("The due date must be between 1 and %(max)d days away.") % {"max": MAX_DUE_DAYS})
    administered = {lid.pk: lid for lid in reviewable_licensing_ids(user=actor)}
    chosen = sorted({lid.pk for lid in licensing_ids} if licensing_ids else set(administered))
    if not chosen:
        raise ApplicationError(_("You administer no licensing ID to review."))
    if set(chosen) - set(administered):
        raise ApplicationError(_("You can review only licensing IDs you administer."))
    reviewer_email = services.normalize_email(reviewer_email or actor_email)
    if reviewer_email != actor_email:
        reviewer = _reviewer_user(reviewer_email)
        reviewed_by_them = (
            set(reviewable_licensing_ids(user=reviewer).filter(pk__in=chosen).values_list("pk", flat=True))
            if reviewer
            else set()
        )
        if reviewed_by_them != set(chosen):
            raise ApplicationError(
                _(
                    "The reviewer must be a registered person who administers every licensing ID of the review. "
                    "Nothing was started."
                )
            )
    review = AccessReview.objects.create(
        created_by=actor,
        created_by_email=actor_email,
        reviewer_email=reviewer_email,
        schedule=schedule,
        due_at=timezone.now() + timedelta(days=int(due_days)),
        remove_unconfirmed=remove_unconfirmed,
    )
    holders = access.direct_holdings(chosen)
    AccessReviewItem.objects.bulk_create(
        [
            AccessReviewItem(
                review=review,
                licensing_id_id=lid_pk,
                email=email,
                roles=[r for r in Role.values if r in roles],
                is_partner=bool(sources & PARTNER_SOURCES),
            )
            for (lid_pk, email), (roles, sources) in sorted(holders.items())
        ],
        batch_size=1000,
    )
    schedule_pk = schedule.pk if schedule else ""
    counts: dict[int, int] = {}
    for lid_pk, _email in holders:
        counts[lid_pk] = counts.get(lid_pk, 0) + 1
    for lid_pk in chosen:
        audit.record(
            actor=actor,
            verb="review.started",
            licensing_id=administered[lid_pk],
            target_email=reviewer_email,
            after={"review": review.pk, "items": counts.get(lid_pk, 0), "due_at": review.due_at.isoformat()},
            detail=f"review={review.pk} remove_unconfirmed={remove_unconfirmed} schedule={schedule_pk}",
        )
    if reviewer_email != actor_email:
        _notify_reviewer(review, reminder=False)
    return review


@transaction.atomic
def access_review_schedule(
    *,
    actor,
    every_days: int,
    licensing_ids: Iterable[LicensingID] | None = None,
    reviewer_email: str = "",
    due_days: int = 14,
    remove_unconfirmed: bool = False,
) -> AccessReview:
    """REV-1: start a review now and again every `every_days` days (the beat task starts the next ones)."""
    if not 7 <= int(every_days) <= 366:
        raise ApplicationError(_("Repeat a review every 7 to 366 days."))
    if int(due_days) > int(every_days):
        raise ApplicationError(_("A scheduled review must be due before the next one starts."))
    schedule = AccessReviewSchedule.objects.create(
        created_by=actor,
        reviewer_email=services.normalize_email(reviewer_email or business_email_of(actor) or ""),
        every_days=every_days,
        due_days=due_days,
        remove_unconfirmed=remove_unconfirmed,
        next_start_on=timezone.localdate() + timedelta(days=int(every_days)),
    )
    review = access_review_start(
        actor=actor,
        licensing_ids=licensing_ids,
        reviewer_email=reviewer_email,
        due_days=due_days,
        remove_unconfirmed=remove_unconfirmed,
        schedule=schedule,
    )
    if licensing_ids:  # none chosen: every licensing ID the creator administers when each review starts
        schedule.licensing_ids.set([lid.pk for lid in licensing_ids])
    return review


def _remove(item: AccessReviewItem, *, actor, via: str) -> str:
    """Take the item's roles away through the Manage Users services (PERM-7 and SEC-6 rules, their audit rows
    and emails); returns the outcome. ApplicationError when those rules refuse."""
    lid = item.licensing_id
    if not person_roles(licensing_id=lid, email=item.email)[0]:
        return Outcome.ALREADY_GONE
    if item.is_partner:
        services.partner_access_deny(licensing_id=lid, email=item.email, actor=actor, via=via)
    else:
        services.person_remove(licensing_id=lid, email=item.email, actor=actor)
    return Outcome.REMOVED


def _finish_if_done(review: AccessReview) -> None:
    if review.status != AccessReview.Status.FINISHED and not review.items.filter(decision=Decision.PENDING).exists():
        review.status = AccessReview.Status.FINISHED
        review.finished_at = timezone.now()
        review.save(update_fields=["status", "finished_at"])


def _record_decision(item: AccessReviewItem, *, actor, decision: str, outcome: str, note: str = "") -> None:
    item.decision, item.outcome, item.note = decision, outcome, note[:500]
    item.decided_by = actor if actor is not None and actor.pk else None
    item.decided_by_email = getattr(actor, "email", "") if actor is not None else ""
    item.decided_at = timezone.now()
    item.save(update_fields=["decision", "outcome", "note", "decided_by", "decided_by_email", "decided_at"])
    audit.record(
        actor=actor,
        verb="review.decided",
        licensing_id=item.licensing_id,
        target_email=item.email,
        before={"roles": item.roles},
        after={"decision": decision, "outcome": outcome},
        detail=f"review={item.review_id} item={item.pk}" + (f" {note}" if note else ""),
    )


@transaction.atomic
def access_review_decide(*, review: AccessReview, item_id: int, actor, decision: str) -> AccessReviewItem:
    """REV-2: the reviewer (or the review's starter) keeps or removes one item; a removal applies at once under
    the Manage Users rules, and a refusal by them (the last administrator stays) leaves the item undecided."""
    if decision not in (Decision.KEEP, Decision.REMOVE):
        raise ApplicationError(_("Choose keep or remove."))
    review = AccessReview.objects.select_for_update().get(pk=review.pk)
    email = business_email_of(actor)
    if not email or (email != review.reviewer_email and review.created_by_id != actor.pk):
        raise ApplicationError(_("Only the reviewer can decide this review."))
    item = (
        review.items.select_for_update(of=("self",))
        .select_related("licensing_id")
        .filter(pk=item_id, licensing_id__in=policies.own_administered_licensing_ids(actor))
        .first()
    )
    if item is None:
        raise ApplicationError(_("Choose an item of this review."))
    if item.decision != Decision.PENDING:
        raise ApplicationError(_("This item was already decided; nothing was changed."))
    # a refusal by the Manage Users rules (ApplicationError) rolls this whole call back: the item stays pending
    outcome = Outcome.KEPT if decision == Decision.KEEP else _remove(item, actor=actor, via="access_review")
    _record_decision(item, actor=actor, decision=decision, outcome=outcome)
    _finish_if_done(review)
    return item


# --- beat task (permissions/tasks.py): schedules, reminders, overdue ----------------------------------------------


def access_reviews_start_scheduled(*, today=None) -> int:
    """Start the reviews whose schedule is due; each schedule once per period however often this runs."""
    today = today or timezone.localdate()
    started = 0
    for pk in AccessReviewSchedule.objects.filter(active=True, next_start_on__lte=today).values_list("pk", flat=True):
        with transaction.atomic():
            schedule = (
                AccessReviewSchedule.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, active=True, next_start_on__lte=today)
                .select_related("created_by")
                .first()
            )
            if schedule is None:
                continue
            while schedule.next_start_on <= today:
                schedule.next_start_on += timedelta(days=schedule.every_days)
            schedule.save(update_fields=["next_start_on"])
            try:
                with transaction.atomic():
                    access_review_start(
                        actor=schedule.created_by,
                        licensing_ids=list(schedule.licensing_ids.all()) or None,
                        reviewer_email=schedule.reviewer_email,
                        due_days=schedule.due_days,
                        remove_unconfirmed=schedule.remove_unconfirmed,
                        schedule=schedule,
                    )
                started += 1
            except ApplicationError as exc:  # the creator no longer administers them all: the schedule stops
                schedule.active = False
                schedule.save(update_fields=["active"])
                audit.record(
                    actor=None,
                    verb="review.schedule_stopped",
                    target_email=schedule.reviewer_email,
                    detail=f"schedule={schedule.pk} {exc.message}",
                )
    return started


def access_reviews_remind(*, now=None) -> int:
    """REV-2: remind each reviewer once, REMINDER_BEFORE the due date, of a review with items left to decide."""
    now = now or timezone.now()
    sent = 0
    for pk in AccessReview.objects.filter(
        status=AccessReview.Status.OPEN, reminded_at__isnull=True, due_at__lte=now + REMINDER_BEFORE, due_at__gt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            review = (
                AccessReview.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, status=AccessReview.Status.OPEN, reminded_at__isnull=True)
                .first()
            )
            if review is None:
                continue
            review.reminded_at = now
            review.save(update_fields=["reminded_at"])
            _notify_reviewer(review, reminder=True)
            sent += 1
    return sent


def access_reviews_mark_overdue(*, now=None) -> int:
    """REV-2: a review past its due date with items left is marked overdue (audited); when the review says so,
    what was not confirmed is removed under the Manage Users rules, acting as the review's starter. Runs once
    per review: only an OPEN review is picked."""
    now = now or timezone.now()
    done = 0
    for pk in AccessReview.objects.filter(status=AccessReview.Status.OPEN, due_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            review = (
                AccessReview.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, status=AccessReview.Status.OPEN)
                .select_related("created_by")
                .first()
            )
            if review is None:
                continue
            review.status = AccessReview.Status.OVERDUE
            review.overdue_at = now
            review.save(update_fields=["status", "overdue_at"])
            pending = list(review.items.filter(decision=Decision.PENDING).select_related("licensing_id"))
            for lid in {item.licensing_id for item in pending}:
                audit.record(
                    actor=None,
                    verb="review.overdue",
                    licensing_id=lid,
                    target_email=review.reviewer_email,
                    detail=f"review={review.pk} remove_unconfirmed={review.remove_unconfirmed}",
                )
            if review.remove_unconfirmed:
                actor = review.created_by
                for item in pending:
                    if actor is not None:
                        policies.forget_cached_roles(actor)  # each removal changes who administers what
                    try:
                        if actor is None:
                            raise ApplicationError(_("The person who started the review no longer exists."))
                        with transaction.atomic():
                            outcome = _remove(item, actor=actor, via="access_review_overdue")
                        note = "not confirmed by the due date"
                        decision = Decision.REMOVE
                    except ApplicationError as exc:
                        outcome, note, decision = Outcome.REFUSED, exc.message, Decision.KEEP
                    _record_decision(item, actor=None, decision=decision, outcome=outcome, note=note)
                _finish_if_done(review)
            done += 1
    return done


def access_reviews_tick(*, now=None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "started": access_reviews_start_scheduled(today=timezone.localdate(now)),
        "reminded": access_reviews_remind(now=now),
        "overdue": access_reviews_mark_overdue(now=now),
    }
