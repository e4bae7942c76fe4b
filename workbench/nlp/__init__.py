"""Norwegian language layer: spaCy pipelines for bokmål ("nb") and nynorsk ("nn") with table lemmas.

Public API
----------
``load(lang="nb") -> spacy.Language``
    ``spacy.blank(lang)`` + ``sentencizer`` + ``workbench_lemmatizer``. Memoised per process.
``lemmatize(text, lang="nb") -> list[str]``
    Lowercase lemmas of the word tokens (tokens containing at least one letter).
``lemma_text(text, lang="nb") -> str``
    The same lemmas joined by single spaces (input for TF-IDF and similar).
``lemma_of(word, lang="nb") -> str``
    The lemma of one word, with the same rules (handy for building lexicons).
``detect_language(text) -> "nb" | "nn"``
    Cheap marker-word heuristic; ties and empty text give "nb".
``normalize_lang(value) -> "nb" | "nn"``
    Accepts "nb", "nn", "no", "nob", "nno", "bokmål", "nynorsk" (any case).
``coverage(texts, lang="nb", fallback=True) -> float`` and ``coverage_counts(...)``
    How much of a text the lemma tables know (defined below).

How a lemma is chosen (``Token._.lemma_source`` records which step answered)
-----------------------------------------------------------------------------
The merged bokmål table is built from spacy-lookups-data's ``nb_lemma_lookup`` (closed-class words:
pronouns, prepositions, abbreviations; it wins over the other table, so "meg" -> "jeg", "vi" -> "vi")
and ``nb_lemma_exc`` (Norsk Ordbank inflected forms of nouns, verbs, adjectives and adverbs; about
587,000 forms). A form listed under several lemmas is resolved once at build time: a noun plural
wins over a verb imperative ("piloter" -> "pilot", not "pilotere"); otherwise, if simplemma's
bokmål lemma is one of the candidates it wins (simplemma's lists come from corpus-based sources,
so this usually picks the common reading: "var" -> "være", though "lover" -> "love", not "lov"),
else the first candidate in the order noun, verb, adjective, adverb. Keys keep their case ("Norge",
"OK") and every key also gets a lowercase alias, so sentence-initial and all-caps words are found.

Per token, for ``lang="nb"``:
  1. ``lookup``    the merged table, exact form then lowercase form, then without a genitive -s
                   ("kommunenes" -> "kommune");
  2. ``compound``  hyphenated words: lemma of the last part ("bygdevekst-avtalene" ->
                   "bygdevekst-avtale"); closed compounds: the longest suffix of at least 4 letters,
                   leaving a prefix of at least 3 letters, that is a known form gives prefix + its
                   lemma ("bygdevekstavtalene" -> "bygdevekstavtale"). Skipped for capitalised
                   words inside a sentence (proper names: "Porsanger" is not "por" + "sanger").
                   The suffix takes its noun reading when it has one, since closed compounds are
                   nominal ("statsforvalter" -> "statsforvalter", though "forvalter" -> "forvalte");
  3. ``simplemma`` simplemma's bokmål dictionary (``is_known``), then its nynorsk one (reports
                   quote nynorsk speakers: "korleis", "kommunar");
  4. ``rule``      simplemma's affix rules changed the form (a guess, not a table entry);
  5. ``unknown``   the lowercase form itself.
For ``lang="nn"`` simplemma's nynorsk dictionary is asked first, then steps 1-4 as above
(with simplemma "nn" before "nb" in steps 3-4). Lemmas are always lowercase.
Samarbeid: Norsk Ordbank lists "samarbeidet" under the lemma "samarbeide" (the variant noun), so
"samarbeidet" -> "samarbeide" while "samarbeid" -> "samarbeid"; nynorsk "samarbeidet" -> "samarbeid".

Coverage
--------
``coverage`` is the share of word tokens (spaCy ``token.is_alpha``) whose lemma came from a table:
``lookup``, ``compound`` (its suffix is a table form) or ``simplemma`` (a dictionary entry of
simplemma). Tokens lemmatised by simplemma's affix ``rule`` guesses or left ``unknown`` (the
unchanged lowercase form, unknown to every table) count as not covered. With ``fallback=False``
simplemma is not consulted at all (steps 3-4 and the nynorsk-first step are off), which measures
the spacy-lookups-data tables alone.

Caching
-------
The merged table is built once (a few seconds) and pickled under ``$WORKBENCH_CACHE`` or
``platformdirs.user_cache_dir("workbench")``, in a file named after the build format and the
versions of spacy-lookups-data and simplemma; a new version of either builds a new file. ``load``
is memoised with ``functools.lru_cache``; ``clear_memory_caches()`` forgets the in-process copies.

Licences
--------
* spacy-lookups-data (code MIT); its Norwegian tables are extracted from Norsk Ordbank bokmål 2005
  (Språkbanken, Nasjonalbiblioteket), licensed CC BY 4.0: attribution required when the tables or
  data derived from them (such as our cached merged table) are redistributed.
* simplemma 2.0 (code MIT, Adrien Barbaresi). Its language data are compiled from several
  sources with their own licences: Michal Měchura's lemmatization lists (ODbL 1.0), Wiktionary via
  Kaikki (CC BY-SA), FreeLing data, spacy-lookups-data, UniMorph and the Wikinflection corpus
  (CC BY 4.0). The package does not say which source each nb/nn entry comes from, so treat the
  nb/nn dictionaries as ODbL/CC BY-SA (share-alike) if you redistribute them or a database derived
  from them. The workbench only queries simplemma at run time and at table build time (to break
  ties); the cache stays on the user's machine.
"""

