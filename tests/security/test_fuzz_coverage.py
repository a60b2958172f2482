"""Every POST url of the portal is fuzzed (SEC-3), the way tests/test_access_matrix.py makes every url classified.

A portal url name (from the root resolver; Django admin and allauth are framework-owned) is either in FUZZED,
naming the hostile-input test that covers it, or in NOT_A_FORM (pages that read no POST). A new url in neither
fails `test_every_portal_url_is_fuzzed_or_not_a_form`; a NOT_A_FORM page that turns out to act on a POST fails
`test_pages_that_are_not_forms_ignore_hostile_posts`.
"""

import importlib
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensing_portal.converters import parse_pk
from tests.access_matrix import registry, visitor
from tests.security.fuzz import PAYLOADS, fuzz_form, hostile_text, portal_snapshot
from tests.test_access_matrix import HUGE_IDS, ID_ROUTES, PORTAL_URLS, with_id

pytestmark = pytest.mark.django_db

P, PA, S, SU, H = (
    "test_fuzz_permissions",
    "test_fuzz_partners",
    "test_fuzz_subscriptions",
    "test_fuzz_support",
    "test_hostile_input",
)
C = "test_fuzz_coverage"
ID = "test_fuzz_identity"
W = "test_fuzz_webhooks"
SC = "test_fuzz_scim"

