"""Dashboard aggregations at project scale against the best single SQL statement (issue 13).

    python bench/bench_aggregate.py [--sizes 100000,1000000] [--backends sqlite,postgresql]
                                    [--pg-url URL] [--repeat 3] [--json FILE] [--dir DIR]

For each size (codings; segments = codings / 10) and backend a synthetic database is built by
bench/synth.py (in a child process, so its memory does not count here), then, in this one
process, each operation is timed beside a hand-written SQL statement that computes the same
numbers (checked equal): ``theme_matrix(by=("actor", "phase"))`` with the parent roll-up,
``cooccurrence()`` (same segment, codes as applied) and ``quotes(code=...)`` for the most
frequent code as applied, once with the Oversikt page's actor and phase filter and once for
all of its segments. Times are the median of ``--repeat`` runs after one warm-up, as wall
clock and as CPU seconds (this process plus, for a PostgreSQL server on this machine, the
server's processes: on a shared machine the CPU ratio is the steadier one); ``peak MB``
is the Python heap's peak during one run (tracemalloc: pandas and numpy included, SQLite's
own cache not) and the process's peak RSS is printed at the end. PostgreSQL: ``--pg-url`` (a
server URL ending in a database the bench may create databases from), else a throw-away
server from tests/pgserver.py. Target: each operation within 3x of its SQL baseline and
under 1 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from workbench.analysis import code_frequencies, cooccurrence, quotes, theme_matrix  # noqa: E402
from workbench.analysis import sql as analysis_sql  # noqa: E402
from workbench.store import Database  # noqa: E402

USER = "anna"  # a coder of the synthetic database (a researcher)
ACTOR, PHASE = "statsforvalter", "fase 2"

# --------------------------------------------------------------------------- the baselines
# One statement each, written by hand as well as we could: the codebook's ancestry by a
# recursive CTE over codes, distinct (segment, code) pairs, then the groups.

# Codes are numbered (ROW_NUMBER) so that the big GROUP BYs compare integers, not dotted ids.
ANCESTRY = """
WITH RECURSIVE num AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS k FROM codes),
anc(code, anc) AS (
  SELECT id, id FROM codes
  UNION ALL
  SELECT anc.code, codes.parent_id FROM anc JOIN codes ON codes.id = anc.anc
  WHERE codes.parent_id IS NOT NULL
),
ancn AS (SELECT anc.code, num.k FROM anc JOIN num ON num.id = anc.anc)"""

PERSON = ("sp.label || '|' || COALESCE(sp.actor, '') || '|' || COALESCE(sp.organisation, '') || '|' "
          "|| COALESCE(sp.pilot, so.pilot, '')")

MATRIX_SQL = ANCESTRY + f""",
pairs AS (SELECT c.segment_id AS seg, ancn.k FROM codings c JOIN ancn ON ancn.code = c.code_id
          GROUP BY c.segment_id, ancn.k),
units AS (SELECT s.source_id, s.speaker_id, pairs.k, COUNT(*) AS segs
          FROM pairs JOIN segments s ON s.id = pairs.seg GROUP BY s.source_id, s.speaker_id, pairs.k),
counts AS (SELECT COALESCE(sp.actor, '(ukjent)') AS actor, COALESCE(so.phase, '(ukjent)') AS phase, units.k,
                  SUM(units.segs) AS segments, COUNT(DISTINCT {PERSON}) AS speakers,
                  COUNT(DISTINCT units.source_id) AS sources
           FROM units JOIN sources so ON so.id = units.source_id LEFT JOIN speakers sp ON sp.id = units.speaker_id
           GROUP BY 1, 2, 3),
tunits AS (SELECT source_id, speaker_id, COUNT(*) AS segs FROM segments GROUP BY source_id, speaker_id),
totals AS (SELECT COALESCE(sp.actor, '(ukjent)') AS actor, COALESCE(so.phase, '(ukjent)') AS phase,
                  SUM(tunits.segs) AS group_segments, COUNT(DISTINCT {PERSON}) AS group_speakers
           FROM tunits JOIN sources so ON so.id = tunits.source_id LEFT JOIN speakers sp ON sp.id = tunits.speaker_id
           GROUP BY 1, 2)
SELECT counts.actor, counts.phase, num.id, counts.segments, counts.speakers, counts.sources,
       totals.group_segments, totals.group_speakers
FROM counts JOIN totals ON totals.actor = counts.actor AND totals.phase = counts.phase
     JOIN num ON num.k = counts.k
"""

COOC_SQL = """
WITH num AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS k FROM codes),
pairs AS (SELECT c.segment_id AS seg, num.k FROM codings c JOIN num ON num.id = c.code_id GROUP BY c.segment_id, num.k),
counts AS (SELECT a.k AS ka, b.k AS kb, COUNT(*) AS n FROM pairs a JOIN pairs b ON b.seg = a.seg GROUP BY a.k, b.k)
SELECT na.id, nb.id, counts.n FROM counts JOIN num na ON na.k = counts.ka JOIN num nb ON nb.k = counts.kb
"""


def quotes_sql(dialect: str, filtered: bool) -> str:
    agg = ((lambda x: f"group_concat(DISTINCT {x})") if dialect == "sqlite"
           else (lambda x: f"string_agg(DISTINCT {x}, ', ')"))
    where = "AND sp.actor = :actor AND so.phase = :phase" if filtered else ""
    return f"""
