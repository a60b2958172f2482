"""SCIM under hostile input (SEC-3, IDN-3): the group-mapping page and every /scim/v2/ endpoint that reads a body,
a filter or a path. A refused submission changes nothing; the protocol answers a SCIM error, never a 5xx."""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensing_portal.api.services import api_token_create
from permissions.models import Role
from tests.security.fuzz import PAYLOADS, fuzz_form, hostile_text, portal_snapshot

pytestmark = pytest.mark.django_db

N = 8
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text(), children, max_size=4),
    max_leaves=12,
)
attribute_names = st.sampled_from(
    [
        "userName",
        "USERNAME",
        "name",
        "emails",
        "active",
        "externalId",
        "displayName",
        "members",
        "id",
        "meta",
        "schemas",
        "name.givenName",
        'emails[type eq "work"].value',
        "members[value eq",
        "urn:x:y",
    ]
)
documents = st.dictionaries(st.one_of(attribute_names, hostile_text()), json_values, max_size=6)
patch_ops = st.fixed_dictionaries(
    {
        "schemas": st.just(["urn:ietf:params:scim:api:messages:2.0:PatchOp"]),
        "Operations": st.lists(
            st.fixed_dictionaries(
                {"op": st.sampled_from(["add", "Replace", "remove", "move", ""]) | hostile_text()},
                optional={"path": st.one_of(attribute_names, hostile_text()), "value": json_values},
            ),
            max_size=3,
        ),
    }
)
scim_filters = st.one_of(
    hostile_text(),
    st.builds(
        lambda a, op, v, join: f"{a} {op} {v}{join}",
        attribute_names,
        st.sampled_from(["eq", "co", "sw", "pr", "gt", "xx", "[", ""]),
        st.one_of(st.just('"x"'), st.just("true"), hostile_text()),
        st.sampled_from(["", " and (", " or userName pr", ")", "]"]),
    ),
)


def test_scim_mapping_form(client, world):  # SEC-3 IDN-3
    client.force_login(world["users"]["administrator"])
    group = world["scim_mapping"].group
    fuzz_form(
        client,
        reverse("scim:organization", args=[world["tenant"].pk]),
        {
            "group": st.one_of(st.just(str(group.pk)), st.integers().map(str), hostile_text()),
            "target": st.one_of(
                st.just(f"roles:{world['lid'].pk}"),
                st.just(f"roles:{world['other_lid'].pk}"),
                st.just("pool:1"),
                hostile_text(),
            ),
            "roles": st.lists(st.one_of(st.sampled_from(Role.values), hostile_text()), max_size=3),
            "confirm": st.one_of(st.just("on"), hostile_text()),
        },
        snapshot=portal_snapshot(),
        max_examples=N,
        valid={
            "group": str(group.pk),
            "target": f"roles:{world['lid'].pk}",
            "roles": ["licensing_info"],
            "confirm": "on",
        },
    )


def test_scim_mapping_remove(client, world):  # SEC-3 IDN-3
    client.force_login(world["users"]["administrator"])
    fuzz_form(
        client,
        reverse("scim:mapping_remove", args=[world["tenant"].pk, world["scim_mapping"].pk]),
        ["next", "mapping"],
        snapshot=portal_snapshot(),
        max_examples=N,
    )


def test_scim_protocol_survives_hostile_input(client, world):  # SEC-3 IDN-3
    admin = world["users"]["administrator"]
    _token, raw = api_token_create(creator=admin, name="SCIM", organization=world["tenant"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    user = client.post("/scim/v2/Users", json.dumps({"userName": "target"}), "application/scim+json", **headers)
    group = client.post("/scim/v2/Groups", json.dumps({"displayName": "G"}), "application/scim+json", **headers)
    user_url, group_url = f"/scim/v2/Users/{user.json()['id']}", f"/scim/v2/Groups/{group.json()['id']}"

    def check(response, what):
        assert response.status_code < 500, f"{what} answered {response.status_code}"
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/scim+json", what
            assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"], what

    for payload in PAYLOADS:
        for url in ("/scim/v2/Users", "/scim/v2/Groups", user_url, group_url, "/scim/v2/Users/.search"):
            check(
                client.generic(
                    "POST" if "/Users/" not in url or ".search" in url else "PATCH",
                    url,
                    payload.encode(),
                    "application/scim+json",
                    **headers,
                ),
                url,
            )
        check(client.get("/scim/v2/Users", {"filter": payload, "attributes": payload}, **headers), "filter")
        check(client.get(f"/scim/v2/Users/{payload[:200]}", **headers), "id")

    @SETTINGS
    @given(documents, patch_ops, scim_filters)
    def submit(document, patch, scim_filter):
        body = json.dumps(document)
        for method, url in (
            ("POST", "/scim/v2/Users"),
            ("POST", "/scim/v2/Groups"),
            ("PUT", user_url),
            ("PUT", group_url),
            ("POST", "/scim/v2/Groups/.search"),
        ):
            check(client.generic(method, url, body, "application/scim+json", **headers), f"{method} {url}")
        for url in (user_url, group_url):
            check(client.generic("PATCH", url, json.dumps(patch), "application/scim+json", **headers), f"PATCH {url}")
        check(
            client.get("/scim/v2/Groups", {"filter": scim_filter, "excludedAttributes": scim_filter}, **headers),
            "filter",
        )

    submit()
