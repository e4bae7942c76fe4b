"""Every benchmark of issue 13 in one run, each figure beside its baseline measured in the same run.

    python bench/run.py [--quick] [--out-json FILE] [--out-md FILE] [--skip-postgres] [--skip-taguette]
                        [--taguette-venv DIR] [--work DIR] [--only SECTION,...]

Sections (each one runs on its own: one that fails or cannot run is reported, the rest go on):

- ``ingest``: ingest words/s against the bare ``spacy.blank("nb")`` tokenizer over the same text
  (``bench/bench_ingest.py``: start-up subtracted by timing a 2-file slice; wall clock and per
  CPU-second), on a synthetic corpus from ``bench/corpus.py``.
- ``ingest_memory``: peak RSS of a fresh process ingesting 10M words (``--quick``: 12k), beside
  the same process kind ingesting the corpus's first 2 files (imports and lemma tables only).
- ``aggregate_sqlite`` / ``aggregate_postgresql``: ``theme_matrix``, ``cooccurrence`` and
  ``quotes`` at 100k and 1M codings against the best single SQL statement
  (``bench/bench_aggregate.py`` over databases built by ``bench/synth.py``); PostgreSQL on a
  throw-away server (``tests/pgserver.py``) where its binaries exist.
- ``oversikt``: the Oversikt page's rerun (AppTest) beside its first run, per size and backend.
- ``classify``: utterances/s of ``classify`` (``bench/bench_suggest.py``, in a child process).
- ``cli_startup``: median wall seconds of ``python -m workbench`` commands on a small database,
  beside a bare ``python -c pass``.
- ``taguette``: the workbench ingesting plain text beside Taguette (PyPI ``taguette``, in its own
  venv) importing the same text as HTML (its upload handler's steps: ``convert.to_html_chunks``,
  then a Document and its Command committed) and as .txt through Calibre's ``ebook-convert``.
  Skipped with the reason when Taguette cannot be installed (``pip install taguette``, 240 s at
  most) or run; its Calibre path is skipped when ``ebook-convert`` is missing (``apt-get install
  calibre``).

Writes a JSON file of every figure with machine information (default: a file in the temporary
folder) and, with ``--out-md`` (default ``BENCHMARKS.md`` at the repository root, not written
by ``--quick`` unless asked), the tables. The default size took about 10 minutes on a loaded
2-core machine (the budget is 15); ``--quick`` under a minute. Exit status 1 when a section failed
with an error (skipped sections do not count).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's "missing ScriptRunContext" lines

CODEBOOK = ROOT / "codebooks" / "bygdevekst.yaml"
SECTIONS = ("ingest", "ingest_memory", "aggregate_sqlite", "aggregate_postgresql", "oversikt", "classify",
            "cli_startup", "taguette")
TITLES = {
    "ingest": "Ingest against the bare spaCy tokenizer",
    "ingest_memory": "Peak memory of ingest",
    "aggregate_sqlite": "Dashboard aggregations on SQLite against the best single SQL statement",
    "aggregate_postgresql": "Dashboard aggregations on PostgreSQL against the best single SQL statement",
    "oversikt": "Oversikt page rerun (AppTest)",
    "classify": "classify throughput",
    "cli_startup": "CLI start-up",
    "taguette": "Import against Taguette",
}
MB = 1024 * 1024


@dataclass
class Sizes:
    ingest_words: int
    ingest_repeat: int
    rss_words: int
    agg_sizes: tuple[int, ...]
    agg_repeat: dict[int, int]
    oversikt_repeat: int
    classify_n: int
    classify_anchors: bool  # False: the codebook alone (no anchor files), which trains in seconds
    cli_runs: int
    taguette_words: int
    notes: list[str] = field(default_factory=list)
    words_per_file: int = 10_000  # of the bench/corpus.py corpora (ingest, memory, CLI, Taguette)
    cli_warmup: bool = True  # one untimed run of each CLI command before the timed ones


DEFAULT = Sizes(ingest_words=1_000_000, ingest_repeat=3, rss_words=10_000_000, agg_sizes=(100_000, 1_000_000),
                agg_repeat={100_000: 3, 1_000_000: 1}, oversikt_repeat=3, classify_n=2000, classify_anchors=True,
                cli_runs=5, taguette_words=500_000,
                notes=["aggregations at 1M codings are timed once after a warm-up (3 times at 100k): "
                       "at 1M the warm-ups and repeats dominated the run time"])
QUICK = Sizes(ingest_words=12_000, ingest_repeat=1, rss_words=12_000, agg_sizes=(2_000,), agg_repeat={2_000: 1},
              oversikt_repeat=1, classify_n=100, classify_anchors=False, cli_runs=1, taguette_words=12_000,
              words_per_file=2_000, cli_warmup=False,
              notes=["--quick: every size small (6 files of 2,000 words; 2,000 codings), the CLI commands "
                     "timed once without a warm-up; classify trains on the codebook without its anchor "
                     "files; figures are for a smoke test, not for comparison"])


def log(msg: str = "") -> None:
    print(msg, flush=True)


def env_with_root() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def row(what: str, figure, unit: str, baseline=None, *, ratio=None, target: str = "", met=None,
        notes: str = "", **extra) -> dict:
    """One line of a table: the figure, its baseline from the same run, their ratio, the target."""
    if ratio is None and baseline:
        ratio = figure / baseline
    out = dict(what=what, figure=figure, unit=unit, baseline=baseline, ratio=ratio, target=target, met=met,
               notes=notes)
    out.update(extra)
    return out


class Skip(Exception):
    """A section that cannot run here: its message is the reason."""


# ------------------------------------------------------------------------------ machine

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20)
        return done.stdout.strip() if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def machine_info() -> dict:
    status = _git("status", "--porcelain", "--untracked-files=no")
    return dict(cpus=os.cpu_count(), cpu_model=_cpu_model(), ram_gb=_ram_gb(), python=platform.python_version(),
                platform=platform.platform(),
                packages={n: _version(n) for n in ("spacy", "sqlalchemy", "pandas", "streamlit", "psycopg",
                                                   "scikit-learn")},
                git_commit=_git("rev-parse", "--short", "HEAD"),
                uncommitted_changes=None if status is None else bool(status))


# ------------------------------------------------------------------------------- ingest

def _corpus(work: Path, words: int, formats: tuple[str, ...] | None = None, *, words_per_file: int = 10_000
            ) -> Path:
    """A corpus of bench/corpus.py in ``work``, written once per size and formats (sections share it)."""
    from corpus import FORMATS, write_corpus  # bench/corpus.py

    formats = formats or FORMATS
    folder = work / f"corpus_{words}_{words_per_file}_{'-'.join(formats)}"
    if not (folder / "manifest.csv").exists():
        t0 = time.perf_counter()
        write_corpus(folder, words, formats=formats, words_per_file=words_per_file)
        log(f"  corpus of {words:,} words ({', '.join(formats)}) written in {time.perf_counter() - t0:.1f} s")
    return folder


def sec_ingest(sizes: Sizes, work: Path, ctx: dict) -> dict:
    import bench_ingest

    folder = _corpus(work, sizes.ingest_words, words_per_file=sizes.words_per_file)
    fig = bench_ingest.measure(folder, repeat=sizes.ingest_repeat, log=lambda m: log("  " + m))
    med = fig["median"]
    target = "ratio >= 1.0 (never below 0.5)"
    rows = [
        row("ingest words/s (wall clock)", med["ingest_words_per_s"], "words/s", med["tokenizer_words_per_s"],
            ratio=med["ratio"], target=target, met=med["ratio"] >= 1.0,
            notes=f"median of {sizes.ingest_repeat}; tokenising, lemmatising and storing, second process analyses"),
        row("ingest words per CPU-second (both processes)", med["ingest_words_per_cpu_s"], "words/s",
            med["tokenizer_words_per_cpu_s"], ratio=med["cpu_ratio"], target=target, met=med["cpu_ratio"] >= 1.0,
            notes="a one-core equivalent, steadier on a shared machine"),
    ]
    return dict(rows=rows, details=fig, description=(
        f"{fig['words']:,} words in {fig['files']} files ({fig['turns']:,} turns; txt, vtt, srt, docx) from "
        "bench/corpus.py into a new SQLite file per run. Baseline: `spacy.blank(\"nb\")`'s tokenizer over the "
        "turn texts of the same files. Start-up subtracted by timing a 2-file slice (bench/bench_ingest.py)."))


RSS_CHILD = r"""
import json, resource, sys, tempfile
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from bench_ingest import _ingest, transcripts  # bench/bench_ingest.py: a fresh database, caches cleared, worker stopped
corpus, n, tmp = Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
paths = transcripts(corpus)
paths = paths[:n] if n else paths
with tempfile.TemporaryDirectory(dir=tmp) as d:
    words, secs, cpu = _ingest(None, Path(d), "rss", paths, corpus / "manifest.csv")
