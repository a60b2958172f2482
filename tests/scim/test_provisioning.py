"""SCIM provisioning (IDN-3): users created, updated and deactivated from the directory; groups mapped to a
subscription pool (seats, SUB-3 limit, one email per new subscriber) and to roles; nested groups flattened; every
change audited; one organisation's token never reaches another's directory (404)."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.test import Client

from licensing_portal.api.models import ApiToken
from licensing_portal.api.services import api_token_create
from licensing_portal.core.models import AuditEvent, User
from licensing_portal.identity.services import domain_add, domain_verify_by_staff
from licensing_portal.scim import services
from licensing_portal.scim.models import ScimUser
from notifications.models import OutgoingEmail
from permissions.models import Grant, Role
from subscriptions.models import Seat
from tests.browser import PASSWORD
from tests.factories import PoolFactory, SeatFactory, UserFactory
from tests.scim.conftest import auth

pytestmark = pytest.mark.django_db

BASE = "/scim/v2"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim(client, token, method, path, body=None, **params):
    kwargs = auth(token)
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/scim+json")
    elif params:
        kwargs.update(data=params)
    response = getattr(client, method)(BASE + path, **kwargs)
    return response.status_code, (response.json() if response.content else None)


def new_user(client, token, user_name, email=None, **extra):
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, **extra}
    if email:
        body["emails"] = [{"value": email, "type": "work", "primary": True}]
    status, doc = scim(client, token, "post", "/Users", body)
    assert status == 201, doc
    return doc["id"]


def new_group(client, token, name, members=()):
    body = {"displayName": name, "members": [{"value": m} for m in members]}
    status, doc = scim(client, token, "post", "/Groups", body)
    assert status == 201, doc
    return doc["id"]


def patch(client, token, path, *operations):
    return scim(client, token, "patch", path, {"schemas": [PATCH_OP], "Operations": list(operations)})


def group_pk(scim_id):
    from licensing_portal.scim.models import ScimGroup

    return ScimGroup.objects.get(scim_id=scim_id).pk


# --- users --------------------------------------------------------------------------------------------------------


def test_idn3_directory_creates_updates_and_deactivates_a_user_ending_sessions_and_tokens(client, directory):  # IDN-3
    token = directory["contoso"]["token"]
    user_id = new_user(client, token, "ada@contoso.example", "Ada@Contoso.example", name={"givenName": "Ada"})
    account = User.objects.get(email="ada@contoso.example")
    assert account.first_name == "Ada" and not account.has_usable_password()
    assert account.business_email == "ada@contoso.example" and account.business_email_verified_at is None  # ACC-2

    status, doc = patch(client, token, f"/Users/{user_id}", {"op": "replace", "path": "name.familyName", "value": "L"})
    assert status == 200 and doc["name"] == {"givenName": "Ada", "familyName": "L"}
    account.refresh_from_db()
    assert account.last_name == "L"

    account.set_password(PASSWORD)  # the person set a password (reset link) and confirmed the sign-in email
    account.save()
    EmailAddress.objects.create(user=account, email=account.email, verified=True, primary=True)
    browser = Client()
    assert browser.post("/accounts/login/", {"login": account.email, "password": PASSWORD}).status_code == 302
    session_key = browser.session.session_key
    _personal, raw = api_token_create(creator=account, name="laptop")
    assert Session.objects.filter(session_key=session_key).exists() and ApiToken.objects.authenticate(raw)

    status, doc = patch(client, token, f"/Users/{user_id}", {"op": "Replace", "path": "active", "value": "False"})
    assert status == 200 and doc["active"] is False  # Entra ID sends the boolean as a string
    account.refresh_from_db()
    assert not account.is_active
    assert not Session.objects.filter(session_key=session_key).exists()  # signed out now, not at the next request
    assert ApiToken.objects.authenticate(raw) is None
    assert ApiToken.objects.get(created_by=account).revoked_at is not None
    verbs = set(AuditEvent.objects.filter(target_email="ada@contoso.example").values_list("verb", flat=True))
    assert {"scim.user_created", "scim.account_created", "scim.user_updated", "user.deactivated"} <= verbs
    assert "api_token.revoked" in verbs

    status, _doc = patch(client, token, f"/Users/{user_id}", {"op": "replace", "value": {"active": True}})
    account.refresh_from_db()
    assert status == 200 and account.is_active

    assert scim(client, token, "delete", f"/Users/{user_id}")[0] == 204
    account.refresh_from_db()
    assert not account.is_active  # kept for the audit trail, signed out
    assert scim(client, token, "get", f"/Users/{user_id}")[0] == 404


def test_idn3_an_existing_account_is_linked_never_taken_over(client, directory):  # IDN-3
    token = directory["contoso"]["token"]
    existing = UserFactory(email="bob@example.com", first_name="Bob")
    user_id = new_user(client, token, "bob", "bob@example.com", name={"givenName": "Robert"})
    patch(client, token, f"/Users/{user_id}", {"op": "replace", "path": "active", "value": False})
    existing.refresh_from_db()
    assert existing.is_active and existing.first_name == "Bob"
    assert AuditEvent.objects.filter(verb="scim.account_linked", target_email="bob@example.com").exists()


def _verify_domain(organization, name):
    from licensing_portal.identity.services import domain_add, domain_verify_by_staff

    staff = UserFactory(is_staff=True)
    return domain_verify_by_staff(domain=domain_add(organization=organization, domain=name, actor=staff), actor=staff)


def test_idn3_idn2_acc2_an_email_in_a_verified_domain_of_the_directory_is_a_verified_business_email(client, directory):
    """IDN-3 + IDN-2 + ACC-2: the directory of the organisation that proved the domain vouches for the email, as its
    SSO provider does (IDN-1); an email outside the organisation's verified domains stays unverified."""
    contoso, fabrikam = directory["contoso"], directory["fabrikam"]
    _verify_domain(contoso["organization"], "contoso.example")
    domain_add(organization=contoso["organization"], domain="pending.example", actor=contoso["admin"])  # unproven
    new_user(client, contoso["token"], "ada@contoso.example", "ada@contoso.example")
    ada = User.objects.get(email="ada@contoso.example")
    assert ada.verified_business_email == "ada@contoso.example"
    vouched = AuditEvent.objects.get(verb="business_email.verified", target_email="ada@contoso.example")
    assert vouched.detail == f"directory of a verified domain, organization={contoso['organization'].pk} via=scim"
    for email in ("bob@gmail.example", "pat@pending.example"):
        new_user(client, contoso["token"], email, email)
        assert User.objects.get(email=email).verified_business_email is None
    # Another organisation's directory does not vouch for Contoso's domain.
    new_user(client, fabrikam["token"], "cy@contoso.example", "cy@contoso.example")
    assert User.objects.get(email="cy@contoso.example").verified_business_email is None
    # The directory moves an email into a verified domain: verified; out of it: to be confirmed anew.
    bob_id = ScimUser.objects.get(user_name="bob@gmail.example").scim_id
    status, doc = patch(client, contoso["token"], f"/Users/{bob_id}", replace_emails("bob@contoso.example"))
    assert status == 200, doc
    assert User.objects.get(email="bob@contoso.example").verified_business_email == "bob@contoso.example"
    ada_id = ScimUser.objects.get(user_name="ada@contoso.example").scim_id
    status, doc = patch(client, contoso["token"], f"/Users/{ada_id}", replace_emails("ada@gmail.example"))
    assert status == 200, doc
    ada.refresh_from_db()
    assert ada.email == "ada@gmail.example" and ada.verified_business_email is None


