"""Property-based hostile input for any form (SEC-3): POST generated values and check the portal holds.

    fuzz_form(client, "/profile/", ["first_name", "last_name", "contact_email", "language"],
              snapshot=lambda: list(User.objects.values()))

Every entry of PAYLOADS is first sent in every field at once, then `max_examples` generated submissions.
For each submission: the answer is never a 5xx; a refused submission (anything but a redirect)
changes nothing that `snapshot()` sees (no partial write); markup sent in a field never comes back unescaped.
`fields` maps a field name to a hypothesis strategy, or lists names that all get `hostile_text()`.
`on_success(data, before, after)` may check an accepted submission (e.g. all fields saved, not some).
`accepted(response)` tells an accepted submission from a refused one (default: a redirect that carries no
error message; pass one for forms that answer success with a page, or refuse with a redirect + message).
`shows` lists pages (or a callable giving them) that display what was accepted: each must show the markup
sent escaped. A value may be a list (multi-valued fields); each of its items is checked.

`valid` is one acceptable submission: with it, each classic is also sent alone in one field (cycling through the
fields) with the others valid, and the generated submissions make one or two fields hostile over that skeleton,
so that odd-but-valid input gets accepted and its rendering checked, not just refused.

`portal_snapshot()` is the usual `snapshot`: a content fingerprint of every portal table, in one query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1' --",
    "'; DROP TABLE core_user; --",
    "{{ 7|add:7 }}{% debug %}",
    "%s%s%s%n",
    "\x00",
    "nul\x00in the middle",
    "\r\nBcc: victim@example.com",
    "x@example.com\nBcc: victim@example.com",
    "\u202eevil.exe",
    "😀" * 80,
    "Ｆｕｌｌｗｉｄｔｈ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    "ß" * 300,
    "A" * 10_000,
    "../../../../etc/passwd",
    "99999999999999999999",  # ids past the bigint range (SEC-9)
    "9223372036854775808",
    "",
    " ",
]


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(PAYLOADS),
        st.text(max_size=80),
        st.builds(
            lambda chunk, times: chunk * times,
            st.text(min_size=1, max_size=4),
            st.integers(min_value=100, max_value=3000),
        ),
        st.builds(lambda a, b: a + b, st.sampled_from(PAYLOADS), st.text(max_size=20)),
        st.emails().map(str),
    )


MARKUP = re.compile(r"<[a-zA-Z/!]")

# Every table the portal writes to (SEC-3 "changes nothing"); sessions and framework bookkeeping are not ours.
SNAPSHOT_APPS = (
    "core",
    "agreements",
    "permissions",
    "partners",
    "subscriptions",
    "support",
    "notifications",
    "webhooks",
    "account",
    "scim",
)


def _snapshot_models(exclude: Iterable[type] = ()):
    excluded = set(exclude)
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in SNAPSHOT_APPS and m not in excluded and not m._meta.proxy and m._meta.managed
    ]


def portal_snapshot(exclude: Iterable[type] = ()) -> Callable[[], Any]:
    """A callable fingerprinting every portal table (row count + hash of every row) in one query."""
    models = _snapshot_models(exclude)
    if connection.vendor != "postgresql":
        return lambda: [(m._meta.db_table, m._default_manager.count()) for m in models]
    parts = []
    for model in models:
        table = connection.ops.quote_name(model._meta.db_table)
        # table names come from our own models, never from input
        select = f"SELECT '{model._meta.db_table}', count(*), "  # noqa: S608
        parts.append(select + f"md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")  # noqa: S608
    sql = " UNION ALL ".join(parts)

    def snapshot():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return sorted(cursor.fetchall())  # UNION ALL promises no order (a parallel append mixes the tables)

    return snapshot


def _said(response) -> list:
    """The messages this response added (not unread ones left by earlier requests)."""
    return list(getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", []))


def redirect_without_error(response) -> bool:
    if response.status_code not in (301, 302, 303):
        return False
    return not any(m.level >= messages.ERROR for m in _said(response))


def redirect_with_success(response) -> bool:
    if response.status_code not in (301, 302, 303):
        return False
    return any(m.level == messages.SUCCESS for m in _said(response))


def _has_markup(value) -> bool:
    return any(
        isinstance(item, str) and MARKUP.search(item)
        for item in (value if isinstance(value, list | tuple) else [value])
    )


def assert_escaped(body: str, value, where: str) -> None:
    """Markup sent must not come back as markup. Short values ("<a") also occur in the page's own tags."""
    for item in value if isinstance(value, list | tuple) else [value]:
        if not isinstance(item, str) or len(item) >= 5000:
            continue
        for variant in {item, item.strip()}:
            if MARKUP.search(variant) and (len(variant) >= 8 or variant in PAYLOADS):
                assert variant not in body, f"{item!r:.100} came back unescaped from {where}"


