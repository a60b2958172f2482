"""Role-scoped, time-bound partner access (RES-8, RES-9, RES-10): invitations with roles and a duration, acceptance
that narrows, 90-day pending expiry, reminders, revocation at the end, extension and early end, the Partner access
page. Time is moved with time-machine; everything runs against PostgreSQL."""

import importlib
import importlib.util
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from licensing_portal.core.models import AuditEvent
from licensing_portal.errors import ApplicationError
from partners import partner_access, services
from partners.models import ResellerRelationship
from permissions.models import Grant, Role
from tests.factories import LicensingIDFactory, PartnerAdminFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

INVITE = "/partners/customers/invite/"
TWO_ROLES = [Role.LICENSING_INFO.value, Role.SUBSCRIPTIONS_MANAGER.value]


@pytest.fixture
def customer_admin(tenant):
    user = UserFactory(email="alice@contoso.example", first_name="Alice", last_name="Martin", language="fr")
    for number in ("E1000001", "E1000002"):
        grant(user, LicensingIDFactory(organization=tenant, number=number), Role.ADMINISTRATOR)
    return user


@pytest.fixture
def lids(customer_admin, tenant):
    from agreements.models import LicensingID

    return {lid.number: lid for lid in LicensingID.objects.filter(organization=tenant)}


def _token(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


def _invite(partner, partner_admin, roles=TWO_ROLES, days=30):
    return services.relationship_invite(partner=partner, invited_by=partner_admin, roles=roles, days=days)


def _accept(
    partner,
    partner_admin,
    customer_admin,
    tenant,
    lids,
    *,
    roles=None,
    days=None,
    numbers=("E1000001",),
    ask=TWO_ROLES,
    ask_days=None,
):
    _rel, url = _invite(partner, partner_admin, roles=ask, days=ask_days or max(days or 30, 30))
    return services.relationship_accept(
        token=_token(url),
        user=customer_admin,
        customer_id=tenant.pk,
        licensing_id_pks=[lids[n].pk for n in numbers],
        roles=roles,
        days=days,
    )


def _held(user):
    return set(Grant.objects.filter(email=user.business_email).values_list("licensing_id__number", "role", "source"))


# ---------------------------------------------------------------- RES-8


def test_res8_partner_invites_with_roles_and_a_duration(client, partner, partner_admin):
    client.force_login(partner_admin)
    resp = client.post(INVITE, {"customer_email": "alice@contoso.example", "roles": TWO_ROLES, "days": 30})
    assert resp.status_code == 200 and "relationship" in resp.context
    rel = ResellerRelationship.objects.get()
    assert rel.requested_roles == TWO_ROLES and rel.requested_days == 30
    body = resp.content.decode()
    assert "Licensing Info" in body and "30" in body  # the draft email names what is asked for
    audit = AuditEvent.objects.get(verb="partners.relationship_invited")
    assert audit.after == {"roles": TWO_ROLES, "days": 30}


@pytest.mark.parametrize(
    "data",
    [
        {"roles": [], "days": 30},
        {"roles": ["owner"], "days": 30},
        {"roles": TWO_ROLES, "days": 0},
        {"roles": TWO_ROLES, "days": 731},
        {"roles": TWO_ROLES, "days": ""},
    ],
)
def test_res8_invitation_needs_one_of_the_seven_roles_and_1_day_to_2_years(client, partner, partner_admin, data):
    client.force_login(partner_admin)
    resp = client.post(INVITE, {"customer_email": "alice@contoso.example", **data})
    assert resp.status_code == 200 and "relationship" not in resp.context
    assert not ResellerRelationship.objects.exists()


def test_res8_every_one_of_the_seven_roles_and_two_years_may_be_asked(partner, partner_admin):
    rel, _url = _invite(partner, partner_admin, roles=list(Role.values), days=730)
    assert rel.requested_roles == list(Role.values) and rel.requested_days == 730


def test_res8_customer_accepts_narrowing_roles_licences_and_duration(
    client, tenant, partner, partner_admin, customer_admin, lids, outbox
):
    rel, url = _invite(partner, partner_admin)
    path = url.split("8000", 1)[1]
    client.force_login(customer_admin)
    page = client.get(path).content.decode()
    assert "E1000001" in page and "E1000002" in page and 'name="roles"' in page
    before = timezone.now()
    resp = client.post(
        path,
        {"customer": tenant.pk, "licences": [lids["E1000001"].pk], "roles": [Role.LICENSING_INFO], "days": 10},
    )
    assert resp.status_code == 302
    rel.refresh_from_db()
    assert rel.status == "active" and rel.roles == [Role.LICENSING_INFO]
    assert before + timedelta(days=10) <= rel.ends_at <= timezone.now() + timedelta(days=10)
    # never more than was granted: one role, one licensing ID, the relationship's end on every grant
    assert _held(partner_admin) == {("E1000001", Role.LICENSING_INFO, Grant.Source.RELATIONSHIP)}
    assert set(Grant.objects.filter(email=partner_admin.business_email).values_list("ends_at", flat=True)) == {
        rel.ends_at
    }
    assert list(rel.administered_licences.values_list("number", flat=True)) == ["E1000001"]


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"roles": [Role.ADMINISTRATOR]}, "narrow the roles"),
        ({"roles": []}, "at least one role"),
        ({"days": 31}, "between 1 and 30 days"),
        ({"days": -1}, "between 1 and 30 days"),
        ({"numbers": ()}, "at least one licensing ID"),
    ],
)
def test_res8_a_partner_never_holds_more_than_was_asked_or_granted(
    tenant, partner, partner_admin, customer_admin, lids, terms, message
):
    kwargs = {
        "roles": terms.get("roles"),
        "days": terms.get("days"),
        "numbers": terms.get("numbers", ("E1000001",)),
        "ask_days": 30,
    }
    with pytest.raises(ApplicationError, match=message):
        _accept(partner, partner_admin, customer_admin, tenant, lids, **kwargs)
    assert not _held(partner_admin)
    assert ResellerRelationship.objects.get().status == "pending"
    assert AuditEvent.objects.filter(verb="partners.relationship_accept_refused").exists()


