# ruff: noqa: T201, S603, S607 - an operator script that prints and runs wrk
"""Benchmark driver used by bench/run (issue 7). Subcommands:

prepare      (Django, production settings) sessions for the bench users, the page plan, and the query count of
             one request per page through the test client with CaptureQueriesContext
drive        (no Django) wrk against the running gunicorn worker, pages interleaved over several rounds
bulk-assign  (Django) times the subscriptions hook `bulk_assign(anchors)` for the seat pool, if it exists
report       (matplotlib) JSON + CSV + PNG in bench/results/
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TMP = ROOT / "bench" / "tmp"
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR", ROOT / "bench" / "results"))  # bench/run chooses
HOST = "127.0.0.1"

# Throughput of each page as a share of the bare hello view (the framework's own limit on this stack).
TARGETS = {"my_permissions": 0.5, "manage_users": 0.5, "permission_check": 0.8}


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensing_portal.settings.production")
    import django

    django.setup()


# --------------------------------------------------------------------------------------------------- prepare
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
    ]


def cold_and_warm(send, fragments, times: int = 30) -> dict:
    """Median in-process latency of a GET page as served (cached fragments warm) and with the fragment cache
    emptied before each request: what the first view after a permission change costs (issue 7)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def median_ms(before) -> float:
        samples = []
        for index in range(times):
            before()
            started = time.perf_counter()
            send(index)
            samples.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(samples), 3)

    warm = median_ms(lambda: None)
    cold = median_ms(fragments.clear)
    fragments.clear()
    with CaptureQueriesContext(connection) as queries:
        send(0)
    return {"warm_ms": warm, "cold_ms": cold, "cold_queries": len(queries)}


def rotated(rotation: dict, index: int) -> str:
    """The index-th value of a rotating POST field (e.g. the n-th bench Open License number)."""
    return f"{rotation['prefix']}{index % rotation['count']:0{rotation['width']}d}"


def prepare(args) -> None:
    _django()
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
    plan = {"pages": [], "skipped": []}
    for spec in page_specs(anchors):
        url, url_name = None, None
        for candidate in spec["urls"]:
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
        if spec["user"] not in sessions:
            client = Client()
            client.force_login(users.get(email=spec["user"]))
            sessions[spec["user"]] = client.cookies[settings.SESSION_COOKIE_NAME].value
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked secret the header may carry as is
        cookie = f"{settings.SESSION_COOKIE_NAME}={sessions[spec['user']]}; {settings.CSRF_COOKIE_NAME}={csrf}"
        headers = {"Cookie": cookie, "X-CSRFToken": csrf}
        body = ""
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
        cold = cold_and_warm(send, fragments) if ok and method == "GET" else {}
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


