"""The coding commands: code, uncode, codings, memo, memos, review (click's CliRunner)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from workbench.cli import cli
from workbench.store import Segment, Source, Suggestion, User
from workbench.users import add_user

from tests.test_coding import FG, corpus  # noqa: F401  (the fixture)


@pytest.fixture
def run(corpus):  # noqa: F811
    db = corpus["db"]
    runner = CliRunner()

    def invoke(*args, user="kari"):
        return runner.invoke(cli, ["--db", db.url, "--user", user, *args], obj={})

    invoke.db = db
    return invoke


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _one_line_error(result, *fragments):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_code_then_codings_json(run):
    r = run("code", FG, "2", "kontrakt.relasjonell", "--memo", "tillit, ikke krav")
    assert r.exit_code == 0, r.output
    assert "kontrakt.relasjonell" in r.output and "kari" in r.output
    add_user(run.db, "ola", user="kari")
    assert run("code", FG, "2", "kontrakt.hybrid", "--span", "0:6", "--coder", "ola").exit_code == 0
    rows = _json(run("codings", "--json"))
    assert [set(row) for row in rows] == [{"id", "source", "turn", "code", "coder", "start", "end", "text",
                                           "origin", "created_at", "memo"}] * 2
    turn = rows[1]["text"]  # the whole turn; the span is its first six characters
    assert rows[0]["text"] == turn[:6] and len(turn) > 6
    assert [(r["code"], r["coder"], r["start"], r["end"], r["origin"], r["memo"]) for r in rows] == [
        ("kontrakt.hybrid", "ola", 0, 6, "manual", None),
        ("kontrakt.relasjonell", "kari", None, None, "manual", "tillit, ikke krav")]
    assert [r["coder"] for r in _json(run("codings", "--coder", "ola", "--json"))] == ["ola"]
    assert [r["code"] for r in _json(run("codings", "--code", "kontrakt", "--json"))] == [
        "kontrakt.hybrid", "kontrakt.relasjonell"]
    table = run("codings", "--source", FG)
    assert table.exit_code == 0 and "kontrakt.hybrid" in table.output and "ola" in table.output


def test_user_mistakes_are_one_line_errors(run):
    _one_line_error(run("code", FG, "1", "kontrakt.hybird"), "did you mean 'kontrakt.hybrid'")
    _one_line_error(run("code", FG, "9", "kontrakt.hybrid"), "valid turns are 1-3")
    _one_line_error(run("code", "nei.txt", "1", "kontrakt.hybrid"), "unknown source 'nei.txt'", FG)
    _one_line_error(run("code", FG, "1", "kontrakt.hybrid", "--span", "0:999"), "characters")
    _one_line_error(run("code", FG, "1", "kontrakt"), "category")
    _one_line_error(run("uncode", FG, "1", "kontrakt.hybrid"), "coder 'kari' has no coding")
    _one_line_error(run("uncode", "--id", "77"), "no coding with id 77")
    _one_line_error(run("codings", "--coder", "kary"), "unknown coder 'kary'")
    _one_line_error(run("review", "--accept", "5"), "no suggestion with id 5")
    bad_span = run("code", FG, "1", "kontrakt.hybrid", "--span", "fem")
    assert bad_span.exit_code == 2 and "START:END" in bad_span.output and "Traceback" not in bad_span.output
    missing = run("code", FG)
    assert missing.exit_code == 2 and "SOURCE TURN CODE" in missing.output
    assert _json(run("codings", "--json")) == []


def test_a_misspelt_coder_is_a_one_line_error_and_adds_no_user(run):
    assert run("code", FG, "1", "styring.nettverk", user="mari").exit_code == 0  # first use of --user: allowed
    _one_line_error(run("code", FG, "2", "kontrakt.hybrid", "--coder", "mrai"),
                    "unknown coder 'mrai'; did you mean 'mari'?")
    with run.db.session() as s:
        assert "mrai" not in set(s.scalars(select(User.name)))
    assert [(r["turn"], r["coder"]) for r in _json(run("codings", "--json"))] == [(1, "mari")]


def test_code_from_csv_is_all_or_nothing(run, tmp_path):
    path = tmp_path / "codings.csv"
    path.write_text("source,turn,code\n"
                    f"{FG},1,styring.nettverk\n{FG},2,kontrakt.hybird\n{FG},3,styring.nettverk\n",
                    encoding="utf-8")
    _one_line_error(run("code", "--from-csv", str(path)),
                    "codings.csv row 3: unknown code 'kontrakt.hybird'; did you mean 'kontrakt.hybrid'?")
    assert _json(run("codings", "--json")) == []
    path.write_text(f"source,turn,code\n{FG},1,styring.nettverk\n{FG},3,styring.nettverk\n", encoding="utf-8")
    add_user(run.db, "ola", user="kari")
    r = run("code", "--from-csv", str(path), "--coder", "ola")
    assert r.exit_code == 0 and "2 nye kodinger" in r.output
    assert {(c["coder"], c["origin"]) for c in _json(run("codings", "--json"))} == {("ola", "imported")}


def test_uncode_by_span_and_by_id(run):
    run("code", FG, "2", "kontrakt.hybrid", "--span", "0:6")
    run("code", FG, "2", "kontrakt.hybrid")
    r = run("uncode", FG, "2", "kontrakt.hybrid", "--span", "0:6")
    assert r.exit_code == 0 and "Fjernet" in r.output
    [left] = _json(run("codings", "--json"))
    assert left["start"] is None
    assert run("uncode", "--id", str(left["id"])).exit_code == 0
    assert _json(run("codings", "--json")) == []


def test_undo_of_uncode_brings_the_coding_back_with_its_memo(run):
    """The command line undoes the user's newest action (from any window), memo included."""
    run("code", FG, "2", "kontrakt.hybrid", "--memo", "viktig notat")
    run("uncode", FG, "2", "kontrakt.hybrid")
    assert _json(run("memos", "--json")) == []
    r = run("undo")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"Angret fjerningen av kontrakt.hybrid på tur 2 i {FG}, med notatet."
    [back] = _json(run("codings", "--json"))
    assert (back["code"], back["memo"]) == ("kontrakt.hybrid", "viktig notat")
    assert [(m["author"], m["text"]) for m in _json(run("memos", "--json"))] == [("kari", "viktig notat")]


