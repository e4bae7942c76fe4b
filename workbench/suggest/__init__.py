"""Code suggestions: lexicon and model suggesters behind one estimator-like interface.

``SUGGESTERS`` maps a name to a suggester class; every class follows the contract in
:mod:`workbench.suggest.base` (``fit`` -> self, ``scores``, ``suggest``). The database side
(train, suggest, evaluate, classify) lives in :mod:`workbench.suggest.service`.
"""

from .base import CodeInfo, NotFittedError, Suggested, Suggester, code_infos
from .combined import CombinedSuggester, uncertain_first
from .lexicon import LexiconSuggester
from .model import FALLBACK_METHOD, ModelSuggester

SUGGESTERS: dict[str, type[Suggester]] = {
    "lexicon": LexiconSuggester,
    "model": ModelSuggester,
    "combined": CombinedSuggester,
}

__all__ = ["SUGGESTERS", "Suggested", "Suggester", "NotFittedError", "CodeInfo", "code_infos",
           "LexiconSuggester", "ModelSuggester", "CombinedSuggester", "uncertain_first", "FALLBACK_METHOD"]
