"""Manual coding, memos, bulk CSV coding and the review of suggestions (library)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from workbench.coding import (accept_suggestion, add_memo, apply_code, code_from_csv, list_codings,
                              list_memos, list_suggestions, reject_suggestion, remove_code, remove_coding,
                              review_suggestions)
from workbench.errors import InputError, NotFound, WorkbenchError
from workbench.store import AuditEvent, Code, CodebookVersion, Coding, Memo, Segment, Source, Suggestion, User
from workbench.users import add_user

# Fictional focus-group excerpt; the segments do not start at offset 0, so the tests notice
# whether spans are converted between segment and source offsets.
TURNS = [
    ("Moderator", "Hvordan har samarbeidet med departementet fungert?"),
    ("Prosjektleder", "Avtalen er mer en tillitsbasert ramme enn en kontrakt med krav."),
    ("Ordfører", "Vi møtes jevnlig i nettverket og lærer av de andre kommunene."),
]


def _build_source(session, name: str) -> Source:
    text, spans = "", []
    for speaker, said in TURNS:
        prefix = f"{speaker}: "
        start = len(text) + len(prefix)
        text += prefix + said + "\n"
        spans.append((start, start + len(said)))
    src = Source(file_name=name, content_hash=name, format="txt", canonical_text=text, language="nb")
    session.add(src)
    session.flush()
    for i, (start, end) in enumerate(spans, 1):
        session.add(Segment(source_id=src.id, index=i, start_char=start, end_char=end))
    return src


@pytest.fixture
def corpus(db):
    """Two sources with three turns each, a small codebook in two versions (one code retired)."""
    with db.transaction(user="oppsett") as tx:
        s = tx.session
        v1 = CodebookVersion(name="bygdevekst", content_hash="a", content={})
        v2 = CodebookVersion(name="bygdevekst", content_hash="b", content={})
        s.add_all([v1, v2])
        s.flush()
        s.add_all([
            Code(id="kontrakt", label="Kontrakt", codable=False, sort_order=1, version_id=v2.id),
            Code(id="kontrakt.hybrid", label="Hybrid kontrakt", parent_id="kontrakt", sort_order=2),
            Code(id="kontrakt.relasjonell", label="Relasjonell kontrakt", parent_id="kontrakt", sort_order=3),
            Code(id="styring.nettverk", label="Nettverksstyring"),
            Code(id="kontrakt.gammel", label="Utgått", parent_id="kontrakt", retired=True),
        ])
        _build_source(s, "fg_midt_finnmark_fase1.txt")
        _build_source(s, "intervju_kdd_fase2.txt")
    return {"db": db, "version": v2.id}


def _turn_text(db, name, turn):
    with db.session() as s:
        seg = s.scalar(select(Segment).join(Source).where(Source.file_name == name, Segment.index == turn))
        return seg.text


def _codings(db):
    with db.session() as s:
        return [SimpleNamespace(id=c.id, segment_id=c.segment_id, start_char=c.start_char,
                                end_char=c.end_char, codebook_version_id=c.codebook_version_id)
                for c in s.scalars(select(Coding).order_by(Coding.id))]


FG = "fg_midt_finnmark_fase1.txt"


def test_whole_segment_coding_records_coder_origin_and_latest_codebook_version(corpus):
    db = corpus["db"]
    rec = apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari")
    assert (rec.source, rec.turn, rec.code, rec.coder, rec.origin) == (FG, 2, "kontrakt.relasjonell", "kari",
                                                                     "manual")
    assert rec.start is None and rec.end is None
    [c] = _codings(db)
    with db.session() as s:
        seg = s.get(Segment, c.segment_id)
        assert (c.start_char, c.end_char) == (seg.start_char, seg.end_char)
    assert c.codebook_version_id == corpus["version"]
    assert set(rec.to_dict()) == {"id", "source", "turn", "code", "coder", "start", "end", "text", "origin",
                                  "created_at", "memo"}
    assert rec.to_dict()["created_at"].startswith("20")


def test_source_can_be_given_by_id_and_turn_as_string(corpus):
    db = corpus["db"]
    with db.session() as s:
        sid = s.scalar(select(Source.id).where(Source.file_name == FG))
    rec = apply_code(db, str(sid), "3", "styring.nettverk", user="kari")
    assert (rec.source, rec.turn) == (FG, 3)


def test_span_coding_is_stored_in_source_offsets_and_returned_relative(corpus):
    db = corpus["db"]
    text = _turn_text(db, FG, 2)
    start = text.index("tillitsbasert")
    end = start + len("tillitsbasert ramme")
    rec = apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari", span=(start, end))
    assert (rec.start, rec.end) == (start, end)
    [c] = _codings(db)
    with db.session() as s:
        src = s.scalar(select(Source).where(Source.file_name == FG))
        assert src.canonical_text[c.start_char:c.end_char] == "tillitsbasert ramme"
    # a span covering the whole turn is the whole-segment coding
    whole = apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari", span=(0, len(text)))
    assert whole.start is None and whole.id != rec.id


@pytest.mark.parametrize("span", [(5, 500), (10, 10), (-1, 4), (20, 3)])
def test_span_outside_the_turn_is_refused_naming_the_length(corpus, span):
    db = corpus["db"]
    length = len(_turn_text(db, FG, 2))
    with pytest.raises(InputError, match=rf"turn 2 of '{FG}'.*{length} characters"):
        apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=span)
    assert _codings(db) == []


def test_several_coders_code_the_same_turn_independently(corpus):
    db = corpus["db"]
    a = apply_code(db, FG, 2, "kontrakt.hybrid", user="kari")
    b = apply_code(db, FG, 2, "kontrakt.hybrid", user="ola")
    add_user(db, "nils", user="kari")
    c = apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari", coder="nils")
    assert len({a.id, b.id, c.id}) == 3
    assert [r.coder for r in list_codings(db, coder="ola")] == ["ola"]
    assert {r.coder for r in list_codings(db, source=FG)} == {"kari", "ola", "nils"}
    # kari removes hers; ola's stays
    removed = remove_code(db, FG, 2, "kontrakt.hybrid", user="kari")
    assert [r.id for r in removed] == [a.id]
    assert [(r.coder, r.code) for r in list_codings(db, code="kontrakt.hybrid")] == [("ola", "kontrakt.hybrid")]


def _users(db):
    with db.session() as s:
        return sorted(s.scalars(select(User.name)))


def test_a_misspelt_coder_is_an_error_not_a_new_user(corpus):
    """Coding for someone else names a user who exists; the acting user is still made on first use."""
    db = corpus["db"]
    apply_code(db, FG, 1, "styring.nettverk", user="mari")  # mari's first action makes her a user
    before = _users(db)
    assert before == ["mari", "oppsett"]
    with pytest.raises(NotFound) as exc:
        apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", coder="mrai")
    assert str(exc.value) == "unknown coder 'mrai'; did you mean 'mari'?" and exc.value.code == "coder.not_found"
    with pytest.raises(NotFound, match=r"unknown coder 'per'; known users: .*mari.*; a new coder is added when "
                                       r"they first act themselves \(--user per\)"):
        apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", coder="per")
    assert _users(db) == before  # nothing was stored: no mrai, no per
    assert [(c.turn, c.coder) for c in list_codings(db)] == [(1, "mari")]
    assert apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", coder="mari").coder == "mari"


def test_same_coder_same_code_same_span_is_idempotent(corpus):
    db = corpus["db"]
    first = apply_code(db, FG, 1, "styring.nettverk", user="kari", memo="usikker")
    again = apply_code(db, FG, 1, "styring.nettverk", user="kari", memo="usikker")
    assert again.id == first.id
    assert len(_codings(db)) == 1
    assert again.memo == "usikker"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Memo)) == 1
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "code")) == 1


def test_unknown_code_suggests_the_nearest_ids(corpus):
    with pytest.raises(NotFound, match=r"unknown code 'kontrakt.hybird'; did you mean 'kontrakt.hybrid'"):
        apply_code(corpus["db"], FG, 1, "kontrakt.hybird", user="kari")


def test_retired_and_category_codes_are_refused(corpus):
    db = corpus["db"]
    with pytest.raises(WorkbenchError, match="'kontrakt.gammel' is retired"):
        apply_code(db, FG, 1, "kontrakt.gammel", user="kari")
    with pytest.raises(WorkbenchError, match="category.*kontrakt.hybrid, kontrakt.relasjonell"):
        apply_code(db, FG, 1, "kontrakt", user="kari")
    assert _codings(db) == []


def test_retired_code_merged_into_another_names_the_new_one(corpus):
    db = corpus["db"]
    with db.transaction(user="oppsett") as tx:  # what `workbench codebook merge` leaves behind
        tx.audit("merge_codes", "code", "kontrakt.gammel", {"old": "kontrakt.gammel", "new": "kontrakt.hybrid"})
    with pytest.raises(WorkbenchError, match="retired.*merged into 'kontrakt.hybrid'"):
        apply_code(db, FG, 1, "kontrakt.gammel", user="kari")


def test_unknown_source_lists_the_files_and_bad_turn_names_the_range(corpus):
    db = corpus["db"]
    with pytest.raises(NotFound, match=rf"did you mean '{FG}'.*intervju_kdd_fase2.txt"):
        apply_code(db, "fg_midt_finmark_fase1.txt", 1, "kontrakt.hybrid", user="kari")
    with pytest.raises(NotFound, match="no turn 7; valid turns are 1-3"):
        apply_code(db, FG, 7, "kontrakt.hybrid", user="kari")
    with pytest.raises(InputError, match="turn 'tre'.*not a number"):
        apply_code(db, FG, "tre", "kontrakt.hybrid", user="kari")


def test_remove_code_only_touches_the_coders_own_coding(corpus):
    db = corpus["db"]
    apply_code(db, FG, 3, "styring.nettverk", user="ola")
    with pytest.raises(NotFound, match="coder 'kari' has no coding 'styring.nettverk' on turn 3"):
        remove_code(db, FG, 3, "styring.nettverk", user="kari")
    assert len(_codings(db)) == 1
    # with --coder a coding by someone else can be named explicitly (the acting user is audited)
    remove_code(db, FG, 3, "styring.nettverk", user="kari", coder="ola")
    assert _codings(db) == []
    with db.session() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "uncode")).one()
        assert ev.user.name == "kari" and ev.detail["coder"] == "ola"


def test_remove_code_with_span_keeps_other_spans(corpus):
    db = corpus["db"]
    apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=(0, 6))
    keep = apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=(10, 20))
    remove_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=(0, 6))
    assert [c.id for c in _codings(db)] == [keep.id]


def test_remove_coding_by_id_removes_its_memos(corpus):
    db = corpus["db"]
    rec = apply_code(db, FG, 1, "styring.nettverk", user="kari", memo="spørsmål, ikke svar")
    removed = remove_coding(db, rec.id, user="kari")
    assert removed.id == rec.id and removed.memo == "spørsmål, ikke svar"
    assert _codings(db) == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Memo)) == 0
    with pytest.raises(NotFound, match=f"no coding with id {rec.id}"):
        remove_coding(db, rec.id, user="kari")


# ------------------------------------------------------------------------------- memos


def test_memos_on_each_target_and_listing_by_source_and_code(corpus):
    db = corpus["db"]
    rec = apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari")
    m1 = add_memo(db, "Tydelig relasjonell forståelse", user="kari", coding_id=rec.id)
    m2 = add_memo(db, "Se også tur 3", user="kari", segment=(FG, 2))
    m3 = add_memo(db, "Fase 1, Midt-Finnmark", user="ola", source=FG)
    m4 = add_memo(db, "Grensen mot hybrid er uklar", user="ola", code="kontrakt.relasjonell")
    m5 = add_memo(db, "Annen kilde", user="ola", source="intervju_kdd_fase2.txt")
    assert [(m.target_type, m.target) for m in (m1, m2, m3, m4)] == [
        ("coding", str(rec.id)), ("segment", f"{FG}#2"), ("source", FG), ("code", "kontrakt.relasjonell")]
    assert [m.id for m in list_memos(db, source=FG)] == [m1.id, m2.id, m3.id]
    assert [m.id for m in list_memos(db, code="kontrakt.relasjonell")] == [m1.id, m4.id]
    assert [m.id for m in list_memos(db, author="ola")] == [m3.id, m4.id, m5.id]
    assert list_codings(db)[0].memo == "Tydelig relasjonell forståelse"
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "memo")) == 5


def test_memo_needs_exactly_one_target_and_some_text(corpus):
    db = corpus["db"]
    with pytest.raises(InputError, match="exactly one target"):
        add_memo(db, "x", user="kari")
    with pytest.raises(InputError, match="exactly one target.*source, code"):
        add_memo(db, "x", user="kari", source=FG, code="kontrakt.hybrid")
    with pytest.raises(InputError, match="empty"):
        add_memo(db, "  ", user="kari", source=FG)
    with pytest.raises(NotFound, match="did you mean 'kontrakt.hybrid'"):
        add_memo(db, "x", user="kari", code="kontrakt.hybird")


# ------------------------------------------------------------------------------- bulk CSV


def _write(tmp_path, text, name="codings.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_csv_codes_all_rows_with_coder_column_spans_and_memos(corpus, tmp_path):
    db = corpus["db"]
    path = _write(tmp_path, (
        "source,turn,code,coder,start,end,memo\n"
        f"{FG},2,kontrakt.relasjonell,ola,,,hele turen\n"
        f"{FG},2,kontrakt.hybrid,,0,6,\n"
        "intervju_kdd_fase2.txt,3,styring.nettverk,nils,,,\n"
    ), encoding="utf-8-sig")
    assert code_from_csv(db, path, user="kari") == 3
    rows = [(r.source, r.turn, r.code, r.coder, r.start, r.end, r.origin, r.memo) for r in list_codings(db)]
    assert rows == [
        (FG, 2, "kontrakt.hybrid", "kari", 0, 6, "imported", None),
        (FG, 2, "kontrakt.relasjonell", "ola", None, None, "imported", "hele turen"),
        ("intervju_kdd_fase2.txt", 3, "styring.nettverk", "nils", None, None, "imported", None),
    ]
    with db.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action.in_(["code", "code_from_csv"]))).all()
        assert len(events) == 4 and {e.user.name for e in events} == {"kari"}
    # running the same file again adds nothing
    assert code_from_csv(db, path, user="kari") == 0
    assert len(_codings(db)) == 3


def test_csv_default_coder_and_semicolon_separator(corpus, tmp_path):
    db = corpus["db"]
    path = _write(tmp_path, f"source;turn;code\n{FG};1;styring.nettverk\n")
    with pytest.raises(NotFound, match="unknown coder 'ola'"):  # --coder names a user who exists
        code_from_csv(db, path, user="kari", default_coder="ola")
    add_user(db, "ola", user="kari")
    assert code_from_csv(db, path, user="kari", default_coder="ola") == 1
    assert [r.coder for r in list_codings(db)] == ["ola"]


def _memo_audit(db):
    with db.session() as s:
        return sorted(((ev.user.name, (ev.detail or {}).get("author"), s.get(Memo, ev.detail["memo_id"]).text)
                       for ev in s.scalars(select(AuditEvent).where(AuditEvent.action == "memo"))),
                      key=lambda row: row[2])


def test_csv_memos_are_credited_to_the_rows_coders_and_audited_as_the_importers(corpus, tmp_path):
    """A colleague's codings read in from another tool: their memos are theirs, not the importer's."""
    db = corpus["db"]
    path = _write(tmp_path, (
        "source,turn,code,coder,memo\n"
        f"{FG},1,kontrakt.hybrid,ola,olas notat\n"
        f"{FG},2,kontrakt.relasjonell,nils,nils' notat\n"
        f"{FG},3,styring.nettverk,,karis notat\n"
    ))
    assert code_from_csv(db, path, user="kari") == 3
    assert sorted((m.author, m.text, m.coding_id is not None) for m in list_memos(db)) == [
        ("kari", "karis notat", True), ("nils", "nils' notat", True), ("ola", "olas notat", True)]
    assert {(r.coder, r.memo) for r in list_codings(db)} == {
        ("ola", "olas notat"), ("nils", "nils' notat"), ("kari", "karis notat")}
    # the audit trail names kari, who ran the import, and the author where that is someone else
    assert _memo_audit(db) == [("kari", None, "karis notat"), ("kari", "nils", "nils' notat"),
                               ("kari", "ola", "olas notat")]


def test_csv_memo_without_a_coder_cell_is_the_default_coders_and_code_coder_memo_the_writers(corpus, tmp_path):
    db = corpus["db"]
    add_user(db, "ola", user="kari")
    path = _write(tmp_path, f"source,turn,code,memo\n{FG},1,styring.nettverk,notat fra fila\n")
    assert code_from_csv(db, path, user="kari", default_coder="ola") == 1
    assert [(m.author, m.text) for m in list_memos(db)] == [("ola", "notat fra fila")]
    # coding on behalf of a colleague by hand: the memo is typed by the acting user, and stays hers
    apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", coder="ola", memo="skrevet av kari")
    assert [(m.author, m.text) for m in list_memos(db)] == [("ola", "notat fra fila"), ("kari", "skrevet av kari")]
    assert [(c.coder, c.memo) for c in list_codings(db, coder="ola")] == [
        ("ola", "notat fra fila"), ("ola", "skrevet av kari")]


def test_csv_bad_row_in_the_middle_leaves_nothing_and_names_row_and_nearest_code(corpus, tmp_path):
    db = corpus["db"]
    lines = ["source,turn,code"] + [f"{FG},{t},styring.nettverk" for t in (1, 2, 3)]
    lines += [f"{FG},2,kontrakt.relasjonell", f"{FG},3,kontrakt.relasjonell",
              f"{FG},1,kontrakt.hybird", f"{FG},2,kontrakt.hybrid"]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(NotFound) as err:
        code_from_csv(db, path, user="kari")
    assert str(err.value) == ("codings.csv row 7: unknown code 'kontrakt.hybird'; "
                              "did you mean 'kontrakt.hybrid'?")
    assert _codings(db) == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "code")) == 0


@pytest.mark.parametrize("body, message", [
    (f"{FG},9,kontrakt.hybrid", r"codings.csv row 3: .*no turn 9; valid turns are 1-3"),
    ("ukjent.txt,1,kontrakt.hybrid", r"codings.csv row 3: unknown source 'ukjent.txt'"),
    (f"{FG},1,kontrakt", r"codings.csv row 3: code 'kontrakt' is a category"),
    (f"{FG},1,,", r"codings.csv row 3: the 'code' cell is empty"),
])
def test_csv_errors_name_the_row(corpus, tmp_path, body, message):
    db = corpus["db"]
    path = _write(tmp_path, f"source,turn,code\n{FG},1,kontrakt.hybrid\n{body}\n")
    with pytest.raises(WorkbenchError, match=message):
        code_from_csv(db, path, user="kari")
    assert _codings(db) == []


def test_csv_span_errors_and_header_errors(corpus, tmp_path):
    db = corpus["db"]
    length = len(_turn_text(db, FG, 1))
    path = _write(tmp_path, f"source,turn,code,start,end\n{FG},1,kontrakt.hybrid,0,999\n")
    with pytest.raises(InputError, match=rf"codings.csv row 2: span 0:999 .*{length} characters"):
        code_from_csv(db, path, user="kari")
    path = _write(tmp_path, f"kilde,turn,code\n{FG},1,kontrakt.hybrid\n")
    with pytest.raises(InputError, match="codings.csv row 1: unknown column 'kilde'"):
        code_from_csv(db, path, user="kari")
    path = _write(tmp_path, f"source,code\n{FG},kontrakt.hybrid\n")
    with pytest.raises(InputError, match="codings.csv row 1: missing column 'turn'"):
        code_from_csv(db, path, user="kari")
    bad = tmp_path / "latin.csv"
    bad.write_bytes(f"source,turn,code,memo\n{FG},1,kontrakt.hybrid,blå\n".encode("latin-1"))
    with pytest.raises(InputError, match="latin.csv row 2: the file is not UTF-8"):
        code_from_csv(db, bad, user="kari")
    assert _codings(db) == []


# ------------------------------------------------------------------------------- suggestions


@pytest.fixture
def suggestions(corpus):
    db = corpus["db"]
    with db.transaction(user="maskin") as tx:
        s = tx.session
        segs = s.scalars(select(Segment).join(Source).where(Source.file_name == FG)
                         .order_by(Segment.index)).all()
        rows = [
            Suggestion(segment_id=segs[1].id, code_id="kontrakt.relasjonell", method="lexicon", score=0.9,
                       evidence=["tillitsbasert"]),
            Suggestion(segment_id=segs[2].id, code_id="styring.nettverk", method="model", score=0.55,
                       evidence=["nettverk"]),
            Suggestion(segment_id=segs[1].id, code_id="kontrakt.hybrid", method="model", score=0.7,
                       start_char=segs[1].start_char, end_char=segs[1].start_char + 6),
        ]
        s.add_all(rows)
        s.flush()
        ids = [r.id for r in rows]
    return db, ids


def test_list_suggestions_by_score_and_uncertain_first(suggestions):
    db, (lex, mod, span) = suggestions
    assert [s.id for s in list_suggestions(db, user="kari")] == [lex, span, mod]
    assert [s.id for s in list_suggestions(db, user="kari", order="uncertain")] == [mod, span, lex]
    first = list_suggestions(db, user="kari")[0]
    assert (first.source, first.turn, first.code, first.evidence) == (FG, 2, "kontrakt.relasjonell",
                                                                      ["tillitsbasert"])
    assert first.text.startswith("Avtalen er")
    assert list_suggestions(db, user="kari", source="intervju_kdd_fase2.txt") == []


def test_a_listed_suggestion_shows_the_text_accepting_it_would_code(suggestions):
    db, (lex, mod, span) = suggestions
    with db.transaction(user="maskin") as tx:  # a span in the middle of turn 2
        seg = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == FG, Segment.index == 2)).one()
        at = seg.text.index("en tillitsbasert ramme")
        mid = Suggestion(segment_id=seg.id, code_id="styring.nettverk", method="model", score=0.6,
                         start_char=seg.start_char + at, end_char=seg.start_char + at + len("en tillitsbasert ramme"))
        tx.session.add(mid)
        tx.session.flush()
        mid = mid.id
    records = {r.id: r for r in list_suggestions(db, user="kari")}
    assert records[mid].coded_text == "en tillitsbasert ramme"
    assert records[mid].to_dict()["coded_text"] == "en tillitsbasert ramme"
    assert records[span].coded_text == records[span].text[:6] == "Avtale"
    assert records[lex].coded_text == records[lex].text  # no span: the whole turn
    assert accept_suggestion(db, mid, user="kari").text == records[mid].coded_text


def test_model_evidence_given_as_lemmas_is_marked_on_the_words_and_unfound_evidence_is_not_shown(corpus):
    """A model's evidence is lemmas and lemma bigrams of its features ("annen kommune" for "andre
    kommunene"); evidence that is not in the turn at all is left out."""
    db = corpus["db"]
    with db.transaction(user="maskin") as tx:
        seg = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == FG, Segment.index == 3)).one()
        tx.session.add(Suggestion(segment_id=seg.id, code_id="styring.nettverk", method="model", score=0.7,
                                  evidence=["annen kommune", "lære", "fylkesmann"]))
    [rec] = list_suggestions(db, user="kari")
    assert rec.evidence == ["annen kommune", "lære"]
    assert [rec.text[a:b] for a, b in rec.evidence_spans] == ["lærer", "andre kommunene"]


