"""The suggester contract shared by every suggester (lexicon, model, combined).

Modelled on the scikit-learn estimator contract: ``__init__`` stores parameters only, ``fit``
returns ``self`` and sets learned attributes whose names end in ``_``, and using a suggester
before ``fit`` raises :class:`NotFittedError`. ``scores`` gives a score in [0, 1] for every code
(like ``predict_proba``); ``suggest`` keeps the codes at or above their threshold, best first.
"""

from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import WorkbenchError
from ..nlp import AnalysedText, analyse_texts, detect_language, given_lang, normalize_lang

__all__ = ["Suggested", "Suggester", "NotFittedError", "CodeInfo", "code_infos", "resolve_langs", "analysed"]


class NotFittedError(WorkbenchError):
    """A suggester was used before ``fit``."""


@dataclass
class Suggested:
    """One suggested code for one text. ``start``/``end`` are offsets into that text (or None:
    the whole text); ``evidence_spans`` are where the lexicon's matched words are (lexicon hits)."""

    code: str
    score: float
    method: str
    evidence: list[str] = field(default_factory=list)
    start: int | None = None
    end: int | None = None
    evidence_spans: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CodeInfo:
    """What a suggester needs to know about one codable code."""

    id: str
    lexicon: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    descriptions: tuple[str, ...] = ()  # definition and inclusion text (training text for the model)


def code_infos(codes: Iterable[Any] | None) -> list[CodeInfo]:
    """Codable, non-retired codes as ``CodeInfo``, from ``CodeSpec`` objects, dict rows or ids."""
    out: list[CodeInfo] = []
    seen: set[str] = set()
    for c in codes or ():
        if isinstance(c, CodeInfo):
            info = c
        elif isinstance(c, str):
            info = CodeInfo(c)
        else:
            get = c.get if isinstance(c, dict) else (lambda k, d=None, _c=c: getattr(_c, k, d))
            if not get("codable", True) or get("retired", False):
                continue
            info = CodeInfo(str(get("id")),
                            tuple(str(x).strip() for x in (get("lexicon") or ()) if str(x).strip()),
                            tuple(str(x).strip() for x in (get("examples") or ()) if str(x).strip()),
                            tuple(str(get(k)).strip() for k in ("definition", "inclusion")
                                  if get(k) and str(get(k)).strip()))
        if info.id not in seen:
            seen.add(info.id)
            out.append(info)
    return out


def resolve_langs(texts: Sequence[str], langs: Sequence[str | None] | str | None) -> list[str]:
    """One language per text: the given one (normalised), else (none, or "nb+nn") ``detect_language``."""
    if langs is None or isinstance(langs, str):
        langs = [langs] * len(texts)
    if len(langs) != len(texts):
        raise WorkbenchError(f"langs has {len(langs)} entries for {len(texts)} texts; give one per text or none")
    out = []
    for text, lang in zip(texts, langs):
        lang = given_lang(lang)
        out.append(lang if lang else detect_language(text))
    return out


def analysed(texts: Sequence[str], langs: Sequence[str]) -> list[AnalysedText]:
    """The texts with their tokens and lemmas: an ``AnalysedText`` (e.g. a segment's stored
    analysis) in its language is used as it is, any other text is analysed here, once."""
    return analyse_texts(texts, langs)


class Suggester:
    """Base class: parameters in ``__init__``, ``fit`` -> self, ``scores`` and ``suggest``.

    Subclasses set ``codes_`` (list of code ids, the columns of ``scores``) and ``thresholds_``
    (array, one per code) in ``fit`` and implement ``_scores`` (and may override ``suggest`` to add
    evidence).
    """

    name = "base"

    # -- scikit-learn style parameter handling ---------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> "Suggester":
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise WorkbenchError(f"{type(self).__name__}: unknown parameter {key!r}; valid: {', '.join(valid)}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- the contract ------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[set[str]] | None = None,
            langs: Sequence[str | None] | None = None, codes: Iterable[Any] | None = None) -> "Suggester":
        raise NotImplementedError

    def check_fitted(self) -> None:
        if not hasattr(self, "codes_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(texts, labels, codes=...) "
                                 "first (or run `workbench train`)")

    def scores(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> np.ndarray:
        """Array (n_texts, n_codes) of scores in [0, 1]; columns follow ``codes_``.

        A text may be a :class:`workbench.nlp.AnalysedText` (a segment with its stored lemmas):
        it is then not lemmatised again; plain texts are analysed once per call."""
        self.check_fitted()
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.codes_)))
        langs_ = resolve_langs(texts, langs)
        return self._scores(analysed(texts, langs_), langs_)

    def _scores(self, texts: list[str], langs: list[str]) -> np.ndarray:
        raise NotImplementedError

    def suggest(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[list[Suggested]]:
        """Per text: the codes scoring at or above their threshold, best first."""
        scores = self.scores(texts, langs)
        out: list[list[Suggested]] = []
        for row in scores:
            hits = [Suggested(code, float(s), self.method_for(code)) for code, s, t
                    in zip(self.codes_, row, self.thresholds_) if s >= t and s > 0]
            out.append(sorted(hits, key=lambda h: -h.score))
        return out

    def method_for(self, code: str) -> str:
        return self.name
