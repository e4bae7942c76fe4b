"""Team coding: a memo and the removal of its coding at the same moment, undo and one's own memos,
and SQLite's write lock (how long a coder waits, and a backup while another writer holds it).

The races are made deterministic as in ``test_concurrency``: one action runs in a thread and is
held (``_Pause``) just before a statement, while the other runs. On PostgreSQL (READ COMMITTED)
these were the real races; on SQLite, where every writer holds the database's write lock from its
start, the second action simply waits, and the same outcome is checked.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

import workbench.store.db as store_db
from workbench.backup import backup
from workbench.cli import cli
from workbench.coding import (UndoSkipped, accept_suggestion, add_memo, apply_code, list_codings, list_memos,
                              remove_coding, save_draft, undo_last)
from workbench.errors import Busy, InputError, NotFound
from workbench.store import AuditEvent, Memo, MemoDraft, Segment, Source, Suggestion
from workbench.ui.messages import norwegian
from workbench.ui.undo import undone_text

from tests.test_coding import FG, corpus  # noqa: F401  (the fixture)
from tests.test_concurrency import _Pause, count

CODE = "kontrakt.hybrid"


def _held(db, prefix: str, start, seconds: float = 1.5) -> tuple[dict, threading.Thread, _Pause]:
    """Start ``start()`` in a thread and return once it has reached the statement ``prefix``,
    where it is held (its transaction open) until the other action waits for it, at the latest
    for ``seconds`` (``_Pause(until_blocked=True)``). Join the thread, then close the pause."""
    out: dict = {}
    pause = _Pause(db, prefix, seconds=seconds, until_blocked=True)

    def run():
        try:
            out["result"] = start()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    assert pause.reached.wait(30)
    return out, t, pause


def _finish(t: threading.Thread, pause: _Pause) -> None:
    t.join(timeout=60)
    pause.close()
    assert not t.is_alive()


def _last(db, action: str) -> dict:
    """The detail of the newest audit entry of ``action``."""
    with db.session() as s:
        return s.scalars(select(AuditEvent.detail).where(AuditEvent.action == action)
                         .order_by(AuditEvent.id.desc())).first()


# ------------------------------------------------------------------------------------------------
# A memo and the removal of its coding at the same moment


def test_a_memo_saved_while_its_coding_is_removed_is_recorded_and_comes_back_with_undo(corpus):  # noqa: F811
    """per's memo on kari's coding is being saved (inserted, not committed) when kari removes the
    coding: the removal waits for the memo, records it in its audit entry, and kari's undo brings
    the coding back with per's memo. Before, on PostgreSQL, the removal read the memos before the
    memo was committed and deleted it in the cascade: its audit said "memos": [] and undo brought
    the coding back without it (per had been told it was saved)."""
    db = corpus["db"]
    coding = apply_code(db, FG, 2, CODE, user="kari")
    out, t, pause = _held(db, "INSERT INTO audit_events",
                          lambda: add_memo(db, "Per: viktig tolkning av tillit", user="per", coding_id=coding.id))
    try:
        removed = remove_coding(db, coding.id, user="kari")
    finally:
        _finish(t, pause)
    assert "error" not in out, repr(out.get("error"))
    assert removed.memo == "Per: viktig tolkning av tillit"
    assert [m["text"] for m in _last(db, "uncode")["memos"]] == ["Per: viktig tolkning av tillit"]
    done = undo_last(db, user="kari")
    assert done["action"] == "uncode" and done["memos"] == 1
    assert [(m.author, m.text, m.coding_id) for m in list_memos(db, user="kari")] == [
        ("per", "Per: viktig tolkning av tillit", coding.id)]


def test_a_memo_on_a_coding_being_removed_is_refused_in_one_line(corpus):  # noqa: F811
    """kari is removing her coding (deleted, not committed) when per saves a memo on it: per waits
    and is told in one line that the coding was removed, nothing is stored, and the removal's audit
    entry is right ("memos": []). Before, on PostgreSQL, per got SQLAlchemy's IntegrityError (a
    foreign-key violation, with the memo's text in it) as a traceback."""
    db = corpus["db"]
    coding = apply_code(db, FG, 2, CODE, user="kari")
    out, t, pause = _held(db, "INSERT INTO audit_events", lambda: remove_coding(db, coding.id, user="kari"))
    try:
        with pytest.raises(NotFound) as err:
            add_memo(db, "Per sitt hemmelige notat", user="per", coding_id=coding.id)
    finally:
        _finish(t, pause)
    assert "error" not in out, repr(out.get("error"))
    assert err.value.code == "coding.not_found"
    assert "\n" not in str(err.value) and "hemmelige" not in str(err.value)
    assert norwegian(err.value).startswith("Kodingen finnes ikke lenger")
    assert count(db, Memo) == 0
    assert _last(db, "uncode")["memos"] == []


