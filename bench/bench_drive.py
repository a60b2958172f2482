# ruff: noqa: T201, S603, S607 - an operator script that prints and runs wrk
"""bench.py drive and writer: wrk against the running gunicorn worker, pages interleaved over rounds, read-only
and then with a writer process changing grants in an organisation the measured users do not belong to (issue 13).
drive needs no Django; writer is a Django process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench_common import HOST, MIXED_PAGES, ROOT, TARGETS, TMP, django_setup, rotated

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


def _wrk(args, page: dict, port: int, start: int, duration: int | None = None) -> dict:
    cmd = [
        "wrk",
        "-t1",
        f"-c{args.connections}",
        f"-d{duration or args.duration}s",
        "--latency",
        "-s",
        str(_lua(page, start=start)),
        f"http://{HOST}:{port}{page['url']}",
    ]
    return parse_wrk(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _warm_up(args, pages: list[dict]) -> None:
    """One second of each GET page before round 1, not recorded: the worker's first requests (imports, template
    compilation, prepared statements, the first fragments) would otherwise weigh on round 1, hello first."""
    for page in pages:
        if page["method"] == "GET":
            for port in filter(None, (args.port, args.baseline_port)):
                _wrk(args, page, port, 0, duration=1)


def _rounds(args, pages: list[dict], sent: dict, label: str = "") -> tuple[dict, dict]:
    """args.rounds rounds of `pages` (hello first in each): {page: [wrk result per round]}, and the base-line
    runs of the same rounds (with --baseline-port). Each page with a target (TARGETS) is bracketed by hello runs,
    one before and one after it: its result carries `hello_rps`, their mean, so that the machine's speed drifting
    during a round (other work on a shared machine) weighs on the page and its yardstick alike."""
    runs: dict[str, list[dict]] = {p["name"]: [] for p in pages}
    baseline: dict[str, list[dict]] = {p["name"]: [] for p in pages if p["method"] == "GET"}
    hello = next(p for p in pages if p["name"] == "hello")

    def run(page, round_no, which="", port=None, store=None):
        result = _wrk(args, page, port or args.port, sent[page["name"]])
        # Requests still in flight when wrk stops are not counted but did reach the server.
        sent[page["name"]] += result["requests"] + 2 * args.connections
        result["load"] = _load()
        if store is not None:
            store[page["name"]].append(result)
        print(
            f"  {label}round {round_no} {which}{page['name']:<24} {result['rps']:8.1f} req/s"
            f"  p50 {result['p50_ms']:7.2f} ms"
            f"  p99 {result['p99_ms']:7.2f} ms" + (f"  NON-2xx {result['non_2xx']}" if result["non_2xx"] else "")
        )
        return result

    for round_no in range(1, args.rounds + 1):
        last_hello = None
        for page in pages:
            targets = [("", args.port, runs)]
            if args.baseline_port and page["name"] in baseline and not label:
                targets.append(("baseline ", args.baseline_port, baseline))
                targets = targets[:: 1 if round_no % 2 else -1]  # alternate which server goes first
            for which, port, store in targets:
                result = run(page, round_no, which, port, store)
            if page["name"] == "hello":
                last_hello = result
            elif page["name"] in TARGETS and last_hello is not None and not args.baseline_port:
                after = run(hello, round_no, "(bracket) ")
                result["hello_rps"] = round((last_hello["rps"] + after["rps"]) / 2, 1)
                last_hello = after
    return runs, baseline


def drive(args) -> None:
    """Rounds of every page; with --baseline-port, each GET page also runs against a second server (another
    commit on the same database) right after, so both see the same machine load (before/after). Then, for each
    rate in --mixed, the same rounds of MIXED_PAGES while a writer process changes grants elsewhere."""
    plan = json.loads(Path(args.plan).read_text())
    sent = {p["name"]: 2 for p in plan["pages"]}  # prepare used rotating values 0 and 1
    _warm_up(args, plan["pages"])
    load_before = _load()
    runs, baseline = _rounds(args, plan["pages"], sent)
    out = {"duration_s": args.duration, "rounds": args.rounds, "connections": args.connections, "runs": runs}
    if args.baseline_port:
        out["baseline_runs"] = baseline
        out["baseline_label"] = args.baseline_label
    mixed_pages = [p for p in plan["pages"] if p["name"] in MIXED_PAGES]
    out["mixed"] = []
    for rate in [float(r) for r in args.mixed.replace(",", " ").split() if float(r) > 0]:
        report = TMP / f"writer-{rate:g}.json"
        writer = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, str(ROOT / "bench" / "bench.py"), "writer", "--rate", str(rate), "--out", str(report)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            if writer.stdout.readline().strip() != "ready":
                raise SystemExit("the bench writer did not start")
            mixed_runs, _ = _rounds(args, mixed_pages, sent, label=f"{rate:g} writes/s ")
        finally:
            writer.send_signal(signal.SIGTERM)
            writer.wait(30)
        out["mixed"].append(
            {
                "writes_per_s": int(rate) if rate.is_integer() else rate,
                "runs": mixed_runs,
                "writer": json.loads(report.read_text()),
            }
        )
    out["load"] = {"before": load_before, "after": _load()}
    Path(args.out).write_text(json.dumps(out, indent=2))


def writer(args) -> None:
    """Grant writes at --rate per second, each its own transaction, on a licensing ID of an organisation none of
    the measured users holds anything in: they may only cost the measured pages through shared resources (a
    global version row, a cache emptied for everybody, the machine), which is what the mixed rounds measure."""
    django_setup()
    from agreements.models import LicensingID
    from permissions.models import Grant, Role

    anchors = json.loads((TMP / "anchors.json").read_text())
    measured = [anchors["power_user"], anchors["hot_admin"]]
    theirs = Grant.objects.filter(email__in=measured).values("licensing_id__organization_id")
    lid = (
        LicensingID.objects.exclude(organization_id__in=theirs)
        .filter(parent__isnull=True)
        .exclude(pk=anchors["hot_licensing_id"])
        .order_by("pk")
        .first()
    )
    stop = False

    def _stop(*_args):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    emails = [f"bench-writer-{n:02d}@writer.example" for n in range(20)]
    Grant.objects.filter(email__in=emails).delete()
    print("ready", flush=True)
    interval, done, started, errors = 1 / args.rate, 0, time.monotonic(), 0
    while not stop:
        email = emails[done % len(emails)]
        try:
            if done // len(emails) % 2 == 0:  # 20 grants added, then the same 20 removed, and so on
                Grant.objects.create(licensing_id=lid, email=email, role=Role.DOWNLOAD)
            else:
                Grant.objects.filter(licensing_id=lid, email=email).delete()
        except Exception:  # noqa: BLE001 - counted; the bench goes on
            errors += 1
        done += 1
        time.sleep(max(0.0, started + done * interval - time.monotonic()))
    elapsed = time.monotonic() - started
    Grant.objects.filter(email__in=emails).delete()
    result = {
        "licensing_id": lid.pk,
        "organization": lid.organization_id,
        "writes": done,
        "errors": errors,
        "seconds": round(elapsed, 1),
        "achieved_per_s": round(done / elapsed, 2) if elapsed else 0,
    }
    Path(args.out).write_text(json.dumps(result, indent=2))