def test_res8_licensing_ids_the_acceptor_does_not_administer_are_refused(
    tenant, partner, partner_admin, customer_admin, lids
):
    foreign = LicensingIDFactory(organization=tenant, number="E1000009")  # Contoso's, but not Alice's
    _rel, url = _invite(partner, partner_admin)
    with pytest.raises(ApplicationError, match="only delegate licences you administer"):
        services.relationship_accept(
            token=_token(url), user=customer_admin, customer_id=tenant.pk, licensing_id_pks=[foreign.pk]
        )
    assert not _held(partner_admin)


def test_res8_a_role_held_otherwise_is_left_alone_and_survives_the_end(
    tenant, partner, partner_admin, customer_admin, lids
):
    grant(partner_admin, lids["E1000001"], Role.LICENSING_INFO)  # given by hand, no end
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, roles=TWO_ROLES)
    by_role = {g.role: g for g in Grant.objects.filter(email=partner_admin.business_email)}
    assert by_role[Role.LICENSING_INFO].ends_at is None
    assert by_role[Role.SUBSCRIPTIONS_MANAGER].ends_at == rel.ends_at
    partner_access.relationship_end_early(relationship=rel, actor=customer_admin)
    assert _held(partner_admin) == {("E1000001", Role.LICENSING_INFO, Grant.Source.MANUAL)}


def test_res8_pending_invitation_expires_after_90_days(
    client, time_machine, tenant, partner, partner_admin, customer_admin, lids
):
    time_machine.move_to(timezone.now(), tick=False)
    rel, url = _invite(partner, partner_admin)
    path = url.split("8000", 1)[1]
    time_machine.shift(timedelta(days=90) - timedelta(seconds=1))
    client.force_login(customer_admin)  # a session does not last 90 days
    assert client.get(path).status_code == 200
    time_machine.shift(timedelta(seconds=1))
    page = client.get(path)
    assert page.status_code == 400
    assert "doit être acceptée dans les 90 jours" in page.content.decode()  # Alice reads French
    assert "Northwind" in page.content.decode()  # who to ask for a new one
    terms = {"licences": [lids["E1000001"].pk], "roles": TWO_ROLES, "days": 30}
    resp = client.post(path, {"customer": tenant.pk, **terms})
    assert resp.status_code == 400
    rel.refresh_from_db()
    assert rel.status == "pending" and not _held(partner_admin)


