"""Role-scoped, time-bound partner access forms under hostile input (SEC-3, RES-8, RES-9): no 500, no partial
write, escaped output."""

import pytest
from django.urls import reverse
from hypothesis import strategies as st

from permissions.models import Role
from tests.security.fuzz import fuzz_form, hostile_text, portal_snapshot

pytestmark = pytest.mark.django_db

N = 8


def days():
    return st.one_of(
        st.integers(min_value=-5, max_value=800).map(str),
        st.sampled_from(["", "0", "731", "1e3", "²", "9" * 5000, "30.5"]),
        hostile_text(),
    )


def roles():
    return st.lists(st.one_of(st.sampled_from(Role.values), hostile_text()), max_size=3)


@pytest.mark.parametrize("name", ["partners:relationship_extend", "partners:relationship_extension_request"])
def test_days_forms(client, world, name):  # SEC-3 RES-9
    user = world["users"]["administrator" if name.endswith("extend") else "partner"]
    client.force_login(user)
    fuzz_form(
        client,
        reverse(name, args=[world["relationship"].pk]),
        {"days": days()},
        valid={"days": "30"},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_extension_decide(client, world):  # SEC-3 RES-9
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("partners:relationship_extension_decide", args=[world["relationship"].pk]),
        {"decision": st.one_of(st.sampled_from(["approve", "decline", "APPROVE", ""]), hostile_text())},
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_relationship_end(client, world):  # SEC-3 RES-9: a partner's hostile post ends nothing
    client.force_login(world["users"]["partner"])
    fuzz_form(
        client,
        reverse("partners:relationship_end", args=[world["relationship"].pk]),
        ["next", "days"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )
