# ruff: noqa: T201, S603, S607 - an operator script that prints and runs wrk
"""bench.py report: JSON + CSV + PNG + the results README (generated from the JSON) in the results folder
(bench/tmp/results by default, the committed bench/results with BENCH_PUBLISH=1)."""

from __future__ import annotations

import csv
import json
import os
import platform
import re
import statistics
import subprocess
import time
from pathlib import Path

from bench_common import COLD_TARGETS, MIXED_TARGETS, RESULTS, TARGETS, TMP
from bench_readme import write_readme


def _ratio(runs: list[dict], hello_runs: list[dict]) -> tuple[float, list[float]]:
    """Median over rounds of page req/s ÷ hello req/s in the same round (load from elsewhere drifts): the mean of
    the hello runs just before and after the page where the drive bracketed it, else the round's hello."""
    rounds = [round(r["rps"] / r.get("hello_rps", h["rps"]), 3) for r, h in zip(runs, hello_runs, strict=True)]
    return round(statistics.median(rounds), 3), rounds


def _mixed(wrk: dict) -> dict:
    runs = []
    for mixed in wrk.get("mixed", []):
        hello = mixed["runs"]["hello"]
        targets = MIXED_TARGETS.get(int(mixed["writes_per_s"]), {})
        pages = {}
        for name, page_runs in mixed["runs"].items():
            if name == "hello":
                continue
            ratio, rounds = _ratio(page_runs, hello)
            target = targets.get(name)
            pages[name] = {
                "ratio": ratio,
                "ratio_rounds": rounds,
                "rps_median": round(statistics.median(r["rps"] for r in page_runs), 1),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in page_runs), 2),
                "non_2xx": sum(r["non_2xx"] for r in page_runs),
                "target_ratio": target,
                "meets_target": None if target is None else ratio >= target,
            }
        runs.append(
            {
                "writes_per_s": mixed["writes_per_s"],
                "hello_rps_median": round(statistics.median(r["rps"] for r in hello), 1),
                "writer": mixed["writer"],
                "pages": pages,
            }
        )
    return {"runs": runs}


def _cold(plan: dict) -> dict:
    """In-process hello latency ÷ the page's with nothing cached, against COLD_TARGETS; hello timed beside each
    page request (`cold_hello_ms`), or, in a plan from before that, hello's own warm median."""
    by_name = {p["name"]: p for p in plan["pages"]}
    pages = {}
    for name, target in COLD_TARGETS.items():
        page = by_name.get(name)
        hello = (page or {}).get("cold_hello_ms") or by_name.get("hello", {}).get("warm_ms")
        if not page or not hello or not page.get("cold_ms"):
            continue
        hello_all = page.get("cold_all_hello_ms") or hello
        ratio = round(hello / page["cold_ms"], 3)
        pages[name] = {
            "cold_ms": page["cold_ms"],
            "hello_ms": hello,
            "ratio": ratio,
            "cold_all_ms": page.get("cold_all_ms"),
            "ratio_all": round(hello_all / page["cold_all_ms"], 3) if page.get("cold_all_ms") else None,
            "target_ratio": target,
            "meets_target": ratio >= target,
        }
    return {"pages": pages}


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
        ratio, ratio_rounds = _ratio(runs, hello_runs)
        pages.append(
            {
                "name": page["name"],
                "url_name": page["url_name"],
                "method": page["method"],
                "note": page["note"],
                "rps_median": round(rps, 1),
                "rps_rounds": [r["rps"] for r in runs],
                "ratio_to_hello": round(ratio, 3),
                "ratio_rounds": ratio_rounds,
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
            "ratio = median over rounds of page/hello in the same round (target pages: hello just before and after)",
            "queries": "one request per page through django.test.Client + CaptureQueriesContext, "
            "after one warm-up request, separate process, same database",
            "cold": "in-process median of 60 requests through django.test.Client with the fragment cache "
            "emptied before each (the first view after a permission change), against 60 as served; each one "
            "after two hello requests, the second timed: their median is the cold ratio's hello",
        },
        "pages": pages,
        "skipped": plan["skipped"],
        "bulk_assign": bulk,
        "mixed": _mixed(wrk),
        "cold": _cold(plan),
        "load": wrk.get("load"),
        "data": {**_data(), "counts": plan.get("data")},
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
    try:
        _chart(pages, result, RESULTS / f"{args.name}.png")
    except ImportError:  # BENCH_PYTHON without the bench group (matplotlib): no chart, the rest stands
        print("  (no chart: matplotlib is not installed in this Python)")
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
    for run in result["mixed"]["runs"]:
        line = ", ".join(f"{name} {page['ratio']:.2f}" for name, page in run["pages"].items())
        print(f"  {run['writes_per_s']:g} writes/s elsewhere (× hello in the same round): {line}")
    for name, page in result["cold"]["pages"].items():
        print(f"  cold {name}: {page['cold_ms']:.1f} ms vs hello {page['hello_ms']:.1f} ms = {page['ratio']:.2f}")
    write_readme(RESULTS)
    print(f"  results: {RESULTS / args.name}.json .csv .png, {RESULTS / 'README.md'}")


def _data() -> dict:
    anchors_path = TMP / "anchors.json"
    if not anchors_path.exists():
        return {}
    anchors = json.loads(anchors_path.read_text())
    return {"seed": anchors.get("seed"), "scale": anchors.get("scale")}


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