def test_res8_the_expired_invitation_is_refused_and_audited_even_by_the_service(
    time_machine, tenant, partner, partner_admin, customer_admin, lids
):
    time_machine.move_to(timezone.now(), tick=False)
    _rel, url = _invite(partner, partner_admin)
    time_machine.shift(timedelta(days=90, hours=1))
    with pytest.raises(ApplicationError, match="within 90 days"):
        services.relationship_accept(token=_token(url), user=customer_admin, customer_id=tenant.pk)
    assert AuditEvent.objects.filter(verb="partners.relationship_accept_refused").exists()


def test_res8_existing_relationships_get_an_end_two_years_out(tenant, partner, partner_admin, customer_admin, lids):
    """The data migration keeps today's behaviour (Administrator on the delegated IDs) for two years."""
    rel = ResellerRelationship.objects.create(
        partner=partner, customer=tenant, status="active", accepted_at=timezone.now()
    )
    rel.administered_licences.add(lids["E1000001"])
    Grant.objects.create(
        licensing_id=lids["E1000001"],
        email=partner_admin.business_email,
        role=Role.ADMINISTRATOR,
        source=Grant.Source.RELATIONSHIP,
    )
    migration = importlib.import_module("partners.migrations.0006_existing_relationships_end_date_res8")
    migration.forwards(django_apps, None)
    rel.refresh_from_db()
    assert rel.roles == [Role.ADMINISTRATOR]
    assert timedelta(days=729) < rel.ends_at - timezone.now() <= timedelta(days=730)
    assert Grant.objects.get(email=partner_admin.business_email).ends_at == rel.ends_at


# ---------------------------------------------------------------- RES-9


def test_res9_a_grant_one_second_past_its_end_is_refused_on_the_next_request(
    client, time_machine, tenant, partner, partner_admin, customer_admin, lids
):
    time_machine.move_to(timezone.now(), tick=False)
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, roles=[Role.LICENSING_INFO], days=1)
    detail = reverse("agreements:detail", args=[lids["E1000001"].pk])
    client.force_login(partner_admin)
    assert client.get(detail).status_code == 200
    time_machine.move_to(rel.ends_at + timedelta(seconds=1), tick=False)
    client.force_login(partner_admin)  # a new session: the 30-minute one would send the partner to sign in
    assert client.get(detail).status_code == 404  # before any task has run
    assert ResellerRelationship.objects.get().status == "active"


def test_res9_revocation_at_the_end_is_idempotent_audited_and_emails_both_sides_once(
    client, time_machine, tenant, partner, partner_admin, customer_admin, lids, outbox
):
    time_machine.move_to(timezone.now(), tick=False)
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, roles=[Role.LICENSING_INFO], days=30)
    assert partner_access.relationships_expire() == 0  # not yet
    time_machine.move_to(rel.ends_at + timedelta(seconds=1), tick=False)
    from partners.tasks import partner_access_expiry_task

    assert partner_access_expiry_task() == 1
    assert partner_access_expiry_task() == 0  # running twice sends one email
    rel.refresh_from_db()
    assert rel.status == "expired" and rel.removed_by is None
    assert not _held(partner_admin)
    ended = outbox(template="partners/emails/relationship_access_ended")
    assert sorted(e.to_email for e in ended) == sorted([partner_admin.email, customer_admin.email])
    by_address = {e.to_email: e for e in ended}
    assert by_address[customer_admin.email].language == "fr"
    assert "a pris fin" in by_address[customer_admin.email].subject
    assert "has ended" in by_address[partner_admin.email].subject
    assert AuditEvent.objects.filter(verb="partners.relationship_expired").count() == 1
    assert AuditEvent.objects.filter(verb="permission.relationship_ended", target_email=partner_admin.email).exists()
    client.force_login(partner_admin)
    assert client.get(reverse("agreements:detail", args=[lids["E1000001"].pk])).status_code == 404