FUZZED = {
    "core:profile": f"{H}::test_profile_form_survives_hostile_input",
    "core:business_email": f"{H}::test_business_email_form_survives_hostile_input",
    "core:business_email_confirm": f"{C}::test_business_email_confirm_with_hostile_tokens",
    "core:language_set": f"{H}::test_language_switch_survives_hostile_input",
    "set_language": f"{C}::test_set_language",
    "permissions:request": f"{P}::test_request_permissions_form",
    "permissions:request_decide": f"{P}::test_request_decide",
    "permissions:manage_users": f"{P}::test_manage_users_add",
    "permissions:manage_user_edit": f"{P}::test_manage_user_edit",
    "permissions:manage_user_remove": f"{P}::test_manage_user_remove_and_deny",
    "permissions:manage_user_deny": f"{P}::test_manage_user_remove_and_deny",
    "permissions:manage_user_resend": f"{P}::test_manage_user_resend",
    "permissions:person": f"{P}::test_person_apply",
    "permissions:welcome": f"{P}::test_welcome_link_with_hostile_tokens",
    "permissions:remove_self": f"{P}::test_self_service_posts",
    "permissions:opt_out": f"{P}::test_self_service_posts",
    "permissions:opt_in": f"{P}::test_self_service_posts",
    "permissions:review_start": "test_fuzz_reviews::test_review_start",  # REV-1
    "permissions:review_decide": "test_fuzz_reviews::test_review_decide",  # REV-2
    "partners:open_license_add": f"{PA}::test_open_license_add",
    "partners:license_register": f"{PA}::test_license_register_each_route",
    "partners:order_create": f"{PA}::test_order_create",
    "partners:switch": f"{PA}::test_partner_switch",
    "partners:order_record": f"{PA}::test_staff_order_record",
    "partners:olp_register": f"{PA}::test_olp_partners_register",
    "partners:relationship_invite": f"{PA}::test_relationship_invite",
    "partners:relationship_accept": f"{PA}::test_relationship_accept",
    "partners:access_deny": f"{PA}::test_deny_link_post_with_hostile_body",
    "partners:support_contact_add": f"{PA}::test_support_contact_add",
    "partners:support_contact_remove": f"{PA}::test_support_contact_remove",
    "partners:relationship_admin": f"{PA}::test_relationship_admin",
    "partners:relationship_remove": f"{PA}::test_relationship_remove",
    "partners:people": f"{PA}::test_people_invite",
    "partners:person_remove": f"{PA}::test_person_remove",
    "partners:person_invitation_revoke": f"{PA}::test_person_invitation_revoke",
    "partners:person_accept": f"{PA}::test_person_accept",
    "partners:relationship_extend": "test_fuzz_partner_access::test_days_forms",
    "partners:relationship_extension_request": "test_fuzz_partner_access::test_days_forms",
    "partners:relationship_extension_decide": "test_fuzz_partner_access::test_extension_decide",
    "partners:relationship_end": "test_fuzz_partner_access::test_relationship_end",
    "subscriptions:seat_assign": f"{S}::test_seat_assign",
    "subscriptions:seat_edit": f"{S}::test_seat_edit",
    "subscriptions:seat_reassign": f"{S}::test_seat_reassign",
    "subscriptions:seat_remove": f"{S}::test_seat_remove",
    "subscriptions:seat_resend": f"{S}::test_seat_resend",
    "subscriptions:contact_admin": f"{S}::test_contact_admin",
    "subscriptions:pool_settings": f"{S}::test_pool_settings",
    "subscriptions:seats_remove": f"{S}::test_seats_remove",
    "subscriptions:bulk_upload": f"{S}::test_bulk_upload_hostile_files_assign_nothing",
    "subscriptions:bulk_edit": f"{S}::test_bulk_edit_hostile_files_change_nothing",
    "subscriptions:bulk_edit_detail": f"{S}::test_bulk_edit_apply",
    "subscriptions:mpn_requirements": f"{S}::test_mpn_contact_role_assign",
    "subscriptions:mpn_vs_subscriptions": f"{S}::test_mpn_privilege_assign",
    "subscriptions:mpn_contact_role_remove": f"{S}::test_mpn_removals",
    "subscriptions:mpn_subscription_remove": f"{S}::test_mpn_removals",
    "scim:organization": f"{SC}::test_scim_mapping_form",
    "scim:mapping_remove": f"{SC}::test_scim_mapping_remove",
    **{
        f"scim:{name}": f"{SC}::test_scim_protocol_survives_hostile_input"
        for name in ("root", "users", "users_search", "user", "groups", "groups_search", "group", "search", "not_found")
    },
    "support:create": f"{SU}::test_service_request_create",
    "support:message": f"{SU}::test_service_request_message",
    "identity:domain_add": f"{ID}::test_domain_add",
    "identity:sso": f"{ID}::test_sso_settings",
    "identity:domain_verify": f"{ID}::test_posts_without_fields_ignore_hostile_bodies",
    "identity:domain_remove": f"{ID}::test_posts_without_fields_ignore_hostile_bodies",
    "identity:sso_remove": f"{ID}::test_posts_without_fields_ignore_hostile_bodies",
    "webhooks:create": f"{W}::test_endpoint_create",
    "webhooks:delete": f"{W}::test_endpoint_delete",
    "webhooks:resend": f"{W}::test_delivery_resend",
}
# API-1..5: every /api/v1/ operation is generated from its own OpenAPI schema by schemathesis (hostile strings,
# numbers out of range, wrong types), and its answers are checked against that schema.
FUZZED.update(
    {name: "test_fuzz_api::test_schemathesis_every_operation" for _, name in PORTAL_URLS if name.startswith("api:")}
)
FUZZED.update(
    {
        "api_tokens:personal": "test_fuzz_api_tokens::test_api_token_forms",
        "api_tokens:organization": "test_fuzz_api_tokens::test_api_token_forms",
        "api_tokens:revoke": "test_fuzz_api_tokens::test_api_token_revoke",
    }
)
# Framework-owned urls whose forms are ours to keep safe (allauth sign-in/up/reset, admin tools with input).
FRAMEWORK_FUZZED = {
    "account_login": f"{H}::test_login_form_survives_hostile_input",
    "account_signup": f"{H}::test_signup_form_survives_hostile_input",
    "account_reset_password": f"{H}::test_password_reset_form_survives_hostile_input",
    "admin:support_servicerequest_change": f"{SU}::test_admin_reply",
    "admin:notifications_outgoingemail_changelist": f"{SU}::test_admin_outbox_resend",
    "admin:partners_openlicensesuspension_changelist": f"{SU}::test_admin_lift_suspension",
    "admin:identity_verifieddomain_changelist": f"{ID}::test_admin_verify_domains",
    "admin:webhooks_webhookdelivery_changelist": f"{W}::test_admin_delivery_resend",
}
NOT_A_FORM = {
    "core:home",
    "core:bench_hello",
    "agreements:list",
    "agreements:detail",
    "agreements:access",
    "agreements:download",
    "permissions:index",
    "permissions:my_permissions",
    "permissions:requests_inbox",
    "permissions:request_detail",
    "permissions:audit_log",
    "permissions:audit_log_all",
    "permissions:audit_export_csv",
    "permissions:audit_export_jsonl",
    "permissions:audit_export_all_csv",
    "permissions:audit_export_all_jsonl",
    "permissions:reviews",  # REV-1..3: list, detail and CSV read no POST
    "permissions:review_detail",
    "permissions:review_export",
    "metrics",
    "partners:index",
    "partners:agreement_select",
    "partners:relationship_summary",
    "partners:license_detail",
    "partners:customers",
    "partners:customer_partners",
    "partners:partner_access",
    "subscriptions:index",
    "subscriptions:my_benefits",
    "subscriptions:report",
    "subscriptions:subscribers",
    "subscriptions:subscribers_export",
    "subscriptions:subscribers_export_xlsx",
    "subscriptions:bulk_template",
    "subscriptions:bulk_status",
    "subscriptions:pool_detail",
    "subscriptions:pool_usage",  # SUB-8: read-only page and CSV
    "subscriptions:pool_usage_export",
    "subscriptions:mpn_privileges",
    "support:list",
    "support:detail",
    "identity:index",
    "identity:domain_detail",
    "webhooks:list",
    "webhooks:detail",
    "health_live",  # OPS-1 probes: GET only, no input
    "health_ready",
    "scim:index",  # IDN-3: a list of the organisations one administers
    "scim:service_provider_config",  # IDN-3 discovery: GET only, no input
    "scim:resource_types",
    "scim:resource_type",
    "scim:schemas",
    "scim:schema",
}