def test_idn3_acc2_a_linked_existing_account_is_not_vouched_for(client, directory):  # IDN-3 ACC-2
    """The directory links an account that existed before and never changes it, its business email included."""
    _verify_domain(directory["contoso"]["organization"], "contoso.example")
    existing = UserFactory(
        email="dee@contoso.example", business_email="dee@contoso.example", business_email_verified_at=None
    )
    new_user(client, directory["contoso"]["token"], "dee@contoso.example", "dee@contoso.example")
    existing.refresh_from_db()
    assert existing.verified_business_email is None


def _verify_domain(organization, name):
    staff = UserFactory(is_staff=True)
    return domain_verify_by_staff(domain=domain_add(organization=organization, domain=name, actor=staff), actor=staff)


def replace_emails(email):
    return {"op": "replace", "path": "emails", "value": [{"value": email, "type": "work", "primary": True}]}


def test_idn3_user_name_is_unique_per_organisation(client, directory):  # IDN-3
    token = directory["contoso"]["token"]
    new_user(client, token, "carol")
    status, doc = scim(client, token, "post", "/Users", {"userName": "CAROL"})
    assert status == 409 and doc["scimType"] == "uniqueness"
    new_user(client, directory["fabrikam"]["token"], "carol")  # another organisation's directory may


# --- groups → pools -----------------------------------------------------------------------------------------------