def test_uncode_of_several_codings_says_how_many_and_one_undo_brings_all_back_with_their_ids(run):
    run("code", FG, "2", "kontrakt.relasjonell", "--span", "0:6")
    run("code", FG, "2", "kontrakt.relasjonell", "--span", "10:20", "--memo", "utdrag")
    run("code", FG, "2", "kontrakt.relasjonell")
    before = _json(run("codings", "--json"))
    r = run("uncode", FG, "2", "kontrakt.relasjonell")
    assert r.exit_code == 0, r.output
    assert r.output.count("Fjernet: ") == 3
    assert r.output.strip().endswith("3 kodinger fjernet; `workbench undo` henter alle tilbake.")
    r = run("undo")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == (f"Angret fjerningen av kontrakt.relasjonell på tur 2 i {FG}: 3 kodinger er "
                                "tilbake, med notatet.")
    after = _json(run("codings", "--json"))
    assert [(c["id"], c["start"], c["memo"]) for c in after] == [(c["id"], c["start"], c["memo"]) for c in before]
    assert "Angret kodingen kontrakt.relasjonell" in run("undo").output  # then the whole turn's coding goes


def test_undo_takes_back_a_whole_consensus_and_says_so(run):
    """The probe's repro: two consensus steps on a turn, then `undo` twice: first back to the
    earlier consensus, then to no consensus; never half of one."""
    assert run("agreement", "--consensus", FG, "3", "kontrakt.relasjonell").exit_code == 0
    assert run("agreement", "--consensus", FG, "3", "styring.nettverk").exit_code == 0
    r = run("undo")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"Angret konsensusen på tur 3 i {FG}: konsensus er igjen kontrakt.relasjonell."
    assert [c["code"] for c in _json(run("codings", "--coder", "konsensus", "--json"))] == ["kontrakt.relasjonell"]
    r = run("undo")
    assert r.output.strip() == f"Angret konsensusen på tur 3 i {FG}: turen har ingen registrert konsensus igjen."
    assert _json(run("codings", "--coder", "konsensus", "--json")) == []