WITH RECURSIVE below(code) AS (SELECT CAST(:code AS VARCHAR(200))
                               UNION ALL SELECT codes.id FROM codes JOIN below ON codes.parent_id = below.code),
q AS (SELECT c.segment_id, {agg('u.name')} AS coders, {agg('c.code_id')} AS applied
      FROM codings c JOIN segments s ON s.id = c.segment_id JOIN sources so ON so.id = s.source_id
           LEFT JOIN speakers sp ON sp.id = s.speaker_id JOIN users u ON u.id = c.coder_id
      WHERE c.code_id IN (SELECT code FROM below) {where}
      GROUP BY c.segment_id)
SELECT s.id, so.file_name, s."index", sp.label, sp.actor, so.phase, COALESCE(sp.pilot, so.pilot), so.kind,
       so.county, s.start_time, s.page, q.coders, q.applied,
       substr(so.canonical_text, s.start_char + 1, s.end_char - s.start_char)
FROM q JOIN segments s ON s.id = q.segment_id JOIN sources so ON so.id = s.source_id
     LEFT JOIN speakers sp ON sp.id = s.speaker_id
"""


def run_sql(db: Database, statement: str, **params) -> list:
    with analysis_sql.reading(db) as s:  # the same session settings as the library's statements
        return s.execute(text(statement), params).all()


# ------------------------------------------------------------------------------ the checks

def check_matrix(ours, rows) -> None:
    got = {(r.actor, r.phase, r.code): (r.segments, r.speakers, r.sources, r.group_segments, r.group_speakers)
           for r in ours.itertuples()}
    want = {tuple(r[:3]): tuple(int(x) for x in r[3:]) for r in rows}
    assert got == want, "theme_matrix and its SQL baseline differ"


def check_cooc(ours, rows) -> None:
    want = {(a, b): int(n) for a, b, n in rows}
    got = {(a, b): int(ours.at[a, b]) for a in ours.index for b in ours.columns if ours.at[a, b]}
    assert got == want, "cooccurrence and its SQL baseline differ"


def check_quotes(ours, rows) -> None:
    assert sorted(ours["segment_id"]) == sorted(r[0] for r in rows), "quotes and its SQL baseline differ"


# ------------------------------------------------------------------------------- measuring

def _ticks(pid) -> tuple[int, int]:
    """(own, reaped children's) CPU ticks of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


class CpuClock:
    """CPU seconds spent on a call: this process, plus (PostgreSQL on this machine) every process
    of the server, the parallel workers included (the postmaster reaps them). Other users of
    the machine slow the wall clock down; they hardly change these."""

    def __init__(self, db: Database):
        self.postmaster = None
        if db.dialect == "postgresql":
            try:
                with db.engine.connect() as c:
                    folder = c.exec_driver_sql("SHOW data_directory").scalar()
                self.postmaster = int(Path(folder, "postmaster.pid").read_text().split()[0])
                _ticks(self.postmaster)
            except Exception:  # a server elsewhere, or no right to read its folder
                self.postmaster = None
        self.tick = os.sysconf("SC_CLK_TCK")

    def __call__(self) -> float:
        total = time.process_time()
        if self.postmaster is not None:
            own, reaped = _ticks(self.postmaster)
            ticks = own + reaped
            for d in Path("/proc").iterdir():
                if d.name.isdigit():
                    try:
                        stat = (d / "stat").read_text()
                        if int(stat.rsplit(")", 1)[1].split()[1]) == self.postmaster:
                            ticks += sum(_ticks(d.name))
                    except (OSError, ValueError, IndexError):
                        pass
            total += ticks / self.tick
        return total


def measure(fn, repeat: int, clock: CpuClock) -> tuple[float, float, float, object]:
    """(median wall seconds, median CPU seconds, Python heap peak MB, result) after a warm-up."""
    result = fn()
    times, cpus = [], []
    for _ in range(repeat):
        c0, t0 = clock(), time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(clock() - c0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), statistics.median(cpus), peak, result


def bench_database(url: str, backend: str, size: int, repeat: int) -> list[dict]:
    db = Database(url)
    freq = code_frequencies(db, user=USER)
    leaf = freq[~freq["is_parent"]].sort_values("codings", ascending=False)["code"].iloc[0]
    ops = [
        ("theme_matrix(by=actor,phase)",
         lambda: theme_matrix(db, by=("actor", "phase"), user=USER), lambda: run_sql(db, MATRIX_SQL), check_matrix),
        ("cooccurrence()", lambda: cooccurrence(db, user=USER), lambda: run_sql(db, COOC_SQL), check_cooc),
        (f"quotes(code={leaf}, actor, phase)",
         lambda: quotes(db, code=leaf, actor=ACTOR, phase=PHASE, user=USER),
         lambda: run_sql(db, quotes_sql(db.dialect, True), code=leaf, actor=ACTOR, phase=PHASE), check_quotes),
        (f"quotes(code={leaf})", lambda: quotes(db, code=leaf, user=USER),
         lambda: run_sql(db, quotes_sql(db.dialect, False), code=leaf), check_quotes),
    ]
    out = []
    clock = CpuClock(db)
    for name, ours, baseline, check in ops:
        ours_s, ours_cpu, ours_mb, result = measure(ours, repeat, clock)
        base_s, base_cpu, base_mb, rows = measure(baseline, repeat, clock)
        check(result, rows)
        out.append(dict(operation=name, codings=size, backend=backend, ours_s=round(ours_s, 3),
                        sql_s=round(base_s, 3), ratio=round(ours_s / base_s, 2), ours_cpu_s=round(ours_cpu, 3),
                        sql_cpu_s=round(base_cpu, 3), cpu_ratio=round(ours_cpu / max(base_cpu, 1e-9), 2),
                        peak_mb=round(ours_mb, 1), sql_peak_mb=round(base_mb, 1), rows=len(result)))
        print(f"  {name:<45} ours {ours_s:7.3f} s  sql {base_s:7.3f} s  ratio {ours_s / base_s:5.2f}  "
              f"cpu {ours_cpu:7.3f}/{base_cpu:7.3f} s = {ours_cpu / max(base_cpu, 1e-9):5.2f}  "
              f"peak {ours_mb:7.1f} MB", flush=True)
    db.dispose()
    return out


def oversikt(url: str, backend: str, size: int, repeat: int) -> dict:
    """The Oversikt page in process (AppTest, logged in as a researcher): first run, then reruns
    with nothing changed (served from the page's cache). Target: a rerun under 1 s."""
    from streamlit.testing.v1 import AppTest

    os.environ["WORKBENCH_DB"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.session_state["login"] = {"name": USER, "role": "researcher", "method": "password"}
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    rerun = statistics.median(times)
    print(f"  {'Oversikt page (AppTest)':<45} first {first:7.3f} s  rerun {rerun:7.3f} s", flush=True)
    return dict(operation="Oversikt page rerun (AppTest)", codings=size, backend=backend, first_s=round(first, 3),
                rerun_s=round(rerun, 3))


def build(url: str, size: int) -> float:
    """Build the synthetic database in a child process; returns its seconds."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "bench" / "synth.py"), "--segments", str(size // 10),
                    "--codings", str(size), "--db", url, "--seed", "1"], check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - t0


def pg_database(base: str, name: str) -> str:
    import psycopg

    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000", help="numbers of codings, comma-separated")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg-url", help="PostgreSQL server URL (default: start a throw-away server)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--dir", help="folder for the SQLite files (default: a temporary one)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    folder = Path(args.dir or tempfile.mkdtemp(prefix="wb-bench-agg-"))
    folder.mkdir(parents=True, exist_ok=True)
    server, pg_base = None, None
    if "postgresql" in backends:
        if args.pg_url:
            pg_base = args.pg_url.rsplit("/", 1)[0]
        else:
            from tests import pgserver

            reason = pgserver.unavailable_reason()
            if reason:
                print(f"PostgreSQL skipped: {reason}")
                backends.remove("postgresql")
            else:
                server = pgserver.PgServer()
                pg_base = server.start().rsplit("/", 1)[0]
    results, builds, pages = [], [], []
    try:
        for size in sizes:
            for backend in backends:
                if backend == "sqlite":
                    path = folder / f"synth_{size}.db"
                    for p in folder.glob(f"synth_{size}.db*"):
                        p.unlink()
                    url = f"sqlite:///{path}"
                else:
                    url = pg_database(pg_base, f"wb_bench_{size}")
                secs = build(url, size)
                builds.append(dict(codings=size, segments=size // 10, backend=backend, seconds=round(secs, 1)))
                print(f"{backend}, {size:,} codings (built in {secs:.1f} s):", flush=True)
                results += bench_database(url, backend, size, args.repeat)
                pages.append(oversikt(url, backend, size, args.repeat))
    finally:
        if server is not None:
            server.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print("| operation | codings | backend | ours s | SQL s | ratio | ours CPU s | SQL CPU s | CPU ratio | peak MB |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['operation']} | {r['codings']:,} | {r['backend']} | {r['ours_s']:.3f} | {r['sql_s']:.3f} | "
              f"{r['ratio']:.2f} | {r['ours_cpu_s']:.3f} | {r['sql_cpu_s']:.3f} | {r['cpu_ratio']:.2f} | "
              f"{r['peak_mb']:.1f} |")
    print("\n| page | codings | backend | first run s | rerun s |\n|---|---:|---|---:|---:|")
    for r in pages:
        print(f"| Oversikt | {r['codings']:,} | {r['backend']} | {r['first_s']:.3f} | {r['rerun_s']:.3f} |")
    print(f"\npeak RSS of this process: {rss:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(
            date=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            machine=dict(python=platform.python_version(), platform=platform.platform(), cpus=os.cpu_count()),
            builds=builds, results=results, oversikt=pages, peak_rss_mb=round(rss)), indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