def test_res9_reminders_30_and_7_days_before_once_per_threshold(
    time_machine, tenant, partner, partner_admin, customer_admin, lids, outbox
):
    time_machine.move_to(timezone.now(), tick=False)
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, days=60)
    from partners.tasks import partner_access_reminders_task

    assert partner_access_reminders_task() == 0
    time_machine.move_to(rel.ends_at - timedelta(days=30), tick=False)
    assert partner_access_reminders_task() == 1
    assert partner_access_reminders_task() == 0
    time_machine.shift(timedelta(days=22))  # 8 days left
    assert partner_access_reminders_task() == 0
    time_machine.shift(timedelta(days=1))  # 7 days left
    assert partner_access_reminders_task() == 1
    assert partner_access_reminders_task() == 0
    reminders = outbox(template="partners/emails/relationship_access_reminder")
    assert len(reminders) == 4  # two thresholds, both sides
    assert {e.to_email for e in reminders} == {partner_admin.email, customer_admin.email}
    french = [e for e in reminders if e.to_email == customer_admin.email]
    assert [e.language for e in french] == ["fr", "fr"]
    assert "prend fin dans 30 jours" in french[0].subject and "prend fin dans 7 jours" in french[1].subject
    rel.refresh_from_db()
    assert rel.reminders_sent == [7, 30]
    assert AuditEvent.objects.filter(verb="partners.relationship_reminded").count() == 2


def test_res9_a_late_first_run_inside_7_days_sends_only_the_7_day_reminder(
    time_machine, tenant, partner, partner_admin, customer_admin, lids, outbox
):
    time_machine.move_to(timezone.now(), tick=False)
    _accept(partner, partner_admin, customer_admin, tenant, lids, days=5)
    assert partner_access.relationships_remind() == 1
    assert partner_access.relationships_remind() == 0
    assert len(outbox(template="partners/emails/relationship_access_reminder")) == 2


def test_res9_customer_extends_to_at_most_two_years_and_reminders_start_again(
    client, time_machine, tenant, partner, partner_admin, customer_admin, lids, outbox
):
    time_machine.move_to(timezone.now(), tick=False)
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, days=10)
    partner_access.relationships_remind()
    client.force_login(customer_admin)
    url = reverse("partners:relationship_extend", args=[rel.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"days": 731})
    rel.refresh_from_db()
    assert rel.ends_at < timezone.now() + timedelta(days=11)
    assert client.post(url, {"days": 730}).status_code == 302
    rel.refresh_from_db()
    assert rel.ends_at == timezone.now() + timedelta(days=730) and rel.reminders_sent == []
    assert set(Grant.objects.filter(email=partner_admin.business_email).values_list("ends_at", flat=True)) == {
        rel.ends_at
    }
    assert AuditEvent.objects.filter(verb="partners.relationship_extended", actor=customer_admin).exists()
    assert {e.to_email for e in outbox(template="partners/emails/relationship_access_extended")} == {
        partner_admin.email,
        customer_admin.email,
    }


def test_res9_only_the_customer_extends_or_ends(client, tenant, partner, partner_admin, customer_admin, lids):
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, days=10)
    ends_at = rel.ends_at
    client.force_login(partner_admin)
    client.post(reverse("partners:relationship_extend", args=[rel.pk]), {"days": 700})
    client.post(reverse("partners:relationship_end", args=[rel.pk]))
    rel.refresh_from_db()
    assert rel.status == "active" and rel.ends_at == ends_at
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.post(reverse("partners:relationship_extend", args=[rel.pk]), {"days": 700}).status_code == 404


