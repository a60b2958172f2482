"""Property-based hostile input for any form (SEC-3): POST generated values and check the portal holds.

    fuzz_form(client, "/profile/", ["first_name", "last_name", "contact_email", "language"],
              snapshot=lambda: list(User.objects.values()))

Every entry of PAYLOADS is first sent in every field at once, then `max_examples` generated submissions.
For each submission: the answer is never a 5xx; a refused submission (anything but a redirect)
changes nothing that `snapshot()` sees (no partial write); markup sent in a field never comes back unescaped.
`fields` maps a field name to a hypothesis strategy, or lists names that all get `hostile_text()`.
`on_success(data, before, after)` may check an accepted submission (e.g. all fields saved, not some).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

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
    "",
    " ",
]


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(PAYLOADS),
        st.text(max_size=80),
        st.builds(lambda chunk, times: chunk * times, st.text(min_size=1, max_size=4),
                  st.integers(min_value=100, max_value=3000)),
        st.builds(lambda a, b: a + b, st.sampled_from(PAYLOADS), st.text(max_size=20)),
        st.emails().map(str),
    )


MARKUP = re.compile(r"<[a-zA-Z/!]")


def fuzz_form(client, url: str, fields: Iterable[str] | dict[str, st.SearchStrategy], *,
              snapshot: Callable[[], Any], fixed: dict[str, str] | None = None, max_examples: int = 30,
              on_success: Callable[[dict, Any, Any], None] | None = None) -> None:
    strategies = (dict(fields) if isinstance(fields, dict) else {name: hostile_text() for name in fields})
    strategies = {name: strategy if strategy is not None else hostile_text() for name, strategy in strategies.items()}

    def check(data: dict[str, str]) -> None:
        payload = {**(fixed or {}), **data}
        before = snapshot()
        response = client.post(url, payload)
        assert response.status_code < 500, f"{url} answered {response.status_code} to {payload!r:.300}"
        after = snapshot()
        if response.status_code in (301, 302, 303):
            if on_success is not None:
                on_success(payload, before, after)
            body = client.get(response["Location"]).content.decode(errors="replace")
        else:
            assert after == before, f"{url} refused {payload!r:.300} but changed data"
            body = response.content.decode(errors="replace")
        for name, value in data.items():
            if MARKUP.search(value) and len(value) < 5000:
                assert value not in body, f"{name}={value!r:.100} came back unescaped from {url}"

    for value in PAYLOADS:  # every classic in every field, then generated submissions
        check({name: value for name in strategies})

    @settings(max_examples=max_examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(st.fixed_dictionaries(strategies))
    def submit(data: dict[str, str]) -> None:
        check(data)

    submit()