def test_memo_command_on_a_coding_being_removed_prints_one_line(corpus):  # noqa: F811
    """`workbench memo --coding ID` while the coding is being removed: one "Error:" line, exit 1,
    no traceback and not the memo's text (before, on PostgreSQL: an IntegrityError traceback
    holding the memo)."""
    db = corpus["db"]
    coding = apply_code(db, FG, 2, CODE, user="kari")
    out, t, pause = _held(db, "INSERT INTO audit_events", lambda: remove_coding(db, coding.id, user="kari"))
    try:
        result = CliRunner().invoke(cli, ["--db", db.url, "--user", "per", "memo", "--coding", str(coding.id),
                                          "Per sitt hemmelige notat"], obj={})
    finally:
        _finish(t, pause)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output and "hemmelige" not in result.output
    assert count(db, Memo) == 0


def test_a_draft_on_a_coding_being_removed_is_refused_in_one_line(corpus):  # noqa: F811
    """save_draft (the Koding page keeping a memo being typed) while the coding is removed: a
    one-line ``coding.not_found`` (Norwegian on the page), nothing stored. Before, on PostgreSQL:
    AttributeError (the foreign-key violation taken for a draft stored by another window)."""
    db = corpus["db"]
    coding = apply_code(db, FG, 2, CODE, user="kari")
    out, t, pause = _held(db, "INSERT INTO audit_events", lambda: remove_coding(db, coding.id, user="kari"))
    try:
        with pytest.raises(NotFound) as err:
            save_draft(db, "utkast", user="per", coding_id=coding.id)
    finally:
        _finish(t, pause)
    assert "error" not in out, repr(out.get("error"))
    assert err.value.code == "coding.not_found" and "\n" not in str(err.value)
    assert count(db, MemoDraft) == 0


def test_undo_waits_for_a_colleagues_memo_being_saved_and_keeps_the_coding(corpus):  # noqa: F811
    """per's memo on kari's coding is being saved when kari undoes the coding: the undo waits, sees
    per's memo and keeps the coding (``undo.others_memos``). Before, on PostgreSQL, the undo read no
    memo, deleted the coding, and per's memo went in the cascade unrecorded."""
    db = corpus["db"]
    coding = apply_code(db, FG, 2, CODE, user="kari")
    out, t, pause = _held(db, "INSERT INTO audit_events",
                          lambda: add_memo(db, "Per: tolkning", user="per", coding_id=coding.id))
    try:
        with pytest.raises(UndoSkipped) as err:
            undo_last(db, user="kari")
    finally:
        _finish(t, pause)
    assert "error" not in out, repr(out.get("error"))
    assert err.value.code == "undo.others_memos" and err.value.params["authors"] == "per"
    assert [c.id for c in list_codings(db, user="kari")] == [coding.id]
    assert [m.text for m in list_memos(db, user="kari")] == ["Per: tolkning"]


# ------------------------------------------------------------------------------------------------
# Undo and one's own memos


