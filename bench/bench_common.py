"""What every bench module shares: paths, the server address, the targets, Django set-up (bench/bench.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TMP = ROOT / "bench" / "tmp"
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR", TMP / "results"))  # bench/run chooses (BENCH_PUBLISH=1)
HOST = "127.0.0.1"

# Throughput of each page as a share of the bare hello view (the framework's own limit on this stack), read-only
# and with a writer changing grants elsewhere at 10 writes/s (issue 13).
TARGETS = {"my_permissions": 0.5, "manage_users": 0.5, "permission_check": 0.8}
MIXED_TARGETS = {10: TARGETS}
# In-process latency of hello over the page's, nothing cached (the first view after a permission change).
COLD_TARGETS = {"my_permissions": 0.3, "manage_users": 0.3}
# The pages the mixed rounds run (hello is the yardstick of each round).
MIXED_PAGES = ("hello", "my_permissions", "manage_users", "permission_check")


def django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensing_portal.settings.production")
    import django

    django.setup()


def rotated(rotation: dict, index: int) -> str:
    """The index-th value of a rotating POST field (e.g. the n-th bench Open License number)."""
    return f"{rotation['prefix']}{index % rotation['count']:0{rotation['width']}d}"