def _test_exists(ref: str) -> bool:
    module, _, name = ref.partition("::")
    return callable(getattr(importlib.import_module(f"tests.security.{module}"), name, None))


def test_every_portal_url_is_fuzzed_or_not_a_form():  # SEC-3
    names = {name for _, name in PORTAL_URLS}
    both = FUZZED.keys() & NOT_A_FORM
    assert not both, f"classified twice: {sorted(both)}"
    missing = sorted(names - FUZZED.keys() - NOT_A_FORM)
    assert not missing, f"POST urls without hostile-input coverage (add a fuzz test and list it in FUZZED): {missing}"
    assert not (FUZZED.keys() | NOT_A_FORM) - names, "stale names"
    for ref in [*FUZZED.values(), *FRAMEWORK_FUZZED.values()]:
        assert _test_exists(ref), f"{ref} does not exist"
    for name in FRAMEWORK_FUZZED:  # still a url (NoReverseMatch otherwise)
        assert reverse(name, args=[1] if name.endswith("_change") else [])


def test_pages_that_are_not_forms_ignore_hostile_posts(client, world):  # SEC-3 SEC-2
    cases = registry()
    snapshot = portal_snapshot()
    junk = {
        "q": PAYLOADS[0],
        "email": PAYLOADS[1],
        "name": "\x00",
        "pk": "9" * 5000,
        "licence": "²",
        "page": "' OR 1=1 --",
        "next": "//evil.example/",
        "file": "A" * 10_000,
    }
    for name in sorted(NOT_A_FORM):
        case = cases[name]
        user = visitor(case, world)
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        before = snapshot()
        response = client.post(reverse(name, kwargs=case.resolve_kwargs(world)), junk)
        assert response.status_code < 500, name
        assert snapshot() == before, f"{name} is listed as not a form but a POST changed data"


def test_set_language(client, world):  # SEC-3 ACC-5
    fuzz_form(
        client,
        reverse("set_language"),
        ["language", "next"],
        snapshot=portal_snapshot(),
        max_examples=8,
        accepted=lambda r: r.status_code in (200, 204, 302),
    )


def test_business_email_confirm_with_hostile_tokens(client, world):  # SEC-3 ACC-2
    client.force_login(world["users"]["download"])
    snapshot = portal_snapshot()

    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.one_of(st.sampled_from(PAYLOADS), hostile_text()).filter(lambda t: t.strip()))
    def visit(token):
        url = f"/profile/business-email/confirm/{quote(token, safe='')[:4000]}/"
        before = snapshot()
        for method in (client.get, client.post):
            assert method(url, {"token": token}).status_code in (400, 404), url
        assert snapshot() == before

    visit()


def ids() -> st.SearchStrategy[str]:
    """Ids as they may arrive in a URL or a query string: in range, past the bigint range, odd digits."""
    return st.one_of(
        st.sampled_from([*HUGE_IDS, str(2**63 - 1), "0", "0" * 30 + "1", "9" * 5000, "-1", "1e3", "²", "١٢"]),
        st.integers(min_value=0, max_value=2**80).map(str),
        st.text(alphabet="0123456789²١", min_size=1, max_size=25),
    )


def test_sec9_generated_ids_in_every_id_url(client, world, monkeypatch):  # SEC-9 SEC-3
    """Never a 500, whatever the id; anything SQL could not take is a 404 before any view runs. With
    CONN_MAX_AGE > 0 as in production, where the licensing ID lookup is a prepared bigint statement."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    cases = registry()
    methods = {route: cases[name].method for route, name in PORTAL_URLS if route in ID_ROUTES}
    client.force_login(world["users"]["administrator"])

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.sampled_from(ID_ROUTES), ids())
    def visit(route, value):
        url = with_id(route, quote(value, safe=""))
        status = getattr(client, methods[route])(url).status_code
        assert status < 500, url
        if parse_pk(value) is None:
            assert status == 404, url

    visit()


def test_sec9_generated_ids_in_query_strings(client, world, monkeypatch):  # SEC-9 SEC-3
    """Ids that arrive as query-string values (the partner's agreement selector, paging) never answer 500."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    client.force_login(world["users"]["partner"])
    for value in ("9" * 5000, *HUGE_IDS):  # past int()'s 4300 digits, past bigint
        for name in ("partners:agreement_select", "agreements:list", "permissions:index"):
            assert client.get(reverse(name), {"licence": value, "page": value}).status_code < 500, name

    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(ids())
    def visit(value):
        for name in ("partners:agreement_select", "agreements:list", "permissions:index"):
            response = client.get(reverse(name), {"licence": value, "page": value}, follow=True)
            assert response.status_code < 500, (name, value)

    visit()