def test_a_suggestion_the_coder_already_coded_by_hand_is_not_pending_for_that_coder(suggestions):
    db, (lex, mod, span) = suggestions
    apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari")  # lex, whole turn 2, by hand
    apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=(20, 30))  # span is 0:6: no overlap
    apply_code(db, FG, 3, "styring.nettverk", user="ola", span=(0, 10))  # mod, by another coder
    assert [s.id for s in list_suggestions(db, user="kari")] == [span, mod]
    assert [s.id for s in list_suggestions(db, user="kari", status=None)] == [span, mod]
    assert [s.id for s in list_suggestions(db, user="ola")] == [lex, span]
    apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=(3, 12))  # overlaps 0:6
    assert [s.id for s in list_suggestions(db, user="kari")] == [mod]
    with db.session() as s:  # still pending: no decision is made up for the training data
        assert s.get(Suggestion, lex).status == "pending"
    remove_code(db, FG, 2, "kontrakt.relasjonell", user="kari")  # uncoded again: to be decided again
    assert [s.id for s in list_suggestions(db, user="kari")] == [lex, mod]


def test_uncertain_order_uses_the_trained_models_thresholds(suggestions):
    """With a stored model whose threshold for kontrakt.hybrid is 0.7, that suggestion (score 0.7)
    sits exactly on its decision line and comes first; without thresholds 0.5 is the line."""
    from workbench.store import TrainedModel

    db, (lex, mod, span) = suggestions
    with db.transaction(user="maskin") as tx:
        tx.session.add(TrainedModel(method="model", blob=b"", info={"thresholds": {
            "kontrakt.hybrid": 0.7, "styring.nettverk": 0.9}}))
    # distances: span |0.7-0.7| = 0, mod |0.55-0.9| = 0.35, lex (lexicon, line 0.5) |0.9-0.5| = 0.4
    assert [s.id for s in list_suggestions(db, user="kari", order="uncertain")] == [span, mod, lex]
    assert [s.id for s in list_suggestions(db, user="kari", order="uncertain", limit=1)] == [span]


