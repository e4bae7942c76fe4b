"""Sentence-level scoring and spans, the codebook's structure (exclusive siblings, a child implies
its parent), interviewer turns, the demo's pending suggestions and retraining after N decisions."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from workbench.cli import cli
from workbench.codebook import validate_codebook
from workbench.codebook.store import load_codebook_data
from workbench.coding import accept_suggestion, apply_code, list_suggestions, reject_suggestion
from workbench.errors import InputError
from workbench.store import Segment, Suggestion
from workbench.suggest import ModelSuggester, Suggested
from workbench.suggest.active import decisions_since_training, maybe_retrain, retraining
from workbench.suggest.sentences import Units, merge_short
from workbench.suggest.service import suggest, train
from workbench.suggest.structure import ancestors, codebook_exclusive, exclusive_from_content

from .suggest_data import CODEBOOK, DEMOKRATISK, NOTHING, OVENFRA, add_turns, codes, labelled

TURN = ("Takk for at dere kom i dag, det er fint å se så mange her. "
        "Kommunestyret vedtok avtalen enstemmig etter en lang debatt i juni. "
        "Ellers har vi hatt en fin sommer med mye sol og bading.")


@pytest.fixture(scope="module")
def model():
    texts, labels = labelled()
    return ModelSuggester(embeddings=False).fit(texts, labels, codes=codes())


# -- units and spans ---------------------------------------------------------------------------

def test_units_are_the_text_and_its_sentences_with_short_ones_joined():
    text = "Ja. Kommunestyret vedtok avtalen i juni. Nei, altså. Staten ga oss mer penger i år."
    units = Units.build([text, "Kaffen er klar."], ["nb", "nb"])
    assert units.first == [0, 3]
    assert units.texts[0] == text and units.owner == [0, 0, 0, 1]
    assert units.texts[1:3] == ["Ja. Kommunestyret vedtok avtalen i juni. Nei, altså.",
                                "Staten ga oss mer penger i år."]
    assert units.lemmas[2].split()[:3] == ["stat", "gi", "vi"]
    assert units.row_lemmas[1] == "kaffe være klar"
    assert merge_short("Ja. Nei.", [(0, 3), (4, 8)]) == [(0, 8)]


def test_a_code_carried_by_one_sentence_is_suggested_with_that_sentence_as_its_span(model):
    hits = model.suggest([TURN])[0]
    dem = [h for h in hits if h.code == "legitimitet.demokratisk"]
    assert dem, hits
    h = dem[0]
    assert TURN[h.start:h.end] == "Kommunestyret vedtok avtalen enstemmig etter en lang debatt i juni."
    assert "kommunestyre" in h.evidence or "vedta" in h.evidence


def test_the_text_score_mixes_in_its_best_sentence(model):
    whole = ModelSuggester(embeddings=False, sentences=False).fit(*labelled(), codes=codes())
    s_units = model.scores([TURN])[0]
    s_whole = whole.scores([TURN])[0]
    j = model.codes_.index("legitimitet.demokratisk")
    assert s_units[j] > s_whole[j]  # the idea is diluted in the whole turn, clear in its sentence
    one = "Kommunestyret vedtok avtalen enstemmig i går kveld."
    hits = model.suggest([one])[0]
    assert hits and hits[0].start is None and hits[0].end is None  # one sentence: the whole text


def test_a_code_model_and_lexicon_agree_on_gets_a_span_holding_the_matched_word_too(model):
    """The model carries legitimitet.demokratisk by the council sentence; the lexicon by
    "folkevalgte" in another sentence: accepting the joint suggestion must code both."""
    from workbench.suggest import CombinedSuggester, LexiconSuggester

    both = CombinedSuggester.from_fitted(model, LexiconSuggester().fit(codes=codes()))
    council = "Kommunestyret vedtok avtalen enstemmig etter en lang debatt i juni."
    after = f"Takk for at dere kom i dag, det er fint å se så mange her. {council} " \
            "Ellers har vi hatt en fin sommer, og de folkevalgte tok ferie."
    [alone] = [h for h in model.suggest([after])[0] if h.code == "legitimitet.demokratisk"]
    assert after[alone.start:alone.end] == council  # the model's own span lacks the lexicon's word
    [joint] = [h for h in both.suggest([after])[0] if h.code == "legitimitet.demokratisk"]
    assert joint.method == "model+lexicon" and "folkevalgte" in joint.evidence
    assert after[joint.start:joint.end] == f"{council} Ellers har vi hatt en fin sommer, og de folkevalgte tok ferie."
    # the word in the first sentence and the model's sentence last: the union is the whole turn
    before = f"Vi snakket med de folkevalgte i høst om hvordan det gikk med planene. {council}"
    [joint] = [h for h in both.suggest([before])[0] if h.code == "legitimitet.demokratisk"]
    assert joint.method == "model+lexicon" and (joint.start, joint.end) == (None, None)


@pytest.fixture
def coded_with_interviewer(db):
    load_codebook_data(db, validate_codebook(CODEBOOK).codebook, file_name="mini.yaml", user="oppsett")
    turns = [(t, "Sigrid", "prosjektleder") for t in DEMOKRATISK + OVENFRA + NOTHING]
    new = [("Kommunestyret vedtok avtalen enstemmig i juni, etter en lang debatt.", "Moderator", "forsker"),
           (TURN, "Sigrid", "prosjektleder")]
    with db.transaction(user="oppsett") as tx:
        for name, rows in (("fg_trening.txt", turns), ("fg_ny.txt", new)):
            add_turns(tx, name, rows)
    for turn in range(1, len(DEMOKRATISK) + 1):
        apply_code(db, "fg_trening.txt", turn, "legitimitet.demokratisk", user="kari")
    for turn in range(len(DEMOKRATISK) + 1, len(DEMOKRATISK) + len(OVENFRA) + 1):
        apply_code(db, "fg_trening.txt", turn, "legitimitet.ovenfra", user="kari")
    train(db, user="kari", anchors=[], embeddings=False)
    return db


def test_interviewer_turns_get_no_suggestions_unless_asked(coded_with_interviewer):
    db = coded_with_interviewer
    suggest(db, user="kari", method="model", source="fg_ny.txt")
    with db.session() as s:
        turns = set(s.scalars(select(Segment.index).join(Suggestion, Suggestion.segment_id == Segment.id)))
    assert turns == {2}  # the moderator's turn 1 says the same, and gets nothing
    suggest(db, user="kari", method="model", source="fg_ny.txt", include_interviewers=True)
    with db.session() as s:
        turns = set(s.scalars(select(Segment.index).join(Suggestion, Suggestion.segment_id == Segment.id)))
    assert turns == {1, 2}


def test_the_cli_flag_includes_interviewer_turns(coded_with_interviewer):
    env = {"WORKBENCH_DB": coded_with_interviewer.url, "WORKBENCH_USER": "kari"}
    out = CliRunner().invoke(cli, ["suggest", "--method", "model", "--source", "fg_ny.txt",
                                   "--include-interviewers"], env=env)
    assert out.exit_code == 0, out.output
    with coded_with_interviewer.session() as s:
        assert set(s.scalars(select(Segment.index).join(Suggestion, Suggestion.segment_id == Segment.id))) == {1, 2}


def test_a_stored_suggestion_carries_its_sentence_span_and_accepting_codes_that_span(coded_with_interviewer):
    db = coded_with_interviewer
    suggest(db, user="kari", method="model", source="fg_ny.txt")
    rec = [r for r in list_suggestions(db, user="kari", source="fg_ny.txt")
           if r.code == "legitimitet.demokratisk"][0]
    assert rec.text[rec.start:rec.end] == "Kommunestyret vedtok avtalen enstemmig etter en lang debatt i juni."
    coding = accept_suggestion(db, rec.id, user="kari")
    assert (coding.start, coding.end) == (rec.start, rec.end)
    assert coding.text == "Kommunestyret vedtok avtalen enstemmig etter en lang debatt i juni."


# -- the codebook's structure -------------------------------------------------------------------

def test_exclusive_with_is_validated_and_read_back_symmetric():
    book = {"codes": {"k": {"label": "K", "codable": False, "children": [
        {"id": "k.a", "label": "A", "exclusive_with": ["k.b"]},
        {"id": "k.b", "label": "B"},
        {"id": "k.c", "label": "C", "exclusive_with": ["k.bb", "x.y", "k.c"]}]},
        "x": {"label": "X", "children": [{"id": "x.y", "label": "Y"}]}}}
    errors = validate_codebook(book).errors
    assert any("exclusive_with -> 0: unknown code 'k.bb'; did you mean 'k.b'?" in e for e in errors)
    assert any("'x.y' is not a sibling of 'k.c'" in e for e in errors)
    assert any("'k.c' cannot exclude itself" in e for e in errors)
    book["codes"]["k"]["children"][2]["exclusive_with"] = []
    cb = validate_codebook(book).codebook
    assert exclusive_from_content(cb.to_data()) == {"k.a": ["k.b"], "k.b": ["k.a"]}


def test_the_shipped_codebook_declares_its_exclusive_siblings(db):
    from pathlib import Path

    from workbench.codebook import load_codebook

    load_codebook(db, Path(__file__).resolve().parents[1] / "codebooks" / "bygdevekst.yaml", user="oppsett")
    ex = codebook_exclusive(db, user="oppsett")
    assert ex["kontrakt.hybrid"] == ["kontrakt.relasjonell", "kontrakt.transaksjonell"]
    assert ex["styring.bottomup"] == ["styring.topdown"]


def test_of_exclusive_codes_on_overlapping_spans_only_the_best_is_suggested(model):
    m = ModelSuggester(exclusive={"a": ["b"], "b": ["a"]})
    hits = [Suggested("a", 0.9, "model"), Suggested("b", 0.8, "model"), Suggested("c", 0.7, "model")]
    assert [h.code for h in m._exclusive(hits)] == ["a", "c"]
    apart = [Suggested("a", 0.9, "model", start=0, end=10), Suggested("b", 0.8, "model", start=11, end=30)]
    assert [h.code for h in m._exclusive(apart)] == ["a", "b"]  # different sentences: both stay


def test_a_child_implies_its_parent():
    assert ancestors("kontrakt.formaal.deling") == ["kontrakt.formaal", "kontrakt"]
    texts, labels = labelled()
    infos = codes()
    from workbench.suggest.base import code_infos

    book = code_infos([{"id": "legitimitet", "codable": True}] + [c for c in infos if c.codable])
    model = ModelSuggester(embeddings=False, sentences=False).fit(texts, labels, codes=book)
    # every coded child is a positive for the (codable) parent
    assert model.n_positive_["legitimitet"] == sum(1 for ls in labels if ls)
    hits = model._exclusive([Suggested("legitimitet.ovenfra", 0.9, "model"), Suggested("legitimitet", 0.95, "model")])
    assert [h.code for h in hits] == ["legitimitet.ovenfra"]  # the child says more than its parent


# -- active learning ---------------------------------------------------------------------------

def test_retraining_starts_after_n_decisions_in_the_background(coded_with_interviewer):
    db = coded_with_interviewer
    assert decisions_since_training(db, user="kari") == 0
    assert maybe_retrain(db, user="kari", every=2, anchors=[], embeddings=False) is None
    suggest(db, user="kari", method="model", source="fg_ny.txt", include_interviewers=True)
    ids = [r.id for r in list_suggestions(db, user="kari", source="fg_ny.txt")]
    reject_suggestion(db, ids[0], user="kari")
    assert decisions_since_training(db, user="kari") == 1
    assert maybe_retrain(db, user="kari", every=2, anchors=[], embeddings=False) is None
    accept_suggestion(db, ids[1], user="kari")
    run = maybe_retrain(db, user="kari", every=2, anchors=[], embeddings=False, suggest_source="fg_ny.txt")
    assert run is not None and run.decisions == 2
    run.wait(300)
    assert run.done and run.error is None, run.error
    assert run.report.model_id == 2
    # the two decisions are training rows of their own; fg_ny.txt is still no coded source (nobody
    # coded it by hand), so its undecided turns teach nothing
    assert run.report.segments == len(DEMOKRATISK + OVENFRA + NOTHING) and run.report.rejected == 2
    assert decisions_since_training(db, user="kari") == 0
    assert retraining(db, user="kari") is run
    assert maybe_retrain(db, user="kari", every=2) is None
    with pytest.raises(InputError, match="every=0"):
        maybe_retrain(db, user="kari", every=0)


def test_the_project_setting_says_how_often_the_app_retrains(coded_with_interviewer):
    from workbench.sharing import set_setting, setting

    db = coded_with_interviewer
    assert setting(db, "retrain_every") == 20
    with pytest.raises(InputError, match="retrain_every"):
        set_setting(db, "retrain_every", -1, user="kari")
    from click.testing import CliRunner

    from workbench.cli import cli

    done = CliRunner().invoke(cli, ["--db", db.url, "--user", "kari", "settings", "set", "retrain_every", "-3"])
    assert done.exit_code == 1 and "-3 is outside 0-10000" in done.output  # a value, not an unknown option
    suggest(db, user="kari", method="model", source="fg_ny.txt", include_interviewers=True)
    reject_suggestion(db, list_suggestions(db, user="kari", source="fg_ny.txt")[0].id, user="kari")
    set_setting(db, "retrain_every", 0, user="kari")  # never
    assert maybe_retrain(db, user="kari", anchors=[], embeddings=False) is None
    set_setting(db, "retrain_every", 1, user="kari")
    run = maybe_retrain(db, user="kari", background=False, anchors=[], embeddings=False)
    assert run is not None and run.done and run.error is None and run.decisions == 1


# -- the demo ----------------------------------------------------------------------------------

def test_the_demo_leaves_pending_model_suggestions_for_koding(tmp_path, monkeypatch):
    from workbench.demo import build_demo
    from workbench.suggest import service

    real_train = service.train

    def quick_train(db, **kwargs):  # the demo's training, without the anchors and e5, 2 folds (speed)
        return real_train(db, **{**kwargs, "anchors": [], "embeddings": False, "cv_folds": 2})

    monkeypatch.setattr(service, "train", quick_train)
    db, report = build_demo(f"sqlite:///{tmp_path / 'demo.db'}", user="demo", qdpx=False,
                            passwords={"forsker": "a-long-password-1", "rapportforfatter": "a-long-password-2",
                                       "ressursgruppe": "a-long-password-3"})
    pending = list_suggestions(db, user="demo")
    assert report.suggestions == len(pending) > 0
    assert any("model" in r.method for r in pending)
    assert not any(r.actor == "forsker" for r in pending)  # no suggestions on the interviewers' turns
    assert any("Forslag som venter" in line for line in report.lines())


def test_a_text_of_fewer_than_four_words_gets_no_model_suggestion(model):
    """Backchannel turns ("Ja.", "Det stemmer.") and lone words are as short as no coded text the
    model learnt from: their scores would be guesses ("Staten" once scored 0.97 for a code)."""
    from workbench.suggest.sentences import too_short

    assert too_short(["Ja.", "Det stemmer.", "Kommunestyret vedtok avtalen.", "Kommunestyret vedtok avtalen enstemmig."]
                     ).tolist() == [True, True, True, False]
    short, long_ = "Kommunestyret vedtok avtalen.", "Kommunestyret vedtok avtalen enstemmig."
    j = model.codes_.index("legitimitet.demokratisk")
    scores = model.scores([short, long_, "Ja."])
    assert scores[1, j] >= model.thresholds_[j]  # four words: scored, and a hit
    assert not scores[[0, 2]][:, [model.codes_.index(c) for c in model.classifiers_]].any()
    hits = model.suggest([short, long_])
    assert hits[0] == [] and [h.code for h in hits[1]] == ["legitimitet.demokratisk"]