def fuzz_form(
    client,
    url: str,
    fields: Iterable[str] | dict[str, st.SearchStrategy],
    *,
    snapshot: Callable[[], Any],
    fixed: dict[str, Any] | None = None,
    max_examples: int = 30,
    on_success: Callable[[dict, Any, Any], None] | None = None,
    accepted: Callable[[Any], bool] = redirect_without_error,
    shows: Iterable[str] | Callable[[], Iterable[str]] = (),
    valid: dict[str, Any] | None = None,
) -> None:
    strategies = dict(fields) if isinstance(fields, dict) else {name: hostile_text() for name in fields}
    strategies = {name: strategy if strategy is not None else hostile_text() for name, strategy in strategies.items()}

    def check(data: dict[str, Any]) -> None:
        payload = {**(fixed or {}), **data}
        before = snapshot()
        response = client.post(url, payload)
        assert response.status_code < 500, f"{url} answered {response.status_code} to {payload!r:.300}"
        after = snapshot()
        bodies = []
        ok = accepted(response)
        if ok:
            if on_success is not None:
                on_success(payload, before, after)
            pages = shows() if callable(shows) else shows
            bodies += [(page, client.get(page)) for page in pages]
        else:
            assert after == before, f"{url} refused {payload!r:.300} but changed data"
        if response.status_code not in (301, 302, 303):
            bodies.append((url, response))
        elif ok or any(_has_markup(value) for value in data.values()):  # the page shows what was stored/said
            bodies.append((response["Location"], client.get(response["Location"])))
        for where, page in bodies:
            assert page.status_code < 500, f"{where} answered {page.status_code} after {payload!r:.300}"
            body = page.content.decode(errors="replace")
            for value in data.values():
                assert_escaped(body, value, where)

    names = list(strategies)
    for index, value in enumerate(PAYLOADS):  # every classic in every field, then generated submissions
        check(dict.fromkeys(names, value))
        if valid is not None:
            check({**valid, names[index % len(names)]: value})
    generated = st.fixed_dictionaries(strategies)
    if valid is not None:
        generated = st.sets(st.sampled_from(names), min_size=1, max_size=2).flatmap(
            lambda hostile: st.fixed_dictionaries(
                {name: strategies[name] if name in hostile else st.just(valid[name]) for name in names}
            )
        )

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(generated)
    def submit(data: dict[str, str]) -> None:
        check(data)

    submit()


def snapshot_allowing(
    *, audit_verbs: Iterable[str] = (), email_templates: Iterable[str] = (), models: Iterable[type] = ()
) -> Callable[[], Any]:
    """portal_snapshot() for forms that record a refusal on purpose (failed Open License pairs, refused
    links): those audit verbs, emails and models may change; everything else may not."""
    from licensing_portal.core.models import AuditEvent
    from notifications.models import OutgoingEmail

    base = portal_snapshot(exclude=[AuditEvent, OutgoingEmail, *models])
    verbs, templates = list(audit_verbs), list(email_templates)

    def snapshot():
        return (
            base(),
            list(AuditEvent.objects.exclude(verb__in=verbs).order_by("pk").values_list("pk", "verb")),
            list(OutgoingEmail.objects.exclude(template__in=templates).order_by("pk").values_list("pk", flat=True)),
        )

    return snapshot
