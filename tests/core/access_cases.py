"""Access cases of the core app (format: tests/access_matrix.py)."""

from tests.access_matrix import Case, Kind

CASES = [
    Case("core:home", Kind.PUBLIC),
    Case("core:profile", Kind.LOGIN),
    Case("core:business_email", Kind.LOGIN),
    Case("core:business_email_confirm", Kind.LOGIN, kwargs={"token": "not-a-token"}, ok=frozenset({400})),
    Case("core:language_set", Kind.LOGIN, method="post", data={"language": "en"}, ok=frozenset({302})),
    Case("set_language", Kind.PUBLIC, method="post", data={"language": "en"}),
]
CASES.append(Case("core:bench_hello", Kind.LOGIN))  # the benchmark's ceiling page (bench/README)
# OPS-2: only a scraper named by METRICS_TOKEN / METRICS_ALLOWED_IPS (none in tests) reads it; anyone else 404.
CASES.append(Case("metrics", Kind.PUBLIC, ok=frozenset({404})))
# OPS-1 probes: public; ready answers 503 while a dependency (here: beat's sweep) is not there.
CASES += [Case("health_live", Kind.PUBLIC), Case("health_ready", Kind.PUBLIC, ok=frozenset({200, 503}))]