def test_idn3_sub3_group_mapped_to_pool_gives_seats_respects_the_limit_and_takes_them_back(
    client, directory, django_capture_on_commit_callbacks
):  # IDN-3 SUB-3
    c = directory["contoso"]
    token, admin = c["token"], c["admin"]
    pool = PoolFactory(licensing_id=c["lid"], quantity=2)
    manual = SeatFactory(pool=pool, email="kept@contoso.example")  # given by hand: the directory never takes it
    pool.quantity = 3
    pool.save()
    ids = {n: new_user(client, token, n, f"{n}@contoso.example", name={"givenName": n.title()}) for n in "abcd"}
    group_id = new_group(client, token, "VS users", [ids["a"], ids["b"]])
    services.mapping_add(
        organization=c["organization"], group_pk=group_pk(group_id), kind="pool", target_id=pool.pk, actor=admin
    )

    def seated():
        return set(Seat.objects.filter(pool=pool, status=Seat.Status.ACTIVE).values_list("email", flat=True))

    assert seated() == {"kept@contoso.example", "a@contoso.example", "b@contoso.example"}

    status, _doc = patch(
        client,
        token,
        f"/Groups/{group_id}",
        {"op": "add", "path": "members", "value": [{"value": ids["c"]}, {"value": ids["d"]}]},
    )
    assert status == 200  # the directory's truth is kept; the pool is full (3 of 3) so c and d wait
    assert len(seated()) == 3
    refused = AuditEvent.objects.filter(verb="scim.access_refused", target_email="c@contoso.example").first()
    assert refused is not None and "3" in refused.detail

    status, _doc = patch(
        client, token, f"/Groups/{group_id}", {"op": "remove", "path": f'members[value eq "{ids["a"]}"]'}
    )
    assert status == 200
    assert "a@contoso.example" not in seated()
    assert len(seated()) == 3 and seated() & {"c@contoso.example", "d@contoso.example"}  # a freed seat was given

    patch(client, token, f"/Users/{ids['b']}", {"op": "replace", "path": "active", "value": False})
    assert "b@contoso.example" not in seated()  # deactivated: no longer a member for what groups give
    assert seated() == {"kept@contoso.example", "c@contoso.example", "d@contoso.example"}
    assert Seat.objects.get(pk=manual.pk).status == Seat.Status.ACTIVE

    assigned = OutgoingEmail.objects.filter(template="subscriptions/emails/subscription_assigned")
    for n in "acd":
        assert assigned.filter(to_email=f"{n}@contoso.example").count() == 1  # one email per new subscriber
    assert AuditEvent.objects.filter(verb="subscription.assigned", target_email="c@contoso.example").exists()
    assert AuditEvent.objects.filter(verb="subscription.removed", target_email="a@contoso.example").exists()


def test_idn3_removing_a_mapping_takes_back_what_it_gave(client, directory):  # IDN-3
    c = directory["contoso"]
    pool = PoolFactory(licensing_id=c["lid"], quantity=5)
    a = new_user(client, c["token"], "a", "a@contoso.example")
    group_id = new_group(client, c["token"], "VS", [a])
    mapping = services.mapping_add(
        organization=c["organization"], group_pk=group_pk(group_id), kind="pool", target_id=pool.pk, actor=c["admin"]
    )
    assert Seat.objects.filter(pool=pool, status=Seat.Status.ACTIVE).count() == 1
    services.mapping_remove(mapping=mapping, actor=c["admin"])
    assert Seat.objects.filter(pool=pool, status=Seat.Status.ACTIVE).count() == 0
    assert AuditEvent.objects.filter(verb="scim.mapping_removed").exists()


# --- groups → roles, nested groups ---------------------------------------------------------------------------


def test_idn3_nested_group_mapped_to_roles_grants_and_removes_them(client, directory):  # IDN-3 PERM-11
    c = directory["contoso"]
    token, lid = c["token"], c["lid"]
    UserFactory(email="x@contoso.example")  # the person registered already: roles follow the business email
    x = new_user(client, token, "x", "x@contoso.example")
    Grant.objects.create(licensing_id=lid, email="x@contoso.example", role=Role.PRODUCT_KEYS)  # given by hand
    child = new_group(client, token, "Engineering", [x])
    parent = new_group(client, token, "Everyone", [child])
    services.mapping_add(
        organization=c["organization"],
        group_pk=group_pk(parent),
        kind="roles",
        target_id=lid.pk,
        roles=[Role.LICENSING_INFO, Role.DOWNLOAD, Role.PRODUCT_KEYS],
        actor=c["admin"],
    )

    def roles():
        return set(Grant.objects.filter(licensing_id=lid, email="x@contoso.example").values_list("role", flat=True))

    assert roles() == {Role.LICENSING_INFO, Role.DOWNLOAD, Role.PRODUCT_KEYS}  # through the nested group
    assert AuditEvent.objects.filter(verb="permission.granted", target_email="x@contoso.example").exists()

    status, _doc = patch(
        client, token, f"/Groups/{parent}", {"op": "remove", "path": "members", "value": [{"value": child}]}
    )
    assert status == 200
    assert roles() == {Role.PRODUCT_KEYS}  # the directory's roles are taken back, the hand-given one stays
    assert AuditEvent.objects.filter(verb="permission.removed", target_email="x@contoso.example").exists()