def test_undo_keeps_a_coding_with_ones_own_memo_written_after_it(corpus):  # noqa: F811
    """kari codes a turn, then writes a memo on the coding, then undoes: the undo is skipped
    (``undo.own_memos``), and the coding and her memo stay. Before, the memo was deleted with the
    coding, with no word and "memos": 0 in the audit trail: its text was lost."""
    db = corpus["db"]
    coding = apply_code(db, FG, 2, CODE, user="kari")
    add_memo(db, "Kari: lang analytisk refleksjon", user="kari", coding_id=coding.id)
    with pytest.raises(UndoSkipped) as err:
        undo_last(db, user="kari")
    assert err.value.code == "undo.own_memos"
    assert "your memo" in str(err.value) and "\n" not in str(err.value)
    assert norwegian(err.value).startswith(f"Kodingen «Hybrid kontrakt» på tur 2 i «{FG}» angres ikke, for du har")
    assert [c.id for c in list_codings(db, user="kari")] == [coding.id]
    assert [m.text for m in list_memos(db, user="kari")] == ["Kari: lang analytisk refleksjon"]
    # the coding removed by hand instead: its memo is in the audit trail, and undo brings both back
    remove_coding(db, coding.id, user="kari")
    assert undo_last(db, user="kari")["memos"] == 1
    assert [m.text for m in list_memos(db, user="kari")] == ["Kari: lang analytisk refleksjon"]


def test_undo_of_a_coding_made_with_its_memo_takes_both_and_records_the_memo(corpus):  # noqa: F811
    """`workbench code ... --memo TEXT` is one action: its undo removes the coding and the memo,
    says so, and its audit entry keeps the memo's text (author, text, time)."""
    db = corpus["db"]
    apply_code(db, FG, 2, CODE, user="kari", memo="tillit uten ordet")
    done = undo_last(db, user="kari")
    assert done["memos"] == 1
    assert [m["text"] for m in done["removed_memos"]] == ["tillit uten ordet"]
    assert list_codings(db, user="kari") == [] and count(db, Memo) == 0
    detail = _last(db, "undo")
    assert detail["memos"] == 1
    assert [(m["author"], m["text"]) for m in detail["removed_memos"]] == [("kari", "tillit uten ordet")]
    assert "sammen med notatet ditt på den" in undone_text({**done, "action": "code"}, {})


def test_a_coding_made_with_its_memo_removed_and_put_back_still_undoes_with_it(corpus):  # noqa: F811
    """Removed and put back by undo, the memo keeps its id, so the `code --memo` action still knows
    it as its own: the next undo takes both (before the ids were kept, PostgreSQL gave the memo a new
    id and the undo took it for one written afterwards)."""
    db = corpus["db"]
    made = apply_code(db, FG, 2, CODE, user="kari", memo="tillit uten ordet")
    remove_coding(db, made.id, user="kari")
    assert undo_last(db, user="kari")["action"] == "uncode"
    done = undo_last(db, user="kari")
    assert (done["action"], done["memos"]) == ("code", 1)
    assert count(db, Memo) == 0


def test_the_memo_text_an_undo_keeps_goes_with_a_removed_source(corpus):  # noqa: F811
    from workbench.lifecycle import remove_source

    db = corpus["db"]
    apply_code(db, FG, 2, CODE, user="kari", memo="hemmelig notat om kilden")
    undo_last(db, user="kari")
    assert "hemmelig notat om kilden" in str(_last(db, "undo"))
    remove_source(db, FG, user="oppsett")
    assert "hemmelig notat om kilden" not in str(_last(db, "undo"))


def test_undo_command_names_the_memo_it_removes_and_the_one_it_keeps(corpus):  # noqa: F811
    db = corpus["db"]
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, ["--db", db.url, "--user", "kari", *args], obj={})

    assert run("code", FG, "2", CODE, "--memo", "tillit uten ordet").exit_code == 0
    r = run("undo")
    assert r.exit_code == 0 and "sammen med notatet ditt på den" in r.output, r.output
    assert run("code", FG, "3", CODE).exit_code == 0
    cid = list_codings(db, user="kari")[0].id
    assert run("memo", "--coding", str(cid), "Kari: refleksjon").exit_code == 0
    r = run("undo")
    assert r.exit_code == 0 and "Hoppet over" in r.output and "your memo" in r.output, r.output
    assert [m.text for m in list_memos(db, user="kari")] == ["Kari: refleksjon"]


