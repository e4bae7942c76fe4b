"""Coders working at once: no coding lost or doubled, no traceback, on SQLite and PostgreSQL.

Real processes (`python -m workbench ...`) write to the same database at the same time, as eight
coders (or one coder's eight windows) would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from workbench.codebook import load_codebook
from workbench.coding import apply_code, list_codings
from workbench.ingest import ingest_paths
from workbench.store import Coding, Memo, Segment, Source, Suggestion, User

ROOT = Path(__file__).resolve().parents[1]
TURNS = 50
CODES = ["kontrakt.hybrid", "kontrakt.relasjonell", "kapasitet", "gammel"]  # 50 x 4 = 200 codings
CODEBOOK = """\
name: samtidig
title: Samtidig koding
language: nb
codes:
  kontrakt:
    label: Kontraktsform
    codable: false
    children:
      - id: kontrakt.hybrid
        label: Hybrid
      - id: kontrakt.relasjonell
        label: Relasjonell
  kapasitet:
    label: Kapasitet
  gammel:
    label: Gammel
"""


def build(db, folder: Path) -> None:
    corpus = folder / "korpus"
    corpus.mkdir(parents=True)
    lines = [f"{'PL A' if i % 2 else 'PL B'}: Ytring nummer {i} om avtalen og samarbeidet." for i in range(TURNS)]
    (corpus / "lang.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    (corpus / "participants.csv").write_text("file,speaker,actor\nlang.txt,PL A,prosjektleder\n"
                                             "lang.txt,PL B,prosjektleder\n", encoding="utf-8")
    (folder / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    assert not ingest_paths(db, [corpus], user="anna").errors
    load_codebook(db, folder / "kodebok.yaml", user="anna")


def csv_of(rows: list[tuple], coder: str | None = None) -> str:
    head = "source,turn,code" + (",coder" if coder else "")
    return "\n".join([head] + [f"lang.txt,{t},{c}" + (f",{coder}" if coder else "") for t, c in rows]) + "\n"


ALL = [(t, c) for t in range(1, TURNS + 1) for c in CODES]


def run_parallel(commands: list[list[str]], db_url: str, cwd: Path) -> list[subprocess.CompletedProcess]:
    env = dict(os.environ, WORKBENCH_DB=db_url)
    procs = [subprocess.Popen([sys.executable, "-m", "workbench", *cmd], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for cmd in commands]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def count(db, model, *where) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_eight_coders_at_once_store_every_coding_once(db, tmp_path):
    build(db, tmp_path)
    for i in range(8):
        (tmp_path / f"k{i}.csv").write_text(csv_of(ALL, coder=f"koder{i}"), encoding="utf-8")
    results = run_parallel([["code", "--from-csv", str(tmp_path / f"k{i}.csv")] for i in range(8)], db.url, tmp_path)
    assert [r.returncode for r in results] == [0] * 8, [r.stderr for r in results]
    assert not any("Traceback" in r.stderr for r in results)
    assert count(db, Coding) == 1600
    for i in range(8):
        assert len(list_codings(db, coder=f"koder{i}", user="anna")) == 200


def test_one_new_coder_in_eight_windows_stores_each_coding_once(db, tmp_path):
    """The same 200 codings by a coder who does not exist yet, from eight processes at once."""
    build(db, tmp_path)
    (tmp_path / "samme.csv").write_text(csv_of(ALL), encoding="utf-8")
    results = run_parallel([["--user", "nykoder", "code", "--from-csv", str(tmp_path / "samme.csv")]] * 8,
                           db.url, tmp_path)
    assert [r.returncode for r in results] == [0] * 8, [r.stderr[-500:] for r in results]
    assert not any("Traceback" in r.stderr or "UNIQUE" in r.stderr for r in results)
    assert count(db, Coding) == 200
    assert count(db, User, User.name == "nykoder") == 1
    # the new codings are reported once in total, the other processes found them there
    created = sum(int(r.stdout.split()[0]) for r in results)  # "N nye kodinger lagt inn fra ..."
    assert created == 200, [r.stdout for r in results]


def test_double_click_from_threads_through_the_library(db, tmp_path):
    build(db, tmp_path)
    with ThreadPoolExecutor(8) as pool:
        records = list(pool.map(lambda _: apply_code(db, "lang.txt", 3, "kapasitet", user="anna",
                                                     memo="samme notat"), range(16)))
    assert len({r.id for r in records}) == 1
    assert count(db, Coding) == 1 and count(db, Memo) == 1


def test_one_suggestion_accepted_by_many_at_once_gives_one_coding(db, tmp_path):
    build(db, tmp_path)
    with db.transaction("anna") as tx:
        seg = tx.session.scalar(select(Segment).join(Source).where(Source.file_name == "lang.txt",
                                                                   Segment.index == 5))
        s = Suggestion(segment_id=seg.id, code_id="kapasitet", method="lexicon", score=0.9, status="pending")
        tx.session.add(s)
        tx.session.flush()
        sid = s.id
    results = run_parallel([["--user", f"koder{i}", "review", "--accept", str(sid)] for i in range(6)],
                           db.url, tmp_path)
    assert sorted(r.returncode for r in results) == [0] + [1] * 5, [r.stderr for r in results]
    losers = [r.stderr.strip() for r in results if r.returncode]
    assert all(line.startswith("Error: suggestion") and "already accepted by koder" in line and
               "\n" not in line for line in losers), losers
    assert count(db, Coding) == 1
    with db.session() as s:
        assert s.get(Suggestion, sid).status == "accepted"


def test_the_migration_merges_duplicates_made_before_the_constraint(db, tmp_path):
    """A database written by an older version may hold the same coding twice; upgrading keeps the
    oldest, moves the memos of the others to it, and adds the constraint."""
    from alembic import command

    from workbench.store.db import _alembic_config

    build(db, tmp_path)
    first = apply_code(db, "lang.txt", 2, "kapasitet", user="anna").id
    with db.engine.begin() as conn:
        cfg = _alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    with db.engine.begin() as conn:
        for _ in range(2):
            conn.execute(text("INSERT INTO codings (segment_id, code_id, coder_id, start_char, end_char, origin, "
                              "created_at) SELECT segment_id, code_id, coder_id, start_char, end_char, origin, "
                              "created_at FROM codings WHERE id = :i"), {"i": first})
        dup = conn.execute(text("SELECT MAX(id) FROM codings")).scalar()
        author = conn.execute(text("SELECT id FROM users WHERE name = 'anna'")).scalar()
        conn.execute(text("INSERT INTO memos (author_id, text, coding_id, created_at) "
                          "VALUES (:a, 'på duplikatet', :c, CURRENT_TIMESTAMP)"), {"a": author, "c": dup})
    assert count(db, Coding) == 3
    db.upgrade()
    assert count(db, Coding) == 1
    with db.session() as s:
        assert s.scalar(select(Memo.coding_id).where(Memo.text == "på duplikatet")) == first
    with pytest.raises(Exception):
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO codings (segment_id, code_id, coder_id, start_char, end_char, origin, "
                              "created_at) SELECT segment_id, code_id, coder_id, start_char, end_char, origin, "
                              "created_at FROM codings WHERE id = :i"), {"i": first})


def test_a_locked_sqlite_database_is_named_as_such(tmp_path):
    """A writer that cannot get the lock gets a one-line message naming the lock, not 'run init'."""
    import sqlite3

    from workbench.errors import Busy
    from workbench.store import Database
    from workbench.store import db as dbmod

    d = Database(f"sqlite:///{tmp_path / 'laast.db'}")
    d.upgrade()
    holder = sqlite3.connect(tmp_path / "laast.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    old = dbmod.BUSY_TIMEOUT_MS
    dbmod.BUSY_TIMEOUT_MS = 200
    try:
        d.dispose()
        with pytest.raises(Busy) as err:
            with d.transaction("anna"):
                pass
    finally:
        dbmod.BUSY_TIMEOUT_MS = old
        holder.rollback()
        holder.close()
    assert "locked by another writer" in str(err.value) and "workbench init" not in str(err.value)


def _race(pairs: list[tuple]) -> list[BaseException]:
    """Run the calls of each pair in two threads that start together (a barrier), pair after
    pair; returns the exceptions they raised. Warnings (an SAWarning "expected to delete 1 row(s);
    0 were matched" from a thread) are turned into failures by the caller's filter."""
    import threading

    errors: list[BaseException] = []
    for calls in pairs:
        barrier = threading.Barrier(len(calls))

        def go(call):
            barrier.wait()
            try:
                call()
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)

        threads = [threading.Thread(target=go, args=(c,)) for c in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    return errors


def _consensus_trail(db) -> tuple[dict[int, list[str]], dict[int, list[dict]], dict[int, list[tuple]]]:
    """(stored konsensus codes per turn, the turn's ``consensus`` audit details in order, the
    turn's konsensus ``code``/``uncode`` audit entries in order)."""
    from workbench.store import AuditEvent

    with db.session() as s:
        index = {seg: i for seg, i in s.execute(select(Segment.id, Segment.index)).all()}
        stored: dict[int, list[str]] = {}
        for seg, code in s.execute(select(Coding.segment_id, Coding.code_id).join(User, Coding.coder_id == User.id)
                                   .where(User.name == "konsensus")):
            stored.setdefault(index[seg], []).append(code)
        trail: dict[int, list[dict]] = {}
        steps: dict[int, list[tuple]] = {}
        for ev in s.scalars(select(AuditEvent).where(AuditEvent.action.in_(["consensus", "code", "uncode"]))
                            .order_by(AuditEvent.id)):
            d = ev.detail or {}
            if ev.action == "consensus":
                trail.setdefault(index[int(ev.target_id)], []).append(d)
            elif d.get("coder") == "konsensus":
                steps.setdefault(d["turn"], []).append((ev.action, d["code"]))
    return {t: sorted(c) for t, c in stored.items()}, trail, steps


def test_two_users_recording_consensus_on_the_same_turn_at_once_store_one_of_the_two(db, tmp_path):
    """Anna and Bjorn record different consensus sets on the same turn at the same instant, turn
    after turn, twice over (first on turns without a consensus, then replacing one): every turn
    ends with exactly one of the two sets (never their union, which nobody agreed on), each
    step's ``before`` is what the step before it stored, the last entry's ``after`` is what is
    stored, and the konsensus codings' own code/uncode entries replay to it (no removal logged
    for a row another writer had removed already)."""
    import warnings

    from workbench.agreement import record_consensus

    build(db, tmp_path)
    a, b = ["kapasitet", "kontrakt.hybrid"], ["kontrakt.relasjonell"]
    turns = range(1, 31)
    pairs = [(lambda t=t: record_consensus(db, "lang.txt", t, a, user="anna"),
              lambda t=t: record_consensus(db, "lang.txt", t, b, user="bjorn")) for t in turns]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        errors = _race(pairs + pairs)
    assert errors == [], errors[:3]
    assert [str(w.message) for w in caught if "expected to delete" in str(w.message)] == []
    stored, trail, steps = _consensus_trail(db)
    for t in turns:
        assert stored.get(t, []) in (a, b), (t, stored.get(t))
        entries = trail[t]
        assert len(entries) == 4, (t, entries)
        assert entries[0]["before"] == [], (t, entries)
        for prev, nxt in zip(entries, entries[1:]):
            assert nxt["before"] == prev["after"], (t, entries)
        assert entries[-1]["after"] == stored.get(t, []), (t, entries, stored.get(t))
        replay: set[str] = set()
        for action, code in steps[t]:
            assert (code in replay) == (action == "uncode"), (t, steps[t])
            (replay.add if action == "code" else replay.discard)(code)
        assert sorted(replay) == stored.get(t, []), (t, steps[t])


def test_the_same_coding_removed_twice_at_once_is_removed_and_audited_once(db, tmp_path):
    """Two windows remove the same coding at the same instant (by id, and by turn and code): one
    removes it, the other is told it is not there; one ``uncode`` entry per coding, no warning."""
    import warnings

    from workbench.coding import remove_code, remove_coding
    from workbench.errors import NotFound
    from workbench.store import AuditEvent

    build(db, tmp_path)
    by_id = [apply_code(db, "lang.txt", t, "kapasitet", user="anna").id for t in range(1, 11)]
    for t in range(11, 21):
        apply_code(db, "lang.txt", t, "kapasitet", user="anna")
    pairs = [(lambda i=i: remove_coding(db, i, user="anna"),) * 2 for i in by_id]
    pairs += [(lambda t=t: remove_code(db, "lang.txt", t, "kapasitet", user="anna"),) * 2 for t in range(11, 21)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        errors = _race(pairs)
    assert [str(w.message) for w in caught if "expected to delete" in str(w.message)] == []
    assert len(errors) == 20 and all(isinstance(e, NotFound) for e in errors), errors[:3]
    assert count(db, Coding) == 0
    assert count(db, AuditEvent, AuditEvent.action == "uncode") == 20


class _Pause:
    """Hold the transaction that runs a statement starting with ``prefix`` for ``seconds`` just
    before it (an engine event), so that a race window that is milliseconds wide in real use
    (between a merge reading a code's codings and committing) is wide enough to hit every run;
    ``reached`` is set when the statement comes.

    With ``until_blocked`` the hold ends as soon as another writer waits for the held transaction
    (at the latest after ``seconds``): on PostgreSQL a session whose lock the held one blocks
    (``pg_blocking_pids``), on SQLite a connection asking for the write lock (``BEGIN
    IMMEDIATE``, by any engine of the same file; 50 ms more, so that it is waiting). A writer
    that waits can do nothing more until the hold ends, so a longer hold only costs time; a
    writer that does not wait (the race the test is about) has the whole ``seconds``."""

    def __init__(self, db, prefix: str, seconds: float = 0.6, until_blocked: bool = False):
        import threading

        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.db, self.prefix, self.seconds, self.until_blocked = db, prefix.upper(), seconds, until_blocked
        self.reached = threading.Event()
        self._asked = threading.Event()  # SQLite: another connection asked for the write lock
        self._held_conn = None
        self._event = event
        event.listen(db.engine, "before_cursor_execute", self._hook)
        if until_blocked and db.engine.dialect.name == "sqlite":
            event.listen(Engine, "before_cursor_execute", self._watch)

    def _hook(self, conn, cursor, statement, parameters, context, executemany):
        import time

        if statement.lstrip().upper().startswith(self.prefix) and not self.reached.is_set():
            self._held_conn = conn.connection.dbapi_connection
            self.reached.set()
            if not self.until_blocked:
                time.sleep(self.seconds)
            elif self.db.engine.dialect.name == "sqlite":
                if self._asked.wait(self.seconds):
                    time.sleep(0.05)
            else:
                self._wait_for_a_blocked_session(conn, time.monotonic() + self.seconds)

    def _watch(self, conn, cursor, statement, parameters, context, executemany):
        if self.reached.is_set() and statement.strip().upper() == "BEGIN IMMEDIATE" \
                and conn.connection.dbapi_connection is not self._held_conn \
                and conn.engine.url.database == self.db.engine.url.database:
            self._asked.set()

    def _wait_for_a_blocked_session(self, conn, deadline: float) -> None:
        import time

        import psycopg

        held = conn.connection.dbapi_connection.info.backend_pid
        url = self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as watcher:
            while time.monotonic() < deadline:
                if watcher.execute("SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                                   (held,)).fetchone():
                    return
                time.sleep(0.02)

    def close(self):
        from sqlalchemy.engine import Engine

        self._event.remove(self.db.engine, "before_cursor_execute", self._hook)
        if self._event.contains(Engine, "before_cursor_execute", self._watch):
            self._event.remove(Engine, "before_cursor_execute", self._watch)


def test_codings_made_while_a_merge_runs_never_stay_on_the_retired_code(db, tmp_path):
    """Three coders keep using 'gammel' (anna applies it, bo records it as a turn's consensus,
    cecilie accepts suggestions of it) while anna merges it into 'kapasitet': afterwards nothing
    is left on 'gammel' (``codings --code gammel`` lists nothing, no suggestion), every coding a
    coder was told was stored is under 'kapasitet', the merge's count is what it moved, and a
    coder who came too late is told 'gammel' was merged into 'kapasitet' (one line, no traceback).
    Before the fix, on PostgreSQL, the codings committed while the merge ran stayed on 'gammel'."""
    import threading
    import time

    from workbench.agreement import record_consensus
    from workbench.codebook.store import merge_codes
    from workbench.coding import accept_suggestion
    from workbench.errors import WorkbenchError
    from workbench.store import AuditEvent

    build(db, tmp_path)
    with db.transaction("anna") as tx:
        segs = {i: sid for sid, i in tx.session.execute(select(Segment.id, Segment.index))}
        sugs = [Suggestion(segment_id=segs[t], code_id="gammel", method="lexicon", score=0.9, status="pending")
                for t in range(1, TURNS + 1)]
        tx.session.add_all(sugs)
        tx.session.flush()
        sug_ids = [s.id for s in sugs]
    stored: dict[str, list[int]] = {"anna": [], "bo": [], "cecilie": []}
    errors: list[BaseException] = []
    stop = threading.Event()

    def anna():
        for i in range(10_000):
            if stop.is_set():
                return
            stored["anna"].append(apply_code(db, "lang.txt", 1 + i % 25, "gammel", user="anna",
                                             span=(0, 1 + (i // 25) % 30)).id)

    def bo():
        for i in range(10_000):
            if stop.is_set():
                return
            stored["bo"] += [r.id for r in record_consensus(db, "lang.txt", 26 + i % 25, ["gammel"], user="bo")]

    def cecilie():
        for sid in sug_ids:
            if stop.is_set():
                return
            stored["cecilie"].append(accept_suggestion(db, sid, user="cecilie").id)

    def run(fn):
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    pause = _Pause(db, "UPDATE codes")
    try:
        threads = [threading.Thread(target=run, args=(fn,)) for fn in (anna, bo, cecilie)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while min(len(v) for v in stored.values()) < 3 and not errors and time.monotonic() < deadline:
            time.sleep(0.01)
        report = merge_codes(db, "gammel", "kapasitet", user="anna")
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=120)
    finally:
        pause.close()
    assert pause.reached.is_set()
    assert all(isinstance(e, WorkbenchError) and e.code == "code.retired" and "merged into 'kapasitet'" in str(e)
               for e in errors), [repr(e) for e in errors]
    assert list_codings(db, code="gammel", user="anna") == []
    assert count(db, Suggestion, Suggestion.code_id == "gammel") == 0
    ids = [i for v in stored.values() for i in v]
    with db.session() as s:
        assert {s.get(Coding, i).code_id for i in ids} == {"kapasitet"}
    with db.session() as s:  # every coding made under 'gammel' was moved, and counted as moved
        made = {int(ev.target_id) for ev in s.scalars(select(AuditEvent).where(AuditEvent.action == "code"))
                if (ev.detail or {}).get("code") == "gammel"}
        assert {s.get(Coding, i).code_id for i in made} == {"kapasitet"}
    assert report.moved_codings == len(made) > 0
    assert report.moved_suggestions == count(db, Suggestion, Suggestion.code_id == "kapasitet") == TURNS


def test_a_code_applied_while_a_load_deletes_it_is_one_line_never_a_traceback(db, tmp_path):
    """Anna applies 'gammel' just as a codebook load that drops it (unused, so deleted) runs: she
    is told the code is gone (one line), never a foreign-key traceback, and the load stands.
    Before the fix, on PostgreSQL, her insert waited for the load and then failed with an
    IntegrityError."""
    import threading

    from workbench.errors import WorkbenchError

    build(db, tmp_path)
    smaller = tmp_path / "uten_gammel.yaml"
    smaller.write_text(CODEBOOK.split("  gammel:")[0], encoding="utf-8")
    errors: list[BaseException] = []

    def anna():
        pause.reached.wait(30)  # the load has deleted 'gammel' and not committed yet
        try:
            apply_code(db, "lang.txt", 2, "gammel", user="anna")
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    pause = _Pause(db, "DELETE FROM codes", until_blocked=True)
    try:
        t = threading.Thread(target=anna)
        t.start()
        report = load_codebook(db, smaller, user="anna")
        t.join(timeout=120)
    finally:
        pause.close()
    assert pause.reached.is_set() and report.deleted == ["gammel"]
    assert len(errors) == 1 and isinstance(errors[0], WorkbenchError), repr(errors)
    assert errors[0].code == "code.not_found" and "gammel" in str(errors[0]) and "\n" not in str(errors[0])
    assert count(db, Coding) == 0