def test_undo_of_a_consensus_someone_replaced_is_a_notice_naming_them_and_goes_on(run):
    """The skipped step is used up (the next undo goes on to the action before it), so `undo`
    says why on stderr and exits 0, naming who recorded the later consensus; nothing left to
    undo is still an error."""
    assert run("code", FG, "2", "kontrakt.hybrid").exit_code == 0
    assert run("agreement", "--consensus", FG, "3", "kontrakt.relasjonell").exit_code == 0
    assert run("agreement", "--consensus", FG, "3", "styring.nettverk", user="bjorn").exit_code == 0
    r = run("undo")
    assert r.exit_code == 0, r.output
    assert r.stdout == "" and r.stderr.startswith("Hoppet over: cannot undo consensus (audit event ")
    assert "bjorn has recorded another consensus on turn 3" in r.stderr and "someone" not in r.stderr
    assert [c["code"] for c in _json(run("codings", "--coder", "konsensus", "--json"))] == ["styring.nettverk"]
    r = run("undo")  # goes on to the action before it
    assert r.exit_code == 0 and r.output.strip() == f"Angret kodingen kontrakt.hybrid på tur 2 i {FG}."
    r = run("undo")
    assert r.exit_code == 1 and r.output.startswith("Error: nothing to undo")


def test_undo_of_a_csv_import_removes_all_it_made_in_one_go(run, tmp_path):
    path = tmp_path / "koder.csv"
    path.write_text("source,turn,code\n" + "".join(f"{FG},{t},kontrakt.hybrid\n" for t in (1, 2, 3)),
                    encoding="utf-8")
    assert run("code", "--from-csv", str(path)).exit_code == 0
    r = run("undo")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "Angret importen fra koder.csv: 3 kodinger er fjernet."
    assert _json(run("codings", "--json")) == []


def test_coding_the_same_again_says_it_was_coded_already(run):
    first = run("code", FG, "2", "kontrakt.hybrid", "--span", "0:6")
    assert first.output.startswith("Kodet: ")
    again = run("code", FG, "2", "kontrakt.hybrid", "--span", "0:6")
    assert again.exit_code == 0, again.output
    assert again.output.strip() == ("Allerede kodet, ingenting nytt lagret: " + first.output[len("Kodet: "):]).strip()
    with_memo = run("code", FG, "2", "kontrakt.hybrid", "--span", "0:6", "--memo", "et notat")
    assert with_memo.output.strip().endswith("; notatet står på kodingen")
    assert [c["memo"] for c in _json(run("codings", "--json"))] == ["et notat"]


def test_memo_and_memos(run):
    run("code", FG, "2", "kontrakt.relasjonell")
    cid = _json(run("codings", "--json"))[0]["id"]
    for args in (["--coding", str(cid)], ["--source", FG, "--turn", "2"], ["--source", FG],
                 ["--code", "kontrakt.relasjonell"]):
        r = run("memo", "Et notat", *args)
        assert r.exit_code == 0 and "Memo" in r.output, r.output
    memos = _json(run("memos", "--source", FG, "--json"))
    assert [m["target_type"] for m in memos] == ["coding", "segment", "source"]
    assert len(_json(run("memos", "--json"))) == 4
    _one_line_error(run("memo", "x", "--source", FG, "--code", "kontrakt.hybrid"), "exactly one target")