def test_undo_of_an_accept_keeps_the_coding_with_ones_own_memo(corpus):  # noqa: F811
    """An accepted suggestion with the coder's own memo on its coding: undo is skipped, the memo
    and the coding stay (before: both deleted, the memo unrecorded)."""
    db = corpus["db"]
    with db.transaction("kari") as tx:
        seg = tx.session.scalar(select(Segment.id).join(Source).where(Source.file_name == FG, Segment.index == 2))
        s = Suggestion(segment_id=seg, code_id=CODE, method="lexicon", score=0.9, status="pending")
        tx.session.add(s)
        tx.session.flush()
        sid = s.id
    coding = accept_suggestion(db, sid, user="kari")
    add_memo(db, "Kari: godtatt fordi ...", user="kari", coding_id=coding.id)
    with pytest.raises(UndoSkipped) as err:
        undo_last(db, user="kari")
    assert err.value.code == "undo.own_memos"
    assert [c.id for c in list_codings(db, user="kari")] == [coding.id]
    assert [m.text for m in list_memos(db, user="kari")] == ["Kari: godtatt fordi ..."]


# ------------------------------------------------------------------------------------------------
# SQLite: another writer holds the write lock


@contextlib.contextmanager
def _write_lock_held(db):
    """Another program holds the SQLite database's write lock (as a long import would)."""
    conn = sqlite3.connect(make_url(db.url).database, isolation_level=None, timeout=0)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@pytest.fixture
def short_lock_wait(monkeypatch):
    """A busy timeout of 0.5 s instead of 30 s."""
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 500)


def test_a_coder_waits_about_the_busy_timeout_in_all_and_is_told_so(sqlite_db, short_lock_wait):
    """While another writer holds the lock, `code` gives up after about the busy timeout (one wait,
    not one per retry) and says how long it waited. Before, it waited six busy timeouts plus the
    pauses between them (3 minutes with the real 30 s) and then said "locked for 30 s"."""
    attempts: list[str] = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() == "BEGIN IMMEDIATE":
            attempts.append(statement)

    event.listen(sqlite_db.engine, "before_cursor_execute", spy)
    try:
        with _write_lock_held(sqlite_db):
            started = time.monotonic()
            with pytest.raises(Busy) as err:
                add_memo(sqlite_db, "notat", user="kari", source="x.txt")
            waited = time.monotonic() - started
    finally:
        event.remove(sqlite_db.engine, "before_cursor_execute", spy)
    assert err.value.code == "database.locked"
    said = re.search(r"stayed locked by another writer for ([\d.]+) s", str(err.value))
    assert said and 0.5 <= float(said.group(1)) <= waited + 0.05, str(err.value)  # the wait it really had
    assert len(attempts) == 1, attempts  # the wait used the budget up: no second run
    assert waited < 3, waited            # (before: six waits of 0.5 s and the pauses, about 7 s)
    assert f"{said.group(1)} sekunder" in norwegian(err.value)


def test_a_backup_while_the_lock_is_held_is_never_exists_already_and_is_audited(sqlite_db, short_lock_wait,
                                                                                tmp_path):
    """The copy is made (readers go on), but recording it in the audit trail finds the lock held:
    the backup is removed and the error says why and how long it waited, instead of the whole
    backup being run again and then refused with a false "exists already". Run again once the
    lock is free, it is written and audited."""
    out = tmp_path / "kopi.bak"
    with _write_lock_held(sqlite_db):
        with pytest.raises(Busy) as err:
            backup(sqlite_db, out, user="forsker")
    assert not isinstance(err.value, InputError) and "exists already" not in str(err.value)
    assert re.search(r"locked by another writer for [\d.]+ s", str(err.value)) and "was removed" in str(err.value)
    assert not out.exists()
    done = backup(sqlite_db, out, user="forsker")
    assert out.exists() and done["bytes"] == out.stat().st_size
    assert _last(sqlite_db, "backup")["file"] == "kopi.bak"


def test_a_backup_waits_for_a_short_lock_and_is_audited_once(sqlite_db, tmp_path):
    """A lock released within the busy timeout: the audit write waits for it, one backup, one
    audit entry."""
    out = tmp_path / "kopi.bak"
    conn = sqlite3.connect(make_url(sqlite_db.url).database, isolation_level=None, timeout=0,
                           check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.5, lambda: (conn.execute("ROLLBACK"), conn.close()))
    timer.start()
    try:
        backup(sqlite_db, out, user="forsker")
    finally:
        timer.join()
    with sqlite_db.session() as s:
        assert len(list(s.scalars(select(AuditEvent).where(AuditEvent.action == "backup")))) == 1
    assert out.exists()
