"""Training, stored suggestions, evaluation and classify against a database (and the CLI)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from workbench.cli import cli
from workbench.codebook import validate_codebook
from workbench.codebook.store import load_codebook_data
from workbench.coding import apply_code, reject_suggestion
from workbench.errors import WorkbenchError
from workbench.store import AuditEvent, Segment, Source, Suggestion, TrainedModel
from workbench.suggest.service import (classify, evaluate, load_model, prf_table, suggest, train,
                                       training_data)

from .suggest_data import CODEBOOK, DEMOKRATISK, NOTHING, OVENFRA

import numpy as np


def _add_source(session, name, turns, language="nb"):
    text, spans = "", []
    for said in turns:
        prefix = "Deltaker: "
        start = len(text) + len(prefix)
        text += prefix + said + "\n"
        spans.append((start, start + len(said)))
    src = Source(file_name=name, content_hash=name, format="txt", canonical_text=text, language=language)
    session.add(src)
    session.flush()
    for i, (start, end) in enumerate(spans, 1):
        session.add(Segment(source_id=src.id, index=i, start_char=start, end_char=end))
    return src


def _load_codebook(db):
    load_codebook_data(db, validate_codebook(CODEBOOK).codebook, file_name="mini.yaml", user="oppsett")


# Hand-checked evaluation corpus (one source, coded by kari; the lexicon is deterministic):
EVAL_TURNS = [
    ("Kommunestyrevedtaket kom i juni.", "legitimitet.demokratisk"),   # lexicon: demokratisk -> TP
    ("Tilskuddsbrevene kom sent.", "legitimitet.ovenfra"),              # lexicon: ovenfra -> TP
    ("Vi hadde folkemøte i bygda.", "legitimitet.demokratisk"),         # lexicon: nedenfra -> FP, FN dem
    ("Staten ga oss penger.", "legitimitet.ovenfra"),                   # no match -> FN ovenfra
    ("Kaffen er klar.", None),                                          # nothing, not coded -> TN
]


@pytest.fixture
def coded(db):
    _load_codebook(db)
    with db.transaction(user="oppsett") as tx:
        _add_source(tx.session, "fg_eval.txt", [t for t, _ in EVAL_TURNS])
        _add_source(tx.session, "fg_ukodet.txt", ["Tilskuddsbrevet kom i går.", "Kommunestyret møtes i morgen.",
                                                  "Vi hadde folkemøte på samfunnshuset."])
    for turn, (_, code) in enumerate(EVAL_TURNS, 1):
        if code:
            apply_code(db, "fg_eval.txt", turn, code, user="kari")
    return db


def test_evaluate_lexicon_figures_match_a_hand_computed_example(coded):
    # Per code over the 5 coded segments:
    #   demokratisk: TP 1 (turn 1), FP 0, FN 1 (turn 3)  -> P 1, R 1/2, F1 2/3
    #   ovenfra:     TP 1 (turn 2), FP 0, FN 1 (turn 4)  -> P 1, R 1/2, F1 2/3
    #   nedenfra:    TP 0, FP 1 (turn 3), no support      -> P 0 (not in the macro average)
    # micro: TP 2, FP 1, FN 2 -> P 2/3, R 2/4 = 1/2, F1 = 2PR/(P+R) = (2/3)/(7/6) = 4/7
    # macro over the codes present in the codings (demokratisk, ovenfra): P 1, R 1/2, F1 2/3
    result = evaluate(coded, user="kari", folds=2, method="lexicon")
    assert result["segments"] == 5
    dem, ov, ned = (result["codes"][c] for c in ("legitimitet.demokratisk", "legitimitet.ovenfra",
                                                  "legitimitet.nedenfra"))
    assert (dem["precision"], dem["recall"], dem["f1"], dem["support"]) == (1.0, 0.5, pytest.approx(2 / 3), 2)
    assert (ov["precision"], ov["recall"], ov["f1"]) == (1.0, 0.5, pytest.approx(2 / 3))
    assert (ned["precision"], ned["support"], ned["predicted"]) == (0.0, 0, 1)
    assert result["micro"] == pytest.approx({"precision": 2 / 3, "recall": 0.5, "f1": 4 / 7})
    assert result["macro"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3})


def test_prf_table_by_hand():
    # codes a, b, c; rows: (true, pred) = ({a}, {a}), ({a, b}, {b, c}), ({}, {a})
    # a: TP1 FP1 FN1 -> P .5 R .5; b: TP1 -> P 1 R 1; c: FP1, no support.
    # micro: TP 2, FP 2, FN 1 -> P .5, R 2/3; macro over a, b: P .75, R .75
    y_true = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0]])
    y_pred = np.array([[1, 0, 0], [0, 1, 1], [1, 0, 0]])
    out = prf_table(y_true, y_pred, ["a", "b", "c"])
    assert out["codes"]["a"]["precision"] == 0.5 and out["codes"]["a"]["recall"] == 0.5
    assert out["codes"]["b"]["f1"] == 1.0
    assert out["codes"]["c"]["support"] == 0
    assert out["micro"]["precision"] == 0.5 and out["micro"]["recall"] == pytest.approx(2 / 3)
    assert out["macro"]["precision"] == 0.75 and out["macro"]["recall"] == 0.75


def test_prf_table_scores_a_single_code_as_that_code():
    # one code; rows (true, pred): (1,1) (1,0) (0,1) (0,0) (1,1) -> TP 2, FP 1, FN 1, support 3
    # (read as binary, sklearn would score the "no" rows: TP 1 of 2 true "no" -> P 1/2, R 1/2, n 2)
    y_true = np.array([[1], [1], [0], [0], [1]])
    y_pred = np.array([[1], [0], [1], [0], [1]])
    out = prf_table(y_true, y_pred, ["tillit"])
    assert out["codes"] == {"tillit": {"precision": pytest.approx(2 / 3), "recall": pytest.approx(2 / 3),
                                       "f1": pytest.approx(2 / 3), "support": 3, "predicted": 3}}
    assert out["micro"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3})
    assert out["macro"] == out["micro"]


def test_evaluate_with_a_codebook_of_one_code_matches_a_hand_computed_example(db):
    # the lexicon finds "tillit" in turns 1 and 3; turns 1 and 2 are coded:
    # TP 1 (turn 1), FN 1 (turn 2), FP 1 (turn 3), TN 2 -> P 1/2, R 1/2, support 2, predicted 2
    book = {"name": "en", "codes": {"tillit": {"label": "Tillit", "lexicon": ["tillit"]}}}
    load_codebook_data(db, validate_codebook(book).codebook, file_name="en.yaml", user="oppsett")
    turns = ["Tilliten mellom oss har vokst.", "Vi stoler på hverandre nå.", "Tillit er ikke alt, sa hun.",
             "Kaffen er klar.", "Bussen går klokka åtte."]
    with db.transaction(user="oppsett") as tx:
        _add_source(tx.session, "fg_en.txt", turns)
    for turn in (1, 2):
        apply_code(db, "fg_en.txt", turn, "tillit", user="kari")
    result = evaluate(db, user="kari", folds=2, method="lexicon", anchors=[])
    assert result["segments"] == 5
    assert result["codes"]["tillit"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2, "predicted": 2}
    assert result["micro"] == result["macro"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_evaluate_refuses_too_few_segments_for_the_folds(coded):
    with pytest.raises(WorkbenchError, match="too few for 10 folds") as exc:
        evaluate(coded, user="kari", folds=10)
    assert str(exc.value).endswith("code more turns or add anchor utterances (--anchors FILE), or use --folds 5")


def test_evaluate_without_codings_advises_coding_not_the_folds_already_given(db):
    _load_codebook(db)
    with pytest.raises(WorkbenchError) as exc:
        evaluate(db, user="kari", folds=2, anchors=[])
    message = str(exc.value)
    assert "0 coded segments and anchors, too few for 2 folds" in message
    assert message.endswith("code more turns or add anchor utterances (--anchors FILE)") and "--folds" not in message


def test_training_data_uses_codings_negatives_rejections_and_examples(coded):
    n = suggest(coded, user="kari", method="lexicon", source="fg_ukodet.txt")
    assert n == 2  # tilskuddsbrev -> ovenfra, folkemøte -> nedenfra
    with coded.session() as s:
        sid = s.scalar(select(Suggestion.id).where(Suggestion.code_id == "legitimitet.ovenfra"))
    reject_suggestion(coded, sid, user="kari")
    data = training_data(coded)
    assert data.count("segment") == 5  # every turn of the coded source, coded or not
    assert data.count("example") == 4  # the inline codebook's examples
    assert data.count("rejected") == 1
    i = data.kinds.index("rejected")
    assert data.labels[i] == set() and data.known[i] == {"legitimitet.ovenfra"}
    j = data.texts.index("Kaffen er klar.")
    assert data.labels[j] == set() and data.known[j] is None  # an uncoded turn is a negative for all


def test_accepting_one_suggestion_decides_that_code_on_that_turn_not_the_whole_source(coded):
    """The tester's repro: accepting one suggestion in a source nobody had coded made every turn of
    it a training row with every other code negative, undecided suggestions included. Now the
    accepted turn is a positive for that code and says nothing of the others; a rejection on the
    same turn is a negative for its code only."""
    from workbench.coding import accept_suggestion

    assert suggest(coded, user="kari", method="lexicon", source="fg_ukodet.txt") == 2
    with coded.session() as s:
        ids = dict(s.execute(select(Suggestion.code_id, Suggestion.id)).all())
    before = training_data(coded)
    accept_suggestion(coded, ids["legitimitet.ovenfra"], user="kari")
    data = training_data(coded)
    assert data.count("segment") == before.count("segment")  # fg_ukodet.txt is still no coded source
    assert data.count("accepted") == 1
    i = data.kinds.index("accepted")
    assert data.labels[i] == {"legitimitet.ovenfra"} and data.known[i] == {"legitimitet.ovenfra"}
    apply_code(coded, "fg_ukodet.txt", 1, "legitimitet.demokratisk", user="kari")  # by hand: now a coded source
    assert training_data(coded).count("accepted") == 0


@pytest.fixture
def trainable(db):
    _load_codebook(db)
    with db.transaction(user="oppsett") as tx:
        _add_source(tx.session, "fg_trening.txt", DEMOKRATISK + OVENFRA + NOTHING)
        _add_source(tx.session, "fg_ny.txt", ["Kommunestyret skal behandle saken neste uke.",
                                              "Staten ga oss mer penger i år.",
                                              "Vi hadde folkemøte på samfunnshuset.",
                                              "Takk for kaffen."])
    for turn in range(1, len(DEMOKRATISK) + 1):
        apply_code(db, "fg_trening.txt", turn, "legitimitet.demokratisk", user="kari")
    for turn in range(len(DEMOKRATISK) + 1, len(DEMOKRATISK) + len(OVENFRA) + 1):
        apply_code(db, "fg_trening.txt", turn, "legitimitet.ovenfra", user="kari")
    return db


def test_train_stores_a_model_then_suggest_stores_pending_rows_once(trainable):
    report = train(trainable, user="kari")
    assert report.segments == len(DEMOKRATISK) + len(OVENFRA) + len(NOTHING)
    assert sorted(report.modelled) == ["legitimitet.demokratisk", "legitimitet.ovenfra"]
    assert report.fallback == ["legitimitet.nedenfra"]
    model = load_model(trainable)
    assert model.stored_id_ == report.model_id and model.stored_info_["examples"] == 4

    n = suggest(trainable, user="kari", source="fg_ny.txt")
    with trainable.session() as s:
        rows = s.execute(select(Segment.index, Suggestion.code_id, Suggestion.method, Suggestion.status,
                                Suggestion.evidence).join(Segment, Suggestion.segment_id == Segment.id)
                         .order_by(Segment.index)).all()
        audit = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "suggest"))
        stored = s.scalar(select(func.count()).select_from(TrainedModel))
    assert n == len(rows) and stored == 1 and audit == 1
    by_turn = {(r.index, r.code_id): r for r in rows}
    assert (1, "legitimitet.demokratisk") in by_turn and (2, "legitimitet.ovenfra") in by_turn
    # nedenfra has 0 coded examples (< min_examples): the model falls back to its lexicon and says so
    fallback = [r for (_, code), r in by_turn.items() if code == "legitimitet.nedenfra"]
    assert len(fallback) == 1
    assert fallback[0].method == "lexicon (fallback: too few examples)"
    assert fallback[0].evidence == ["folkemøte"]
    assert all(r.status == "pending" for r in rows)
    assert not any(r.index == 4 for r in rows)
    # Running again adds nothing: every pair is already suggested, by any method.
    assert suggest(trainable, user="kari", source="fg_ny.txt") == 0
    assert suggest(trainable, user="kari", method="lexicon", source="fg_ny.txt") == 0


def test_suggest_skips_pairs_already_coded(trainable):
    apply_code(trainable, "fg_ny.txt", 3, "legitimitet.nedenfra", user="kari")
    suggest(trainable, user="kari", method="lexicon", source="fg_ny.txt")
    with trainable.session() as s:
        codes = s.scalars(select(Suggestion.code_id).join(Segment, Suggestion.segment_id == Segment.id)
                          .where(Segment.index == 3)).all()
    assert "legitimitet.nedenfra" not in codes


def test_model_method_without_a_trained_model_says_what_to_run(trainable):
    with pytest.raises(WorkbenchError, match="no trained model; run `workbench train`"):
        suggest(trainable, user="kari", method="model")


def test_classify_returns_codes_above_threshold_best_first(trainable):
    train(trainable, user="kari")
    out = classify(trainable, [{"id": "a", "text": "Kommunestyret skal behandle saken neste uke."},
                               {"id": 7, "text": "Det var folkemøte i bygda.", "lang": "nn"},
                               {"id": "c", "text": "Takk for kaffen."}], user="kari")
    assert [o["id"] for o in out] == ["a", 7, "c"]
    assert out[0]["codes"][0]["code"] == "legitimitet.demokratisk"
    assert set(out[0]["codes"][0]) == {"code", "score", "method"}
    # nedenfra: too few examples, so the model's lexicon fallback suggests it and says so
    assert [(c["code"], c["method"]) for c in out[1]["codes"]] == [
        ("legitimitet.nedenfra", "lexicon (fallback: too few examples)")]
    assert out[2]["codes"] == []
    for o in out:
        assert [c["score"] for c in o["codes"]] == sorted((c["score"] for c in o["codes"]), reverse=True)


def _runner_env(db):
    return {"WORKBENCH_DB": db.url, "WORKBENCH_USER": "kari"}


def test_classify_cli_reads_and_writes_jsonl_and_says_when_only_the_lexicon_is_used(trainable, tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text('{"id": "u1", "text": "Tilskuddsbrevene kom i mars."}\n\n'
                   '{"id": "u2", "text": "Vi treng meir medverknad.", "lang": "nn"}\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["classify", "--input", str(inp), "--output", str(out)], env=_runner_env(trainable))
    assert result.exit_code == 0, result.output
    assert "bare leksikonforslag" in result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"id": "u1", "codes": [{"code": "legitimitet.ovenfra", "score": 0.7, "method": "lexicon"}]},
                     {"id": "u2", "codes": [{"code": "legitimitet.nedenfra", "score": 0.6, "method": "lexicon"}]}]

    assert runner.invoke(cli, ["train"], env=_runner_env(trainable)).exit_code == 0
    result = runner.invoke(cli, ["classify", "--input", str(inp), "--output", str(out)], env=_runner_env(trainable))
    assert result.exit_code == 0 and "bare leksikonforslag" not in result.stderr
    assert "modell" in result.stderr


def test_classify_takes_region_and_mixed_language_codes(trainable, tmp_path):
    """Files from other tools write ``nb-NO`` or a source's ``nb+nn``: the first is bokmål, the
    second means "detect it", as a missing ``lang`` does."""
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text('{"id": "u1", "text": "Tilskuddsbrevene kom i mars.", "lang": "nb-NO"}\n'
                   '{"id": "u2", "text": "Vi treng meir medverknad.", "lang": "nb+nn"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--input", str(inp), "--output", str(out)],
                                env=_runner_env(trainable))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [c["code"] for line in lines for c in line["codes"]] == ["legitimitet.ovenfra", "legitimitet.nedenfra"]


@pytest.mark.parametrize("body, message", [
    ('{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', "line 2: not valid JSON"),
    ('{"text": "uten id"}\n', "line 1: needs \"id\" and a string \"text\""),
    ('{"id": 7, "text": "halv \\ud83d emoji"}\n', "line 1 (id 7): the text holds a broken character"),
    ('{"id": 1, "text": 42}\n', "line 1 (id 1): \"text\" is a number, not a string; write the utterance in quotes"),
    ('{"id": 1, "text": "x", "lang": "sv"}\n', "lang 'sv' is not 'nb' or 'nn'"),
    ('{"id": 1, "text": "ok"}\n{"id": NaN, "text": "x"}\n', "line 2: id NaN is not valid JSON"),
    ('{"id": [1, -Infinity], "text": "x"}\n', "line 1: id [1, -Infinity] is not valid JSON"),
    ('{"id": 1, "text": "ok"}\n{"id": null, "text": "x"}\n',
     "line 2: id null is null; give each utterance a string or a whole number as id"),
    ('{"id": {}, "text": "x"}\n', "line 1: id {} is an object; give each utterance a string or a whole number"),
    ('{"id": [1], "text": "x"}\n', "line 1: id [1] is a list; give each utterance a string or a whole number"),
    ('{"id": true, "text": "x"}\n', "line 1: id true is true or false; give each utterance a string"),
    ('{"id": 1.5, "text": "x"}\n', "line 1: id 1.5 is a number; give each utterance a string or a whole number"),
    ('{"id": 1, "text": "linje\u2028skift"}\n{"id": 2, "text": \n', "line 2: not valid JSON"),
])
def test_classify_cli_bad_input_names_the_line(trainable, tmp_path, body, message):
    inp = tmp_path / "in.jsonl"
    inp.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--input", str(inp), "--output", str(tmp_path / "o.jsonl")],
                                env=_runner_env(trainable))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_classify_cli_warns_once_about_repeated_ids(trainable, tmp_path):
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text('{"id": 1, "text": "Tilskuddsbrevene kom i mars."}\n{"id": "a", "text": "Kaffen er klar."}\n'
                   '{"id": 1, "text": "Vi hadde folkemøte."}\n{"id": 1, "text": "Takk for nå."}\n'
                   '{"id": "a", "text": "Ja."}\n{"id": 2, "text": "Nei."}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--input", str(inp), "--output", str(out)],
                                env=_runner_env(trainable))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Advarsel")]
    assert warnings == ['Advarsel: in.jsonl: 2 id(s) occur more than once: 1, "a"; their output lines cannot be '
                        'told apart by id (give each utterance its own id)']
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == [1, "a", 1, 1, "a", 2]


def test_classify_cli_refuses_to_write_over_its_input(trainable, tmp_path):
    inp = tmp_path / "in.jsonl"
    text = '{"id": "u1", "text": "Tilskuddsbrevene kom i mars."}\n'
    inp.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--input", str(inp), "--output", str(tmp_path / "." / "in.jsonl")],
                                env=_runner_env(trainable))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"Error: --output {tmp_path / 'in.jsonl'} is the --input file; writing the scores there would replace the "
        "utterances: choose another --output"]
    assert inp.read_text(encoding="utf-8") == text


def test_cli_train_suggest_evaluate(trainable):
    runner, env = CliRunner(), _runner_env(trainable)
    result = runner.invoke(cli, ["train"], env=env)
    assert result.exit_code == 0 and "2 koder med modell, 1 uten" in result.output
    assert "Uten modell (for få eksempler): legitimitet.nedenfra" in result.output
    result = runner.invoke(cli, ["suggest", "--source", "fg_ny.txt"], env=env)
    assert result.exit_code == 0 and "nye forslag lagret" in result.output
    result = runner.invoke(cli, ["evaluate", "--json", "--folds", "3"], env=env)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["folds"] == 3 and figures["segments"] == len(DEMOKRATISK) + len(OVENFRA) + len(NOTHING)
    assert set(figures["micro"]) == {"precision", "recall", "f1"}
    assert figures["codes"]["legitimitet.demokratisk"]["support"] == len(DEMOKRATISK)
    result = runner.invoke(cli, ["evaluate", "--folds", "3"], env=env)
    assert result.exit_code == 0 and "mikro P=" in result.output


def test_cli_evaluate_with_and_without_anchors(trainable, tmp_path):
    runner, env = CliRunner(), _runner_env(trainable)
    anchors = tmp_path / "a.jsonl"
    anchors.write_text("".join(json.dumps({"text": t, "codes": ["legitimitet.demokratisk"]}) + "\n"
                               for t in DEMOKRATISK[:3]), encoding="utf-8")
    with_them = runner.invoke(cli, ["evaluate", "--json", "--folds", "3", "--anchors", str(anchors)], env=env)
    without = runner.invoke(cli, ["evaluate", "--json", "--folds", "3", "--no-anchors"], env=env)
    assert with_them.exit_code == 0 and without.exit_code == 0, with_them.output + without.output
    assert json.loads(with_them.output)["anchors"] == 3 and json.loads(without.output)["anchors"] == 0


def test_commands_need_a_codebook(db, tmp_path):
    result = CliRunner().invoke(cli, ["train"], env=_runner_env(db))
    assert result.exit_code == 1 and "load a codebook first" in result.output


# --------------------------------------------------------------------------------------------
# Anchor utterances

def _anchor_lines(*recs):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)


def test_train_uses_anchor_files_and_anchors_count_toward_min_examples(trainable, tmp_path):
    folder = tmp_path / "anchors"
    folder.mkdir()
    ned = ["Vi spurte ungdommene hva de ville ha.", "Innbyggerne kom med forslagene selv.",
           "Bygda sa klart ifra hva som trengtes.", "Folk på stedet satte dagsordenen.",
           "Lag og foreninger kom med ideene.", "Vi gikk rundt på dørene og spurte folk.",
           "Ungdomsrådet fikk bestemme innholdet.", "Det var innbyggerne som pekte ut retningen."]
    (folder / "a.jsonl").write_text(_anchor_lines(*[{"text": t, "codes": ["legitimitet.nedenfra"], "lang": "nb"}
                                                    for t in ned]), encoding="utf-8")
    (folder / "b.jsonl").write_text(_anchor_lines({"text": "Kaffen er kald.", "codes": []}), encoding="utf-8")
    (folder / "notes.txt").write_text("not an anchor file", encoding="utf-8")
    report = train(trainable, user="kari", anchors=[folder])
    assert report.anchors == 9 and len(report.anchor_files) == 2
    assert "legitimitet.nedenfra" in report.modelled  # 8 anchors reach min_examples
    assert "9 ankerytringer" in report.summary()
    data = training_data(trainable, anchors=[folder / "b.jsonl"])
    i = data.kinds.index("anchor")
    assert data.labels[i] == set() and data.known[i] is None  # [] = negative for every code
    assert train(trainable, user="kari", anchors=[]).anchors == 0


def test_default_anchor_folder_is_the_one_beside_the_codebook_file(db, tmp_path):
    from workbench.codebook.store import load_codebook
    import yaml

    book = tmp_path / "mini.yaml"
    book.write_text(yaml.safe_dump(CODEBOOK, allow_unicode=True), encoding="utf-8")
    (tmp_path / "anchors").mkdir()
    (tmp_path / "anchors" / "x.jsonl").write_text(
        _anchor_lines({"text": "Vi inviterte hele bygda.", "codes": ["legitimitet.nedenfra"]}), encoding="utf-8")
    load_codebook(db, book, user="oppsett")
    data = training_data(db)
    assert data.count("anchor") == 1 and data.anchor_files == [str(tmp_path / "anchors" / "x.jsonl")]


@pytest.mark.parametrize("line, message", [
    ('{"text": "x", "codes": ["legitimitet.nedefra"]}', "a.jsonl:2: unknown code 'legitimitet.nedefra'; "
                                                       "did you mean legitimitet.nedenfra"),
    ('{"text": "x", "codes": "legitimitet.nedenfra"}', 'a.jsonl:2: "codes" must be a list of code ids'),
    ('{"text": "", "codes": []}', 'a.jsonl:2: "text" must be a non-empty string'),
    ('{"text": "x", "codes": [], "lang": "sv"}', "a.jsonl:2: lang 'sv' is not 'nb' or 'nn'"),
    ('{"text": "x", "codes": []', "a.jsonl:2: not valid JSON"),
])
def test_bad_anchor_lines_name_file_and_line(trainable, tmp_path, line, message):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "Vi hadde folkemøte.", "codes": ["legitimitet.nedenfra"]}\n' + line + "\n",
                    encoding="utf-8")
    with pytest.raises(WorkbenchError, match=message.replace("(", r"\(").replace("[", r"\[")):
        train(trainable, user="kari", anchors=[path])
    result = CliRunner().invoke(cli, ["train", "--anchors", str(path)], env=_runner_env(trainable))
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_listed_evidence_is_only_marked_inside_the_span_accepting_it_codes(db):
    """A suggestion on the second sentence of a turn whose evidence word also occurs in the first:
    only the word in the coded span is marked (for model+lexicon too); evidence found only outside
    the span is not shown."""
    from workbench.coding import list_suggestions

    _load_codebook(db)
    turn = "Staten ga oss penger i fjor. Men staten ba om tilskuddsbrevet i år."
    with db.transaction(user="oppsett") as tx:
        src = _add_source(tx.session, "fg_evidens.txt", [turn])
        seg = tx.session.scalars(select(Segment).where(Segment.source_id == src.id)).one()
        at = turn.index("Men")
        for method in ("model", "model+lexicon"):
            tx.session.add(Suggestion(segment_id=seg.id, code_id="legitimitet.ovenfra", method=method, score=0.8,
                                      start_char=seg.start_char + at, end_char=seg.end_char,
                                      evidence=["staten", "penger"]))
    records = list_suggestions(db, user="kari")
    assert len(records) == 2
    for rec in records:
        assert rec.coded_text == "Men staten ba om tilskuddsbrevet i år."
        assert [rec.text[a:b] for a, b in rec.evidence_spans] == ["staten"]
        assert all(rec.start <= a and b <= rec.end for a, b in rec.evidence_spans)
        assert rec.evidence == ["staten"]  # "penger" is only outside the span


def test_anchor_lines_on_a_retired_code_skip_that_code_with_one_note(trainable, tmp_path):
    import copy

    path = tmp_path / "a.jsonl"
    path.write_text(_anchor_lines({"text": "Vi inviterte bygda.", "codes": ["legitimitet.nedenfra",
                                                                           "legitimitet.ovenfra"]},
                                  {"text": "Bygda bestemte.", "codes": ["legitimitet.nedenfra"]},
                                  {"text": "Staten styrte.", "codes": ["legitimitet.ovenfra"]}), encoding="utf-8")
    book = copy.deepcopy(CODEBOOK)
    kids = book["codes"]["legitimitet"]["children"]
    book["codes"]["legitimitet"]["children"] = [c for c in kids if c["id"] != "legitimitet.nedenfra"]
    with trainable.transaction(user="oppsett") as tx:  # in use, so the load retires it
        seg = tx.session.scalar(select(Segment).limit(1))
        tx.session.add(Suggestion(segment_id=seg.id, code_id="legitimitet.nedenfra", method="lexicon", score=0.5))
    load_codebook_data(trainable, validate_codebook(book).codebook, file_name="mini.yaml", user="oppsett")
    data = training_data(trainable, anchors=[path])
    assert [data.labels[i] for i, k in enumerate(data.kinds) if k == "anchor"] == [{"legitimitet.ovenfra"}] * 2
    report = train(trainable, user="kari", anchors=[path])
    assert report.anchors == 2
    assert "2 ankerlinjer nevner koder som er tatt ut av kodeboken; de kodene ble hoppet over." in report.summary()


def test_an_anchor_on_a_category_says_it_is_not_codable(trainable, tmp_path):
    from workbench.ui.messages import norwegian

    path = tmp_path / "a.jsonl"
    path.write_text(_anchor_lines({"text": "Vi inviterte bygda.", "codes": ["legitimitet"]}), encoding="utf-8")
    with pytest.raises(WorkbenchError, match="a.jsonl:1: code 'legitimitet' is a category") as exc:
        train(trainable, user="kari", anchors=[path])
    assert "er en kategori og ikke kan kodes" in norwegian(exc.value)


@pytest.mark.parametrize("make", [lambda d: d, lambda d: (d / "tom.jsonl").write_text("\n") and d / "tom.jsonl"])
def test_train_with_anchors_that_hold_no_utterance_stops_and_keeps_the_model(trainable, tmp_path, make):
    folder = tmp_path / "anchors"
    folder.mkdir()
    given = make(folder)
    before = train(trainable, user="kari").model_id
    result = CliRunner().invoke(cli, ["train", "--anchors", str(given)], env=_runner_env(trainable))
    assert result.exit_code == 1 and f"no anchor utterances in {given}" in result.output
    assert "Traceback" not in result.output
    with trainable.session() as s:
        assert s.scalar(select(func.max(TrainedModel.id))) == before


def test_lexicon_suggestions_show_the_lexicons_measured_precision_and_recall(db):
    """A fallback (lexicon) suggestion carries figures too: of the coded turns, the lexicon hit six
    (four coded with the code) and found four of the six turns coded with it -> 67 % / 67 %. A model
    suggestion keeps the model's cross-validated figures. With fewer than five hits there is no
    figure: one right hit of one is no 100 %."""
    from workbench.coding import MIN_FIGURE_ROWS, list_suggestions

    _load_codebook(db)
    extra = [("Vi hadde folkemøte på samfunnshuset.", "legitimitet.nedenfra"),
             ("Folkemøtet samlet hele bygda.", "legitimitet.nedenfra"),
             ("På folkemøtet sa mange hva de ville.", "legitimitet.nedenfra"),
             ("Etter folkemøtet kom det innspill fra ungdommen.", "legitimitet.nedenfra"),
             ("Folkemøtet ble flyttet til tirsdag.", None),
             ("Vi har ikke planlagt noe folkemøte.", None),
             ("Ungdommene fikk være med og bestemme hva bygda trenger.", "legitimitet.nedenfra"),
             ("Lag og foreninger ble spurt om hva de trengte.", "legitimitet.nedenfra")]
    turns = ([(t, "legitimitet.demokratisk") for t in DEMOKRATISK] + [(t, "legitimitet.ovenfra") for t in OVENFRA]
             + extra + [(t, None) for t in NOTHING])
    with db.transaction(user="oppsett") as tx:
        _add_source(tx.session, "fg_trening.txt", [t for t, _ in turns])
        _add_source(tx.session, "fg_ny.txt", ["Vi hadde folkemøte i bygda i fjor.",
                                              "Kommunestyret vedtok saken etter en lang debatt."])
    for turn, (_, code) in enumerate(turns, 1):
        if code:
            apply_code(db, "fg_trening.txt", turn, code, user="kari")
    report = train(db, user="kari")
    assert "legitimitet.nedenfra" in report.fallback
    suggest(db, user="kari", source="fg_ny.txt")
    records = {r.code: r for r in list_suggestions(db, user="kari", source="fg_ny.txt")}
    lex = records["legitimitet.nedenfra"]
    assert lex.method == "lexicon (fallback: too few examples)"
    assert (lex.precision, lex.recall) == (pytest.approx(4 / 6), pytest.approx(4 / 6))
    model = records["legitimitet.demokratisk"]
    cv = load_model(db).cv_["legitimitet.demokratisk"]
    assert (model.precision, model.recall) == (cv["precision"], cv["recall"])
    # the same lexicon resting on fewer hits than MIN_FIGURE_ROWS shows no figure
    with db.transaction(user="oppsett") as tx:
        row = tx.session.scalars(select(TrainedModel).order_by(TrainedModel.id.desc())).first()
        few = {"hits": MIN_FIGURE_ROWS - 1, "correct": MIN_FIGURE_ROWS - 1, "positives": MIN_FIGURE_ROWS - 1}
        row.info = {**row.info, "lexicon_precision": {"legitimitet.nedenfra": {**few, "precision": 0.9}}}
    lex = next(r for r in list_suggestions(db, user="kari", source="fg_ny.txt") if r.code == "legitimitet.nedenfra")
    assert (lex.precision, lex.recall) == (None, None)
    # a code nobody has coded: its lexicon's hits have nothing to be judged by, no "0 %"
    with db.transaction(user="oppsett") as tx:
        row = tx.session.scalars(select(TrainedModel).order_by(TrainedModel.id.desc())).first()
        row.info = {**row.info, "lexicon_precision": {"legitimitet.nedenfra": {"hits": 9, "correct": 0,
                                                                               "positives": 0}}}
    lex = next(r for r in list_suggestions(db, user="kari", source="fg_ny.txt") if r.code == "legitimitet.nedenfra")
    assert (lex.precision, lex.recall) == (None, None)


# --------------------------------------------------------------------------------------------
# Tester's findings (fix59)


def test_codebook_load_stores_the_absolute_path_so_train_finds_its_anchors_from_anywhere(db, tmp_path, monkeypatch):
    """``train`` once used the anchors beside the codebook from one folder and none from another,
    silently; a reload from another place looks beside the new place, and a missing folder is said."""
    import shutil

    import yaml

    from workbench.codebook import current_version
    from workbench.codebook.store import load_codebook

    project, elsewhere, other = tmp_path / "prosjekt", tmp_path / "annet", tmp_path / "kopi"
    for folder in (project, elsewhere, other):
        folder.mkdir()
    (project / "mini.yaml").write_text(yaml.safe_dump(CODEBOOK, allow_unicode=True), encoding="utf-8")
    (project / "anchors").mkdir()
    (project / "anchors" / "x.jsonl").write_text(
        _anchor_lines({"text": "Vi inviterte hele bygda.", "codes": ["legitimitet.nedenfra"]}), encoding="utf-8")
    monkeypatch.chdir(project)
    first = load_codebook(db, "mini.yaml", user="oppsett")
    assert current_version(db)["file_name"] == str(project / "mini.yaml")
    monkeypatch.chdir(elsewhere)
    data = training_data(db)
    assert data.count("anchor") == 1 and data.missing_anchor_dir == ""

    shutil.copy(project / "mini.yaml", other / "mini.yaml")  # the same codebook, no anchors beside it
    monkeypatch.chdir(other)
    again = load_codebook(db, "mini.yaml", user="oppsett")
    assert (again.version_id, again.new_version) == (first.version_id, False)
    assert current_version(db)["file_name"] == str(other / "mini.yaml")
    with db.transaction(user="oppsett") as tx:
        _add_source(tx.session, "fg.txt", DEMOKRATISK)
    apply_code(db, "fg.txt", 1, "legitimitet.demokratisk", user="kari")
    result = CliRunner().invoke(cli, ["train"], env=_runner_env(db))
    assert result.exit_code == 0, result.output
    assert "0 ankerytringer" in result.output
    assert f"Fant ingen ankerytringer ved kodeboka ({other / 'anchors'}); trent uten." in result.output
    assert "trent uten" not in train(db, user="kari", anchors=[]).summary()  # --no-anchors: asked for


@pytest.mark.parametrize("command", [["train"], ["evaluate", "--folds", "3"]])
def test_anchors_and_no_anchors_together_are_refused(trainable, tmp_path, command):
    anchors = tmp_path / "a.jsonl"
    anchors.write_text(_anchor_lines({"text": "Vi inviterte bygda.", "codes": ["legitimitet.nedenfra"]}),
                       encoding="utf-8")
    result = CliRunner().invoke(cli, [*command, "--anchors", str(anchors), "--no-anchors"],
                                env=_runner_env(trainable))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Error: --anchors and --no-anchors contradict each other; give one of them"]
    with trainable.session() as s:
        assert s.scalar(select(func.count()).select_from(TrainedModel)) == 0


def test_classify_reads_line_and_paragraph_separators_inside_the_text(trainable, tmp_path):
    """U+2028 and U+0085 written raw are valid JSON in a string; str.splitlines() cut lines there."""
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text('{"id": "a", "text": "Tilskuddsbrevene\u2028kom i mars."}\r\n'
                   '{"id": "b", "text": "Kaffen\u0085er klar."}\n'
                   '{"id": "c", "text": "Vi treng\u2029meir medverknad."}\n', encoding="utf-8", newline="")
    result = CliRunner().invoke(cli, ["classify", "--input", str(inp), "--output", str(out)],
                                env=_runner_env(trainable))
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").split("\n") if line] == ["a", "b", "c"]


def test_classify_says_at_once_when_the_output_folder_is_missing_or_unwritable(trainable, tmp_path, monkeypatch):
    import workbench.suggest.service as service

    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": "u1", "text": "Tilskuddsbrevene kom i mars."}\n', encoding="utf-8")

    def never(*args, **kwargs):
        raise AssertionError("scored before the output folder was checked")

    monkeypatch.setattr(service, "build_suggester", never)
    missing = tmp_path / "finnes_ikke" / "out.jsonl"
    result = CliRunner().invoke(cli, ["classify", "--input", str(inp), "--output", str(missing)],
                                env=_runner_env(trainable))
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        f"Error: --output {missing}: the folder {missing.parent} does not exist; create it or choose another --output"]
    import os

    real = os.access  # as for a folder of another user (the tests may run as root, who may write anywhere)
    monkeypatch.setattr("os.access", lambda path, mode, **kw: False if mode & os.W_OK else real(path, mode, **kw))
    result = CliRunner().invoke(cli, ["classify", "--input", str(inp), "--output", str(tmp_path / "out.jsonl")],
                                env=_runner_env(trainable))
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        f"Error: --output {tmp_path / 'out.jsonl'}: the folder {tmp_path} is not writable; choose another --output"]


def test_classify_writing_failing_part_way_leaves_the_old_output_as_it_was(trainable, tmp_path, monkeypatch):
    import types

    import workbench.suggest.service as service

    tmp_path = tmp_path / "ut"  # the test database lives in tmp_path itself
    tmp_path.mkdir()
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text('{"id": "u1", "text": "Tilskuddsbrevene kom i mars."}\n{"id": "u2", "text": "Kaffen."}\n',
                   encoding="utf-8")
    out.write_text("forrige kjøring\n", encoding="utf-8")

    def dumps(value, **kwargs):  # the disk fills up at the second output line
        if isinstance(value, dict) and value.get("id") == "u2" and "codes" in value:
            raise OSError(28, "No space left on device")
        return json.dumps(value, **kwargs)

    monkeypatch.setattr(service, "json", types.SimpleNamespace(dumps=dumps, loads=json.loads,
                                                               JSONDecodeError=json.JSONDecodeError))
    result = CliRunner().invoke(cli, ["classify", "--input", str(inp), "--output", str(out)],
                                env=_runner_env(trainable))
    assert result.exit_code == 1, result.output
    assert result.output.strip() == f"Error: {out}: cannot write (No space left on device); choose another --output"
    assert out.read_text(encoding="utf-8") == "forrige kjøring\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]  # no temporary file left
    monkeypatch.undo()
    result = CliRunner().invoke(cli, ["classify", "--input", str(inp), "--output", str(out)],
                                env=_runner_env(trainable))
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["u1", "u2"]


def test_evaluate_one_fold_and_lexicon_fast_are_one_line_errors(trainable, tmp_path):
    runner, env = CliRunner(), _runner_env(trainable)
    result = runner.invoke(cli, ["evaluate", "--folds", "1"], env=env)
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        "Error: --folds 1: need at least 2 folds; give --folds 2 or more"]
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text('{"id": "u1", "text": "Tilskuddsbrevene kom i mars."}\n', encoding="utf-8")
    result = runner.invoke(cli, ["classify", "--input", str(inp), "--output", str(out), "--method", "lexicon",
                                 "--fast"], env=env)
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        "Error: --fast scores with the model's TF-IDF part and does nothing with --method lexicon; leave out "
        "--fast, or use another --method"]
    assert not out.exists()
    with pytest.raises(WorkbenchError, match="^--fast scores with the model's TF-IDF part and does nothing with "
                                             "--method lexicon; leave out --fast") as exc:
        classify(trainable, [{"id": 1, "text": "Kaffen."}], user="kari", method="lexicon", fast=True)
    assert exc.value.code == "suggest.fast_lexicon"
