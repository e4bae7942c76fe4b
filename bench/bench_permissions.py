"""The cost of roles and privacy on the dashboard: the Oversikt call (``theme_matrix`` by actor
and phase, interviewers left out) with and without the permission check, suppression for the
resource group, and the quote drill-down with pseudonyms and scrubbing.

    python bench/bench_permissions.py [--repeat N] [--db URL]

Builds the demo database (without training) in a temporary folder unless --db is given.
Prints the median of N runs per variant. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from workbench.access import Principal, acting
from workbench.analysis import RESEARCHER_ACTORS, quotes, theme_matrix
from workbench.store import Database


def interleaved(variants: dict, repeat: int, *, warm: bool = True) -> dict[str, float]:
    """Median seconds per variant, the variants run in turn so machine load hits them alike
    (``warm``: after one untimed run of each)."""
    for fn in variants.values() if warm else ():
        fn()  # warm caches (SQLite page cache, imports)
    runs: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - t0)
    return {name: statistics.median(r) for name, r in runs.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--db", help="an existing workbench database with the demo users")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            db = Database(args.db)
        else:
            from workbench.demo import build_demo

            db, _ = build_demo(f"sqlite:///{tmp}/bench.db", train=False)
        kw = dict(by=("actor", "phase"), fill=True, exclude_actors=RESEARCHER_ACTORS)
        inner = theme_matrix.__wrapped__  # the function body without the role check

        def unchecked():
            with acting(Principal("forsker", "researcher")):
                inner(db, **kw)

        from workbench.access import authorise

        results = interleaved({
            "role check alone (authorise)": lambda: authorise(db, "ressursgruppe", "view_aggregates"),
            "theme_matrix, no check (body only)": unchecked,
            "theme_matrix as researcher (with check)": lambda: theme_matrix(db, user="forsker", **kw),
            "theme_matrix as resource group (check + suppression)":
                lambda: theme_matrix(db, user="ressursgruppe", **kw),
            "quotes samarbeid, revealed (no scrubbing)":
                lambda: quotes(db, code="samarbeid", user="forsker", reveal=True),
            "quotes samarbeid (pseudonyms + scrubbing)": lambda: quotes(db, code="samarbeid", user="forsker"),
        }, args.repeat)
        for name, secs in results.items():
            print(f"{name:<55} {secs * 1000:8.2f} ms")
        base = results["theme_matrix, no check (body only)"]
        print(f"permission check on the dashboard: +{(results['theme_matrix as researcher (with check)'] - base) * 1000:.1f} ms"
              f"; suppression: +{(results['theme_matrix as resource group (check + suppression)'] - base) * 1000:.1f} ms")
        db.dispose()


if __name__ == "__main__":
    main()
