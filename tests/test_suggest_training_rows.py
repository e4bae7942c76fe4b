"""What a model is trained on, and what a retraining may not lose: interviewer turns are no training
rows (their questions name the codes' words), a background retraining uses the anchors the newest
model was trained with (and keeps that model rather than replace it by a poorer one), and pending
lexicon suggestions carry the lexicon's measured precision after training. All texts fictional."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from workbench.codebook import validate_codebook
from workbench.codebook.store import load_codebook_data
from workbench.coding import apply_code, list_suggestions
from workbench.store import Suggestion, TrainedModel
from workbench.suggest import active
from workbench.suggest.service import evaluate, load_model, suggest, train
from workbench.ui.messages import norwegian

from .suggest_data import CODEBOOK, DEMOKRATISK, NOTHING, OVENFRA, add_turns

NEDENFRA = "legitimitet.nedenfra"
#: the participant's turns about a folkemøte, each coded legitimitet.nedenfra
PEOPLE = ["Vi hadde folkemøte på skolen, og bygda sa hva den ville ha.",
          "Etter folkemøte i mars skrev vi om hele planen sammen med innbyggerne.",
          "Det var folkemøte i grendehuset, og ungdommene fikk ordet først."]
#: the interviewer's questions naming the same word, coded by nobody (as interviewers' turns are)
QUESTIONS = ["Hadde dere folkemøte om planen?", "Hvem kom på folkemøte den gangen?",
             "Var det mange på folkemøte i høst?", "Ble det folkemøte før dere søkte?"]
ANCHORS = ["Innbyggerne satte selv dagsorden for møtet i bygda.", "Ungdomsrådet foreslo tiltakene, og vi fulgte dem.",
           "Grendelaget samlet underskrifter for at bygda skulle være med.",
           "Folk i bygda bestemte hvilke prosjekter som skulle prioriteres.",
           "Det var lagene og foreningene som drev fram søknaden.",
           "Vi spurte innbyggerne hva de trengte, og de svarte i hopetall.",
           "Bygdefolket organiserte dugnad for å vise at de ville ha satsingen.",
           "Ideen kom fra en gruppe innbyggere som tok kontakt med kommunen."]


@pytest.fixture
def interviewed(db):
    """A coded focus group whose interviewer asks about the folkemøte four times (uncoded) and a
    new source nobody coded."""
    load_codebook_data(db, validate_codebook(CODEBOOK).codebook, file_name="mini.yaml", user="oppsett")
    pl = [(t, "Sigrid", "prosjektleder") for t in DEMOKRATISK + OVENFRA + NOTHING]
    talk = [(q, "Moderator", "forsker") for q in QUESTIONS]
    rows = pl + [x for pair in zip(talk, [(t, "Sigrid", "prosjektleder") for t in PEOPLE] + [None]) for x in pair if x]
    with db.transaction(user="oppsett") as tx:
        add_turns(tx, "fg_trening.txt", rows)
        add_turns(tx, "fg_ny.txt", [("Kommunestyret skal behandle saken neste uke.", "Sigrid", "prosjektleder"),
                               ("Vi hadde folkemøte på samfunnshuset, og mange kom.", "Sigrid", "prosjektleder")])
    for turn, (said, _, _) in enumerate(rows, 1):
        code = ("legitimitet.demokratisk" if said in DEMOKRATISK else "legitimitet.ovenfra" if said in OVENFRA
                else NEDENFRA if said in PEOPLE else None)
        if code:
            apply_code(db, "fg_trening.txt", turn, code, user="kari")
    return db


# -- interviewer turns ---------------------------------------------------------------------------

def test_interviewer_questions_are_no_training_rows_and_do_not_silence_the_lexicon(interviewed):
    db = interviewed
    report = train(db, user="kari", anchors=[], embeddings=False)
    assert report.segments == len(DEMOKRATISK + OVENFRA + NOTHING + PEOPLE)  # the 4 questions left out
    cal = load_model(db).lexicon_precision_[NEDENFRA]
    assert (cal["hits"], cal["correct"]) == (3, 3)  # 3 of 7 when the questions counted as wrong hits
    assert suggest(db, user="kari", method="model", source="fg_ny.txt") >= 1
    [hit] = [r for r in list_suggestions(db, user="kari", source="fg_ny.txt") if r.code == NEDENFRA]
    assert hit.turn == 2 and hit.method == "lexicon (fallback: too few examples)" and hit.score > 0.8

    # asked for, they are rows again: the lexicon's precision falls below the bar (0.47)
    report = train(db, user="kari", anchors=[], embeddings=False, include_interviewers=True)
    assert report.segments == len(DEMOKRATISK + OVENFRA + NOTHING + PEOPLE + QUESTIONS)
    assert load_model(db).lexicon_precision_[NEDENFRA]["hits"] == 7


def test_cross_validation_tests_no_interviewer_turn(interviewed):
    result = evaluate(interviewed, user="kari", folds=2, anchors=[], embeddings=False)
    assert result["segments"] == len(DEMOKRATISK + OVENFRA + NOTHING + PEOPLE)
    assert result["by_kind"]["segment"]["rows"] == len(DEMOKRATISK + OVENFRA + NOTHING + PEOPLE)


# -- pending lexicon suggestions after training ----------------------------------------------------

def _lexicon_hit(db):
    with db.session() as s:
        return s.execute(select(Suggestion.status, Suggestion.score, Suggestion.method)
                         .where(Suggestion.code_id == NEDENFRA)).one()


def test_training_gives_pending_lexicon_suggestions_the_measured_precision_or_withdraws_them(interviewed):
    db = interviewed
    assert suggest(db, user="kari", source="fg_ny.txt") >= 1  # no model yet: the lexicon alone
    status, before, method = _lexicon_hit(db)
    assert (status, method) == ("pending", "lexicon")
    report = train(db, user="kari", anchors=[], embeddings=False)
    measured = load_model(db).lexicon_precision_[NEDENFRA]["precision"]  # 3 right of 3, smoothed: 0.84
    assert report.rescored >= 1
    assert _lexicon_hit(db) == ("pending", round(measured, 4), "lexicon") and round(measured, 4) != before
    # a model under which the lexicon is right 3 times of 7 (below 0.5): the suggestion is withdrawn, said
    report = train(db, user="kari", anchors=[], embeddings=False, include_interviewers=True)
    assert report.withdrawn >= 1 and "trukket tilbake" in report.summary()
    assert _lexicon_hit(db)[0] == "withdrawn"


# -- background retraining and the anchors -----------------------------------------------------------

@pytest.fixture
def anchored(interviewed, tmp_path):
    """A model trained on purpose with anchors from a folder elsewhere (not beside the codebook):
    legitimitet.nedenfra gets a classifier only with them. Then two coding decisions."""
    folder = tmp_path / "teamets_ankre"
    folder.mkdir()
    (folder / "nedenfra.jsonl").write_text("".join(json.dumps({"text": t, "codes": [NEDENFRA]}, ensure_ascii=False)
                                                   + "\n" for t in ANCHORS), encoding="utf-8")
    first = train(interviewed, user="kari", anchors=[folder], embeddings=False)
    assert NEDENFRA in first.modelled and first.anchors == len(ANCHORS)
    for turn in (1, 2):
        apply_code(interviewed, "fg_ny.txt", turn, "legitimitet.demokratisk", user="kari")
    return interviewed, folder, first


def _newest(db):
    with db.session() as s:
        return s.scalar(select(func.max(TrainedModel.id)))


def test_background_retraining_uses_the_anchors_the_newest_model_was_trained_with(anchored):
    db, folder, first = anchored
    run = active.maybe_retrain(db, user="kari", every=2, background=False, embeddings=False,
                               suggest_source="fg_ny.txt")
    assert run is not None and run.error is None, run.error
    assert run.report.anchors == len(ANCHORS) and NEDENFRA in run.report.modelled  # not 0 anchors, 2 codes
    assert run.report.anchor_files == [str(folder / "nedenfra.jsonl")]
    assert _newest(db) == run.report.model_id > first.model_id


def test_background_retraining_does_not_start_when_those_anchors_are_gone(anchored):
    db, folder, first = anchored
    folder.rename(folder.with_name("flyttet"))  # moved, or the database opened on another machine
    blocked = active.retrain_blocked(db, user="kari")
    assert blocked is not None and blocked.code == "train.anchors_missing"
    assert str(folder) in norwegian(blocked) and "trenes derfor ikke på nytt i bakgrunnen" in norwegian(blocked)
    assert active.maybe_retrain(db, user="kari", every=2, background=False, embeddings=False) is None
    assert _newest(db) == first.model_id


def test_a_background_run_that_would_lose_anchors_keeps_the_model_and_its_suggestions(anchored):
    db, _, first = anchored
    suggest(db, user="kari", source="fg_ny.txt")
    pending = {r.id for r in list_suggestions(db, user="kari", source="fg_ny.txt")}
    run = active.maybe_retrain(db, user="kari", every=2, background=False, embeddings=False, anchors=[])
    assert run is not None and run.refused and run.report is None
    assert "er beholdt" in norwegian(run.error) and f"0 ankerytringer i stedet for {len(ANCHORS)}" in norwegian(run.error)
    assert _newest(db) == first.model_id
    assert {r.id for r in list_suggestions(db, user="kari", source="fg_ny.txt")} == pending  # none withdrawn
    # trained on purpose (the button, the CLI), it is the team's choice: stored
    assert train(db, user="kari", anchors=[], embeddings=False).model_id > first.model_id


def test_the_pages_train_button_keeps_the_anchors_the_newest_model_was_trained_with(anchored):
    db, folder, first = anchored
    report = active.train_now(db, user="kari", embeddings=False)  # "Tren modellen på kodingene"
    assert report.anchors == len(ANCHORS) and NEDENFRA in report.modelled
    assert report.anchor_files == [str(folder / "nedenfra.jsonl")]
    folder.rename(folder.with_name("flyttet"))  # gone: the codebook's own folder (none here), as train does
    assert active.train_now(db, user="kari", embeddings=False).anchors == 0