print(json.dumps(dict(files=len(paths), words=words, seconds=secs, cpu_seconds=cpu,
                      peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      worker_peak_rss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)))
"""


def _rss_child(folder: Path, n_files: int, work: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", RSS_CHILD, str(ROOT), str(BENCH), str(folder), str(n_files),
                           str(work)], capture_output=True, text=True, env=env_with_root(), timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"ingest child failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sec_ingest_memory(sizes: Sizes, work: Path, ctx: dict) -> dict:
    folder = _corpus(work, sizes.rss_words, words_per_file=sizes.words_per_file)
    small = _rss_child(folder, 2, work)
    log(f"  2-file slice: {small['words']:,} words, peak RSS {small['peak_rss_mb']:.0f} MB "
        f"(analysis process {small['worker_peak_rss_mb']:.0f} MB)")
    big = _rss_child(folder, 0, work)
    log(f"  all {big['files']} files: {big['words']:,} words in {big['seconds']:.1f} s, peak RSS "
        f"{big['peak_rss_mb']:.0f} MB (analysis process {big['worker_peak_rss_mb']:.0f} MB)")
    growth = big["peak_rss_mb"] - small["peak_rss_mb"]
    target = "< 1 GB, flat (<= slice + 100 MB)"
    rows = [row(f"ingest process, {big['words'] / 1e6:.2f}M words", big["peak_rss_mb"], "MB", small["peak_rss_mb"],
                target=target, met=big["peak_rss_mb"] < 1024 and growth <= 100,
                notes=f"+{growth:.0f} MB over the 2-file slice; {big['words'] / big['seconds']:,.0f} words/s "
                      f"over {big['seconds']:.0f} s including start-up")]
    if big["worker_peak_rss_mb"]:
        wg = big["worker_peak_rss_mb"] - (small["worker_peak_rss_mb"] or 0)
        rows.append(row("largest child process (the analysis worker)", big["worker_peak_rss_mb"], "MB",
                        small["worker_peak_rss_mb"] or None, target="< 1 GB",
                        met=big["worker_peak_rss_mb"] < 1024,
                        notes=f"{wg:+.0f} MB over the slice's"))
    return dict(rows=rows, details=dict(slice=small, all=big), description=(
        f"Peak resident memory (`ru_maxrss`) of a fresh process ingesting {big['words']:,} words "
        f"({big['files']} files of bench/corpus.py) into SQLite, beside the same ingest of the first 2 files "
        "(imports, lemma tables: the floor). The analysis worker is a forked child: its peak is the largest "
        "reaped child's (`RUSAGE_CHILDREN`)."))


# ---------------------------------------------------------------------------- aggregate

def _start_pg(quick: bool, ctx: dict):
    from tests import pgserver

    reason = pgserver.unavailable_reason()
    if reason:
        raise Skip(f"PostgreSQL not available: {reason}")
    url = os.environ.get("WORKBENCH_TEST_PG_URL")
    server = None
    t0 = time.perf_counter()
    if not url:
        server = pgserver.PgServer()
        try:
            url = server.start()
        except subprocess.CalledProcessError as e:
            server.stop()
            raise Skip(f"PostgreSQL server did not start: {(e.stderr or '').strip()[-300:]}") from None
    pgserver.wait_for(url)
    secs = time.perf_counter() - t0
    if quick and secs > 10:
        if server is not None:
            server.stop()
        raise Skip(f"PostgreSQL server took {secs:.0f} s to start: too slow for --quick")
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        ctx["postgresql_version"] = conn.execute("SHOW server_version").fetchone()[0]
    log(f"  PostgreSQL {ctx['postgresql_version']} ready in {secs:.1f} s")
    return server, url.rsplit("/", 1)[0]


def sec_aggregate(backend: str, sizes: Sizes, work: Path, ctx: dict) -> dict:
    import bench_aggregate as ba

    server, base = (None, None)
    if backend == "postgresql":
        if ctx["args"].skip_postgres:
            raise Skip("--skip-postgres")
        server, base = _start_pg(ctx["args"].quick, ctx)
    rows, builds, pages, raw = [], [], [], []
    saved_db = os.environ.get("WORKBENCH_DB")
    try:
        for size in sizes.agg_sizes:
            if backend == "sqlite":
                path = work / f"synth_{size}.db"
                for p in work.glob(f"synth_{size}.db*"):
                    p.unlink()
                url = f"sqlite:///{path}"
            else:
                url = ba.pg_database(base, f"wb_bench_{size}")
            secs = ba.build(url, size)
            builds.append(dict(codings=size, segments=size // 10, seconds=round(secs, 1)))
            log(f"  {backend}, {size:,} codings (built in {secs:.1f} s):")
            repeat = sizes.agg_repeat.get(size, 1)
            results = ba.bench_database(url, backend, size, repeat)
            raw += results
            for r in results:
                rows.append(row(f"{r['operation']} @ {size:,}", r["ours_s"], "s", r["sql_s"], ratio=r["ratio"],
                                target="<= 3x SQL, < 1 GB", met=r["ratio"] <= 3 and r["peak_mb"] < 1024,
                                notes=f"CPU {r['ours_cpu_s']:.2f} / {r['sql_cpu_s']:.2f} s = {r['cpu_ratio']:.2f}x; "
                                      f"heap peak {r['peak_mb']:.0f} MB; {r['rows']:,} rows; median of {repeat}",
                                codings=size, backend=backend, cpu_ratio=r["cpu_ratio"], peak_mb=r["peak_mb"]))
            try:
                page = ba.oversikt(url, backend, size, sizes.oversikt_repeat)
            except Exception as e:  # noqa: BLE001 - reported in the Oversikt table
                page = dict(codings=size, backend=backend, error=f"{type(e).__name__}: {e}"[:500])
                log(f"  Oversikt page failed: {page['error']}")
            pages.append(page)
            if backend == "sqlite":
                for p in work.glob(f"synth_{size}.db*"):
                    p.unlink()
    finally:
        if saved_db is None:
            os.environ.pop("WORKBENCH_DB", None)
        else:
            os.environ["WORKBENCH_DB"] = saved_db
        if server is not None:
            server.stop()
    ctx.setdefault("oversikt_pages", []).extend(pages)
    where = f"PostgreSQL {ctx.get('postgresql_version', '')} (a throw-away local server)" \
        if backend == "postgresql" else "SQLite"
    return dict(rows=rows, details=dict(builds=builds, results=raw), description=(
        f"{where}; synthetic databases from bench/synth.py with segments = codings / 10 (built in "
        + ", ".join(f"{b['seconds']:.0f} s at {b['codings']:,}" for b in builds) + "). Baseline: one "
        "hand-written SQL statement computing the same numbers (checked equal), bench/bench_aggregate.py. "
        "Wall-clock medians after a warm-up; `met` is judged on the wall-clock ratio."))


def sec_oversikt(sizes: Sizes, work: Path, ctx: dict) -> dict:
    pages = ctx.get("oversikt_pages", [])
    if not pages:
        raise Skip("no aggregation database was built (see the aggregation sections)")
    rows = []
    for p in pages:
        what = f"{p['backend']}, {p['codings']:,} codings"
        if "error" in p:
            rows.append(row(what, None, "s", target="rerun < 1 s", met=False, notes=p["error"]))
            continue
        rows.append(row(what, p["rerun_s"], "s", p["first_s"], target="rerun < 1 s", met=p["rerun_s"] < 1.0,
                        notes=f"median of {sizes.oversikt_repeat} reruns", codings=p["codings"], backend=p["backend"]))
    if all("error" in p for p in pages):
        raise RuntimeError("; ".join(p["error"] for p in pages))
    return dict(rows=rows, details=pages, description=(
        "app.py in Streamlit's AppTest, logged in as a researcher, on each aggregation database: a rerun with "
        "nothing changed (every widget click) beside the first run of the page (baseline)."))


# ----------------------------------------------------------------------------- classify

CLASSIFY_LINE = re.compile(r"classify --method (\w+)(?: \(([^)]*)\))?: (\d+) utterances in ([\d.]+) s \(([\d.]+)/s\)")
TRAIN_LINE = re.compile(r"train: ([\d.]+) s on (\d+) texts.*?(\d+) codes modelled")


def sec_classify(sizes: Sizes, work: Path, ctx: dict) -> dict:
    cmd = [sys.executable, str(BENCH / "bench_suggest.py"), "--n", str(sizes.classify_n)]
    if not sizes.classify_anchors:  # a copy of the codebook without the anchors/ folder beside it
        folder = work / "codebook_only"
        folder.mkdir(exist_ok=True)
        shutil.copy(CODEBOOK, folder / CODEBOOK.name)
        cmd += ["--codebook", str(folder / CODEBOOK.name)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env_with_root(), cwd=ROOT, timeout=1800)
    out = done.stdout
    for line in out.splitlines():
        log("  " + line)
    if done.returncode != 0:
        raise RuntimeError(f"bench_suggest.py failed: {done.stderr.strip()[-2000:]}")
    # "model, new texts" (every text and sentence encoded) and "model, vectors cached" (as stored
    # segments are) are both measured; the target (issue 14) is 500/s with the embedding block
    methods = {(label or m): dict(n=int(n), seconds=float(s), per_s=float(r))
               for m, label, n, s, r in CLASSIFY_LINE.findall(out)}
    model_keys = [k for k in methods if k.split(",")[0] == "model"]  # with the e5 block ("--fast" has none)
    if not model_keys:
        raise RuntimeError(f"no 'classify --method model' line in bench_suggest.py's output: {out[-1000:]}")
    train = TRAIN_LINE.search(out)
    rows = []
    for m in [*model_keys, *(k for k in methods if k not in model_keys)]:
        is_model = m in model_keys
        rows.append(row(f"classify --method {m}", methods[m]["per_s"], "utterances/s",
                        target=">= 500/s" if is_model else "",
                        met=methods[m]["per_s"] >= 500 if is_model else None,
                        notes=f"{methods[m]['n']:,} utterances"))
    desc = (f"bench/bench_suggest.py --n {sizes.classify_n}: a database with the codebook, the model trained "
            "on it, then `classify` of N utterances (the training texts with a counter) per method. "
            "No baseline: the target is absolute.")
    if train:
        desc += (f" Training took {float(train.group(1)):.1f} s on {int(train.group(2)):,} texts "
                 f"({train.group(3)} codes modelled).")
    return dict(rows=rows, details=dict(methods=methods, output=out[-3000:],
                                        train_seconds=float(train.group(1)) if train else None), description=desc)


# --------------------------------------------------------------------------------- CLI

def sec_cli(sizes: Sizes, work: Path, ctx: dict) -> dict:
    from bench_permissions import interleaved  # runs variants in turn (warm-up first unless --quick); median seconds
    from workbench.codebook import load_codebook
    from workbench.ingest import ingest_paths, stop_analysis_worker
    from workbench.store import Database

    from bench_ingest import transcripts

    folder = _corpus(work, sizes.ingest_words, words_per_file=sizes.words_per_file)
    two = transcripts(folder)[:2]
    url = f"sqlite:///{work / 'cli.db'}"
    db = Database(url)
    db.upgrade()
    load_codebook(db, CODEBOOK, user="bench")
    report = ingest_paths(db, two, manifest=folder / "manifest.csv", user="bench")
    stop_analysis_worker()
    db.dispose()
    if report.errors:
        raise RuntimeError(f"ingest of the CLI database failed: {report.errors[:3]}")
    first = two[0].name
    env = {**env_with_root(), "WORKBENCH_DB": url, "WORKBENCH_USER": "bench"}
    commands = {"--help": ["--help"], "sources": ["sources"], f"turns {first}": ["turns", first],
                "codebook show": ["codebook", "show"], "released": ["released"]}
    failures: dict[str, str] = {}

    def runner(args: list[str], name: str):
        def run():
            done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=work, timeout=120)
            if done.returncode != 0:
                failures[name] = (done.stderr or done.stdout).strip()[-300:]
        return run

    variants = {"python -c pass": runner([sys.executable, "-c", "pass"], "python -c pass")}
    for name, args in commands.items():
        variants[name] = runner([sys.executable, "-m", "workbench", *args], name)
    medians = interleaved(variants, sizes.cli_runs, warm=sizes.cli_warmup)
    base = medians.pop("python -c pass")
    rows = []
    for name, secs in medians.items():
        log(f"  workbench {name:<32} {secs:.3f} s (python -c pass {base:.3f} s)")
        rows.append(row(f"python -m workbench {name}", secs, "s", base, target="< 0.5 s",
                        met=secs < 0.5 and name not in failures,
                        notes=f"FAILED: {failures[name]}" if name in failures else f"median of {sizes.cli_runs}"))
    return dict(rows=rows, details=dict(medians=medians, baseline=base, failures=failures), description=(
        f"Wall-clock seconds of each command in a fresh interpreter (median of {sizes.cli_runs}, the commands "
        f"run in turn{' after one warm-up each' if sizes.cli_warmup else ', no warm-up'}) on a small SQLite "
        "database (codebook and 2 transcripts). Baseline: "
        "`python -c pass`, the interpreter alone."))


# ------------------------------------------------------------------------------ Taguette

TAGUETTE_DRIVER = r"""
import asyncio, json, logging, os, resource, sys, time
logging.disable(logging.CRITICAL)
from taguette import __version__ as version, convert, database
from taguette.main import DEFAULT_CONFIG

