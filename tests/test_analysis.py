"""Aggregation on the hand-built corpus of tests/test_analysis_corpus.py; every expected count is
worked out by hand in the comments from the table in that module's docstring."""

from __future__ import annotations

import math

import pytest

from workbench.analysis import (code_frequencies, codings_frame, cooccurrence, cooccurrence_pairs,
                                phase_change, quotes, segments_frame, theme_matrix)
from workbench.errors import InputError, NotFound, WorkbenchError

from tests.test_analysis_corpus import build


@pytest.fixture
def corpus(db):
    build(db)
    return db


def cell(df, **where):
    rows = df
    for k, v in where.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, f"{where}: {len(rows)} rows"
    return rows.iloc[0]


def test_frames_have_one_row_per_segment_and_per_coding(corpus):
    segs = segments_frame(corpus)
    assert len(segs) == 9
    assert segs["actor"].isna().sum() == 2  # the two notes paragraphs
    with_text = segments_frame(corpus, with_text=True)
    assert "Neste møte er i juni." in set(with_text["text"])
    assert len(codings_frame(corpus)) == 12
    assert len(codings_frame(corpus, coder="bjorn")) == 3


def test_parent_counts_a_segment_once_and_shares_use_group_denominators(corpus):
    m = theme_matrix(corpus, by=("actor", "phase"))
    assert list(m.columns[:9]) == ["actor", "phase", "code", "label", "segments", "speakers",
                                   "sources", "share", "group_segments"]
    # fg seg 1 carries hybrid + relasjonell (anna) and hybrid (bjorn): kontrakt counts it once.
    # prosjektleder in fase 1 has 2 segments (1 and 3) -> share 1/2.
    k = cell(m, actor="prosjektleder", phase="fase 1", code="kontrakt")
    assert (k.segments, k.speakers, k.sources, k.share) == (1, 1, 1, 0.5)
    assert k.is_parent and k.level == 0 and k.label == "Kontraktsform"
    h = cell(m, actor="prosjektleder", phase="fase 1", code="kontrakt.hybrid")
    assert (h.segments, h.level, h.is_parent) == (1, 1, False)
    # statsforvalter fase 1: kontrakt on seg 4 only; styring via nettverk on seg 2.
    assert cell(m, actor="statsforvalter", phase="fase 1", code="kontrakt").segments == 1
    assert cell(m, actor="statsforvalter", phase="fase 1", code="styring").share == 0.5
    # the notes paragraphs have no actor: grouped as "(ukjent)", 1 of its 2 segments, no speakers
    u = cell(m, actor="(ukjent)", phase="fase 2", code="kontrakt")
    assert (u.segments, u.speakers, u.share) == (1, 0, 0.5)
    # without fill, no rows with zero segments (forsker coded nothing)
    assert (m["segments"] > 0).all() and "forsker" not in set(m["actor"])


def test_speaker_with_turns_in_two_phases(corpus):
    by_actor = theme_matrix(corpus, by="actor")
    # kontrakt from prosjektleder: fg seg 1 (fase 1) + intervju seg 1 (fase 2) = 2 segments,
    # 2 sources, but one person -> 1 speaker; 4 prosjektleder segments in all -> share 2/4.
    k = cell(by_actor, actor="prosjektleder", code="kontrakt")
    assert (k.segments, k.sources, k.speakers, k.share) == (2, 2, 1, 0.5)
    by_phase = theme_matrix(corpus, by=["actor", "phase"])
    assert cell(by_phase, actor="prosjektleder", phase="fase 1", code="kapasitet").speakers == 1
    assert cell(by_phase, actor="prosjektleder", phase="fase 2", code="kapasitet").speakers == 1


