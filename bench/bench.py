# ruff: noqa: T201, S603, S607 - an operator script that prints and runs wrk
"""Benchmark driver used by bench/run (issue 7, issue 13). Subcommands:

prepare      (Django, production settings) sessions and API tokens for the bench users, the page plan, and the
             query count of one request per page through the test client with CaptureQueriesContext
drive        (no Django) wrk against the running gunicorn worker, pages interleaved over several rounds, then the
             mixed rounds with a writer process changing grants elsewhere (bench_drive.py)
writer       (Django) the writer of the mixed rounds
bulk-assign  (Django) times the subscriptions hook `bulk_assign(anchors)` for the seat pool, if it exists
report       (matplotlib) JSON + CSV + PNG + generated README in the results folder (bench_report.py)
"""

from __future__ import annotations

import argparse

from bench_common import TMP


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
    p.add_argument("--mixed", default="1 10", help="writes per second of each mixed pass ('' for none)")
    p = sub.add_parser("writer")
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("bulk-assign")
    p.add_argument("--anchors", default=str(TMP / "anchors.json"))
    p.add_argument("--out", default=str(TMP / "bulk.json"))
    p = sub.add_parser("report")
    p.add_argument("--plan", default=str(TMP / "plan.json"))
    p.add_argument("--wrk", default=str(TMP / "wrk.json"))
    p.add_argument("--bulk", default=str(TMP / "bulk.json"))
    p.add_argument("--name", default="latest")
    args = parser.parse_args()
    if args.command in ("prepare", "bulk-assign"):
        from bench_prepare import bulk_assign, prepare

        {"prepare": prepare, "bulk-assign": bulk_assign}[args.command](args)
    elif args.command in ("drive", "writer"):
        from bench_drive import drive, writer

        {"drive": drive, "writer": writer}[args.command](args)
    else:
        from bench_report import report

        report(args)


if __name__ == "__main__":
    main()