def test_res9_customer_ends_access_early(client, tenant, partner, partner_admin, customer_admin, lids, outbox):
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, roles=[Role.LICENSING_INFO], days=10)
    client.force_login(customer_admin)
    assert client.post(reverse("partners:relationship_end", args=[rel.pk])).status_code == 302
    rel.refresh_from_db()
    assert rel.status == "expired" and rel.removed_by == customer_admin and rel.ends_at <= timezone.now()
    assert not _held(partner_admin)
    assert AuditEvent.objects.filter(verb="partners.relationship_ended_early", actor=customer_admin).exists()
    assert {e.to_email for e in outbox(template="partners/emails/relationship_access_ended")} == {
        partner_admin.email,
        customer_admin.email,
    }
    assert partner_access.relationships_expire() == 0


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_res9_partner_asks_for_an_extension_customer_decides(
    client, time_machine, tenant, partner, partner_admin, customer_admin, lids, outbox, decision
):
    time_machine.move_to(timezone.now(), tick=False)
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, days=10)
    ends_at = rel.ends_at
    client.force_login(partner_admin)
    ask = reverse("partners:relationship_extension_request", args=[rel.pk])
    assert client.get(ask).status_code == 405
    assert client.post(ask, {"days": 20}).status_code == 302
    rel.refresh_from_db()
    assert rel.extension_requested_days == 20 and rel.extension_requested_by == partner_admin
    requested = outbox(template="partners/emails/relationship_extension_requested")
    assert [e.to_email for e in requested] == [customer_admin.email] and requested[0].language == "fr"
    # the partner cannot decide its own request
    decide = reverse("partners:relationship_extension_decide", args=[rel.pk])
    client.post(decide, {"decision": "approve"})
    rel.refresh_from_db()
    assert rel.ends_at == ends_at
    client.force_login(customer_admin)
    page = client.get(reverse("partners:partner_access")).content.decode()
    assert "20" in page and 'value="approve"' in page
    assert client.post(decide, {"decision": decision}).status_code == 302
    rel.refresh_from_db()
    assert rel.extension_requested_days is None
    if decision == "approve":
        assert rel.ends_at == ends_at + timedelta(days=20)
        assert AuditEvent.objects.filter(verb="partners.relationship_extension_approved").exists()
    else:
        assert rel.ends_at == ends_at
        assert AuditEvent.objects.filter(verb="partners.relationship_extension_declined").exists()
        declined = outbox(template="partners/emails/relationship_extension_declined")
        assert {e.to_email for e in declined} == {partner_admin.email, customer_admin.email}


def test_res9_an_approved_extension_stops_two_years_from_that_day(
    time_machine, tenant, partner, partner_admin, customer_admin, lids
):
    time_machine.move_to(timezone.now(), tick=False)
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, days=30)
    partner_access.relationship_extension_request(relationship=rel, actor=partner_admin, days=730)
    rel = partner_access.relationship_extension_decide(relationship=rel, actor=customer_admin, approve=True)
    assert rel.ends_at == timezone.now() + timedelta(days=730)


def test_res9_only_partner_admins_ask_for_extensions(client, tenant, partner, partner_admin, customer_admin, lids):
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, days=10)
    staff_member = PartnerAdminFactory(organization=partner, is_admin=False).user
    with pytest.raises(ApplicationError):
        partner_access.relationship_extension_request(relationship=rel, actor=staff_member, days=5)
    with pytest.raises(ApplicationError):
        partner_access.relationship_extension_request(relationship=rel, actor=customer_admin, days=5)


# ---------------------------------------------------------------- RES-10


def test_res10_partner_access_page_lists_roles_ids_since_until_last_used_and_recent_actions(
    client, tenant, partner, partner_admin, customer_admin, lids
):
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, roles=[Role.LICENSING_INFO], days=30)
    from licensing_portal import audit

    audit.record(actor=partner_admin, verb="permission.granted", licensing_id=lids["E1000001"], target_email="x@y.z")
    client.force_login(customer_admin)
    resp = client.get(reverse("partners:partner_access"))
    body = resp.content.decode()
    assert resp.status_code == 200
    row = resp.context["rows"][0]
    assert row["relationship"] == rel and [lid.number for lid in row["licences"]] == ["E1000001"]
    assert row["since"] == rel.accepted_at and row["until"] == rel.ends_at
    assert row["last_used"] == AuditEvent.objects.filter(verb="permission.granted").latest("created_at").created_at
    assert [e.verb for e in row["recent"]] == ["permission.granted"]
    assert "Northwind" in body and "x@y.z" in body and rel.ends_at.strftime("%Y-%m-%d") in body


def test_res10_partner_access_page_shows_nothing_to_the_partner_or_strangers(
    client, tenant, partner, partner_admin, customer_admin, lids
):
    _accept(partner, partner_admin, customer_admin, tenant, lids, ask=[Role.ADMINISTRATOR], days=30)
    for user in (partner_admin, UserFactory()):  # the partner's delegated Administrator is not the customer's own
        client.force_login(user)
        assert client.get(reverse("partners:partner_access")).context["rows"] == []