def test_coder_filter_changes_counts(corpus):
    all_ = theme_matrix(corpus, by="actor,phase")
    anna = theme_matrix(corpus, by="actor,phase", coder="anna")
    bjorn = theme_matrix(corpus, by="actor,phase", coder="bjorn")
    # kapasitet for statsforvalter fase 1 comes only from bjorn (fg seg 2)
    assert cell(all_, actor="statsforvalter", phase="fase 1", code="kapasitet").segments == 1
    assert anna.query("actor == 'statsforvalter' and code == 'kapasitet'").empty
    assert cell(bjorn, actor="statsforvalter", phase="fase 1", code="kapasitet").share == 0.5
    # bjorn coded fg only: 3 codings -> kontrakt on seg 1 (prosjektleder) and seg 4 (statsforvalter)
    assert set(bjorn["phase"]) == {"fase 1"}
    assert cell(bjorn, actor="statsforvalter", phase="fase 1", code="kontrakt.relasjonell").segments == 1


def test_consensus(corpus):
    c = theme_matrix(corpus, by="actor,phase", coder="consensus")
    fase1 = c[c["phase"] == "fase 1"]
    # fg was coded by anna and bjorn: kept are seg 1 hybrid (both) and kontrakt on seg 1 (both)
    # and on seg 4 (anna chose hybrid, bjorn relasjonell: they agree on the parent only).
    assert sorted(zip(fase1["actor"], fase1["code"])) == [
        ("prosjektleder", "kontrakt"), ("prosjektleder", "kontrakt.hybrid"),
        ("statsforvalter", "kontrakt")]
    # intervju and notat have one coder (anna): her codings stand
    assert cell(c, actor="prosjektleder", phase="fase 2", code="kapasitet").segments == 1


def test_code_prefix_fill_and_other_groupings(corpus):
    m = theme_matrix(corpus, by="phase", codes="kontrakt")
    assert set(m["code"]) == {"kontrakt", "kontrakt.hybrid", "kontrakt.relasjonell"}
    # fase 2 has 5 segments; kontrakt on intervju seg 1 and notat seg 1 -> 2/5
    assert cell(m, phase="fase 2", code="kontrakt").share == pytest.approx(0.4)
    filled = theme_matrix(corpus, by="actor,phase", fill=True)
    f = cell(filled, actor="forsker", phase="fase 2", code="kapasitet")
    assert (f.segments, f.share, f.group_segments) == (0, 0.0, 1)
    assert len(filled) == 5 * 6  # 5 (actor, phase) groups x 6 codes
    kinds = theme_matrix(corpus, by=["kind"], codes="kapasitet")
    assert dict(zip(kinds["kind"], kinds["segments"])) == {"fokusgruppe": 2, "intervju": 1}
    src = theme_matrix(corpus, by="source,speaker", codes="styring.nettverk")
    assert len(src) == 2
    with pytest.raises(WorkbenchError, match="cannot group by 'aktør'"):
        theme_matrix(corpus, by="aktør")
    with pytest.raises(NotFound, match="no code id starts with 'finans'"):
        theme_matrix(corpus, codes="finans")
    with pytest.raises(NotFound, match="coder 'per' has made no codings"):
        theme_matrix(corpus, coder="per")


def test_code_frequencies(corpus):
    f = code_frequencies(corpus).set_index("code")
    assert list(f.index) == ["kontrakt", "kontrakt.hybrid", "kontrakt.relasjonell", "styring",
                             "styring.nettverk", "kapasitet"]
    # kontrakt: fg 1, fg 4, intervju 1, notat 1 = 4 of 9 segments; speakers A and B; 3 sources;
    # codings 3 + 2 + 1 + 1 = 7
    k = f.loc["kontrakt"]
    assert (k.segments, k.speakers, k.sources, k.codings) == (4, 2, 3, 7)
    assert k.share == pytest.approx(4 / 9)
    assert f.loc["kontrakt.hybrid", "segments"] == 3 and f.loc["kontrakt.hybrid", "codings"] == 4