def test_accept_creates_coding_with_origin_and_audit(suggestions):
    db, (lex, mod, span) = suggestions
    a = accept_suggestion(db, lex, user="kari")
    b = accept_suggestion(db, mod, user="kari")
    c = accept_suggestion(db, span, user="kari")
    assert (a.origin, a.code, a.coder, a.turn, a.start) == ("lexicon", "kontrakt.relasjonell", "kari", 2, None)
    assert (b.origin, b.code) == ("model", "styring.nettverk")
    assert (c.origin, c.start, c.end) == ("model", 0, 6)
    with db.session() as s:
        sug = s.get(Suggestion, lex)
        assert sug.status == "accepted" and sug.decided_by is not None and sug.decided_at is not None
        coding = s.get(Coding, a.id)
        assert coding.suggestion_id == lex
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "accept")).all()
        assert [(e.target_id, e.user.name) for e in events] == [(str(lex), "kari"), (str(mod), "kari"),
                                                                 (str(span), "kari")]
    assert list_suggestions(db, user="kari") == []
    with pytest.raises(WorkbenchError, match=f"suggestion {lex} was already accepted by kari"):
        accept_suggestion(db, lex, user="ola")


def test_reject_keeps_the_suggestion_as_training_signal(suggestions):
    db, (lex, mod, span) = suggestions
    rec = reject_suggestion(db, mod, user="ola")
    assert (rec.status, rec.decided_by) == ("rejected", "ola")
    assert [s.id for s in list_suggestions(db, user="ola", status="rejected")] == [mod]
    assert [s.id for s in list_suggestions(db, user="ola")] == [lex, span]
    assert _codings(db) == []
    with pytest.raises(WorkbenchError, match="already rejected"):
        accept_suggestion(db, mod, user="ola")
    with pytest.raises(NotFound, match="no suggestion with id 999"):
        reject_suggestion(db, 999, user="ola")
    with db.session() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "reject")).one()
        assert (ev.target_id, ev.user.name) == (str(mod), "ola")