def _partners_with_access(tenant, lid, count):
    """`count` partners holding delegated access to `lid`, each with a recent action (bulk, for query counts)."""
    from agreements.models import Organization, OrganizationMember
    from licensing_portal.core.models import User

    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Partner {i:04}", kind=Organization.Kind.PARTNER) for i in range(count)]
    )
    users = User.objects.bulk_create(
        [User(email=f"p{i}@partner.example", business_email=f"p{i}@partner.example") for i in range(count)]
    )
    OrganizationMember.objects.bulk_create(
        [OrganizationMember(organization=o, user=u, is_admin=True) for o, u in zip(orgs, users, strict=True)]
    )
    ends_at = timezone.now() + timedelta(days=30)
    rels = ResellerRelationship.objects.bulk_create(
        [
            ResellerRelationship(
                partner=o,
                customer=tenant,
                status="active",
                roles=[Role.DOWNLOAD],
                ends_at=ends_at,
                accepted_at=timezone.now(),
            )
            for o in orgs
        ]
    )
    through = ResellerRelationship.administered_licences.through
    through.objects.bulk_create([through(resellerrelationship=r, licensingid=lid) for r in rels])
    AuditEvent.objects.bulk_create(
        [AuditEvent(actor=u, actor_email=u.email, verb="seat.assigned", licensing_id=lid) for u in users]
    )


@pytest.mark.parametrize("rows", [1, 50, 500])
def test_res10_partner_access_page_runs_constant_queries(
    client, django_assert_num_queries, tenant, customer_admin, lids, rows
):
    _partners_with_access(tenant, lids["E1000001"], rows)
    client.force_login(customer_admin)
    client.get(reverse("partners:partner_access"))  # warm the session and the user
    with django_assert_num_queries(QUERIES):
        resp = client.get(reverse("partners:partner_access"))
    assert resp.context["page"].paginator.count == rows and len(resp.context["rows"]) == min(rows, 25)
    assert all(row["last_used"] and len(row["recent"]) == 1 for row in resp.context["rows"])
    if rows == 500:  # the last page costs the same
        with django_assert_num_queries(QUERIES):
            last = client.get(reverse("partners:partner_access"), {"page": 20})
        assert [r["relationship"].partner.name for r in last.context["rows"]][-1] == "Partner 0499"


QUERIES = 6  # session, user, count, relationships, their licensing IDs, their recent actions


def test_res8_partner_sees_its_roles_and_end_and_res6_changes_keep_the_end(
    client, tenant, partner, partner_admin, customer_admin, lids
):
    rel = _accept(partner, partner_admin, customer_admin, tenant, lids, roles=[Role.LICENSING_INFO], days=20)
    client.force_login(partner_admin)
    body = client.get(reverse("partners:customers")).content.decode()
    assert "Licensing Info" in body and rel.ends_at.strftime("%Y-%m-%d") in body
    assert reverse("partners:relationship_extension_request", args=[rel.pk]) in body
    # RES-6: the customer adds a licensing ID later; the partner gets the same roles, ending at the same time
    services.relationship_admin_set(
        relationship=rel, licensing_id_pks=[lids["E1000001"].pk, lids["E1000002"].pk], actor=customer_admin
    )
    grants = Grant.objects.filter(email=partner_admin.business_email)
    assert set(grants.values_list("licensing_id__number", "role", "ends_at")) == {
        ("E1000001", Role.LICENSING_INFO, rel.ends_at),
        ("E1000002", Role.LICENSING_INFO, rel.ends_at),
    }


def test_res8_partner_sees_when_its_pending_invitations_expire(client, time_machine, partner, partner_admin):
    time_machine.move_to(timezone.now(), tick=False)
    rel, _url = _invite(partner, partner_admin)
    client.force_login(partner_admin)
    body = client.get(reverse("partners:index")).content.decode()
    assert "Expires on" in body and "Licensing Info" in body
    time_machine.shift(timedelta(days=90))
    client.force_login(partner_admin)
    assert rel.invitation_expired and "Expired" in client.get(reverse("partners:index")).content.decode()