def test_cooccurrence_same_segment_and_window(corpus):
    m0 = cooccurrence(corpus)
    assert list(m0.index) == ["kontrakt.hybrid", "kontrakt.relasjonell", "styring.nettverk", "kapasitet"]
    # same segment: hybrid+relasjonell in fg 1 and fg 4; nettverk+kapasitet in fg 2 and intervju 2
    assert m0.at["kontrakt.hybrid", "kontrakt.relasjonell"] == 2
    assert m0.at["styring.nettverk", "kapasitet"] == 2
    assert m0.at["kontrakt.hybrid", "kapasitet"] == 0
    assert m0.at["kapasitet", "kapasitet"] == 3  # diagonal: segments with the code
    m1 = cooccurrence(corpus, window=1)
    # hybrid segments fg 1, fg 4, intervju 1 all have kapasitet one turn away
    assert m1.at["kontrakt.hybrid", "kapasitet"] == 3
    # relasjonell in notat 1 has no hybrid near it; intervju 1 (same index, other source) must
    # not count: only fg 1 and fg 4
    assert m1.at["kontrakt.relasjonell", "kontrakt.hybrid"] == 2
    pairs = cooccurrence_pairs(corpus)
    assert pairs.iloc[0][["code_a", "code_b", "segments"]].tolist() == [
        "kontrakt.hybrid", "kontrakt.relasjonell", 2]
    mp = cooccurrence(corpus, parents=True)
    assert mp.at["kontrakt", "kapasitet"] == 0 and mp.at["styring", "kapasitet"] == 2


def test_phase_change(corpus):
    pc = phase_change(corpus, actor="prosjektleder")
    # prosjektleder: 2 segments in each phase
    s = cell(pc, code="styring")          # 0/2 -> 1/2
    assert (s.share_from, s.share_to, s.difference) == (0.0, 0.5, 0.5)
    r = cell(pc, code="kontrakt.relasjonell")  # 1/2 -> 0/2
    assert r.difference == -0.5
    assert cell(pc, code="kontrakt").difference == 0.0
    assert (r.phase_from, r.phase_to) == ("fase 1", "fase 2")
    everyone = phase_change(corpus)
    sf = cell(everyone, actor="statsforvalter", code="kontrakt")  # no statsforvalter in fase 2
    assert sf.share_from == 0.5 and math.isnan(sf.share_to) and math.isnan(sf.difference)
    with pytest.raises(NotFound, match="phase 'fase 3' has no segments"):
        phase_change(corpus, phases=("fase 1", "fase 3"))


def test_quotes_drill_down(corpus):
    q = quotes(corpus, code="kontrakt", actor="prosjektleder")
    assert list(q["source"]) == ["fg_fase1.docx", "intervju_fase2.srt"]
    first = q.iloc[0]
    assert first.text == "Avtalen er både en kontrakt og et samarbeid."
    # speakers are pseudonyms (actor + order of appearance) unless a researcher reveals them
    assert (first.speaker, first.phase, first.position) == ("Prosjektleder 1", "fase 1", "00:00:00")
    assert quotes(corpus, code="kontrakt", actor="prosjektleder", reveal=True).iloc[0].speaker == "Prosjektleder A"
    assert first.coders == "anna, bjorn"
    assert first.applied == "kontrakt.hybrid, kontrakt.relasjonell"
    assert quotes(corpus, code="kontrakt", phase="fase 1", actor="statsforvalter").iloc[0].position == "01:02:05"
    notes = quotes(corpus, code="kontrakt", actor="(ukjent)")
    assert notes.iloc[0].position == "avsnitt 1" and notes.iloc[0].text.startswith("Partene")
    assert len(quotes(corpus, code="kontrakt", coder="bjorn")) == 2
    assert quotes(corpus, code="kapasitet", kind="dokument").empty  # a known value without such quotes
    with pytest.raises(NotFound, match="pilot 'Indre-Namdal' is not in the database; known pilots: Midt-Finnmark"):
        quotes(corpus, code="kapasitet", pilot="Indre-Namdal")  # never an empty table for a misspelt filter
    with pytest.raises(NotFound, match="code 'kontrak' is not in the codebook"):
        quotes(corpus, code="kontrak")