spec = json.loads(sys.argv[1])


def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def project(path):
    db = database.connect("sqlite:///" + path)()
    user = database.User(login="bench")
    proj = database.Project(name="bench", description="")
    db.add_all([user, proj, database.ProjectMember(project=proj, user=user, privileges=database.Privileges.ADMIN)])
    db.commit()
    return db, proj


async def upload(db, proj, path, content_type):
    # the steps of taguette.web.api.DocumentAdd.post, without HTTP
    with open(path, "rb") as fh:
        body = fh.read()
    name = os.path.basename(path)
    html = await convert.to_html_chunks(body, content_type, name, DEFAULT_CONFIG)
    doc = database.Document(name=name, description="", filename=name, project=proj,
                            text_direction=database.TextDirection.LEFT_TO_RIGHT, contents=html)
    db.add(doc)
    db.flush()
    db.add(database.Command.document_add("bench", doc))
    db.commit()


async def timed(paths, content_type, db_path):
    db, proj = project(db_path)
    c0, t0 = cpu(), time.perf_counter()
    for p in paths:
        await upload(db, proj, p, content_type)
    secs, cpus = time.perf_counter() - t0, cpu() - c0
    db.close()
    return secs, cpus


out = {"version": version}
for job in spec["jobs"]:
    slice_s, slice_cpu = asyncio.run(timed(job["paths"][:2], job["content_type"], job["db"] + "-slice.db"))
    all_s, all_cpu = asyncio.run(timed(job["paths"], job["content_type"], job["db"] + "-all.db"))
    out[job["name"]] = dict(slice_seconds=slice_s, slice_cpu_seconds=slice_cpu, seconds=all_s, cpu_seconds=all_cpu)