from __future__ import annotations

import functools
import gzip
import importlib.metadata
import json
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Iterable

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

from workbench.errors import WorkbenchError

__all__ = [
    "load",
    "lemmatize",
    "lemma_text",
    "lemma_of",
    "detect_language",
    "normalize_lang",
    "coverage",
    "coverage_counts",
    "cache_path",
    "clear_memory_caches",
    "LANGS",
]

LANGS = ("nb", "nn")
BUILD_FORMAT = 2  # bump when the merge rules change: old cache files are then ignored
POS_ORDER = ("noun", "verb", "adj", "adv")
TABLE_SOURCES = frozenset({"lookup", "compound", "simplemma"})
MIN_SUFFIX = 4
MIN_PREFIX = 3

_LANG_ALIASES = {
    "nb": "nb", "nob": "nb", "no": "nb", "nor": "nb", "bokmål": "nb", "bokmal": "nb",
    "nn": "nn", "nno": "nn", "nynorsk": "nn",
}

if not Token.has_extension("lemma_source"):
    Token.set_extension("lemma_source", default=None)


def normalize_lang(value: str | None) -> str:
    """Map a language name or code to "nb" or "nn"; raise WorkbenchError for anything else."""
    key = (value or "nb").strip().lower()
    if key not in _LANG_ALIASES:
        raise WorkbenchError(
            f"language {value!r}: unknown language code; use 'nb' (bokmål) or 'nn' (nynorsk)"
        )
    return _LANG_ALIASES[key]


# ---------------------------------------------------------------------------------------------
# The merged bokmål table, built once and cached on disk
# ---------------------------------------------------------------------------------------------

