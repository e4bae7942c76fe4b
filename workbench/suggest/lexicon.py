"""Lexicon suggester: spaCy ``PhraseMatcher`` on LEMMA over each code's ``lexicon`` entries.

Entries are lemmatised with the same nb/nn pipelines as the texts, so "kommunestyrevedtak" matches
"kommunestyrevedtaket" and "tilskuddsbrev" matches "tilskuddsbrevene". Each entry also gets a
pattern that takes its words as lemmas verbatim (entries are written in lemma form), which covers
the odd entry the lemmatiser maps elsewhere.

An entry written with a leading ``=`` (``=politisk dyr``) is matched on the exact lowercase surface
form instead (``PhraseMatcher`` on LOWER): use it where lemma matching finds false friends
("politisk dyrt" has the lemmas "politisk dyr"). List every inflected form you want as its own
``=`` entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from ..errors import WorkbenchError
from ..nlp import LANGS, analyse
from ..nlp import vocab as nlp_vocab
from .base import Suggested, Suggester, analysed, code_infos, resolve_langs

if TYPE_CHECKING:
    from spacy.matcher import PhraseMatcher

__all__ = ["LexiconSuggester", "lexicon_score", "SURFACE_PREFIX", "split_entry"]

SURFACE_PREFIX = "="


def split_entry(entry: str) -> tuple[str, bool]:
    """``(phrase, surface)``: ``"=politisk dyr"`` -> ``("politisk dyr", True)``; lemma entries -> False."""
    entry = entry.strip()
    if entry.startswith(SURFACE_PREFIX):
        return entry[len(SURFACE_PREFIX):].strip().lower(), True
    return entry, False


def lexicon_score(n_distinct: int, specific: bool, *, single: float = 0.6, specific_single: float = 0.7,
                  two: float = 0.8, step: float = 0.05, cap: float = 0.95) -> float:
    """Score from the number of distinct matched entries of one code.

    One match scores ``single`` (``specific_single`` when the matched entry is a multi-word phrase
    or a long compound, which rarely occur by accident); two distinct entries ``two``; each further
    one adds ``step`` up to ``cap``.
    """
    if n_distinct <= 0:
        return 0.0
    if n_distinct == 1:
        return specific_single if specific else single
    return min(cap, two + step * (n_distinct - 2))


def _specific(lemmas: tuple[str, ...]) -> bool:
    return len(lemmas) > 1 or len(lemmas[0]) >= 12


def _first_words(patterns: list, exact: list) -> tuple[frozenset[str], frozenset[str], bool]:
    """(first lemmas as stored lemma strings write them, first lowercase words of the surface
    patterns, whether a pattern starts with a token without a letter: then every text is matched)."""
    lemmas = frozenset(p[0].lemma_.replace(" ", "\xa0") for p in patterns)
    lowers = frozenset(p[0].lower_ for p in exact)
    odd = any(not any(map(str.isalpha, p[0].text)) or not any(map(str.isalpha, p[0].lemma_))
              for p in patterns + exact)
    return lemmas, lowers, odd


class LexiconSuggester(Suggester):
    """Suggest a code when one of its lexicon entries occurs (any inflection, bokmål or nynorsk).

    Parameters: ``threshold`` (minimum score to suggest; 0.5 keeps every match, 0.75 needs two
    distinct entries or ...), ``single``/``specific_single``/``two`` (see :func:`lexicon_score`),
    ``max_codes`` (``suggest`` keeps at most this many codes per text, best first, as the model
    does; 0 = no cap). ``fit`` ignores texts and labels and reads the lexicons from ``codes``.
    """

    name = "lexicon"

    def __init__(self, threshold: float = 0.5, single: float = 0.6, specific_single: float = 0.7,
                 two: float = 0.8, max_codes: int = 3):
        self.threshold = threshold
        self.single = single
        self.specific_single = specific_single
        self.two = two
        self.max_codes = max_codes

    def fit(self, texts: Sequence[str] | None = None, labels: Any = None, langs: Any = None,
            codes: Iterable[Any] | None = None) -> "LexiconSuggester":
        infos = code_infos(codes)
        if not infos:
            raise WorkbenchError("LexiconSuggester.fit: no codable codes given; pass codes=current codes "
                                 "(load a codebook with `workbench codebook load FILE` first)")
        if not 0.0 <= self.threshold <= 1.0:
            raise WorkbenchError(f"LexiconSuggester: threshold must be between 0 and 1, got {self.threshold!r}")
        self.codes_ = [c.id for c in infos]
        self.lexicon_ = {c.id: list(c.lexicon) for c in infos}
        self.thresholds_ = np.full(len(self.codes_), float(self.threshold))
        self._matchers: dict[str, PhraseMatcher] = {}
        return self

    # PhraseMatchers hold a Vocab; rebuild them after unpickling instead of storing them.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_matchers", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._matchers = {}

    def _matcher(self, lang: str) -> tuple[tuple[PhraseMatcher, PhraseMatcher], dict[str, tuple]]:
        """((lemma matcher, surface matcher), first words) for ``lang``, built once. The first words
        of each code's patterns (``_first_words``) let ``_matches`` skip texts none of them is in."""
        built = self._matchers.get(lang)
        if built is not None:
            return built
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc

        vocab = nlp_vocab(lang)

        def make(a) -> Doc:
            words, spaces, lemmas = a.doc_tokens()
            return Doc(vocab, words=words, spaces=spaces, lemmas=lemmas)

        entries = {code: [split_entry(e) for e in es] for code, es in self.lexicon_.items()}
        phrases = sorted({p.lower() if not surface else p for es in entries.values() for p, surface in es if p})
        docs = dict(zip(phrases, map(make, analyse(phrases, lang))))
        matcher = PhraseMatcher(vocab, attr="LEMMA")
        surface_matcher = PhraseMatcher(vocab, attr="LOWER")
        firsts: dict[str, tuple] = {}
        for code, pairs in entries.items():
            patterns: list[Doc] = []
            exact: list[Doc] = []
            keys: set[tuple[str, ...]] = set()
            for phrase, is_surface in pairs:
                if not phrase:
                    continue
                if is_surface:
                    exact.append(docs[phrase])
                    continue
                doc = docs[phrase.lower()]
                verbatim = Doc(vocab, words=[t.text for t in doc])
                for tok, src in zip(verbatim, doc):
                    tok.lemma_ = src.text.lower()
                for pattern in (doc, verbatim):
                    key = tuple(t.lemma_ for t in pattern)
                    if key and key not in keys:
                        keys.add(key)
                        patterns.append(pattern)
            if patterns:
                matcher.add(code, patterns)
            if exact:
                surface_matcher.add(code, exact)
            firsts[code] = _first_words(patterns, exact)
        built = self._matchers[lang] = ((matcher, surface_matcher), firsts)
        return built

    def _matches(self, texts: list[str], langs: list[str], codes: Iterable[str] | None = None
                 ) -> list[dict[str, list]]:
        """Per text: code -> non-overlapping matched spans (of ``codes`` only, if given). The texts'
        tokens and lemmas come from their analysis (stored with a segment, or made once per call),
        not from another pass of the pipeline; a text that has none of the patterns' first words
        is not looked at further."""
        from spacy.tokens import Doc
        from spacy.util import filter_spans

        wanted = None if codes is None else set(codes)
        texts = analysed(texts, langs)
        out: list[dict[str, list]] = [{} for _ in texts]
        for lang in LANGS:
            idx = [i for i, lg in enumerate(langs) if lg == lang]
            if not idx:
                continue
            vocab = nlp_vocab(lang)
            matchers, firsts = self._matcher(lang)
            active = [f for c, f in firsts.items() if wanted is None or c in wanted]
            if not active:
                continue
            always = any(f[2] for f in active)
            lemma_firsts = frozenset().union(*(f[0] for f in active))
            lower_firsts = sorted(set().union(*(f[1] for f in active)))
            for i in idx:
                a = texts[i]
                if not always and lemma_firsts.isdisjoint(a.lemmas.split(" ")) and not (
                        lower_firsts and any(w in a.lower() for w in lower_firsts)):
                    continue
                words, spaces, lemmas = a.doc_tokens()
                doc = Doc(vocab, words=words, spaces=spaces, lemmas=lemmas)
                by_code: dict[str, list] = {}
                for matcher in matchers:
                    for match_id, start, end in matcher(doc):
                        code = vocab.strings[match_id]
                        if wanted is None or code in wanted:
                            by_code.setdefault(code, []).append(doc[start:end])
                out[i] = {code: sorted(filter_spans(spans), key=lambda s: s.start)
                          for code, spans in by_code.items()}
        return out

    def _score_spans(self, spans: list) -> float:
        keys = {tuple(t.lemma_ for t in s) for s in spans}
        return lexicon_score(len(keys), any(_specific(k) for k in keys), single=self.single,
                             specific_single=self.specific_single, two=self.two)

    def _scores(self, texts: list[str], langs: list[str]) -> np.ndarray:
        col = {c: j for j, c in enumerate(self.codes_)}
        out = np.zeros((len(texts), len(self.codes_)))
        for i, by_code in enumerate(self._matches(texts, langs)):
            for code, spans in by_code.items():
                out[i, col[code]] = self._score_spans(spans)
        return out

    def suggest_all(self, texts: Sequence[str], langs: Sequence[str | None] | None = None, *, spans: bool = True
             ) -> list[list[Suggested]]:
        """Per text: every code whose score reaches the threshold, best first (no cap), with the
        matched words as evidence and their places as ``evidence_spans``; ``spans``: each hit's
        ``start``/``end`` is the sentence(s) holding the matched words (``sentences.holding_span``;
        None = the whole text)."""
        from .sentences import holding_span, unit_spans

        self.check_fitted()
        texts = list(texts)
        langs_ = resolve_langs(texts, langs)
        texts = analysed(texts, langs_)
        out: list[list[Suggested]] = []
        for text, by_code in zip(texts, self._matches(texts, langs_)):
            hits = []
            units = None
            for code, found in by_code.items():
                score = self._score_spans(found)
                if score >= self.threshold:
                    places = [(s.start_char, s.end_char) for s in found]
                    h = Suggested(code, score, self.name, list(dict.fromkeys(s.text for s in found)),
                                  evidence_spans=places)
                    if spans:
                        units = unit_spans(text) if units is None else units
                        h.start, h.end = holding_span(text, places, units)
                    hits.append(h)
            out.append(sorted(hits, key=lambda h: (-h.score, self.codes_.index(h.code))))
        return out

    def suggest(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[list[Suggested]]:
        """Like ``Suggester.suggest``, with the matched words as evidence (and their places as
        ``evidence_spans``); a hit's span (``start``/``end``) is the sentence(s) holding its
        matched words (None = the whole text). At most ``max_codes`` codes per text, best first."""
        cap = getattr(self, "max_codes", 3)
        out = self.suggest_all(texts, langs)
        return [hits[:cap] for hits in out] if cap else out

    def evidence(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[dict[str, list[str]]]:
        """Per text: code -> matched surface words (every match, regardless of threshold)."""
        self.check_fitted()
        texts = list(texts)
        return [{code: list(dict.fromkeys(s.text for s in spans)) for code, spans in by_code.items()}
                for by_code in self._matches(texts, resolve_langs(texts, langs))]
