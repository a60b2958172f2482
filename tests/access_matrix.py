"""Access matrix registry (SEC-1, SEC-2): who may reach every URL of the portal.

tests/test_access_matrix.py walks EVERY url pattern from the root resolver. Paths under FRAMEWORK_PREFIXES
(Django admin, allauth + mfa) are framework-owned and get one representative check each; every other url name
must be classified by exactly one `Case`, or the test fails ("unclassified url name").

Where cases live
----------------
* `tests/<app>/access_cases.py` for each app (imported automatically when the file exists) defines:

      from tests.access_matrix import ADMINS, ALL_ROLES, Case, Kind

      CASES = [
          Case("partners:index", Kind.LOGIN),                     # anonymous -> login; any signed-in user 200
          Case("core:home", Kind.PUBLIC),                         # anonymous 200 (landing page, i18n)
          Case("partners:deny_access", Kind.TOKEN,                # link sent by email: anonymous is never sent
               kwargs={"token": "not-a-token"}),                  #   to the login page, and a bad token is < 500
          Case("agreements:detail", Kind.TENANT,                  # an object of the licensing ID world["lid"]
               kwargs=lambda w: {"pk": w["lid"].pk}, allowed=ALL_ROLES),
          Case("permissions:manage_users", Kind.TENANT, kwargs=lambda w: {"pk": w["lid"].pk}, allowed=ADMINS),
          Case("permissions:remove_self", Kind.TENANT, method="post", kwargs=..., allowed=ALL_ROLES),
      ]

      def extend_world(world: dict) -> None:                      # optional: objects your kwargs need
          world["pool"] = PoolFactory(licensing_id=world["lid"])

* FALLBACK_CASES below classify urls of apps that have no access_cases.py yet; an app module's case for the
  same name replaces the fallback one. Two app modules classifying one name is an error.

Kinds and what is asserted
--------------------------
PUBLIC  anonymous gets a status in `ok` (default 200/204/302 but never a redirect to the login page).
LOGIN   anonymous is redirected to the login page; every persona gets a status in `ok` (default 200). For
        pages that show only the signed-in user's own data.
STAFF   a support-staff tool outside admin/: anyone but staff is sent to the admin login; staff get `ok`.
TOKEN   anonymous is not redirected to the login page and gets < 500 (default: a bad token).
TENANT  anonymous -> login redirect; personas named in `allowed` -> status in `ok` (default {200} for GET,
        {200, 302, 400} for POST); EVERY other persona -> 404 (another tenant's / unauthorised object looks
        missing). With method="post", an allowed persona's GET must answer 405 (SEC-2: GET changes nothing).
        `data` (dict or callable(world)) is the POST body; keep it a no-op or self-contained.
        `denied=403` is for partner-programme pages, which tell a non-partner they are not recognised (RES-4c).
API     /api/v1/ (API-1, API-2): anonymous -> 401; each persona calls with a personal token of their own and no
        session: personas in `allowed` -> `ok`, every other persona -> 404 (another organisation's object); a
        revoked and an expired token of an allowed persona -> 401; service tokens of Contoso (made by its
        administrator) and of Fabrikam (by other_org_admin) answer as their creators do. POST bodies are JSON.

The world (fresh for each case)
-------------------------------
world["mbsa"], world["lid"] (Contoso's enterprise enrollment under the MBSA), world["tenant"],
world["other_tenant"], world["other_lid"] (Fabrikam's), world["partner_org"], world["users"][persona] where the
personas are: one per role held directly on lid (the Role values: "administrator", "licensing_info",
"download", "product_keys", "sa_manager", "online_services_manager", "subscriptions_manager"),
"inherited_admin" (Administrator of the MBSA), "other_org_admin" (Administrator of Fabrikam's licensing ID),
"partner" (partner staff with an Open License grant on another customer's licence, nothing on lid) and
"staff" (is_staff + is_superuser, verified business email, no grants).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

from permissions.models import Role

FRAMEWORK_PREFIXES = ("admin/", "accounts/")


class Kind:
    PUBLIC = "public"
    LOGIN = "login"
    TOKEN = "token"
    TENANT = "tenant"
    STAFF = "staff"
    API = "api"  # /api/v1/: tokens, not sessions (tests/api/access_cases.py)


ROLE_PERSONAS = tuple(Role.values)
ALL_ROLES = frozenset(ROLE_PERSONAS) | {"inherited_admin"}
ADMINS = frozenset({Role.ADMINISTRATOR.value, "inherited_admin"})
OUTSIDERS = ("other_org_admin", "partner", "staff")
PERSONAS = (*ROLE_PERSONAS, "inherited_admin", *OUTSIDERS)


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    kwargs: dict | Callable[[dict], dict] = field(default_factory=dict)
    method: str = "get"
    allowed: frozenset[str] = frozenset()
    ok: frozenset[int] | None = None
    data: dict | Callable[[dict], dict] = field(default_factory=dict)
    denied: int = 404  # what a persona outside `allowed` gets (403 only for "you are not a partner" pages)

    def resolve_kwargs(self, world: dict) -> dict:
        return self.kwargs(world) if callable(self.kwargs) else dict(self.kwargs)

    def resolve_data(self, world: dict) -> dict[str, Any]:
        return self.data(world) if callable(self.data) else dict(self.data)

    def ok_statuses(self) -> frozenset[int]:
        if self.ok is not None:
            return self.ok
        if self.kind == Kind.PUBLIC:
            return frozenset({200, 204, 302})
        if self.method == "post":
            return frozenset({200, 302, 400})
        return frozenset({200})


FALLBACK_CASES = [
    # Placeholders of apps whose helpers add their own tests/<app>/access_cases.py.
    Case("partners:index", Kind.LOGIN),
    Case("subscriptions:index", Kind.LOGIN),
]


def app_case_modules():
    """tests.<app>.access_cases for every installed app that has one."""
    modules = []
    for config in apps.get_app_configs():
        label = config.name.rsplit(".", 1)[-1]
        name = f"tests.{label}.access_cases"
        if importlib.util.find_spec(f"tests.{label}") and importlib.util.find_spec(name):
            modules.append(importlib.import_module(name))
    return modules


def registry() -> dict[str, Case]:
    cases = {c.name: c for c in FALLBACK_CASES}
    claimed: dict[str, str] = {}
    for module in app_case_modules():
        for case in module.CASES:
            if case.name in claimed:
                raise AssertionError(f"{case.name} is classified by {claimed[case.name]} and {module.__name__}")
            claimed[case.name] = module.__name__
            cases[case.name] = case
    return cases


def build_world() -> dict:
    from agreements.models import Organization, OrganizationMember, Program
    from permissions.models import Grant
    from tests.factories import LicensingIDFactory, OrganizationFactory, UserFactory, grant

    tenant = OrganizationFactory(name="Contoso")
    other_tenant = OrganizationFactory(name="Fabrikam")
    partner_org = OrganizationFactory(name="Northwind", kind=Organization.Kind.PARTNER)
    mbsa = LicensingIDFactory(organization=tenant, program=Program.MBSA)
    lid = LicensingIDFactory(organization=tenant, parent=mbsa)
    other_lid = LicensingIDFactory(organization=other_tenant)
    partners_customer_lid = LicensingIDFactory(organization=OrganizationFactory(), program=Program.OPEN_LICENSE)
    users = {}
    for role in ROLE_PERSONAS:
        users[role] = grant(UserFactory(email=f"{role}@contoso.example"), lid, role)
    users["inherited_admin"] = grant(UserFactory(email="parent-admin@contoso.example"), mbsa, Role.ADMINISTRATOR)
    users["other_org_admin"] = grant(UserFactory(email="admin@fabrikam.example"), other_lid, Role.ADMINISTRATOR)
    users["partner"] = UserFactory(email="staff@northwind.example")
    OrganizationMember.objects.create(organization=partner_org, user=users["partner"])
    Grant.objects.create(
        licensing_id=partners_customer_lid,
        email=users["partner"].business_email,
        role=Role.DOWNLOAD,
        source=Grant.Source.RESELLER,
    )
    users["staff"] = UserFactory(email="support@portal.example", is_staff=True, is_superuser=True)
    world = {
        "tenant": tenant,
        "other_tenant": other_tenant,
        "partner_org": partner_org,
        "mbsa": mbsa,
        "lid": lid,
        "other_lid": other_lid,
        "users": users,
    }
    for module in app_case_modules():
        if hasattr(module, "extend_world"):
            module.extend_world(world)
    return world


def visitor(case: Case, world: dict):
    """Someone the case lets in: nobody for public and token pages, else staff, a signed-in user, or an allowed
    persona."""
    if case.kind in (Kind.PUBLIC, Kind.TOKEN):
        return None
    if case.kind == Kind.STAFF:
        return world["users"]["staff"]
    if case.kind == Kind.LOGIN:
        return world["users"]["administrator"]
    return world["users"][sorted(case.allowed)[0]]