def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def cache_dir() -> Path:
    """Directory for the cached table: ``$WORKBENCH_CACHE`` or the platform's user cache dir."""
    env = os.environ.get("WORKBENCH_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("workbench"))


def cache_path() -> Path:
    """The cache file for the current package versions."""
    sld = _version("spacy-lookups-data")
    sm = _version("simplemma")
    return cache_dir() / f"nb_lemmas-v{BUILD_FORMAT}-sld{sld}-sm{sm}.pickle"


def _lookups_data_dir() -> Path:
    try:
        import spacy_lookups_data
    except ImportError:
        raise WorkbenchError(
            "workbench.nlp: package spacy-lookups-data is not installed; "
            "run 'pip install spacy-lookups-data'"
        ) from None
    return Path(spacy_lookups_data.__file__).parent / "data"


def _read_table(name: str) -> dict:
    path = _lookups_data_dir() / f"{name}.json.gz"
    try:
        with gzip.open(path, "rt", encoding="utf8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise WorkbenchError(
            f"{path}: cannot read lemma table ({exc}); reinstall with "
            "'pip install --force-reinstall spacy-lookups-data'"
        ) from None


def _build_table() -> dict[str, dict[str, str]]:
    """Merge nb_lemma_lookup and nb_lemma_exc into one form -> lowercase lemma dict.

    Returns ``{"table": form -> lemma, "nouns": form -> noun lemma}``; ``nouns`` holds the noun
    reading of ambiguous forms whose chosen lemma is not a noun (used inside compounds, which
    are nominal: "statsforvalter" -> "statsforvalter", although "forvalter" -> "forvalte").
    """
    import simplemma

    exc = _read_table("nb_lemma_exc")
    lookup = _read_table("nb_lemma_lookup")
    candidates: dict[str, list[str]] = {}
    noun_of: dict[str, str] = {}
    for pos in POS_ORDER:
        for form, lemmas in exc.get(pos, {}).items():
            seen = candidates.setdefault(form, [])
            for lemma in lemmas:
                lemma = lemma.lower()
                if pos == "noun":
                    noun_of.setdefault(form, lemma)
                if lemma not in seen:
                    seen.append(lemma)
    interned: dict[str, str] = {}
    table: dict[str, str] = {}
    nouns: dict[str, str] = {}
    for form, lemmas in candidates.items():
        choice = lemmas[0]
        if len(lemmas) > 1:
            noun = noun_of.get(form)
            low = form.lower()
            if noun is not None and low + "e" in lemmas:
                choice = noun  # "piloter" is the plural of "pilot", not the imperative of "pilotere"
            else:
                preferred = simplemma.lemmatize(form, lang="nb").lower()
                if preferred in lemmas:
                    choice = preferred
            if noun is not None and noun != choice:
                nouns[form] = interned.setdefault(noun, noun)
        table[form] = interned.setdefault(choice, choice)
    for form, lemma in lookup.items():  # closed-class words win ("meg" -> "jeg", not "mige")
        lemma = lemma.lower()
        table[form] = interned.setdefault(lemma, lemma)
        nouns.pop(form, None)
    for form in [f for f in table if f != f.lower()]:
        table.setdefault(form.lower(), table[form])
    return {"table": table, "nouns": nouns}


def _write_cache(path: Path, table: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(table, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # read-only cache dir: work from memory, build again next process


@functools.lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    path = cache_path()
    if path.exists():
        try:
            with open(path, "rb") as fh:
                table = pickle.load(fh)
            if isinstance(table, dict) and table.get("table") and "nouns" in table:
                return table
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            pass  # corrupt or partial cache: rebuild below
    table = _build_table()
    _write_cache(path, table)
    return table


def _table() -> dict[str, str]:
    return _tables()["table"]


# ---------------------------------------------------------------------------------------------
# Lemmatisation of single forms
# ---------------------------------------------------------------------------------------------

def _table_lemma(table: dict[str, str], form: str) -> str | None:
    lemma = table.get(form)
    if lemma is None:
        lemma = table.get(form.lower())
    return lemma


def _genitive_base(form: str) -> str | None:
    """"kommunenes" -> "kommunene": the form without a genitive -s (None if it has none)."""
    if len(form) > 3 and form[-1] in "sS" and form[-2].isalpha() and form[-2] not in "sSxXzZ":
        return form[:-1]
    return None


def _compound_lemma(tables: dict[str, dict[str, str]], form: str) -> str | None:
    table, nouns = tables["table"], tables["nouns"]
    low = form.lower()
    if "-" in low.strip("-"):
        head, _, tail = low.rpartition("-")
        lemma = _table_lemma(table, tail) if len(tail) >= 2 else None
        if lemma is None and tail:
            lemma = _compound_lemma(tables, tail)
        return f"{head}-{lemma}" if lemma is not None else None
    if not low.isalpha():
        return None
    for i in range(MIN_PREFIX, len(low) - MIN_SUFFIX + 1):
        suffix = low[i:]
        lemma = nouns.get(suffix) or table.get(suffix)
        if lemma is not None:
            return low[:i] + lemma
    return None


def _simplemma(word: str, lang: str) -> tuple[str | None, str | None]:
    """(dictionary lemma, rule lemma) from simplemma for one word."""
    import simplemma

    if simplemma.is_known(word, lang=lang):
        return simplemma.lemmatize(word, lang=lang).lower(), None
    guess = simplemma.lemmatize(word, lang=lang).lower()
    return None, (guess if guess != word.lower() else None)


@functools.lru_cache(maxsize=200_000)
def _lemma_and_source(form: str, lang: str, fallback: bool, allow_compound: bool) -> tuple[str, str]:
    tables = _tables()
    table = tables["table"]
    if lang == "nn" and fallback:
        known, _ = _simplemma(form, "nn")
        if known is not None:
            return known, "simplemma"
    genitive = _genitive_base(form)
    for candidate in (form, genitive):
        lemma = _table_lemma(table, candidate) if candidate else None
        if lemma is not None:
            return lemma, "lookup"
    if allow_compound:
        for candidate in (genitive, form):
            lemma = _compound_lemma(tables, candidate) if candidate else None
            if lemma is not None:
                return lemma, "compound"
    if fallback and any(ch.isalpha() for ch in form):
        order = ("nn", "nb") if lang == "nn" else ("nb", "nn")
        rules = None
        for code in order:
            known, rule = _simplemma(form, code)
            if known is not None:
                return known, "simplemma"
            rules = rules or rule
        if rules is not None:
            return rules, "rule"
    return form.lower(), "unknown"


def lemma_of(word: str, lang: str = "nb", *, fallback: bool = True) -> str:
    """Lowercase lemma of a single word (compound fallback included)."""
    return _lemma_and_source(word, normalize_lang(lang), fallback, True)[0]


# ---------------------------------------------------------------------------------------------
# spaCy component and pipelines
# ---------------------------------------------------------------------------------------------

class WorkbenchLemmatizer:
    """Sets ``token.lemma_`` (lowercase) and ``token._.lemma_source`` from the merged tables."""

    def __init__(self, lang: str = "nb", fallback: bool = True):
        self.lang = normalize_lang(lang)
        self.fallback = fallback

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            if token.is_space or token.is_punct:
                token.lemma_ = token.text.lower()
                token._.lemma_source = "unknown"
                continue
            text = token.text
            proper = text[:1].isupper() and not token.is_sent_start
            lemma, source = _lemma_and_source(text, self.lang, self.fallback, not proper)
            token.lemma_ = lemma
            token._.lemma_source = source
        return doc


@Language.factory(
    "workbench_lemmatizer",
    default_config={"lang": "nb", "fallback": True},
)
def _make_lemmatizer(nlp: Language, name: str, lang: str, fallback: bool) -> WorkbenchLemmatizer:
    return WorkbenchLemmatizer(lang=lang, fallback=fallback)


@functools.lru_cache(maxsize=8)
def _load(lang: str, fallback: bool) -> Language:
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("workbench_lemmatizer", config={"lang": lang, "fallback": fallback})
    _table()  # build or read the table now, not on the first text
    return nlp


def load(lang: str = "nb", *, fallback: bool = True) -> Language:
    """The pipeline for "nb" or "nn": blank tokenizer, sentencizer, workbench_lemmatizer.

    ``fallback=False`` switches simplemma off (spacy-lookups-data tables and compounds only).
    """
    return _load(normalize_lang(lang), bool(fallback))


def clear_memory_caches() -> None:
    """Forget the in-process pipelines, table and per-form memo (the disk cache stays)."""
    _load.cache_clear()
    _tables.cache_clear()
    _lemma_and_source.cache_clear()


def _is_word(token: Token) -> bool:
    return any(ch.isalpha() for ch in token.text)


def lemmatize(text: str, lang: str = "nb") -> list[str]:
    """Lowercase lemmas of the word tokens of ``text`` (tokens with at least one letter)."""
    return [t.lemma_ for t in load(lang)(text) if _is_word(t)]


def lemma_text(text: str, lang: str = "nb") -> str:
    """Space-joined lemmas of the word tokens of ``text``."""
    return " ".join(lemmatize(text, lang))


# ---------------------------------------------------------------------------------------------
# Language detection and coverage
# ---------------------------------------------------------------------------------------------

NN_MARKERS = frozenset(
    "ikkje eg kva korleis kvifor kven kvar noko nokon berre vere vore òg dei frå mykje ein eit "
    "ho meir heile sjølv vart mellom millom etter ut seinare saman sidan".split()
) - {"mellom", "etter", "ut"}
NB_MARKERS = frozenset(
    "ikke jeg hva hvordan hvorfor hvem hvor noe noen bare være også de fra mye en et "
    "hun mer hele selv ble senere sammen siden".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str) -> str:
    """"nn" when nynorsk marker words outnumber bokmål ones, else "nb" (also for ties and no text)."""
    nn = nb = 0
    for word in _WORD.findall(text.lower()):
        if word in NN_MARKERS:
            nn += 1
        elif word in NB_MARKERS:
            nb += 1
    return "nn" if nn > nb else "nb"


def coverage_counts(texts: Iterable[str], lang: str = "nb", *, fallback: bool = True) -> dict[str, int]:
    """Word tokens (``token.is_alpha``) per lemma source, plus ``"total"``."""
    nlp = load(lang, fallback=fallback)
    counts = {"lookup": 0, "compound": 0, "simplemma": 0, "rule": 0, "unknown": 0}
    for doc in nlp.pipe(texts if not isinstance(texts, str) else [texts]):
        for token in doc:
            if token.is_alpha:
                counts[token._.lemma_source] += 1
    counts["total"] = sum(counts.values())
    return counts


def coverage(texts: Iterable[str], lang: str = "nb", *, fallback: bool = True) -> float:
    """Share of word tokens (``token.is_alpha``) whose lemma came from a table.

    Covered sources: ``lookup`` (spacy-lookups-data nb tables), ``compound`` (suffix found in
    those tables) and ``simplemma`` (a simplemma dictionary entry). Not covered: ``rule``
    (simplemma's affix guess) and ``unknown`` (unchanged lowercase form). 0.0 for no word tokens.
    """
    counts = coverage_counts(texts, lang, fallback=fallback)
    if not counts["total"]:
        return 0.0
    return sum(counts[s] for s in TABLE_SOURCES) / counts["total"]
