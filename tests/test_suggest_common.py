"""The estimator contract, checked over every registered suggester (one common test)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from workbench.errors import WorkbenchError
from workbench.suggest import SUGGESTERS, NotFittedError, Suggested

from .suggest_data import codes, labelled

NEW = ["Kommunestyret vedtok avtalen enstemmig; kommunestyrevedtaket kom i juni.",
       "Tilskuddsbrevene fra departementet kom sent i år.",
       "Kaffen er klar."]


@pytest.fixture(scope="module")
def fitted():
    texts, labels = labelled()
    return {name: cls().fit(texts, labels, codes=codes()) for name, cls in SUGGESTERS.items()}


@pytest.mark.parametrize("name", sorted(SUGGESTERS))
def test_init_stores_parameters_only_and_they_round_trip(name):
    cls = SUGGESTERS[name]
    est = cls()
    params = est.get_params()
    assert not [k for k in vars(est) if k.endswith("_")], "no learned attributes before fit"
    assert set(params) == set(vars(est))
    clone = cls(**params)
    assert clone.get_params() == params
    with pytest.raises(WorkbenchError, match="unknown parameter"):
        est.set_params(no_such_parameter=1)


@pytest.mark.parametrize("name", sorted(SUGGESTERS))
def test_using_before_fit_raises_a_clear_error(name):
    est = SUGGESTERS[name]()
    for call in (lambda: est.scores(NEW), lambda: est.suggest(NEW)):
        with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
            call()


@pytest.mark.parametrize("name", sorted(SUGGESTERS))
def test_fit_returns_self_and_sets_only_trailing_underscore_attributes(name):
    est = SUGGESTERS[name]()
    before = set(vars(est))
    texts, labels = labelled()
    assert est.fit(texts, labels, codes=codes()) is est
    added = set(vars(est)) - before
    assert added and all(k.endswith("_") or k.startswith("_") for k in added), added
    assert est.codes_ == ["legitimitet.demokratisk", "legitimitet.ovenfra", "legitimitet.nedenfra"]
    assert len(est.thresholds_) == len(est.codes_)


@pytest.mark.parametrize("name", sorted(SUGGESTERS))
def test_scores_cover_every_code_and_suggest_keeps_those_above_threshold_best_first(name, fitted):
    est = fitted[name]
    scores = est.scores(NEW, ["nb"] * len(NEW))
    assert scores.shape == (len(NEW), len(est.codes_))
    assert ((scores >= 0) & (scores <= 1)).all()
    out = est.suggest(NEW)
    assert len(out) == len(NEW)
    for row, hits in zip(scores, out):
        assert all(isinstance(h, Suggested) for h in hits)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        for h in hits:
            j = est.codes_.index(h.code)
            assert h.score >= est.thresholds_[j] - 1e-9
    assert "legitimitet.demokratisk" in [h.code for h in out[0]]
    assert out[2] == []  # small talk gets no code
    assert est.suggest([]) == [] and est.scores([]).shape == (0, len(est.codes_))


@pytest.mark.parametrize("name", sorted(SUGGESTERS))
def test_a_fitted_suggester_survives_pickling(name, fitted):
    est = fitted[name]
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(again.scores(NEW), est.scores(NEW))
    assert [[h.code for h in hs] for hs in again.suggest(NEW)] == [[h.code for h in hs] for hs in est.suggest(NEW)]


@pytest.mark.parametrize("name", sorted(SUGGESTERS))
def test_wrong_number_of_languages_is_refused(name, fitted):
    with pytest.raises(WorkbenchError, match="one per text"):
        fitted[name].scores(NEW, ["nb"])