def test_review_decisions_are_all_or_nothing(suggestions):
    db, (lex, mod, span) = suggestions
    with pytest.raises(NotFound, match="999"):
        review_suggestions(db, user="kari", accept=[lex], reject=[mod, 999])
    assert len(list_suggestions(db, user="kari")) == 3 and _codings(db) == []
    with pytest.raises(InputError, match="both accepted and rejected"):
        review_suggestions(db, user="kari", accept=[lex], reject=[lex])
    accepted, rejected = review_suggestions(db, user="kari", accept=[lex, span], reject=[mod])
    assert [c.code for c in accepted] == ["kontrakt.relasjonell", "kontrakt.hybrid"]
    assert [r.id for r in rejected] == [mod]


def test_accepting_a_suggestion_for_a_since_retired_code_is_refused(suggestions):
    db, (lex, _, _) = suggestions
    with db.transaction(user="oppsett") as tx:
        tx.session.get(Code, "kontrakt.relasjonell").retired = True
    with pytest.raises(WorkbenchError, match=f"suggestion {lex}: code 'kontrakt.relasjonell' is retired"):
        accept_suggestion(db, lex, user="kari")
    assert [s.status for s in list_suggestions(db, user="kari", status=None) if s.id == lex] == ["pending"]


@pytest.mark.parametrize("given", ["12", 13, None, {1: 2}])
def test_review_refuses_ids_that_are_not_a_list_and_decides_nothing(suggestions, given):
    """``accept="12"`` once accepted suggestions 1 and 2 (a string read character by character)."""
    db, _ = suggestions
    with pytest.raises(InputError, match=r"^accept=.* is not a list of suggestion ids; give a list, e\.g\. "
                                         r"accept=\[12\]$") as exc:
        review_suggestions(db, user="kari", accept=given)
    assert exc.value.code == "suggestion.ids"
    with pytest.raises(InputError, match="^reject='1' is not a list"):
        review_suggestions(db, user="kari", reject="1")
    assert len(list_suggestions(db, user="kari")) == 3 and _codings(db) == []


@pytest.mark.parametrize("order", ["score", "uncertain"])
@pytest.mark.parametrize("limit", [0, -1, 1.5, "2"])
def test_list_suggestions_refuses_a_limit_below_one(suggestions, order, limit):
    db, _ = suggestions
    with pytest.raises(InputError, match=f"^limit {limit!r} is not a number of suggestions; give --limit 1 or "
                                         "more") as exc:
        list_suggestions(db, user="kari", order=order, limit=limit)
    assert exc.value.code == "suggestion.limit"
    assert len(list_suggestions(db, user="kari", order=order, limit=2)) == 2