print(json.dumps(out))
"""


def _taguette_python(venv: Path, timeout: float) -> tuple[Path, str]:
    """The venv's python with taguette importable: reused when it works, else made and installed."""
    py = venv / "bin" / "python"
    check = [str(py), "-c", "import taguette, sys; print(taguette.__version__)"]
    if py.exists():
        done = subprocess.run(check, capture_output=True, text=True, timeout=120)
        if done.returncode == 0:
            return py, f"taguette {done.stdout.strip()} (venv {venv}, reused)"
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    t0 = time.perf_counter()
    try:
        done = subprocess.run([str(py), "-m", "pip", "install", "-q", "taguette"], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Skip(f"pip install taguette did not finish in {timeout:.0f} s") from None
    if done.returncode != 0:
        last = [ln for ln in (done.stderr or done.stdout).strip().splitlines() if ln.strip()]
        raise Skip(f"pip install taguette failed: {last[-1] if last else 'exit ' + str(done.returncode)}")
    done = subprocess.run(check, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise Skip(f"taguette installed but does not import: {last}")
    return py, f"taguette {done.stdout.strip()} (venv {venv}, installed in {time.perf_counter() - t0:.0f} s)"


def _as_html(txt: Path, out: Path) -> None:
    from html import escape

    paras = [p for p in txt.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    out.write_text("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(txt.stem)
                   + "</title></head><body>\n" + "".join(f"<p>{escape(p.strip())}</p>\n" for p in paras)
                   + "</body></html>\n", encoding="utf-8")


def sec_taguette(sizes: Sizes, work: Path, ctx: dict) -> dict:
    args = ctx["args"]
    if args.skip_taguette:
        raise Skip("--skip-taguette")
    import bench_ingest
    py, installed = _taguette_python(Path(args.taguette_venv), timeout=240)
    log(f"  {installed}")
    folder = _corpus(work, sizes.taguette_words, formats=("txt",), words_per_file=sizes.words_per_file)
    txts = sorted(folder.glob("*.txt"))
    html_dir = work / "taguette_html"
    html_dir.mkdir(exist_ok=True)
    htmls = []
    for t in txts:
        _as_html(t, html_dir / (t.stem + ".html"))
        htmls.append(html_dir / (t.stem + ".html"))
    calibre = shutil.which("ebook-convert") or (os.environ.get("CALIBRE") and
                                                 shutil.which(str(Path(os.environ["CALIBRE"], "ebook-convert"))))
    jobs = [dict(name="html", paths=[str(p) for p in htmls], content_type="text/html", db=str(work / "tg-html"))]
    if calibre:
        jobs.append(dict(name="calibre", paths=[str(p) for p in txts], content_type="text/plain",
                         db=str(work / "tg-calibre")))
    done = subprocess.run([str(py), "-c", TAGUETTE_DRIVER, json.dumps(dict(jobs=jobs))], capture_output=True,
                          text=True, timeout=3600, cwd=work)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise Skip(f"Taguette installed but its import could not run: {last}")
    tg = json.loads(done.stdout.strip().splitlines()[-1])

    def rate(w_all, w_slice, s_all, s_slice):
        return (w_all - w_slice) / max(s_all - s_slice, 1e-9)

    # the workbench on the same files, the same way (bench/bench_ingest.py's timed ingest)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        tmp = Path(tmp)
        manifest = folder / "manifest.csv"
        bench_ingest._ingest(None, tmp, "warm-up", txts[:2], manifest)  # first imports and loads
        w2, t2, c2 = bench_ingest._ingest(None, tmp, "slice", txts[:2], manifest)
        wn, tn, cn = bench_ingest._ingest(None, tmp, "all", txts, manifest)
    ours = dict(words=wn, seconds=tn, slice_words=w2, slice_seconds=t2, cpu_seconds=cn, slice_cpu_seconds=c2,
                words_per_s=rate(wn, w2, tn, t2), words_per_cpu_s=rate(wn, w2, cn, c2))
    rows = []
    for name, label, before in (("html", "HTML upload", "1.7x"), ("calibre", "Calibre path (.txt)", "28x")):
        if name not in tg:
            continue
        t = tg[name]  # the same words on both sides: the turn words the workbench counts
        theirs = rate(wn, w2, t["seconds"], t["slice_seconds"])
        theirs_cpu = rate(wn, w2, t["cpu_seconds"], t["slice_cpu_seconds"])
        t.update(words=wn, words_per_s=theirs, words_per_cpu_s=theirs_cpu)
        log(f"  workbench {ours['words_per_s']:,.0f} words/s vs Taguette {label} {theirs:,.0f} words/s "
            f"({ours['words_per_s'] / theirs:.1f}x) over {wn:,} words")
        rows.append(row(f"workbench .txt ingest vs Taguette {label}", ours["words_per_s"], "words/s", theirs,
                        target=f">= 1x (keep; {before} before)", met=ours["words_per_s"] >= theirs,
                        notes=f"per CPU-second {ours['words_per_cpu_s']:,.0f} vs {theirs_cpu:,.0f} words/s "
                              f"({ours['words_per_cpu_s'] / theirs_cpu:.1f}x); Taguette {t['seconds']:.1f} s, "
                              f"workbench {tn:.1f} s for all files"))
    skipped = None
    if not calibre:
        skipped = "Calibre path skipped: ebook-convert not found (apt-get install calibre)"
        log(f"  {skipped}")
    desc = (f"{installed}. The same {len(txts)} plain-text transcripts ({wn:,} words in turns, bench/corpus.py) "
            "ingested by the workbench (tokenised, lemmatised, stored) and imported into a Taguette project on "
            "SQLite by the steps of its upload handler (`convert.to_html_chunks`, then a Document and its Command "
            "committed): as HTML (`<p>` per turn; bs4/html5lib and bleach) and as .txt (Calibre's "
            "`ebook-convert`, one process per file). Rates with a 2-file slice subtracted on both sides.")
    if skipped:
        desc += " " + skipped + "."
    return dict(rows=rows, details=dict(taguette=tg, workbench=ours, installed=installed, calibre=calibre),
                description=desc, skipped_parts=[skipped] if skipped else [])


# ---------------------------------------------------------------------------- the run

RUNNERS = {
    "ingest": sec_ingest,
    "ingest_memory": sec_ingest_memory,
    "aggregate_sqlite": lambda s, w, c: sec_aggregate("sqlite", s, w, c),
    "aggregate_postgresql": lambda s, w, c: sec_aggregate("postgresql", s, w, c),
    "oversikt": sec_oversikt,
    "classify": sec_classify,
    "cli_startup": sec_cli,
    "taguette": sec_taguette,
}


def run_section(name: str, sizes: Sizes, work: Path, ctx: dict) -> dict:
    log(f"== {name}: {TITLES[name]}")
    t0 = time.perf_counter()
    try:
        out = RUNNERS[name](sizes, work, ctx)
        out["status"] = "ok"
    except Skip as e:
        out = dict(status="skipped", reason=str(e), rows=[])
        log(f"  skipped: {e}")
    except Exception as e:  # noqa: BLE001 - one section's failure does not stop the others
        out = dict(status="error", reason=f"{type(e).__name__}: {e}"[:2000], rows=[],
                   traceback=traceback.format_exc()[-4000:])
        log(f"  ERROR: {out['reason']}")
    out["title"] = TITLES[name]
    out["seconds"] = round(time.perf_counter() - t0, 1)
    log(f"  ({out['seconds']:.0f} s)")
    return out


# ------------------------------------------------------------------------------ output

def _num(v, unit: str = "") -> str:
    if v is None:
        return "—"
    if unit in ("s",):
        return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"
    if unit == "MB":
        return f"{v:,.0f} MB"
    if abs(v) >= 100:
        return f"{v:,.0f} {unit}".strip()
    return f"{v:,.2f} {unit}".strip()


def _ratio(v) -> str:
    return "—" if v is None else f"{v:.2f}x"


def _met(v) -> str:
    return {True: "yes", False: "**no**", None: "—"}[v]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(result: dict) -> str:
    m = result["machine"]
    pk = m["packages"]
    load0, load1 = result["load_before"], result["load_after"]
    cpus = m["cpus"] or 1
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `bench/run.py`; do not edit by hand. Regenerate (this run took "
        f"{result['total_seconds'] / 60:.0f} minutes on a {cpus}-core machine; the budget is 15) with",
        "",
        "    python bench/run.py --out-json /tmp/benchmarks.json --out-md BENCHMARKS.md",
        "",
        "(`--skip-postgres`, `--skip-taguette` leave those sections out; `python bench/run.py --quick` is the "
        "smoke run of tests/test_bench_run.py.) Each figure stands beside its baseline measured in the same run; "
        "the targets are those of issue 13. The scripts each section reuses are named in its text.",
        "",
        f"- Date: {result['date']}; {'`--quick` sizes' if result['quick'] else 'default sizes'}; "
        f"total run time {result['total_seconds'] / 60:.1f} min"
        + ("" if result["quick"] or result["total_seconds"] <= 900 else " (over the 15-minute budget)") + ".",
        f"- Machine: {cpus} CPUs ({m['cpu_model']}), {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"spaCy {pk.get('spacy')}, SQLAlchemy {pk.get('sqlalchemy')}, pandas {pk.get('pandas')}, "
        f"Streamlit {pk.get('streamlit')}"
        + (f", PostgreSQL {result['postgresql_version']}" if result.get("postgresql_version") else "")
        + f"; commit {m.get('git_commit')}" + (" with uncommitted changes" if m.get("uncommitted_changes") else "")
        + ".",
        f"- Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load0)}; after: "
        f"{', '.join(f'{x:.2f}' for x in load1)}.",
    ]
    if max(load0[0], load1[0], load0[1], load1[1]) > 0.75 * cpus:
        lines.append(f"- **The machine was loaded** by other work during the run (load above "
                     f"{0.75 * cpus:.1f} on {cpus} cores): wall-clock figures are slower than on an idle "
                     "machine; ratios against a baseline measured in the same run, and the per-CPU-second "
                     "figures, suffer less.")
    for note in result.get("size_notes", []):
        lines.append(f"- Sizes: {note}.")
    met = [r["met"] for s in result["sections"].values() for r in s.get("rows", []) if r.get("met") is not None]
    per = []
    for k, s in result["sections"].items():
        m = [r["met"] for r in s.get("rows", []) if r.get("met") is not None]
        if m:
            per.append(f"{k} {sum(m)}/{len(m)}")
    lines.append(f"- Targets met: {sum(met)} of {len(met)} ({', '.join(per)}).")
    skipped = [(k, s) for k, s in result["sections"].items() if s["status"] != "ok"]
    for k, s in skipped:
        lines.append(f"- {'Skipped' if s['status'] == 'skipped' else 'FAILED'}: {k}: {s['reason']}")
    for k, s in result["sections"].items():
        for part in s.get("skipped_parts", []):
            lines.append(f"- Skipped: {k}: {part}")
    for key in SECTIONS:
        s = result["sections"][key]
        lines += ["", f"## {s['title']}", ""]
        if s["status"] != "ok":
            lines.append(f"{'Skipped' if s['status'] == 'skipped' else 'Failed'}: {s['reason']}")
            continue
        if s.get("description"):
            lines += [s["description"], ""]
        lines += ["| measure | figure | baseline | ratio | target | met | notes |",
                  "|---|---:|---:|---:|---|---|---|"]
        for r in s["rows"]:
            lines.append("| " + " | ".join(_cell(x) for x in (
                r["what"], _num(r["figure"], r["unit"]), _num(r["baseline"], r["unit"]), _ratio(r["ratio"]),
                r["target"] or "—", _met(r["met"]), r["notes"])) + " |")
        lines.append("\n(timed within the aggregation sections)" if key == "oversikt" else f"\n({s['seconds']:.0f} s)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run well under a minute")
    ap.add_argument("--out-json", type=Path, help="JSON of every figure (default: workbench_benchmarks.json in "
                                                  "the temporary folder)")
    ap.add_argument("--out-md", type=Path, help="the Markdown tables (default: BENCHMARKS.md at the repository "
                                                "root; with --quick only when given)")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-taguette", action="store_true")
    ap.add_argument("--taguette-venv", default=str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                                                   / "workbench-bench" / "taguette-venv"),
                    help="venv for Taguette, made and installed when missing (default: %(default)s)")
    ap.add_argument("--work", type=Path, help="folder for corpora and databases (default: a temporary one, removed)")
    ap.add_argument("--only", help="comma-separated sections to run (the others are reported as not run)")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else DEFAULT
    out_json = args.out_json or Path(tempfile.gettempdir()) / "workbench_benchmarks.json"
    out_md = args.out_md or (None if args.quick else ROOT / "BENCHMARKS.md")
    only = set(args.only.split(",")) if args.only else set(SECTIONS)
    unknown = only - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")

    started = time.perf_counter()
    load_before = os.getloadavg()
    ctx: dict = {"args": args}
    result = dict(generated_by="bench/run.py", date=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                  quick=args.quick, argv=sys.argv[1:] if argv is None else argv, machine=machine_info(),
                  load_before=load_before, sizes={k: v for k, v in sizes.__dict__.items() if k != "notes"},
                  size_notes=sizes.notes, sections={})
    result["sizes"]["agg_repeat"] = {str(k): v for k, v in sizes.agg_repeat.items()}
    log(f"bench/run.py {'--quick ' if args.quick else ''}on {result['machine']['cpus']} CPUs, load average "
        f"{load_before[0]:.2f}")
    work_cm = contextlib.nullcontext(args.work) if args.work else tempfile.TemporaryDirectory(prefix="wb-bench-run-")
    with work_cm as work:
        work = Path(work)
        work.mkdir(parents=True, exist_ok=True)
        for name in SECTIONS:
            if name not in only:
                result["sections"][name] = dict(status="skipped", reason="not in --only", rows=[], title=TITLES[name],
                                                seconds=0)
                continue
            result["sections"][name] = run_section(name, sizes, work, ctx)
    result["postgresql_version"] = ctx.get("postgresql_version")
    result["load_after"] = os.getloadavg()
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    log(f"\nfigures: {out_json}")
    if out_md is not None:
        out_md.write_text(markdown(result), encoding="utf-8")
        log(f"tables: {out_md}")
    failed = [k for k, s in result["sections"].items() if s["status"] == "error"]
    log(f"total {result['total_seconds'] / 60:.1f} min; "
        + (f"FAILED: {', '.join(failed)}" if failed else "no section failed")
        + "; skipped: " + (", ".join(f"{k} ({s['reason']})" for k, s in result["sections"].items()
                                    if s["status"] == "skipped") or "none"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