# ----------------------------------------------------------------------------------------------------- drive
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict:
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }
    for pct in ("50", "99"):
        result[f"p{pct}_ms"] = _ms(re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", output, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["non_2xx"] = int(bad.group(1)) if bad else 0
    result["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    return result


def _lua(page: dict, start: int = 0) -> Path:
    path = TMP / f"{page['name']}.lua"
    lines = [f'wrk.method = "{page["method"]}"']
    if page["body"]:
        lines.append(f"wrk.body = {json.dumps(page['body'])}")
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in page["headers"].items()]
    rotation = page.get("rotation")
    if rotation:
        # Each request carries the next value of the rotating field (the prepared body holds value 0).
        field, first = rotation["field"], rotated(rotation, 0)
        head, tail = page["body"].split(f"{field}={first}", 1)
        lines += [
            f"local n = {start}",
            "request = function()",
            f'  local value = string.format("{rotation["prefix"]}%0{rotation["width"]}d", n % {rotation["count"]})',
            "  n = n + 1",
            f"  return wrk.format(nil, nil, nil, {json.dumps(head + field + '=')} .. value .. {json.dumps(tail)})",
            "end",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _wrk(args, page: dict, port: int, start: int) -> dict:
    cmd = [
        "wrk",
        "-t1",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        "-s",
        str(_lua(page, start=start)),
        f"http://{HOST}:{port}{page['url']}",
    ]
    return parse_wrk(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def drive(args) -> None:
    """Rounds of every page; with --baseline-port, each GET page also runs against a second server (another
    commit on the same database) right after, so both see the same machine load (before/after)."""
    plan = json.loads(Path(args.plan).read_text())
    runs: dict[str, list[dict]] = {p["name"]: [] for p in plan["pages"]}
    baseline: dict[str, list[dict]] = {p["name"]: [] for p in plan["pages"] if p["method"] == "GET"}
    sent = {p["name"]: 2 for p in plan["pages"]}  # prepare used rotating values 0 and 1
    for round_no in range(1, args.rounds + 1):
        for page in plan["pages"]:
            targets = [("", args.port, runs)]
            if args.baseline_port and page["name"] in baseline:
                targets.append(("baseline ", args.baseline_port, baseline))
                targets = targets[:: 1 if round_no % 2 else -1]  # alternate which server goes first
            for label, port, store in targets:
                result = _wrk(args, page, port, sent[page["name"]])
                # Requests still in flight when wrk stops are not counted but did reach the server.
                sent[page["name"]] += result["requests"] + 2 * args.connections
                store[page["name"]].append(result)
                print(
                    f"  round {round_no} {label}{page['name']:<18} {result['rps']:8.1f} req/s"
                    f"  p50 {result['p50_ms']:7.2f} ms"
                    f"  p99 {result['p99_ms']:7.2f} ms"
                    + (f"  NON-2xx {result['non_2xx']}" if result["non_2xx"] else "")
                )
    out = {"duration_s": args.duration, "rounds": args.rounds, "connections": args.connections, "runs": runs}
    if args.baseline_port:
        out["baseline_runs"] = baseline
        out["baseline_label"] = args.baseline_label
    Path(args.out).write_text(json.dumps(out, indent=2))


# ----------------------------------------------------------------------------------------------- bulk-assign
def bulk_assign(args) -> None:
    import importlib.util

    anchors = json.loads(Path(args.anchors).read_text())
    result = {"name": "bulk_assign_1000", "skipped": None}
    _django()
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


# ---------------------------------------------------------------------------------------------------- report
def _machine(versions: dict) -> dict:
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" Copyright")[0]
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "wrk": wrk.strip(),
        **versions,
    }


def report(args) -> None:
    plan = json.loads(Path(args.plan).read_text())
    wrk = json.loads(Path(args.wrk).read_text())
    bulk = json.loads(Path(args.bulk).read_text()) if Path(args.bulk).exists() else None
    hello_runs = wrk["runs"]["hello"]
    pages = []
    for page in plan["pages"]:
        runs = wrk["runs"][page["name"]]
        rps = statistics.median(r["rps"] for r in runs)
        target = TARGETS.get(page["name"])
        # Each round against the hello run of the same round: load from elsewhere on the machine drifts.
        ratio = statistics.median(r["rps"] / h["rps"] for r, h in zip(runs, hello_runs, strict=True))
        pages.append(
            {
                "name": page["name"],
                "url_name": page["url_name"],
                "method": page["method"],
                "note": page["note"],
                "rps_median": round(rps, 1),
                "rps_rounds": [r["rps"] for r in runs],
                "ratio_to_hello": round(ratio, 3),
                "ratio_rounds": [round(r["rps"] / h["rps"], 3) for r, h in zip(runs, hello_runs, strict=True)],
                "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
                "queries_per_request": page["queries"],
                "non_2xx": sum(r["non_2xx"] for r in runs),
                "target_ratio": target,
                "meets_target": None if target is None else ratio >= target,
                "in_process_warm_ms": page.get("warm_ms"),
                "in_process_cold_ms": page.get("cold_ms"),
                "cold_queries": page.get("cold_queries"),
            }
        )
        base_runs = wrk.get("baseline_runs", {}).get(page["name"])
        if base_runs:
            base_hello = wrk["baseline_runs"]["hello"]
            pages[-1]["baseline"] = {
                "label": wrk.get("baseline_label", ""),
                "rps_median": round(statistics.median(r["rps"] for r in base_runs), 1),
                "ratio_to_own_hello": round(
                    statistics.median(r["rps"] / h["rps"] for r, h in zip(base_runs, base_hello, strict=True)),
                    3,
                ),
                # Same round, same machine load: how many times faster this branch serves the page.
                "speedup": round(
                    statistics.median(r["rps"] / b["rps"] for r, b in zip(runs, base_runs, strict=True)), 2
                ),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in base_runs), 2),
            }
    result = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": _machine(plan["versions"]),
        "method": {
            "server": "gunicorn, 1 sync worker, production settings (DEBUG off)",
            "load": f"wrk -t1 -c{wrk['connections']} -d{wrk['duration_s']}s --latency, "
            f"{wrk['rounds']} interleaved rounds; "
            "ratio = median over rounds of page/hello in the same round",
            "queries": "one request per page through django.test.Client + CaptureQueriesContext, "
            "after one warm-up request, separate process, same database",
            "cold": "in-process median of 30 requests through django.test.Client with the fragment cache "
            "emptied before each (the first view after a permission change), against 30 as served",
        },
        "pages": pages,
        "skipped": plan["skipped"],
        "bulk_assign": bulk,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    with (RESULTS / f"{args.name}.csv").open("w", newline="") as fh:
        fields = [
            "name",
            "url_name",
            "method",
            "rps_median",
            "ratio_to_hello",
            "target_ratio",
            "meets_target",
            "p50_ms",
            "p99_ms",
            "queries_per_request",
            "non_2xx",
            "in_process_warm_ms",
            "in_process_cold_ms",
            "cold_queries",
            "note",
            "before_rps_median",
            "before_ratio_to_own_hello",
            "speedup",
        ]
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for page in pages:
            base = page.get("baseline") or {}
            writer.writerow(
                {
                    **page,
                    "before_rps_median": base.get("rps_median"),
                    "before_ratio_to_own_hello": base.get("ratio_to_own_hello"),
                    "speedup": base.get("speedup"),
                }
            )
        if bulk and not bulk.get("skipped"):
            writer.writerow(
                {
                    "name": bulk["name"],
                    "method": "service call",
                    "queries_per_request": bulk["queries"],
                    "note": f"{bulk['assigned']} seats in {bulk['seconds']} s;"
                    f" budget {bulk.get('query_budget')} queries",
                }
            )
    _chart(pages, result, RESULTS / f"{args.name}.png")
    print(f"\n  {'page':<18} {'req/s':>8} {'× hello':>8} {'target':>7} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8}")
    for p in pages:
        target = f"{p['target_ratio']:.1f}" if p["target_ratio"] else ""
        base = p.get("baseline")
        before = (
            f"   before: {base['rps_median']:7.1f} req/s, {base['ratio_to_own_hello']:.2f} × its hello,"
            f" {base['speedup']:.2f}× faster now"
            if base
            else ""
        )
        flag = {True: " ok", False: " BELOW", None: ""}[p["meets_target"]]
        print(
            f"  {p['name']:<18} {p['rps_median']:8.1f} {p['ratio_to_hello']:8.2f} {target:>7}"
            f" {p['p50_ms']:8.2f}"
            f" {p['p99_ms']:8.2f} {p['queries_per_request']:8d}{flag}{before}"
        )
    for s in plan["skipped"]:
        print(f"  {s['name']:<18} skipped: {s['reason']}")
    if bulk and not bulk.get("skipped"):
        flag = {True: " ok", False: " ABOVE BUDGET", None: ""}[bulk.get("meets_budget")]
        print(
            f"  {bulk['name']:<18} {bulk['assigned']} seats in {bulk['seconds']:.2f} s,"
            f" {bulk['queries']} queries (budget {bulk.get('query_budget')}){flag}"
        )
    print(f"  results: {RESULTS / args.name}.json .csv .png")


