"""Lexicon, model and combined suggesters without a database."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.errors import WorkbenchError
from workbench.nlp import only_function_words
from workbench.suggest import (FALLBACK_METHOD, CombinedSuggester, LexiconSuggester, ModelSuggester,
                               uncertain_first)
from workbench.suggest.lexicon import lexicon_score
from workbench.suggest.model import choose_threshold

from .suggest_data import DEMOKRATISK, NOTHING, codes, labelled

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lexicon():
    return LexiconSuggester().fit(codes=codes())


def _codes(hits):
    return [h.code for h in hits]


@pytest.mark.parametrize("text, lang, code, words", [
    ("Kommunestyrevedtaket kom først i juni.", "nb", "legitimitet.demokratisk", ["Kommunestyrevedtaket"]),
    ("Tilskuddsbrevene kom altfor seint.", "nb", "legitimitet.ovenfra", ["Tilskuddsbrevene"]),
    ("Bevilgningene over statsbudsjettet avgjorde saken.", "nb", "legitimitet.ovenfra",
     ["Bevilgningene", "statsbudsjettet"]),
    ("Vi har lagt stor vekt på medverknad frå innbyggjarane.", "nn", "legitimitet.nedenfra", ["medverknad"]),
    ("Det var fleire folkemøte i bygdene i vinter.", "nn", "legitimitet.nedenfra", ["folkemøte"]),
    ("Den politiske forankringen var svak i starten.", "nb", "legitimitet.demokratisk", ["politiske forankringen"]),
])
def test_lexicon_matches_inflected_bokmal_and_nynorsk_forms_with_the_words_as_evidence(lexicon, text, lang,
                                                                                      code, words):
    [hits] = lexicon.suggest([text], [lang])
    assert _codes(hits) == [code]
    assert hits[0].evidence == words
    assert hits[0].method == "lexicon"


def test_lexicon_detects_the_language_when_none_is_given(lexicon):
    [hits] = lexicon.suggest(["Vi har ikkje fått nok medverknad frå dei unge enno."])
    assert _codes(hits) == ["legitimitet.nedenfra"]


def test_lexicon_does_not_match_a_different_word_that_merely_contains_an_entry(lexicon):
    # "folkevalgt" is an entry; "folkevalgtopplæring" is a compound whose lemma differs, and
    # "vedtak" alone is not "kommunestyrevedtak".
    [hits] = lexicon.suggest(["Vi fikk et vedtak om folkevalgtopplæringen."], ["nb"])
    assert hits == []


def test_lexicon_score_grows_with_distinct_entries_and_specificity():
    assert lexicon_score(0, False) == 0.0
    assert lexicon_score(1, False) == 0.6
    assert lexicon_score(1, True) == 0.7
    assert lexicon_score(2, False) == 0.8
    assert lexicon_score(3, False) == pytest.approx(0.85)
    assert lexicon_score(30, False) == 0.95


def test_lexicon_two_distinct_entries_score_higher_than_one_repeated(lexicon):
    once, twice = lexicon.scores(["Tilskuddsbrevet og tilskuddsbrevene.", "Tilskuddsbrevet og bevilgningen."], "nb")
    j = lexicon.codes_.index("legitimitet.ovenfra")
    assert once[j] < twice[j]


def test_lexicon_threshold_parameter_hides_single_matches():
    strict = LexiconSuggester(threshold=0.75).fit(codes=codes())
    assert strict.suggest(["Tilskuddsbrevene kom."], "nb") == [[]]
    assert _codes(strict.suggest(["Tilskuddsbrevene og bevilgningene kom."], "nb")[0]) == ["legitimitet.ovenfra"]


def test_lexicon_needs_codes_and_a_valid_threshold():
    with pytest.raises(WorkbenchError, match="no codable codes"):
        LexiconSuggester().fit(codes=[])
    with pytest.raises(WorkbenchError, match="between 0 and 1"):
        LexiconSuggester(threshold=2).fit(codes=codes())


@pytest.fixture(scope="module")
def model():
    texts, labels = labelled()
    return ModelSuggester(min_examples=5).fit(texts, labels, codes=codes())  # fallback on by default


def test_model_learns_codes_with_enough_examples_and_falls_back_to_the_lexicon_for_rare_ones(model):
    # 8 positives each for demokratisk/ovenfra; 2 for nedenfra (< min_examples=5).
    assert sorted(model.classifiers_) == ["legitimitet.demokratisk", "legitimitet.ovenfra"]
    assert model.n_positive_["legitimitet.nedenfra"] == 2
    [hits] = model.suggest(["Det kom mange på folkemøtet i går."], ["nb"])
    assert _codes(hits) == ["legitimitet.nedenfra"]
    assert hits[0].method == FALLBACK_METHOD == "lexicon (fallback: too few examples)"
    assert hits[0].evidence == ["folkemøtet"]


def test_without_the_fallback_a_rare_code_is_only_suggested_by_an_explicit_lexicon_run(lexicon):
    texts, labels = labelled()
    m = ModelSuggester(min_examples=5, lexicon_fallback=False).fit(texts, labels, codes=codes())
    assert "legitimitet.nedenfra" not in m.classifiers_
    text = ["Det kom mange på folkemøtet i går."]
    assert m.suggest(text, "nb") == [[]]
    assert CombinedSuggester.from_fitted(m, lexicon).suggest(text, "nb") == [[]]
    assert _codes(lexicon.suggest(text, "nb")[0]) == ["legitimitet.nedenfra"]  # explicit lexicon run


def test_only_marked_rows_count_toward_min_examples():
    texts, labels = labelled()
    # demokratisk has 8 positives; if only 4 of them count, it is below min_examples=5.
    counts = [not (lab == {"legitimitet.demokratisk"} and i % 2) for i, lab in enumerate(labels)]
    m = ModelSuggester(min_examples=5).fit(texts, labels, codes=codes(), counts=counts)
    assert m.n_positive_["legitimitet.demokratisk"] == 4
    assert sorted(m.classifiers_) == ["legitimitet.ovenfra"]


def test_model_suggests_at_most_max_codes_per_text():
    texts, labels = labelled()
    m = ModelSuggester(min_examples=5, max_codes=1, floor=0.0, target_precision=0.01).fit(texts, labels,
                                                                                          codes=codes())
    [hits] = m.suggest(["Kommunestyret vedtok at staten skulle gi penger."], "nb")
    assert len(hits) == 1


def test_model_suggests_without_the_keyword_and_gives_lemmas_as_evidence(model):
    [dem, ov, none] = model.suggest(["Saken skal opp i kommunestyret neste uke.",
                                     "Staten ga oss mer penger enn vi ba om.",
                                     "Vi tar en kort pause nå."], ["nb"] * 3)
    assert _codes(dem)[:1] == ["legitimitet.demokratisk"] and dem[0].method == "model"
    assert "kommunestyre" in " ".join(dem[0].evidence)
    assert _codes(ov)[:1] == ["legitimitet.ovenfra"]
    assert none == []


def test_model_evidence_leaves_out_terms_of_function_words_alone():
    # few codings, each with "at vi": the model leans on "at" and "at vi", which tell a coder nothing
    texts, labels = labelled()
    few = ["Vi vet at vi får penger fra staten.", "Det er klart at vi må vite at staten betaler.",
           "Jeg tror at vi fikk mer enn vi ba om fra departementet.", "De sa at vi skulle få tilskudd.",
           "Vi visste at vi kunne regne med statsbudsjettet."]
    model = ModelSuggester(min_examples=5, embeddings=False).fit(
        texts + few, labels + [{"legitimitet.ovenfra"}] * len(few), codes=codes())
    [hits] = model.suggest(["Vi vet at vi får det til, og at vi kan stole på staten."], ["nb"])
    assert hits[0].code == "legitimitet.ovenfra" and len(hits[0].evidence) == 3
    assert "stat" in hits[0].evidence and not {"at", "at vi"} & set(hits[0].evidence), hits[0].evidence
    assert only_function_words("at vi") and only_function_words("ikkje eg")  # bokmål and nynorsk
    assert not only_function_words("vite at") and not only_function_words("tid")  # a code's own word


def test_model_thresholds_come_from_cross_validation_and_respect_the_floor(model):
    for code in model.classifiers_:
        cv = model.cv_[code]
        assert cv["threshold"] >= 0.5 and cv["positives"] == 8
        assert cv["precision"] >= 0.8  # reachable on this easy data
    assert model.thresholds_[model.codes_.index("legitimitet.nedenfra")] == 0.5  # the lexicon's


def test_model_known_mask_makes_a_rejection_a_negative_for_that_code_only():
    texts, labels = labelled()
    extra = "Departementet ga penger til kommunestyret."
    m = ModelSuggester(min_examples=5).fit(texts + [extra], labels + [set()], codes=codes(),
                             known=[None] * len(texts) + [{"legitimitet.ovenfra"}])
    assert m.n_positive_["legitimitet.ovenfra"] == 8


def test_model_checks_its_parameters_and_labels():
    texts, labels = labelled()
    with pytest.raises(WorkbenchError, match="one label set per text"):
        ModelSuggester().fit(texts, labels[:-1], codes=codes())
    with pytest.raises(WorkbenchError, match="min_examples must be >= 2"):  # noqa: PT012
        ModelSuggester(min_examples=1).fit(texts, labels, codes=codes())


@pytest.mark.parametrize("probs, y, expected", [
    # Lowest threshold with precision >= 0.8: at 0.6 -> tp 3 (0.9, 0.8, 0.6), fp 0 -> P 1.0, R 0.75.
    # At 0.55 the negative 0.55 joins: P 3/4 = 0.75 < 0.8. So 0.6.
    ([0.9, 0.8, 0.6, 0.55, 0.3, 0.2], [1, 1, 1, 0, 1, 0], 0.6),
    # Never reaches P 0.8 above the floor 0.5: F1-best. At 0.7: tp1 fp1 -> P .5 R .5 F1 .5;
    # at 0.6: tp2 fp2 -> P .5 R 1 F1 .667 (best).
    ([0.7, 0.7, 0.6, 0.6, 0.1], [1, 0, 1, 0, 0], 0.6),
    # No positive above the floor: just above the best negative (0.52), never below the floor.
    ([0.4, 0.3, 0.52, 0.1], [1, 1, 0, 0], 0.52 + 1e-6),
    ([0.4, 0.3, 0.2], [1, 0, 0], 0.5),
])
def test_choose_threshold_by_hand(probs, y, expected):
    t, _ = choose_threshold(np.array(probs), np.array(y), target_precision=0.8, floor=0.5)
    assert t == pytest.approx(expected)


def test_combined_unites_model_and_lexicon_and_boosts_agreement(model, lexicon):
    comb = CombinedSuggester.from_fitted(model, lexicon)
    texts = ["Kommunestyret vedtok det, og kommunestyrevedtaket er klart.", "Det kom mange på folkemøtet."]
    [both, rare] = comb.suggest(texts, "nb")
    top = both[0]
    assert top.code == "legitimitet.demokratisk" and top.method == "model+lexicon"
    model_alone = model.suggest(texts[:1], "nb")[0][0]
    assert model_alone.code == top.code and top.score > model_alone.score
    assert "kommunestyrevedtaket" in top.evidence
    # A code the model leaves to the lexicon is reported once, as the model's fallback.
    assert [(h.code, h.method) for h in rare] == [("legitimitet.nedenfra", FALLBACK_METHOD)]


def test_uncertain_first_puts_the_text_nearest_a_threshold_first(model):
    texts = [DEMOKRATISK[0], NOTHING[0], "Kommunestyret og staten i dag."]
    order = uncertain_first(model, texts, "nb")
    scores = model.scores(texts, "nb")
    assert sorted(order) == [0, 1, 2]
    dist = [abs((scores[i] - model.thresholds_)[np.argmax(scores[i] - model.thresholds_)]) for i in order]
    assert dist == sorted(dist)
    assert order[-1] in (0, 1)  # a clear case (plain small talk or a training text) comes last


BYGDEVEKST = ROOT / "codebooks" / "bygdevekst.yaml"


def test_real_codebook_lexicon_matches_inflected_forms():
    from workbench.codebook import validate_codebook, iter_codes

    result = validate_codebook(BYGDEVEKST)
    assert result.ok, result.errors
    lex = LexiconSuggester().fit(codes=iter_codes(result.codebook))
    [dem, ov, ned] = lex.suggest(["Kommunestyrevedtaket kom i juni.", "Tilskuddsbrevene kom i mars.",
                                  "Vi har lagt vekt på medverknad."], ["nb", "nb", "nn"])
    assert "legitimitet.demokratisk" in _codes(dem)
    assert "legitimitet.ovenfra" in _codes(ov)
    assert "legitimitet.nedenfra" in _codes(ned)


def test_lexicon_hits_are_calibrated_on_coded_segments_and_dropped_when_mostly_wrong(lexicon):
    texts, labels = labelled()
    # Four coded segments mention "folkemøte" without being legitimitet.nedenfra (coders said no).
    wrong = ["Folkemøtet ble flyttet til tirsdag.", "Vi har ikke planlagt noe folkemøte.",
             "Folkemøtene er som regel i mai.", "Hvem tar ansvar for folkemøtet?"]
    texts, labels = texts + wrong, labels + [set()] * len(wrong)
    calibrate = [True] * len(texts)
    m = ModelSuggester(min_examples=5, lexicon_fallback=True).fit(texts, labels, codes=codes(), calibrate=calibrate)
    # nedenfra: the two NEDENFRA turns: one hit ("folkemøte" in turn 1), right; four wrong hits.
    # precision = (1 + 2 * 0.6) / (5 + 2) = 2.2 / 7 = 0.314 < 0.5 -> dropped.
    cal = m.lexicon_precision_["legitimitet.nedenfra"]
    assert (cal["hits"], cal["correct"]) == (5, 1)
    assert cal["precision"] == pytest.approx(2.2 / 7)
    assert m.suggest(["Det kom mange på folkemøtet."], "nb") == [[]]
    assert CombinedSuggester.from_fitted(m, lexicon).suggest(["Det kom mange på folkemøtet."], "nb") == [[]]
    # Without calibration rows the lexicon keeps its own scores.
    plain = ModelSuggester(min_examples=5, lexicon_fallback=True).fit(texts, labels, codes=codes())
    assert plain.lexicon_precision_ == {}
    assert _codes(plain.suggest(["Det kom mange på folkemøtet."], "nb")[0]) == ["legitimitet.nedenfra"]


def test_surface_form_entries_match_only_the_exact_words():
    from workbench.suggest.base import CodeInfo

    lex = LexiconSuggester().fit(codes=[CodeInfo("rolle.politisk_dyr", ("=politisk dyr", "=politiske dyret",
                                                                       "maktspill"))])
    texts = ["Det ble politisk dyrt å si nei.", "Han er et politisk dyr.", "Det politiske dyret i salen.",
             "Maktspillet tok over."]
    out = lex.suggest(texts, "nb")
    assert out[0] == []  # "dyrt" has the lemma "dyr", but surface entries do not lemmatise
    assert [h.evidence for h in out[1]] == [["politisk dyr"]]
    assert [h.evidence for h in out[2]] == [["politiske dyret"]]
    assert [h.evidence for h in out[3]] == [["Maktspillet"]]  # lemma entries still inflect


def test_shipped_lexicon_has_no_known_false_friends():
    from workbench.codebook import iter_codes, validate_codebook

    lex = LexiconSuggester().fit(codes=iter_codes(validate_codebook(BYGDEVEKST).codebook))
    texts = ["Det blir politisk dyrt for ordføreren.", "Det var dekket bord i kantina.",
             "Styringsgruppa møttes i går.", "Vi gjorde det på egen hånd.", "Både stat og kommune var der.",
             "Fylkestinget har møte i dag.", "Vi så en hybrid bil."]
    assert lex.suggest(texts, "nb") == [[] for _ in texts]


def test_stored_cv_figures_are_cross_fitted_not_measured_on_the_threshold_choice():
    """The one positive above every negative is in fold 0 only. Chosen on all rows, the threshold
    (0.95) shows precision 1.0, at the 0.75 target by construction. Cross-fitted: fold 0 gets the
    others' F1-best 0.56 (TP 0.95, FP 0.60), folds 1 and 2 get 0.95 (nothing): P 1/2, R 1/3."""
    from workbench.suggest.model import cross_fitted_figures

    probs = np.array([0.95, 0.60, 0.55, 0.58, 0.90, 0.52, 0.56, 0.85, 0.51])
    y = np.array([1, 0, 0, 1, 0, 0, 1, 0, 0])
    folds = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    t, optimistic = choose_threshold(probs, y, target_precision=0.75, floor=0.5)
    assert (t, optimistic["precision"]) == (0.95, 1.0)
    honest = cross_fitted_figures(probs, y, folds, target_precision=0.75, floor=0.5)
    assert honest["precision"] == 0.5 and honest["recall"] == pytest.approx(1 / 3)
    assert honest["f1"] == pytest.approx(0.4)
