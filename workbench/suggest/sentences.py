"""Sentence-level scoring: a text is scored as a whole and sentence by sentence, and a code is
suggested with the span of the sentence(s) that carry it.

A long turn carries several ideas; TF-IDF and an embedding of the whole turn blur them. Each text
is cut into units with the sentencizer of the Norwegian pipeline (spaCy's rule-based
``sentencizer`` on ``spacy.blank``; a "sentence" of fewer than ``MIN_WORDS`` words joins its
neighbour): the text itself, and its sentences when it has more than one. Every unit is scored by
the model, and a code's score for the text mixes the text's own score with its best unit's
(``ModelSuggester(sentence_weight=0.5)``: half each; measured in docs/suggestions.md). The span
suggested is the run from the first to the last sentence at or above the code's threshold (the
whole text when only the text as a whole reaches it). ``ModelSuggester.fit`` chooses the
thresholds on these same scores, so the extra units cannot buy recall with precision that was
never measured.

Each unit besides the text itself is one e5 encoding. A text of more than ``MAX_UNITS`` sentences
(a long monologue, a transcript without speaker turns) keeps at most ``MAX_UNITS`` units by joining
neighbouring sentences, the pair with the fewest words first (:func:`cap_units`): every sentence
stays in some unit, so a code carried by the 41st or the 130th sentence is still suggested, with
the span of the unit holding it, and the number of encodings per text stays bounded.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..nlp import analyse_texts, sentence_spans

__all__ = ["Units", "MIN_WORDS", "MAX_UNITS", "UNITS_VERSION", "merge_short", "cap_units", "unit_spans", "holding_span",
           "too_short"]

#: The version of the rules that cut a text into units (``nlp.sentence_spans``, :func:`merge_short`,
#: :func:`cap_units`). A model records the one it was trained with (``ModelSuggester.units_version_``,
#: ``"units_version"`` in the model info): its thresholds were chosen on those units, so a model of
#: an older version says so (``service.build_suggester``'s note: train again). Stored e5 vectors
#: need no version: they are read by the unit's source offsets and the hash of its text, so a unit
#: cut differently is encoded afresh and an old one is never read for it. Bump it when a rule
#: changes which units a text has. 1: spaCy's sentences, the first 40 scored; 2: a number with its
#: period before a capitalised word ends a sentence, and every sentence is in a unit (at most 40).
UNITS_VERSION = 2
#: A sentence with fewer words than this ("Ja.", "Nei, altså.") joins its neighbour.
MIN_WORDS = 4
#: At most this many units (sentences, or runs of neighbouring sentences in a longer text) are
#: scored per text besides the text itself; every sentence is in one of them (:func:`cap_units`).
MAX_UNITS = 40

_WORD = re.compile(r"\w+", re.UNICODE)


def too_short(texts: Sequence[str], min_words: int = MIN_WORDS) -> np.ndarray:
    """Per text: has it fewer than ``min_words`` words ("Ja.", "Det stemmer.", "Staten?")?

    Such a text is not scored by the model (``ModelSuggester``): no coded segment or anchor
    utterance is that short, so its probabilities would be extrapolations (a lone "Staten" scored
    0.97 for a code), and the backchannel turns of a Zoom or Teams transcript would each get a
    suggestion. A sentence that short is not scored on its own either (:func:`merge_short`)."""
    return np.array([len(_WORD.findall(str(t))) < min_words for t in texts], dtype=bool)


def merge_short(text: str, spans: Sequence[tuple[int, int]], min_words: int = MIN_WORDS) -> list[tuple[int, int]]:
    """Join spans of fewer than ``min_words`` words to the previous span (the next one at the start)."""
    merged: list[tuple[int, int]] = []
    carry: int | None = None
    for a, b in spans:
        if carry is not None:
            a, carry = carry, None
        if len(_WORD.findall(text[a:b])) < min_words:
            if merged:
                merged[-1] = (merged[-1][0], b)
            else:
                carry = a
            continue
        merged.append((a, b))
    if carry is not None:
        if merged:
            merged[-1] = (merged[-1][0], spans[-1][1])
        else:
            merged.append((carry, spans[-1][1]))
    return merged


def cap_units(text: str, spans: Sequence[tuple[int, int]], max_units: int = MAX_UNITS) -> list[tuple[int, int]]:
    """``spans`` (in order) joined with their neighbours until at most ``max_units`` remain: each
    step joins the neighbouring pair with the fewest words together (the earliest of equal ones),
    so the units of a long text are of about even length and together still cover every span.
    ``max_units`` < 1: no cap."""
    spans = list(spans)
    if max_units < 1 or len(spans) <= max_units:
        return spans
    words = [len(_WORD.findall(text[a:b])) for a, b in spans]
    while len(spans) > max_units:
        k = min(range(len(spans) - 1), key=lambda i: words[i] + words[i + 1])
        spans[k:k + 2] = [(spans[k][0], spans[k + 1][1])]
        words[k:k + 2] = [words[k] + words[k + 1]]
    return spans


def unit_spans(text: str, min_words: int = MIN_WORDS, max_units: int = MAX_UNITS) -> list[tuple[int, int]]:
    """The spans of ``text`` scored on their own: its sentences (``nlp.sentence_spans``; pass an
    ``AnalysedText`` to split on its stored tokens), one of fewer than ``min_words`` words joined to
    its neighbour (:func:`merge_short`), at most ``max_units`` of them (:func:`cap_units`)."""
    return cap_units(text, merge_short(text, sentence_spans(text), min_words), max_units)


def holding_span(text: str, places: Sequence[tuple[int, int]], units: Sequence[tuple[int, int]] | None = None
                 ) -> tuple[int | None, int | None]:
    """The span from the first to the last unit of ``text`` (:func:`unit_spans`, or ``units``)
    holding any of ``places`` (e.g. a lexicon's matched words): what accepting a suggestion they
    triggered codes. ``(None, None)`` = the whole text: no places, or the units held run from the
    first to the last."""
    if not places:
        return None, None
    units = list(units) if units is not None else unit_spans(text)
    if not units:
        return None, None
    start = end = None
    for a, b in places:
        held = [(s, e) for s, e in units if s < b and a < e] or [(a, b)]
        start = held[0][0] if start is None else min(start, held[0][0])
        end = held[-1][1] if end is None else max(end, held[-1][1])
    if start <= units[0][0] and end >= units[-1][1]:
        return None, None
    return start, end


_MEMO: "OrderedDict[tuple, list]" = OrderedDict()
_MEMO_ITEMS = 50_000


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _remember(key: tuple, units: list) -> None:
    _MEMO[key] = units
    if len(_MEMO) > _MEMO_ITEMS:
        _MEMO.popitem(last=False)


@dataclass
class Units:
    """The units of a list of texts: unit ``u`` belongs to text ``owner[u]``, covers
    ``spans[u]`` of it, reads ``texts[u]`` and has the lemma line ``lemmas[u]``. The first unit of
    every text is the text itself (``first[i]``)."""

    texts: list[str] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    first: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, texts: Sequence[str], langs: Sequence[str], *, sentences: bool = True,
              max_units: int = MAX_UNITS, min_words: int = MIN_WORDS) -> "Units":
        """The units of ``texts`` from their analysis (a segment's stored lemmas, or the text
        analysed once): the sentencizer runs on a ``Doc`` rebuilt from the stored tokens, so no
        text is tokenised twice. Remembered per text in this process (training and suggesting
        ask for the same texts again)."""
        texts = analyse_texts(texts, langs)
        per_text: list[list[tuple[tuple[int, int], str]]] = []
        for text in texts:
            key = (_key(text), text.lang, sentences, max_units, min_words)
            units = _MEMO.get(key)
            if units is None:
                units = [((0, len(text)), text.lemma_line)]
                if sentences and len(text) > 1:
                    spans = unit_spans(text, min_words, max_units)
                    if len(spans) > 1:
                        words = text.word_tokens()
                        for a, b in spans:
                            units.append(((a, b), " ".join(lm for s, e, lm in words if s >= a and e <= b)))
                _remember(key, units)
            per_text.append(units)
        out = cls()
        for i, units in enumerate(per_text):
            out.first.append(len(out.texts))
            for (a, b), lemma_line in units:
                out.texts.append(texts[i][a:b])
                out.lemmas.append(lemma_line)
                out.owner.append(i)
                out.spans.append((a, b))
        return out

    @property
    def row_lemmas(self) -> list[str]:
        """The lemma line of each whole text."""
        return [self.lemmas[u] for u in self.first]

    def select(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The units of ``rows`` and, per unit, the position of its text in ``rows``."""
        owner = np.asarray(self.owner)
        where = {int(r): p for p, r in enumerate(rows)}
        units = np.array([u for u in range(len(owner)) if int(owner[u]) in where], dtype=int)
        return units, np.array([where[int(owner[u])] for u in units], dtype=int)

    @staticmethod
    def max(scores: np.ndarray, positions: np.ndarray, n: int) -> np.ndarray:
        """Highest unit score per text: (n,) from unit scores (or (n, k) from (units, k))."""
        out = np.zeros((n,) + scores.shape[1:])
        np.maximum.at(out, positions, scores)
        return out

    def text_scores(self, scores: np.ndarray, units: np.ndarray, positions: np.ndarray, n: int,
                    weight: float) -> np.ndarray:
        """Per text: ``(1 - weight) * its own score + weight * its best unit's score`` (the text
        itself included), from the scores of ``units`` whose texts sit at ``positions``."""
        best = self.max(scores, positions, n)
        if weight >= 1:
            return best
        own = np.isin(units, self.first)
        whole = np.zeros_like(best)
        whole[positions[own]] = scores[own]
        return (1 - weight) * whole + weight * best

    def span_for(self, i: int, column_scores: np.ndarray, threshold: float) -> tuple[int, int] | None:
        """The span of text ``i`` that carries a code: from the first to the last of its sentences
        scoring at or above ``threshold``; None (the whole text) when no single sentence does."""
        start = self.first[i]
        end = self.first[i + 1] if i + 1 < len(self.first) else len(self.owner)
        hit = [u for u in range(start + 1, end) if column_scores[u] >= threshold]
        if not hit:
            return None
        a, b = self.spans[hit[0]][0], self.spans[hit[-1]][1]
        return None if (a, b) == self.spans[start] else (a, b)

    def unit_spans(self, i: int) -> list[tuple[int, int]]:
        """The spans of text ``i``'s units besides the text itself ([] when it is one sentence)."""
        end = self.first[i + 1] if i + 1 < len(self.first) else len(self.owner)
        return self.spans[self.first[i] + 1:end]

    def best_unit(self, i: int, column_scores: np.ndarray) -> int:
        start = self.first[i]
        end = self.first[i + 1] if i + 1 < len(self.first) else len(self.owner)
        return start + int(np.argmax(column_scores[start:end]))