def _chart(pages: list[dict], result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [p["name"] for p in pages]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bars = ax.bar(names, [p["ratio_to_hello"] for p in pages], color="#3b6ea8")
    for bar, page in zip(bars, pages, strict=True):
        ax.annotate(
            f"{page['rps_median']:.0f}/s\n{page['queries_per_request']} q",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
        if page["target_ratio"]:
            x0, x1 = bar.get_x(), bar.get_x() + bar.get_width()
            ax.plot([x0, x1], [page["target_ratio"]] * 2, color="#c0392b", linewidth=2)
    ax.set_ylabel("throughput / hello throughput")
    ax.set_ylim(0, 1.25)
    m = result["machine"]
    ax.set_title(
        f"Licensing Portal, 1 gunicorn worker, {m['nproc']} cores, Django {m['django']}, "
        f"PostgreSQL {m['postgresql'].split()[0]} (red: target)",
        fontsize=9,
    )
    plt.xticks(rotation=20, ha="right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--anchors", default=str(TMP / "anchors.json"))
    p.add_argument("--out", default=str(TMP / "plan.json"))
    p = sub.add_parser("drive")
    p.add_argument("--plan", default=str(TMP / "plan.json"))
    p.add_argument("--out", default=str(TMP / "wrk.json"))
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--duration", type=int, default=5)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--connections", type=int, default=2)
    p.add_argument("--baseline-port", type=int, default=0)
    p.add_argument("--baseline-label", default="")
    p = sub.add_parser("bulk-assign")
    p.add_argument("--anchors", default=str(TMP / "anchors.json"))
    p.add_argument("--out", default=str(TMP / "bulk.json"))
    p = sub.add_parser("report")
    p.add_argument("--plan", default=str(TMP / "plan.json"))
    p.add_argument("--wrk", default=str(TMP / "wrk.json"))
    p.add_argument("--bulk", default=str(TMP / "bulk.json"))
    p.add_argument("--name", default="latest")
    args = parser.parse_args()
    {"prepare": prepare, "drive": drive, "bulk-assign": bulk_assign, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