def test_review_lists_accepts_and_rejects(run):
    db = run.db
    with db.transaction(user="maskin") as tx:
        segs = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == FG)
                                  .order_by(Segment.index)).all()
        rows = [Suggestion(segment_id=segs[1].id, code_id="kontrakt.relasjonell", method="lexicon", score=0.9,
                           evidence=["tillitsbasert"]),
                Suggestion(segment_id=segs[2].id, code_id="styring.nettverk", method="model", score=0.52)]
        tx.session.add_all(rows)
        tx.session.flush()
        lex, mod = rows[0].id, rows[1].id
    assert [s["id"] for s in _json(run("review", "--json"))] == [lex, mod]
    assert [s["id"] for s in _json(run("review", "--order", "uncertain", "--json"))] == [mod, lex]
    listing = run("review")
    assert listing.exit_code == 0 and "tillitsbasert" in listing.output
    r = run("review", "--accept", str(lex), "--reject", str(mod))
    assert r.exit_code == 0 and "Godtatt" in r.output and "Avvist" in r.output
    [coding] = _json(run("codings", "--json"))
    assert (coding["code"], coding["origin"], coding["coder"]) == ("kontrakt.relasjonell", "lexicon", "kari")
    assert "Ingen forslag" in run("review").output
    assert [s["status"] for s in _json(run("review", "--status", "all", "--json"))] == ["accepted", "rejected"]
    _one_line_error(run("review", "--accept", str(mod)), f"suggestion {mod} was already rejected by kari")
    for limit in ("0", "-1"):  # once: -1 dropped the last of the "uncertain" order, but cut nothing by score
        for order in ("score", "uncertain"):
            _one_line_error(run("review", "--status", "all", "--order", order, "--limit", limit),
                            f"limit {limit} is not a number of suggestions; give --limit 1 or more")


def test_review_lists_each_suggestions_measured_precision_and_recall(run):
    """The model's cross-validated figures beside a model hit, the lexicon's figures on the coded
    texts (6 of 8 hits right, 6 of 12 coded turns found) beside a lexicon hit."""
    from workbench.store import TrainedModel

    db = run.db
    with db.transaction(user="maskin") as tx:
        segs = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == FG)
                                  .order_by(Segment.index)).all()
        tx.session.add_all([
            Suggestion(segment_id=segs[1].id, code_id="kontrakt.relasjonell", method="lexicon", score=0.9),
            Suggestion(segment_id=segs[2].id, code_id="styring.nettverk", method="model", score=0.52)])
        tx.session.add(TrainedModel(method="model", blob=b"", info={
            "cv": {"styring.nettverk": {"precision": 0.8, "recall": 0.4}},
            "lexicon_precision": {"kontrakt.relasjonell": {"hits": 8, "correct": 6, "positives": 12,
                                                           "precision": 0.7}}}))
    listing = run("review")
    assert listing.exit_code == 0, listing.output
    lines = {code: line for line in listing.output.splitlines()
             for code in ("kontrakt.relasjonell", "styring.nettverk") if code in line}
    assert "0.75/0.50" in lines["kontrakt.relasjonell"] and "0.80/0.40" in lines["styring.nettverk"]
    figures = {s["code"]: (s["precision"], s["recall"]) for s in _json(run("review", "--json"))}
    assert figures == {"kontrakt.relasjonell": (0.75, 0.5), "styring.nettverk": (0.8, 0.4)}


def test_review_shows_what_accepting_codes_and_leaves_out_what_the_coder_coded_by_hand(run):
    db = run.db
    with db.transaction(user="maskin") as tx:
        segs = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == FG)
                                  .order_by(Segment.index)).all()
        at = segs[1].text.index("en tillitsbasert ramme")
        span = Suggestion(segment_id=segs[1].id, code_id="kontrakt.relasjonell", method="model", score=0.9,
                          start_char=segs[1].start_char + at, end_char=segs[1].start_char + at + 22)
        whole = Suggestion(segment_id=segs[2].id, code_id="styring.nettverk", method="lexicon", score=0.6,
                           evidence=["nettverket"])
        tx.session.add_all([span, whole])
        tx.session.flush()
        span, whole = span.id, whole.id
    listing = run("review").output
    row = next(line for line in listing.splitlines() if line.startswith(f"{span} "))
    assert row.rstrip().endswith("en tillitsbasert ramme") and "Avtalen er" not in row
    assert [r["coded_text"] for r in _json(run("review", "--json"))] == [
        "en tillitsbasert ramme", "Vi møtes jevnlig i nettverket og lærer av de andre kommunene."]
    assert run("code", FG, "3", "styring.nettverk", "--span", "3:9").exit_code == 0  # by hand, overlapping
    assert [r["id"] for r in _json(run("review", "--json"))] == [span]
    assert [r["id"] for r in _json(run("review", "--json", user="ola"))] == [span, whole]
