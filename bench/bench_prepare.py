# ruff: noqa: T201, S603, S607 - an operator script that prints and runs wrk
"""bench.py prepare and bulk-assign (Django, production settings): sessions and API tokens for the bench users,
the page plan, the query count of one request per page, in-process cold/warm latencies; the bulk hook."""

from __future__ import annotations

import json
import platform
import secrets
import statistics
import time
from pathlib import Path

from bench_common import HOST, django_setup, rotated

API = "/api/v1"


def page_specs(anchors: dict) -> list[dict]:
    """Each page: url name (with fallbacks), kwargs, who looks at it, and how."""
    power, admin = anchors["power_user"], anchors["hot_admin"]
    return [
        {"name": "hello", "urls": ["core:bench_hello"], "user": power},
        {"name": "my_permissions", "urls": ["permissions:my_permissions", "agreements:list"], "user": power},
        {"name": "agreements_list", "urls": ["agreements:list"], "user": power},
        {
            "name": "manage_users",
            "urls": ["permissions:manage_users"],
            "kwargs": {"pk": anchors["hot_licensing_id"]},
            "user": admin,
        },
        {
            "name": "permission_check",
            "urls": ["agreements:access"],
            "kwargs": {"pk": anchors["power_user_licensing_id"]},
            "user": power,
        },
        {
            "name": "agreement_detail",
            "urls": ["agreements:detail"],
            "kwargs": {"pk": anchors["power_user_licensing_id"]},
            "user": power,
        },
        {
            "name": "open_license_add",
            "urls": ["partners:open_license_add"],
            "method": "POST",
            "data": anchors.get("open_license_post"),
            "rotation": anchors.get("open_license_rotation"),
            "user": anchors.get("open_license_user", power),
        },
        *api_specs(anchors),
    ]


def api_specs(anchors: dict) -> list[dict]:
    """The API list endpoints (issue 14), each with `Authorization: Bearer <token of its user>`."""
    power, admin = anchors["power_user"], anchors["hot_admin"]
    pool_user = anchors.get("pool_manager", admin)
    hot, pool = anchors["hot_licensing_id"], anchors.get("bench_pool")
    specs = [
        ("api_licensing_ids", f"{API}/licensing-ids/", power),
        ("api_grants", f"{API}/licensing-ids/{hot}/grants/", admin),
        ("api_permission_requests", f"{API}/permission-requests/", admin),
        ("api_audit_events", f"{API}/audit-events/", admin),
        ("api_pools", f"{API}/pools/", pool_user),
        ("api_pool_seats", f"{API}/pools/{pool}/seats/" if pool else None, pool_user),
        ("api_relationships", f"{API}/relationships/", power),
        ("api_customers", f"{API}/customers/", power),
    ]
    return [{"name": name, "path": path, "user": user, "api": True} for name, path, user in specs]


