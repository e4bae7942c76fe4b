"""Ingest speed on the demo corpus: words per second into a fresh SQLite database.

    python bench/bench_ingest.py [--repeat N] [--db URL]

Prints one line per run and the median. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from workbench.ingest import ingest_paths
from workbench.store import Database

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def run_once(url: str) -> tuple[int, float]:
    db = Database(url)
    db.upgrade()
    report = ingest_paths(db, [SAMPLE], user="bench")
    db.dispose()
    return report.words, report.seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db", help="database URL (default: a new SQLite file per run)")
    args = ap.parse_args()
    rates = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            words, secs = run_once(args.db or f"sqlite:///{tmp}/bench.db")
        rates.append(words / secs)
        print(f"run {i + 1}: {words} words in {secs:.2f} s = {words / secs:,.0f} words/s")
    print(f"median: {statistics.median(rates):,.0f} words/s over {args.repeat} runs")


if __name__ == "__main__":
    main()