def test_empty_database(db):
    assert theme_matrix(db).empty
    assert cooccurrence(db).empty
    assert phase_change(db).empty
    assert code_frequencies(db).empty


def test_codebook_version_filter(corpus):
    from sqlalchemy import update

    from workbench.store import CodebookVersion, Coding, Segment, Source

    with corpus.transaction(user="anna") as tx:
        v = CodebookVersion(name="bygdevekst v2", content_hash="abc123", content={})
        tx.session.add(v)
        tx.session.flush()
        interview = (Segment.__table__.select().with_only_columns(Segment.id)
                     .where(Segment.source_id == Source.id, Source.file_name == "intervju_fase2.srt"))
        tx.session.execute(update(Coding).where(Coding.segment_id.in_(interview))
                           .values(codebook_version_id=v.id))
    # only the three interview codings were made under v2: hybrid (seg 1), kapasitet + nettverk (seg 2)
    for ref in (v.id, "bygdevekst v2", "abc1"):
        f = code_frequencies(corpus, codebook_version=ref).set_index("code")["segments"]
        assert f.to_dict() == {"kontrakt": 1, "kontrakt.hybrid": 1, "kontrakt.relasjonell": 0,
                               "styring": 1, "styring.nettverk": 1, "kapasitet": 1}
    with pytest.raises(NotFound, match="codebook version 'v9' does not exist"):
        theme_matrix(corpus, codebook_version="v9")


def test_excluding_the_interviewers_changes_denominators_and_groups(corpus):
    """fase 2 has 5 segments (3 in the interview, 2 notes); one is the interviewer's question.
    kapasitet is on 1 of them: share 1/5 with the interviewer, 1/4 without."""
    db = corpus
    with_all = theme_matrix(db, by="phase")
    row = with_all[(with_all["phase"] == "fase 2") & (with_all["code"] == "kapasitet")].iloc[0]
    assert (row["segments"], row["group_segments"]) == (1, 5)
    assert math.isclose(row["share"], 0.2)
    without = theme_matrix(db, by="phase", exclude_actors=["forsker"])
    row = without[(without["phase"] == "fase 2") & (without["code"] == "kapasitet")].iloc[0]
    assert (row["segments"], row["group_segments"]) == (1, 4)
    assert math.isclose(row["share"], 0.25)
    assert "forsker" in set(theme_matrix(db, by="actor", fill=True)["actor"])
    assert "forsker" not in set(theme_matrix(db, by="actor", fill=True, exclude_actors=["forsker"])["actor"])


def test_a_codebook_version_given_in_digits_is_also_a_name_or_hash_prefix_and_never_a_silent_pick(corpus):
    """"6192" was read as version id 6192 only: a hash starting with digits, or a codebook named
    "2024", could not be chosen, and a digit prefix equal to another version's id picked that one."""
    from workbench.analysis.frames import resolve_codebook_version
    from workbench.store import CodebookVersion

    with corpus.transaction(user="anna") as tx:
        digits = CodebookVersion(name="bygdevekst", content_hash="6192e1e7aa", content={})
        named = CodebookVersion(name="2024", content_hash="ffee01", content={})
        twin = CodebookVersion(name="bygdevekst", content_hash="6192f000bb", content={})
        tx.session.add_all([digits, named, twin])
        tx.session.flush()
        ids = (digits.id, named.id, twin.id)
    assert resolve_codebook_version(corpus, "6192e", user="anna") == ids[0]   # a hash prefix in digits first
    assert resolve_codebook_version(corpus, "2024", user="anna") == ids[1]    # a name made of digits
    with pytest.raises(InputError, match="could be") as err:                   # two hashes start with 6192
        resolve_codebook_version(corpus, "6192", user="anna")
    assert err.value.code == "codebook_version.ambiguous"
    assert resolve_codebook_version(corpus, str(ids[0]), user="anna") == ids[0]  # a short id stays an id
    assert resolve_codebook_version(corpus, ids[2], user="anna") == ids[2]