def test_idn3_a_cycle_of_groups_is_harmless(client, directory):  # IDN-3
    token = directory["contoso"]["token"]
    a = new_group(client, token, "A")
    b = new_group(client, token, "B", [a])
    status, _doc = patch(client, token, f"/Groups/{a}", {"op": "add", "path": "members", "value": [{"value": b}]})
    assert status == 200
    status, doc = patch(client, token, f"/Groups/{a}", {"op": "add", "path": "members", "value": [{"value": a}]})
    assert status == 400 and doc["scimType"] == "invalidValue"


# --- tenancy --------------------------------------------------------------------------------------------------------


def test_idn3_sec1_a_token_never_reaches_another_organisations_directory(client, directory):  # IDN-3 SEC-1
    contoso, fabrikam = directory["contoso"], directory["fabrikam"]
    user_id = new_user(client, contoso["token"], "ada", "ada@contoso.example")
    group_id = new_group(client, contoso["token"], "VS", [user_id])
    other = fabrikam["token"]
    for path in (f"/Users/{user_id}", f"/Groups/{group_id}"):
        assert scim(client, other, "get", path)[0] == 404
        assert scim(client, other, "put", path, {"userName": "x", "displayName": "x"})[0] == 404
        assert patch(client, other, path, {"op": "replace", "path": "displayName", "value": "x"})[0] == 404
        assert scim(client, other, "delete", path)[0] == 404
    assert scim(client, other, "get", "/Users")[1]["totalResults"] == 0
    assert scim(client, other, "get", "/Users", filter='userName eq "ada"')[1]["totalResults"] == 0
    status, doc = scim(client, other, "post", "/Groups", {"displayName": "Steal", "members": [{"value": user_id}]})
    assert status == 400  # not one of Fabrikam's users
    pool = PoolFactory(licensing_id=contoso["lid"])
    fab_group = new_group(client, other, "F")
    from licensing_portal.errors import ApplicationError

    with pytest.raises(ApplicationError):  # Contoso's pool is not among Fabrikam's administrator's targets
        services.mapping_add(
            organization=fabrikam["organization"],
            group_pk=group_pk(fab_group),
            kind="pool",
            target_id=pool.pk,
            actor=fabrikam["admin"],
        )
    with pytest.raises(ApplicationError):  # nor Contoso's licensing ID
        services.mapping_add(
            organization=fabrikam["organization"],
            group_pk=group_pk(fab_group),
            kind="roles",
            target_id=contoso["lid"].pk,
            roles=[Role.DOWNLOAD],
            actor=fabrikam["admin"],
        )
    assert scim(client, contoso["token"], "get", f"/Users/{user_id}")[0] == 200


def test_idn3_only_a_usable_organisation_service_token_is_accepted(client, directory):  # IDN-3 API-2
    assert client.get(f"{BASE}/Users").status_code == 401
    assert client.get(f"{BASE}/Users", HTTP_AUTHORIZATION="Bearer lpt_nonsense_x").status_code == 401
    personal, raw = api_token_create(creator=directory["contoso"]["admin"], name="mine")
    assert client.get(f"{BASE}/Users", **auth(raw)).status_code == 401  # personal tokens do not provision
    service = ApiToken.objects.get(organization=directory["contoso"]["organization"])
    from licensing_portal.api.services import api_token_revoke

    api_token_revoke(token=service, actor=directory["contoso"]["admin"])
    response = client.get(f"{BASE}/Users", **auth(directory["contoso"]["token"]))
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/scim/v2/Users", **auth(directory["fabrikam"]["token"])).status_code == 200
    assert client.post("/scim/v2/Users", data="{}", content_type="application/scim+json").status_code == 401


# --- protocol details directories rely on ----------------------------------------------------------------------


