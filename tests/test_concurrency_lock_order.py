"""Writers that use several codes, racing a code merge: no deadlock, and nothing fails.

A merge takes OLD and NEW exclusively in id order (``store.db.lock_codes``). A writer that took
the codes it uses one by one, in the order of its rows, could hold NEW ('kapasitet') while the
merge held OLD ('gammel'), then wait for OLD while the merge waited for NEW: PostgreSQL detected
the deadlock after a second and aborted one of the two, which was run again. A CSV import that was
aborted then found 'gammel' retired and failed as a whole ("row 3: code 'gammel' is retired"). Now
such writers hold all their codes at once before they apply any (``coding._hold_codes``), so the
merge simply waits for them (or they for it). On SQLite, where every writer holds the database's
write lock, these pass trivially.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

import workbench.store.db as store_db
from workbench.codebook.store import merge_codes
from workbench.coding import code_from_csv, list_codings, review_suggestions, undo_last
from workbench.store import Coding, Segment, Suggestion

from .test_concurrency import _Pause, build, count


@pytest.fixture
def busy(monkeypatch):
    """The database errors the library turned into ``Busy`` (and retried) during the test."""
    seen: list[str] = []
    original = store_db.database_error

    def spy(url, exc):
        seen.append(str(getattr(exc, "orig", exc)).splitlines()[0])
        return original(url, exc)

    monkeypatch.setattr(store_db, "database_error", spy)
    return seen


def _merge_while(db, start) -> tuple[dict, object]:
    """Run ``start`` (a writer) in a thread; once it is inside its first coding insert (held there
    until the merge waits for it, at the latest for 1.5 s), merge 'gammel' into 'kapasitet'.
    Returns what the writer returned (or raised) and the merge's report."""
    out: dict = {}
    pause = _Pause(db, "INSERT INTO codings", seconds=1.5, until_blocked=True)

    def run():
        try:
            out["result"] = start()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            out["error"] = exc

    try:
        t = threading.Thread(target=run)
        t.start()
        assert pause.reached.wait(30)
        report = merge_codes(db, "gammel", "kapasitet", user="anna")
        t.join(timeout=120)
    finally:
        pause.close()
    assert not t.is_alive()
    return out, report


def test_a_csv_import_naming_codes_out_of_id_order_survives_a_merge(db, tmp_path, busy):
    """Rows 'kapasitet' then 'gammel' while anna merges 'gammel' into 'kapasitet': the import
    stores both codings and the merge moves the 'gammel' one; no deadlock. Before the fix, on
    PostgreSQL, the two deadlocked and the import, run again, failed with "row 3: code 'gammel'
    is retired"."""
    build(db, tmp_path)
    csv = tmp_path / "koder.csv"
    csv.write_text("source,turn,code\nlang.txt,1,kapasitet\nlang.txt,2,gammel\n", encoding="utf-8")
    out, report = _merge_while(db, lambda: code_from_csv(db, csv, user="bo"))
    assert "error" not in out, repr(out.get("error"))
    assert not [b for b in busy if "deadlock" in b.lower()], busy
    assert out["result"] == 2
    assert report.moved_codings == 1
    assert sorted((c.turn, c.code) for c in list_codings(db, user="anna")) == [(1, "kapasitet"), (2, "kapasitet")]
    assert count(db, Coding, Coding.code_id == "gammel") == 0


def test_accepting_suggestions_out_of_id_order_survives_a_merge(db, tmp_path, busy):
    """bo accepts a 'kapasitet' and a 'gammel' suggestion in one go while anna merges 'gammel'
    into 'kapasitet': both are accepted once, the merge moves the 'gammel' coding; no deadlock
    (before the fix, on PostgreSQL, one of the two was aborted and run again)."""
    build(db, tmp_path)
    with db.transaction("anna") as tx:
        segs = {i: sid for sid, i in tx.session.execute(select(Segment.id, Segment.index))}
        first = Suggestion(segment_id=segs[1], code_id="kapasitet", method="lexicon", score=0.9, status="pending")
        second = Suggestion(segment_id=segs[2], code_id="gammel", method="lexicon", score=0.9, status="pending")
        tx.session.add_all([first, second])
        tx.session.flush()
        ids = [first.id, second.id]
    out, report = _merge_while(db, lambda: review_suggestions(db, user="bo", accept=ids))
    assert "error" not in out, repr(out.get("error"))
    assert not [b for b in busy if "deadlock" in b.lower()], busy
    accepted, _ = out["result"]
    assert len(accepted) == 2
    assert report.moved_codings + report.moved_suggestions >= 1
    assert sorted((c.turn, c.code) for c in list_codings(db, user="anna")) == [(1, "kapasitet"), (2, "kapasitet")]
    assert count(db, Suggestion, Suggestion.status == "accepted") == 2
    assert count(db, Coding, Coding.code_id == "gammel") == 0


def test_undoing_a_consensus_that_puts_several_codes_back_survives_a_merge(db, tmp_path, busy):
    """bo agreed 'gammel' and 'kapasitet' on a turn, then that no code applies, and undoes that
    while anna merges 'gammel' into 'kapasitet': the undo puts both back and the merge folds the
    'gammel' one into 'kapasitet', so that nothing is left on 'gammel' and no deadlock. Before the
    fix, on PostgreSQL, the undo held no code: the merge ran while it was putting the codings back,
    and the 'gammel' one came back on the retired code after the merge (its inserts also locked
    the codes one by one, 'kapasitet' first, which could deadlock with the merge)."""
    from workbench.agreement import record_consensus

    build(db, tmp_path)
    record_consensus(db, "lang.txt", 3, ["gammel", "kapasitet"], user="bo")
    record_consensus(db, "lang.txt", 3, "-", user="bo")
    out, report = _merge_while(db, lambda: undo_last(db, user="bo"))
    assert "error" not in out, repr(out.get("error"))
    assert not [b for b in busy if "deadlock" in b.lower()], busy
    assert out["result"]["action"] == "consensus" and out["result"]["codings"] == 2
    assert report.dropped_duplicates == 1
    assert [(c.turn, c.code, c.coder) for c in list_codings(db, user="anna")] == [(3, "kapasitet", "konsensus")]
