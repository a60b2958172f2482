"""bench/: a target page's ratio is taken against the hello runs just before and after it, and a cold page's against
the hello requests timed beside it (issue 13)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_report import _cold, _ratio  # noqa: E402 - bench/ is a folder of scripts, not a package


def test_a_bracketed_page_is_compared_with_its_neighbouring_hello_runs():
    hello = [{"rps": 500.0}, {"rps": 500.0}, {"rps": 500.0}]
    # Round 3: the machine slowed down after the round's first hello; the hello runs around the page saw it.
    page = [{"rps": 400.0, "hello_rps": 500.0}, {"rps": 410.0, "hello_rps": 500.0}, {"rps": 300.0, "hello_rps": 375.0}]
    assert _ratio(page, hello) == (0.8, [0.8, 0.82, 0.8])


def test_an_unbracketed_page_is_compared_with_the_rounds_hello():
    assert _ratio([{"rps": 100.0}, {"rps": 150.0}], [{"rps": 400.0}, {"rps": 300.0}]) == (0.375, [0.25, 0.5])


def test_a_cold_page_is_compared_with_the_hello_requests_timed_beside_it():
    # hello's own median (warm_ms) was timed first, on a faster moment of the machine than the page's requests.
    plan = {
        "pages": [
            {"name": "hello", "warm_ms": 1.0},
            {
                "name": "manage_users",
                **{"cold_ms": 4.0, "cold_hello_ms": 1.2, "cold_all_ms": 6.0, "cold_all_hello_ms": 1.5},
            },
        ]
    }
    cold = _cold(plan)["pages"]["manage_users"]
    assert (cold["hello_ms"], cold["ratio"], cold["ratio_all"]) == (1.2, 0.3, 0.25)
    assert cold["meets_target"]