def cold_and_warm(send, fragments, hello, times: int = 60) -> dict:
    """Median in-process latency of a GET page as served (cached fragments warm) and with the fragment cache
    emptied before each request: what the first view after a permission change costs (issue 7). `cold_all_ms`:
    the static fragments (language and code only: navigation, stylesheets, empty forms) emptied too, as after a
    restart (issue 13). Each page request follows two hello requests, the second timed: the median of those is the
    page's `hello_ms`. The machine's speed drifts between pages as it does within a wrk round, so both sides are
    timed together; the untimed one keeps the page's garbage and cache misses out of hello's time."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def timed(request) -> float:
        started = time.perf_counter()
        request()
        return (time.perf_counter() - started) * 1000

    def medians(before) -> tuple[float, float]:
        page_ms, hello_ms = [], []
        for index in range(times):
            hello(index)
            hello_ms.append(timed(lambda index=index: hello(index)))
            before()
            page_ms.append(timed(lambda index=index: send(index)))
        return round(statistics.median(page_ms), 3), round(statistics.median(hello_ms), 3)

    warm, _ = medians(lambda: None)
    cold, hello_ms = medians(fragments.clear)
    cold_all, hello_all_ms = medians(lambda: (fragments.clear(), caches["static_fragments"].clear()))
    fragments.clear()
    with CaptureQueriesContext(connection) as queries:
        send(0)
    return {
        "warm_ms": warm,
        "cold_ms": cold,
        "cold_hello_ms": hello_ms,
        "cold_all_ms": cold_all,
        "cold_all_hello_ms": hello_all_ms,
        "cold_queries": len(queries),
    }


def _api_token(user) -> str:
    """A personal API token of `user` (issue 14), created through the service like any other."""
    from licensing_portal.api.services import api_token_create

    _token, raw = api_token_create(creator=user, name=f"bench {secrets.token_hex(4)}")
    return raw


def prepare(args) -> None:
    django_setup()
    from urllib.parse import urlencode

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    fragments = caches["fragments"]
    anchors = json.loads(Path(args.anchors).read_text())
    users = get_user_model().objects
    sessions: dict[str, str] = {}
    tokens: dict[str, str] = {}
    plan = {"pages": [], "skipped": []}
    hello = None  # hello's sender, once its page (the first) is prepared
    for spec in page_specs(anchors):
        if spec.get("api"):
            if spec["path"] is None:
                plan["skipped"].append({"name": spec["name"], "reason": "no bench pool in the anchors"})
                continue
            if spec["user"] not in tokens:
                tokens[spec["user"]] = _api_token(users.get(email=spec["user"]))
            spec = {**spec, "urls": [spec["path"]], "token": tokens[spec["user"]]}
        url, url_name = None, None
        for candidate in spec["urls"]:
            if candidate.startswith("/"):
                url, url_name = candidate, candidate
                break
            try:
                url, url_name = reverse(candidate, kwargs=spec.get("kwargs")), candidate
                break
            except NoReverseMatch:
                continue
        if url is None:
            plan["skipped"].append({"name": spec["name"], "reason": f"url {spec['urls'][0]} does not exist yet"})
            continue
        method = spec.get("method", "GET")
        if method == "POST" and not spec.get("data"):
            plan["skipped"].append({"name": spec["name"], "reason": "no bench POST data (partners/bench.py hook)"})
            continue
        if spec.get("api"):
            headers = {"Authorization": f"Bearer {spec['token']}"}
            client = Client(HTTP_HOST=HOST, headers=headers)
        elif spec["user"] not in sessions:
            client = Client()
            client.force_login(users.get(email=spec["user"]))
            sessions[spec["user"]] = client.cookies[settings.SESSION_COOKIE_NAME].value
        body = ""
        if not spec.get("api"):
            csrf = secrets.token_hex(16)  # 32 characters: an unmasked secret the header may carry as is
            cookie = f"{settings.SESSION_COOKIE_NAME}={sessions[spec['user']]}; {settings.CSRF_COOKIE_NAME}={csrf}"
            headers = {"Cookie": cookie, "X-CSRFToken": csrf}
            if method == "POST":
                body = urlencode(spec["data"])
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            client = Client(HTTP_HOST=HOST, headers={"X-CSRFToken": csrf})
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[spec["user"]]
            client.cookies[settings.CSRF_COOKIE_NAME] = csrf

        rotation = spec.get("rotation")

        data = spec.get("data")

        def send(index, client=client, url=url, method=method, data=data, rotation=rotation):
            if method != "POST":
                return client.get(url)
            if rotation:  # a fresh value per request, so that each one takes the success path
                data = {**data, rotation["field"]: rotated(rotation, index)}
            return client.post(url, data)

        send(0)  # warm-up: imports, template loading, per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = send(1)
        ok = response.status_code in ((200, 302, 303) if method == "POST" else (200,))
        if spec["name"] == "hello" and ok:  # the first page: the yardstick each cold page is timed beside
            hello = send
        timed_cold = ok and hello and method == "GET" and not spec.get("api")
        cold = cold_and_warm(send, fragments, hello) if timed_cold else {}
        entry = {
            "name": spec["name"],
            "url_name": url_name,
            "url": url,
            "method": method,
            "body": body,
            "headers": headers,
            "user": spec["user"],
            "status": response.status_code,
            "queries": len(queries),
            "bytes": len(response.content),
            "note": "" if url_name == spec["urls"][0] else f"fallback: {url_name}",
            "rotation": rotation,
            **cold,
        }
        if not ok:
            plan["skipped"].append({"name": spec["name"], "reason": f"{url} answered {response.status_code}"})
            continue
        plan["pages"].append(entry)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    import django

    plan["data"] = {}
    with connection.cursor() as cursor:
        for label, table in (
            ("organisations", "agreements_organization"),
            ("licensing IDs", "agreements_licensingid"),
            ("grants", "permissions_grant"),
            ("users", "core_user"),
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constant table names
            plan["data"][label] = cursor.fetchone()[0]
    plan["versions"] = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
    }
    Path(args.out).write_text(json.dumps(plan, indent=2))
    for page in plan["pages"]:
        print(
            f"  {page['name']:<18} {page['method']:<4} {page['url']:<28} {page['queries']:>3} queries "
            f"{page['bytes']:>7} bytes {page['note']}"
        )
        if "cold_ms" in page:
            print(
                f"  {'':<18} in process: {page['warm_ms']:.2f} ms, {page['cold_ms']:.2f} ms and "
                f"{page['cold_queries']} queries with no cached fragment (the first view after a permission change)"
            )
    for skipped in plan["skipped"]:
        print(f"  {skipped['name']:<18} skipped: {skipped['reason']}")


def bulk_assign(args) -> None:
    import importlib.util

    anchors = json.loads(Path(args.anchors).read_text())
    result = {"name": "bulk_assign_1000", "skipped": None}
    django_setup()
    if importlib.util.find_spec("subscriptions.bench") is None:
        result["skipped"] = "subscriptions/bench.py does not exist yet"
    else:
        import importlib

        hook = getattr(importlib.import_module("subscriptions.bench"), "bulk_assign", None)
        if hook is None:
            result["skipped"] = "subscriptions/bench.py has no bulk_assign(anchors)"
        else:
            # The hook times and counts the service call itself (setup reads excluded).
            result.update(hook(anchors))
            budget = result.get("query_budget")
            if budget is not None:
                result["meets_budget"] = result["queries"] <= budget
    print(f"  bulk assignment: {result}")
    Path(args.out).write_text(json.dumps(result, indent=2))
