"""Combined suggester (model + lexicon) and the "uncertain first" order for active learning."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from .base import Suggested, Suggester, analysed, resolve_langs
from .lexicon import LexiconSuggester
from .model import FALLBACK_METHOD, ModelSuggester
from .sentences import holding_span, unit_spans
from .structure import apply_structure

__all__ = ["CombinedSuggester", "uncertain_first"]


class CombinedSuggester(Suggester):
    """Union of the model's and the lexicon's suggestions, ranked by score.

    A code both suggest gets the noisy-or of the two scores (``1 - (1-a)(1-b)``) and method
    ``"model+lexicon"`` (``"model-tfidf+lexicon"`` from the model's TF-IDF part), with a span that holds both the model's sentence(s) and the lexicon's
    matched words (``_joint_span``); ``scores`` is the element-wise maximum. With a model trained on coded
    segments, a lexicon hit scores its code's measured lexicon precision and is dropped when that
    is below the model's ``lexicon_min_precision`` (``ModelSuggester.lexicon_score_for``).

    Codes the model does not cover (fewer than ``min_examples`` positive training texts) are left
    to the lexicon (the model's fallback, scored by measured lexicon precision); with a model
    fitted with ``lexicon_fallback=False`` only an explicit lexicon run suggests them.
    ``require_model=True`` also drops lexicon-only hits for codes the model covers (the lexicon
    then only boosts the model's own suggestions).

    The merged hits obey the codebook's structure as the model's own do (``structure.apply_structure``):
    of exclusive siblings (``exclusive``, else the model's) on overlapping spans only the
    better-scoring stays, and a parent is never kept beside its own child.
    """

    name = "combined"

    def __init__(self, model: ModelSuggester | None = None, lexicon: LexiconSuggester | None = None,
                 require_model: bool = False, exclusive: dict[str, Iterable[str]] | None = None):
        self.model = model
        self.lexicon = lexicon
        self.require_model = require_model
        self.exclusive = exclusive

    def fit(self, texts: Sequence[str], labels: Sequence[Iterable[str]] | None = None,
            langs: Sequence[str | None] | None = None, codes: Iterable[Any] | None = None,
            **kwargs: Any) -> "CombinedSuggester":
        codes = list(codes) if codes is not None else None
        self.model_ = (self.model or ModelSuggester()).fit(texts, labels, langs, codes, **kwargs)
        self.lexicon_ = (self.lexicon or LexiconSuggester()).fit(codes=codes or self.model_.codes_)
        return self._from_fitted()

    @classmethod
    def from_fitted(cls, model: ModelSuggester | None, lexicon: LexiconSuggester,
                    require_model: bool = False, exclusive: dict[str, Iterable[str]] | None = None
                    ) -> "CombinedSuggester":
        """Wrap already fitted suggesters (e.g. a stored model and the current codebook's lexicon).
        ``exclusive``: the codebook's exclusive siblings (None: the model's)."""
        self = cls(require_model=require_model, exclusive=exclusive)
        self.model_, self.lexicon_ = model, lexicon
        return self._from_fitted()

    def _from_fitted(self) -> "CombinedSuggester":
        codes = list(self.lexicon_.codes_)
        if self.model_ is not None:
            codes += [c for c in self.model_.codes_ if c not in codes]
        self.codes_ = codes
        # A code is suggested when either part suggests it: the lower of the two thresholds.
        th = {c: t for c, t in zip(self.lexicon_.codes_, self.lexicon_.thresholds_)}
        if self.model_ is not None:
            for c, t in zip(self.model_.codes_, self.model_.thresholds_):
                th[c] = min(t, th.get(c, 1.0))
        self.thresholds_ = np.array([th[c] for c in codes], dtype=float)
        return self

    def _scores(self, texts: list[str], langs: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self.codes_)))
        col = {c: j for j, c in enumerate(self.codes_)}
        parts = [self.lexicon_] + ([self.model_] if self.model_ is not None else [])
        allowed = self._lexicon_allowed()
        for part in parts:
            s = part.scores(texts, langs)
            for j, c in enumerate(part.codes_):
                if part is self.lexicon_ and allowed is not None and c not in allowed:
                    continue
                out[:, col[c]] = np.maximum(out[:, col[c]], s[:, j])
        return out

    def _exclusive_map(self) -> dict[str, Iterable[str]]:
        exclusive = getattr(self, "exclusive", None)
        if exclusive is None and self.model_ is not None:
            exclusive = getattr(self.model_, "exclusive", None)
        return exclusive or {}

    def _lexicon_allowed(self) -> set[str] | None:
        """Codes a lexicon-only hit may be suggested for (None = all)."""
        if self.model_ is None or getattr(self.model_, "lexicon_fallback", False):
            return None
        return set(self.model_.classifiers_)

    def suggest(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[list[Suggested]]:
        self.check_fitted()
        texts = list(texts)
        langs_ = resolve_langs(texts, langs)
        texts = analysed(texts, langs_)  # one analysis serves the lexicon and the model
        lex = self.lexicon_.suggest_all(texts, langs_)  # uncapped: the merged list is capped below
        mod = self.model_.suggest(texts, langs_) if self.model_ is not None else [[] for _ in texts]
        covered = set(self.model_.classifiers_) if self.model_ is not None else set()
        allowed = self._lexicon_allowed()
        out: list[list[Suggested]] = []
        for text, lex_hits, mod_hits in zip(texts, lex, mod):
            merged: dict[str, Suggested] = {h.code: h for h in mod_hits}
            for h in lex_hits:
                if self.model_ is not None:  # calibrated on the training codings, if any
                    h.score = self.model_.lexicon_score_for(h.code, h.score)
                    if h.score < self.lexicon_.threshold:
                        continue
                m = merged.get(h.code)
                if m is None:
                    if allowed is not None and h.code not in allowed:
                        continue
                    if self.require_model and h.code in covered:
                        continue
                    merged[h.code] = h
                elif m.method == FALLBACK_METHOD:
                    continue  # the model's hit already is this lexicon hit
                else:
                    merged[h.code] = Suggested(h.code, 1 - (1 - m.score) * (1 - h.score), f"{m.method}+lexicon",
                                               list(dict.fromkeys(h.evidence + m.evidence)),
                                               *_joint_span(text, m, h), evidence_spans=h.evidence_spans)
            # the codebook's structure over both parts: exclusive siblings never together on
            # overlapping spans (the better score stays; of equal ones the model's), no parent
            # beside its own child -- a lexicon hit added here was never checked by the model
            ranked = apply_structure(sorted(merged.values(), key=lambda s: (-s.score, "model" not in s.method)),
                                     self._exclusive_map())
            cap = getattr(self.model_ if self.model_ is not None else self.lexicon_, "max_codes", 3)
            out.append(ranked[:cap] if cap else ranked)
        return out


def _joint_span(text: str, model_hit: Suggested, lexicon_hit: Suggested) -> tuple[int | None, int | None]:
    """The span of a code both suggest: from the earliest start to the latest end of the model's
    span and the unit(s) holding the lexicon's matched words (``sentences.holding_span``), so that
    accepting it codes the words that triggered it. (None, None) = the whole text: when the
    model's span is, or when the union runs from the first unit to the last."""
    if model_hit.start is None or model_hit.end is None:
        return None, None
    if not lexicon_hit.evidence_spans:
        return model_hit.start, model_hit.end
    units = unit_spans(text) or [(0, len(text))]  # the model's units
    return holding_span(text, [(model_hit.start, model_hit.end), *lexicon_hit.evidence_spans], units)


def uncertain_first(suggester: Suggester, texts: Sequence[str], langs: Sequence[str | None] | None = None
                    ) -> list[int]:
    """Indexes of ``texts`` ordered for labelling next: the text whose best code's score is closest
    to that code's threshold first (the suggester is least sure whether to suggest it)."""
    scores = suggester.scores(texts, langs)
    if scores.size == 0:
        return list(range(len(scores)))
    margin = scores - suggester.thresholds_[None, :]
    best = np.argmax(margin, axis=1)
    distance = np.abs(margin[np.arange(len(scores)), best])
    return [int(i) for i in np.argsort(distance, kind="stable")]
