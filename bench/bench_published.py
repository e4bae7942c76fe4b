"""The resource group's published tables at project scale: the two suppression modes.

    python bench/bench_published.py [--codings 100000] [--modes table,joint]

Builds a synthetic database (bench/synth.py: segments = codings / 10) and times the resource
group's first Oversikt table (``theme_matrix`` by actor and phase, every code filled), which
computes and suppresses all published tables once per state of the data, then the other
published groupings (cut from the same cached tables). Mode ``table`` is the default (project
setting ``joint_suppression`` 0: each table with its own complementary suppression), ``joint``
the setting 1 (``suppress.protect_published``). Prints seconds (wall clock, and CPU time of this
process, which a shared machine disturbs less) and hidden cells per table.
Not run by the test suite; figures are in docs/privacy.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synth import build  # noqa: E402

from workbench.analysis import theme_matrix  # noqa: E402
from workbench.analysis.aggregate import PUBLISHED_GROUPINGS  # noqa: E402
from workbench.sharing import set_setting  # noqa: E402
from workbench.users import add_user  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codings", type=int, default=100_000)
    ap.add_argument("--modes", default="table,joint")
    args = ap.parse_args()
    for mode in args.modes.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            db = build(f"sqlite:///{tmp}/published.db", segments=args.codings // 10, codings=args.codings)
            add_user(db, "forsker", "researcher")
            add_user(db, "rg", "resource_group", user="forsker")
            set_setting(db, "joint_suppression", int(mode == "joint"), user="forsker")
            for by in (("actor", "phase"),) + tuple(g for g in PUBLISHED_GROUPINGS if g != ("actor", "phase")):
                t0, c0 = time.perf_counter(), time.process_time()
                table = theme_matrix(db, by=by, fill=True, user="rg")
                print(f"{mode:<6} {args.codings:>9} codings  by {','.join(by) or '(total)':<20} "
                      f"{time.perf_counter() - t0:8.2f} s ({time.process_time() - c0:7.2f} s CPU)  "
                      f"{int(table['suppressed'].sum()):>5} of {len(table):>5} hidden", flush=True)
            db.dispose()


if __name__ == "__main__":
    main()