def test_idn3_filters_paging_and_attributes(client, directory):  # IDN-3
    token = directory["contoso"]["token"]
    a = new_user(
        client,
        token,
        "alice@contoso.example",
        "alice@contoso.example",
        externalId="ext-1",
        name={"givenName": "Alice", "familyName": "Smith"},
    )
    new_user(client, token, "bert@contoso.example", "bert@contoso.example", emails=None)
    new_user(client, token, "carl", None, emails=[{"value": "carl@home.example", "type": "home"}])
    new_group(client, token, "Sales", [a])

    def found(path="/Users", **params):
        status, doc = scim(client, token, "get", path, **params)
        assert status == 200, doc
        return doc

    assert [r["id"] for r in found(filter='userName eq "ALICE@contoso.example"')["Resources"]] == [a]
    assert found(filter='externalId eq "ext-1"')["totalResults"] == 1
    assert found(filter='externalId eq "EXT-1"')["totalResults"] == 0  # caseExact
    assert found(filter='emails[type eq "home" and value co "carl"]')["totalResults"] == 1
    assert found(filter='emails.value ew "@contoso.example"')["totalResults"] == 2
    assert found(filter='name.familyName sw "sm" or userName eq "carl"')["totalResults"] == 2
    assert found(filter="not (userName pr)")["totalResults"] == 0
    assert found("/Groups", filter='displayName eq "sales"')["totalResults"] == 1
    assert found("/Groups", filter=f'members[value eq "{a}"]')["totalResults"] == 1
    page = found(startIndex=2, count=1)
    assert page["totalResults"] == 3 and page["startIndex"] == 2 and page["itemsPerPage"] == 1
    only = found(attributes="userName", filter='userName eq "carl"')["Resources"][0]
    assert set(only) == {"schemas", "id", "userName"}
    without = found("/Groups", excludedAttributes="members")["Resources"][0]
    assert "members" not in without and without["displayName"] == "Sales"
    status, doc = scim(client, token, "get", "/Users", filter='userName eq "x" and (')
    assert status == 400 and doc["scimType"] == "invalidFilter"
    status, doc = scim(
        client,
        token,
        "post",
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName eq "carl"',
            "attributes": ["userName"],
        },
    )
    assert status == 200 and doc["totalResults"] == 1
    assert scim(client, token, "post", "/.search", {"filter": 'userName eq "carl"'})[0] == 501
    status, doc = scim(client, token, "get", "/Nowhere")
    assert status == 404 and doc["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_idn3_patch_paths_directories_send(client, directory):  # IDN-3
    token = directory["contoso"]["token"]
    user_id = new_user(client, token, "dora", "dora@contoso.example")
    status, doc = patch(
        client,
        token,
        f"/Users/{user_id}",
        {"op": "Add", "path": 'emails[type eq "home"].value', "value": "dora@home.example"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "dora.new@contoso.example"},
        {"op": "Replace", "value": {"displayName": "Dora", "name.givenName": "Dora"}},
    )
    assert status == 200, doc
    assert {e["value"] for e in doc["emails"]} == {"dora@home.example", "dora.new@contoso.example"}
    assert doc["displayName"] == "Dora" and doc["name"]["givenName"] == "Dora"
    assert User.objects.filter(email="dora.new@contoso.example").exists()  # the owned account follows
    for bad in ({"op": "remove"}, {"op": "move", "path": "userName"}, {"op": "replace", "path": "emails[", "value": 1}):
        status, doc = patch(client, token, f"/Users/{user_id}", bad)
        assert status == 400, (bad, doc)
    status, doc = patch(client, token, f"/Users/{user_id}", {"op": "remove", "path": "userName"})
    assert status == 400  # userName is required


def test_idn3_lists_run_a_constant_number_of_queries(client, directory):  # IDN-3
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = directory["contoso"]["token"]

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert scim(client, token, "get", path)[0] == 200
        return len(captured)

    first = new_user(client, token, "n0", "n0@contoso.example")
    new_group(client, token, "g0", [first])
    one = (queries("/Users"), queries("/Groups"))
    members = [new_user(client, token, f"n{i}", f"n{i}@contoso.example") for i in range(1, 6)]
    for i in range(1, 6):
        new_group(client, token, f"g{i}", members)
    assert (queries("/Users"), queries("/Groups")) == one


def test_idn3_api5_scim_calls_count_towards_the_tokens_limit(client, directory, settings, shared_cache):  # IDN-3 API-5
    settings.API_THROTTLE_RATE = 2
    token = directory["contoso"]["token"]
    assert [scim(client, token, "get", "/Users")[0] for _ in range(2)] == [200, 200]
    response = client.get(BASE + "/Users", **auth(token))
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert scim(client, directory["fabrikam"]["token"], "get", "/Users")[0] == 200  # per token
