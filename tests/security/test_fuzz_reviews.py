"""Access review forms under hostile input (SEC-3): no 500, no partial write, escaped output (REV-1, REV-2)."""

import pytest
from django.urls import reverse
from hypothesis import strategies as st

from permissions.models import AccessReviewItem
from tests.security.fuzz import fuzz_form, hostile_text, portal_snapshot

pytestmark = pytest.mark.django_db
N = 8


def _ints():
    return st.one_of(hostile_text(), st.integers(min_value=-(2**70), max_value=2**70).map(str))


def test_review_start(client, world):  # SEC-3 REV-1
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("permissions:review_start"),
        {
            "licensing_ids": st.lists(st.one_of(_ints(), st.just(str(world["lid"].pk))), max_size=3),
            "reviewer_email": st.one_of(
                hostile_text(), st.emails(), st.just(world["users"]["inherited_admin"].business_email)
            ),
            "due_days": _ints(),
            "remove_unconfirmed": st.one_of(hostile_text(), st.sampled_from(["on", ""])),
            "every_days": st.one_of(_ints(), st.just("")),
        },
        valid={
            "licensing_ids": [world["lid"].pk],
            "reviewer_email": "",
            "due_days": "7",
            "remove_unconfirmed": "",
            "every_days": "",
        },
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_review_decide(client, world):  # SEC-3 REV-2
    """Only `keep` is a valid decision here: a hostile item or decision changes nothing."""
    review = world["review"]
    item = review.items.order_by("pk").first()
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("permissions:review_decide", args=[review.pk]),
        {"item": st.one_of(_ints(), st.just(str(item.pk))), "decision": st.one_of(hostile_text(), st.just("keep"))},
        valid={"item": str(item.pk), "decision": "keep"},
        snapshot=portal_snapshot(),
        max_examples=N,
    )
    assert AccessReviewItem.objects.filter(review=review).exclude(decision="pending").count() <= 1
