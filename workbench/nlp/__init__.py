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
``analyse(texts, lang="nb") -> list[AnalysedText]``
    The same tokens and lemmas as ``load(lang)``, fast (per-chunk caches, the tokenizer only for
    chunks it has not seen), as ``str`` objects carrying ``lemmas``, ``splits`` and ``lang``: the
    form in which ingest stores each segment's analysis (``segments.lemmas``, ``lemma_lang``,
    ``token_splits``), so that search and the suggesters never lemmatise a stored segment again.
    ``analyse_texts(texts, langs)`` for mixed languages keeps texts that already are analysed.
``lemma_language(declared, text) -> "nb" | "nn"``
    The tables a text is lemmatised with: the source's declared language, else detected.
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
  0. ``fixed``     ``LEMMA_FIXES``: a short table of lemmas the other steps are known to get wrong
                   (with ``fallback`` only, since the errors are simplemma's; see below);
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
For ``lang="nn"`` ``LEMMA_FIXES`` and then simplemma's nynorsk dictionary are asked first, then
steps 1-4 as above (with simplemma "nn" before "nb" in steps 3-4). Lemmas are always lowercase.

Known wrong lemmas (``LEMMA_FIXES``): simplemma's nynorsk dictionary lists "eget" under "eg" (the
pronoun "I"), so a lemma search for "eg" found every "eget", and "egne" under the verb "egna". In
running text both are forms of the determiner *egen*/*eigen* ("sitt eget hus", "våre egne folk"):
nynorsk "eget", "egne" -> "egen" (simplemma's own nynorsk lemma for "egen", "ege", "egent", and
the bokmål one), nynorsk and bokmål "eiget" -> "eigen" (simplemma: the verb "eige", to own;
"eige", "eiga", "eigne" already give "eigen"). Bokmål "eget"/"egne" were right ("egen"). The
table is applied per token, not built into the cached table (whose file name does not change).
When it, or any rule that changes a lemma, changes, bump ``LEMMA_VERSION``: each source records
the version its stored lemmas were made with (``sources.lemma_version``), and
``workbench.ingest.ensure_lemmas`` analyses the sources of another version again.

Samarbeid: Norsk Ordbank lists "samarbeidet" under the lemma "samarbeide" (the variant noun), so
"samarbeidet" -> "samarbeide" while "samarbeid" -> "samarbeid"; nynorsk "samarbeidet" -> "samarbeid".

Coverage
--------
``coverage`` is the share of word tokens (spaCy ``token.is_alpha``) whose lemma came from a table:
``fixed``, ``lookup``, ``compound`` (its suffix is a table form) or ``simplemma`` (a dictionary
entry of simplemma). Tokens lemmatised by simplemma's affix ``rule`` guesses or left ``unknown`` (the
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
import threading
import unicodedata
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from workbench.errors import WorkbenchError

if TYPE_CHECKING:  # spaCy is imported on first use (it takes ~0.5 s), not with this module
    from spacy.language import Language
    from spacy.tokens import Doc, Token

__all__ = [
    "load",
    "analyse",
    "analyse_texts",
    "analyse_parts",
    "AnalysedText",
    "sentence_spans",
    "lemma_language",
    "stored_text",
    "lemmatize",
    "lemma_text",
    "lemma_of",
    "detect_language",
    "function_words",
    "only_function_words",
    "normalize_lang",
    "coverage",
    "coverage_counts",
    "cache_path",
    "clear_memory_caches",
    "LANGS",
    "LEMMA_FIXES",
    "LEMMA_VERSION",
]

LANGS = ("nb", "nn")
BUILD_FORMAT = 2  # bump when the merge rules change: old cache files are then ignored
#: The version of the lemmas this module gives. Bump it whenever a change gives any word form
#: another lemma (LEMMA_FIXES, BUILD_FORMAT, the order of the steps): the stored lemmas of sources
#: analysed with an older version are then made again (workbench.ingest.ensure_lemmas).
#: 1: before versioning; 2: LEMMA_FIXES.
LEMMA_VERSION = 2
#: Lemmas the tables are known to get wrong, per language: lowercase form -> lemma. Asked before
#: every table (module docstring, "Known wrong lemmas"); bump LEMMA_VERSION when this changes.
LEMMA_FIXES: dict[str, dict[str, str]] = {
    "nn": {
        "eget": "egen",   # simplemma nn: "eg" (the pronoun "I")
        "egne": "egen",   # simplemma nn: "egna" (a verb)
        "eiget": "eigen",  # simplemma nn: "eige" (to own)
    },
    "nb": {
        "eiget": "eigen",  # via simplemma nn: "eige"
    },
}
POS_ORDER = ("noun", "verb", "adj", "adv")
TABLE_SOURCES = frozenset({"fixed", "lookup", "compound", "simplemma"})
MIN_SUFFIX = 4
MIN_PREFIX = 3

_LANG_ALIASES = {
    "nb": "nb", "nob": "nb", "no": "nb", "nor": "nb", "bokmål": "nb", "bokmal": "nb",
    "nn": "nn", "nno": "nn", "nynorsk": "nn",
}

MIXED_LANGS = frozenset({"nb+nn", "nn+nb"})  # a source in both written forms: detect each text's


def normalize_lang(value: str | None) -> str:
    """Map a language name or code to "nb" or "nn"; raise WorkbenchError for anything else.
    A region subtag is ignored (``nb-NO``, ``nn_NO``, ``no-NO``)."""
    key = (value or "nb").strip().lower().replace("_", "-")
    if key not in _LANG_ALIASES and key.split("-", 1)[0] in _LANG_ALIASES:
        key = key.split("-", 1)[0]
    if key not in _LANG_ALIASES:
        raise WorkbenchError(
            f"language {value!r}: unknown language code; use 'nb' (bokmål) or 'nn' (nynorsk)"
        )
    return _LANG_ALIASES[key]


def given_lang(value: str | None) -> str | None:
    """A text's given language as "nb"/"nn", or None when it is to be detected (no value, an
    empty one, or "nb+nn"); raise WorkbenchError for a language that is not Norwegian."""
    if value is None or not str(value).strip() or str(value).strip().lower() in MIXED_LANGS:
        return None
    return normalize_lang(str(value))


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

    Returns ``{"table": form -> lemma, "nouns": form -> noun lemma, "proper": lowercase forms
    that are only in the tables capitalised (names)}``; ``nouns`` holds the noun
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
    proper = {f.lower() for f in table if f != f.lower() and f.lower() not in table}
    for form in [f for f in table if f != f.lower()]:
        table.setdefault(form.lower(), table[form])
    return {"table": table, "nouns": nouns, "proper": proper}


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
            if isinstance(table, dict) and table.get("table") and "nouns" in table and "proper" in table:
                return table
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            pass  # corrupt or partial cache: rebuild below
    table = _build_table()
    _write_cache(path, table)
    return table


def _table() -> dict[str, str]:
    return _tables()["table"]


def is_common_word(word: str) -> bool:
    """Is ``word`` (any case) an ordinary bokmål word form in Norsk Ordbank, not only a name
    ("lene", "berge", "liv", "strand": yes; "kari", "ingrid": no)?"""
    tables = _tables()
    low = word.lower()
    return low in tables["table"] and low not in tables["proper"]


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


def _simplemma_known(word: str, lang: str) -> str | None:
    """simplemma's dictionary lemma of one word (None if its dictionary lacks the word)."""
    import simplemma

    if simplemma.is_known(word, lang=lang):
        return simplemma.lemmatize(word, lang=lang).lower()
    return None


def _simplemma_rule(word: str, lang: str) -> str | None:
    """simplemma's affix-rule guess for a word its dictionary lacks (None if it changes nothing).
    Asked only when every table has failed: the rules are the slow part of simplemma."""
    import simplemma

    guess = simplemma.lemmatize(word, lang=lang).lower()
    return guess if guess != word.lower() else None


@functools.lru_cache(maxsize=200_000)
def _lemma_and_source(form: str, lang: str, fallback: bool, allow_compound: bool) -> tuple[str, str]:
    tables = _tables()
    table = tables["table"]
    if fallback:
        fixed = LEMMA_FIXES.get(lang, {}).get(form.lower())
        if fixed is not None:
            return fixed, "fixed"
    if lang == "nn" and fallback:
        known = _simplemma_known(form, "nn")
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
            known = _simplemma_known(form, code)
            if known is not None:
                return known, "simplemma"
            rules = rules or _simplemma_rule(form, code)
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


def _make_lemmatizer(nlp: Language, name: str, lang: str, fallback: bool) -> WorkbenchLemmatizer:
    return WorkbenchLemmatizer(lang=lang, fallback=fallback)


@functools.lru_cache(maxsize=1)
def _register() -> None:
    """Register the ``workbench_lemmatizer`` factory and ``Token._.lemma_source`` with spaCy (once)."""
    from spacy.language import Language
    from spacy.tokens import Token

    if not Token.has_extension("lemma_source"):
        Token.set_extension("lemma_source", default=None)
    if not Language.has_factory("workbench_lemmatizer"):
        Language.factory("workbench_lemmatizer", default_config={"lang": "nb", "fallback": True},
                         func=_make_lemmatizer)


@functools.lru_cache(maxsize=8)
def _load(lang: str, fallback: bool) -> Language:
    import spacy

    _register()
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
    _analyser.cache_clear()


def _is_word(token: Token) -> bool:
    return any(ch.isalpha() for ch in token.text)


def lemmatize(text: str, lang: str = "nb") -> list[str]:
    """Lowercase lemmas of the word tokens of ``text`` (tokens with at least one letter)."""
    return [t.lemma_ for t in load(lang)(text) if _is_word(t)]


def lemma_text(text: str, lang: str = "nb") -> str:
    """Space-joined lemmas of the word tokens of ``text``."""
    return " ".join(lemmatize(text, lang))


# ---------------------------------------------------------------------------------------------
# The analyser: the pipeline's lemmas, fast, and in a form that is stored with each segment
# ---------------------------------------------------------------------------------------------

_NONSPACE = re.compile(r"\S+")
_START, _CLEAR, _SEEN = 2, 0, 1  # sentencizer state before a chunk: text start, no period seen, period seen
_SIMPLE_PUNCT = frozenset(",;:!?")
ANALYSER_CACHE = 200_000  # chunks remembered per language before the caches start afresh


def _is_punct(text: str) -> bool:
    """spaCy's ``is_punct`` lexical attribute (every character in a Unicode P* category)."""
    return all(unicodedata.category(ch)[0] == "P" for ch in text)


class AnalysedText(str):
    """A text with its tokens and lemmas, as :func:`analyse` makes them and segments store them.

    ``lemmas``: the lemmas of the word tokens (tokens with a letter) in order, joined by single
    spaces; a space inside one lemma (the lookup table has a few, "mange" -> "mang en") is written
    as U+00A0 so that the string splits back into one lemma per word token. ``splits``: the
    whitespace-separated chunks of the text that are more than one token, as
    ``"len,len:chunk"`` entries joined by spaces (the lengths of all tokens but the last), sorted;
    "" when every chunk is one token. ``lang``: the lemma tables used ("nb" or "nn").
    """

    def __new__(cls, text: str = "", lang: str = "nb", lemmas: str = "", splits: str = ""):
        self = super().__new__(cls, text)
        self.lang, self.lemmas, self.splits = lang, lemmas, splits
        return self

    def __reduce__(self):
        return (AnalysedText, (str(self), self.lang, self.lemmas, self.splits))

    @property
    def lemma_line(self) -> str:
        """The lemmas as ``lemma_text`` gives them (space-joined)."""
        return self.lemmas.replace("\xa0", " ") if "\xa0" in self.lemmas else self.lemmas

    def lemma_list(self) -> list[str]:
        """One lemma per word token (``lemmatize``)."""
        if not self.lemmas:
            return []
        return [lm.replace("\xa0", " ") for lm in self.lemmas.split(" ")]

    def tokens(self) -> list[tuple[int, int]]:
        """``(start, end)`` of every token that is not whitespace, in order."""
        lengths: dict[str, list[int]] = {}
        if self.splits:
            for entry in self.splits.split(" "):
                head, _, chunk = entry.partition(":")
                lengths[chunk] = [int(n) for n in head.split(",")]
        out: list[tuple[int, int]] = []
        for m in _NONSPACE.finditer(self):
            start, end = m.span()
            parts = lengths.get(m.group()) if lengths else None
            if parts:
                for n in parts:
                    out.append((start, start + n))
                    start += n
            out.append((start, end))
        return out

    def _checked(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[str]]:
        """(tokens, word tokens, their lemmas), analysed afresh if the stored analysis does not fit
        the text (lemmas are never paired with the wrong words)."""
        tokens, lemmas = self.tokens(), self.lemma_list()
        words = [(s, e) for s, e in tokens if any(map(str.isalpha, self[s:e]))]
        if len(words) != len(lemmas):
            fresh = analyse([str(self)], self.lang)[0]
            tokens, lemmas = fresh.tokens(), fresh.lemma_list()
            words = [(s, e) for s, e in tokens if any(map(str.isalpha, self[s:e]))]
        return tokens, words, lemmas

    def word_tokens(self) -> list[tuple[int, int, str]]:
        """``(start, end, lemma)`` of every word token (a token with a letter), in order."""
        _, words, lemmas = self._checked()
        return [(s, e, lm) for (s, e), lm in zip(words, lemmas)]

    def doc_tokens(self) -> tuple[list[str], list[bool], list[str]]:
        """``(words, spaces, lemmas)`` of every token, whitespace tokens included, as spaCy's
        pipeline tokenises the text (for ``spacy.tokens.Doc(vocab, words=, spaces=, lemmas=)``)."""
        words: list[str] = []
        spaces: list[bool] = []
        lemmas: list[str] = []
        tokens, _, word_lemmas = self._checked()
        lemma_iter = iter(word_lemmas)

        def whitespace(pos: int, gap: str) -> None:
            # one space after a token is its trailing space; other white space is a token
            if gap and pos and gap[0] == " ":
                spaces[-1] = True
                gap = gap[1:]
            if gap:
                words.append(gap)
                spaces.append(False)
                lemmas.append(gap.lower())

        pos = 0
        for s, e in tokens:
            whitespace(pos, self[pos:s])
            word = self[s:e]
            words.append(word)
            spaces.append(False)
            lemmas.append(next(lemma_iter) if any(map(str.isalpha, word)) else word.lower())
            pos = e
        whitespace(pos, self[pos:])
        return words, spaces, lemmas


class _Analyser:
    """Tokens and lemmas exactly as ``load(lang)`` makes them, from per-chunk caches.

    spaCy tokenises each whitespace-separated chunk on its own, so the analysis of a chunk is
    remembered and reused (most chunks repeat). Its lemmas depend on the sentencizer only through
    ``is_sent_start`` of capitalised words (no compound split for a name inside a sentence); the
    sentencizer's state before a chunk is one of three (text start, clear, a period seen), so each
    chunk is analysed for the states it meets, and a text is put together by dictionary lookups
    unless one of its chunks is capitalised in a way that makes the state matter. Chunks that are
    a word, or a word and one punctuation mark, are split without the tokenizer's regular
    expressions (with the same result: tests/test_lemmas_stored.py checks them against spaCy);
    the rest go through ``spacy.blank(lang).tokenizer.pipe``.
    """

    def __init__(self, lang: str):
        import spacy
        from spacy.pipeline import Sentencizer

        self.lang = lang
        self.tokenizer = spacy.blank(lang).tokenizer
        self.rules = set(self.tokenizer.rules)
        self.suffix_search = self.tokenizer.suffix_search
        self.punct_chars = frozenset(Sentencizer.default_punct_chars)
        self.dot_tails: dict[str, int] = {}  # "ne." -> 1: the suffix rules split the period off
        self.lock = threading.Lock()
        _tables()  # read the lemma tables now, not on the first text
        self.reset()

    def reset(self) -> None:
        self.lem: dict[str, str] = {}  # chunk -> lemma part, when it is the same in every state
        self.sensitive: dict[str, list[str | None]] = {}  # chunk -> lemma part per state (None: not yet)
        self.trans: dict[str, tuple[int, int, int]] = {}  # chunk -> state after it, per state (absent: clear)
        self.split: dict[str, str] = {}  # chunk -> "len,len:chunk" for chunks of several tokens
        self.split_keys: set[str] = set()
        self.pending: dict[str, list[str]] = {}  # tokens of state-dependent chunks of several tokens
        self.known: set[str] = set()

    # -- one chunk ---------------------------------------------------------------------------
    def _quick_tokens(self, chunk: str) -> list[str] | None:
        """The tokens of a plain chunk without the tokenizer (None: ask the tokenizer)."""
        if chunk in self.rules:
            return None
        if chunk.isalpha():
            return [chunk]
        word, mark = chunk[:-1], chunk[-1]
        if not word.isalpha() or word in self.rules:
            return None
        if mark in _SIMPLE_PUNCT:
            return [word, mark]
        if mark == ".":  # split after a lowercase letter or two capitals ("Oslo." but "A.")
            tail = word[-2:] + "."
            how = self.dot_tails.get(tail)
            if how is None:
                m = self.suffix_search(tail)
                how = self.dot_tails[tail] = 0 if m is None else (1 if m.start() == len(tail) - 1 else 2)
            return [chunk] if how == 0 else ([word, "."] if how == 1 else None)
        return None

    def _word_lemma(self, token: str, start: bool, full: bool) -> str | None:
        """The pipeline's lemma of a word token (``start``: it begins a sentence). None when the
        token is a capitalised compound inside a sentence and ``full`` is off: that lemma (no
        compound split for a name) is worked out only if a text needs it."""
        lemma, source = _lemma_and_source(token, self.lang, True, True)
        if source == "compound" and not start and token[:1].isupper():
            if not full:
                return None
            lemma = _lemma_and_source(token, self.lang, True, False)[0]
        return lemma.replace(" ", "\xa0") if " " in lemma else lemma

    def _simulate(self, tokens: list[str], state: int, full: bool) -> tuple[str | None, int]:
        """(lemma part, state after) of a chunk's tokens from sentencizer state ``state``; the part
        is None when it needs a deferred lemma (see ``_word_lemma``)."""
        punct_chars = self.punct_chars
        seen = state == _SEEN
        lemmas: list[str] | None = []
        for k, tok in enumerate(tokens):
            in_pc = tok in punct_chars
            if k == 0 and state == _START:
                start = True
                if in_pc:
                    seen = True
            elif seen and not in_pc and not _is_punct(tok):
                start, seen = True, False
            else:
                start = False
                if in_pc:
                    seen = True
            if lemmas is not None and any(ch.isalpha() for ch in tok):
                lemma = self._word_lemma(tok, start, full)
                if lemma is None:
                    lemmas = None
                else:
                    lemmas.append(lemma)
        return (None if lemmas is None else " ".join(lemmas)), (_SEEN if seen else _CLEAR)

    def _learn(self, chunk: str, tokens: list[str]) -> None:
        n = len(tokens)
        word = tokens[0]
        if n <= 2 and word.isalpha() and (n == 1 or not any(ch.isalpha() for ch in tokens[1])):
            # a word, or a word and a mark: token 0 starts a sentence in states START and SEEN
            if word[:1].isupper():
                begin = self._word_lemma(word, True, True)
                inside = self._word_lemma(word, False, False)
            else:
                begin = inside = self._word_lemma(word, True, True)
            if begin == inside:
                self.lem[chunk] = begin
            else:
                self.sensitive[chunk] = [inside, begin, begin]
                self.pending[chunk] = tokens
            if n == 2:
                if tokens[1] in self.punct_chars:
                    self.trans[chunk] = (_SEEN, _SEEN, _SEEN)
                self.split[chunk] = f"{len(word)}:{chunk}"
                self.split_keys.add(chunk)
        else:
            parts, outs = [], []
            for state in (_CLEAR, _SEEN, _START):
                part, out = self._simulate(tokens, state, False)
                parts.append(part)
                outs.append(out)
            if parts[0] is not None and parts[0] == parts[1] == parts[2]:
                self.lem[chunk] = parts[0]
            else:
                self.sensitive[chunk] = parts
                self.pending[chunk] = tokens
            if any(outs):
                self.trans[chunk] = (outs[0], outs[1], outs[2])
            if n > 1:
                self.split[chunk] = ",".join(str(len(t)) for t in tokens[:-1]) + ":" + chunk
                self.split_keys.add(chunk)
        self.known.add(chunk)

    def _deferred(self, chunk: str, state: int) -> str:
        """The lemma part of a state-dependent chunk in ``state``, worked out on first need."""
        part = self._simulate(self.pending[chunk], state, True)[0]
        self.sensitive[chunk][state] = part
        return part

    def learn(self, new: set[str]) -> None:
        """Analyse chunks not seen yet (the tokenizer gets the hard ones in one batch)."""
        hard = []
        lang, rules, lem, known = self.lang, self.rules, self.lem, self.known
        for chunk in new:
            if chunk.isalpha() and not chunk[0].isupper() and chunk not in rules:  # most new chunks
                lemma = _lemma_and_source(chunk, lang, True, True)[0]
                lem[chunk] = lemma.replace(" ", "\xa0") if " " in lemma else lemma
                known.add(chunk)
                continue
            tokens = self._quick_tokens(chunk)
            if tokens is None:
                hard.append(chunk)
            else:
                self._learn(chunk, tokens)
        for chunk, doc in zip(hard, self.tokenizer.pipe(hard, batch_size=1000)):
            self._learn(chunk, [t.text for t in doc])

    # -- one text ----------------------------------------------------------------------------
    def _lemmas_by_state(self, text: str) -> str:
        """The lemma string of a text with a state-dependent chunk: follow the sentencizer."""
        lem, sensitive, trans = self.lem, self.sensitive, self.trans
        state, pos, parts = _START, 0, []
        for m in _NONSPACE.finditer(text):
            start = m.start()
            if start > pos and (pos == 0 or start - pos > 1 or text[pos] != " "):
                state = _CLEAR  # a whitespace token: a sentence start if a period was seen, else nothing
            chunk = m.group()
            part = lem.get(chunk)
            if part is None:
                part = sensitive[chunk][state]
                if part is None:
                    part = self._deferred(chunk, state)
            if part:
                parts.append(part)
            out = trans.get(chunk)
            state = out[state] if out is not None else _CLEAR
            pos = m.end()
        return " ".join(parts)

    def parts(self, texts: Sequence[str]) -> list[tuple[str, str]]:
        """``(lemmas, splits)`` of each text (see ``AnalysedText``)."""
        with self.lock:  # the caches are shared by the threads of a process (the app)
            return self._parts(texts)

    def _parts(self, texts: Sequence[str]) -> list[tuple[str, str]]:
        chunk_lists = [t.split() for t in texts]
        lem_get = self.lem.get
        looked = [list(map(lem_get, chunks)) for chunks in chunk_lists]
        new: set[str] = set()
        for chunks, parts in zip(chunk_lists, looked):
            if None in parts:
                new.update(c for c, p in zip(chunks, parts) if p is None)
        new.difference_update(self.known)
        if new:
            if len(self.known) + len(new) > ANALYSER_CACHE:  # memory stays flat on a large corpus
                self.reset()
                new = set(chain.from_iterable(chunk_lists))
            self.learn(new)
            lem_get = self.lem.get
            looked = [list(map(lem_get, chunks)) if None in parts else parts
                      for chunks, parts in zip(chunk_lists, looked)]
        split, split_keys = self.split, self.split_keys
        out = []
        for text, chunks, parts in zip(texts, chunk_lists, looked):
            lemmas = self._lemmas_by_state(text) if None in parts else " ".join(filter(None, parts))
            present = split_keys.intersection(chunks)
            out.append((lemmas, " ".join(sorted(map(split.__getitem__, present))) if present else ""))
        return out


@functools.lru_cache(maxsize=2)
def _analyser(lang: str) -> _Analyser:
    return _Analyser(lang)


def analyse(texts: Sequence[str], lang: str = "nb") -> list[AnalysedText]:
    """Tokens and lemmas of each text in one language, as ``load(lang)`` gives them (the word
    tokens' lemmas equal ``lemmatize(text, lang)``), in the form segments store them."""
    lang = normalize_lang(lang)
    texts = [str(t) for t in texts]
    return [AnalysedText(t, lang, lemmas, splits) for t, (lemmas, splits) in zip(texts, analyse_parts(texts, lang))]


_SENTENCIZER = None
#: A token that is a number with a period glued to it: "2023.", "10.", "12/24.", "3.3.2023." (spaCy's
#: Norwegian tokenizer keeps the period on a number, so the sentencizer never sees it as an end).
_NUMBER_DOT = re.compile(r"\d[\d.,/:-]*\.\Z")
#: Characters that may open a sentence before its first letter (quotes, brackets, dashes).
_OPENERS = "«»\"'“”‘’„([–—-"


def _number_ends(doc, text: str) -> set[int]:
    """Token indexes of ``doc`` that start a sentence after a number ending in a period ("i januar
    2023. Kommunestyret vedtok ...", "kl. 10. Møtet ...", "sak 12/24. Vi ..."): the number is not
    the first token of its sentence, follows no colon or line break (a numbered list: "mål: 1. Bedre
    samarbeid", "\n2. Mer tillit") and the next token begins with a capital letter. An ordinal
    before a lower-case word ("3. mars") is no sentence end."""
    out: set[int] = set()
    for sent in doc.sents:
        toks = [t for t in sent if not t.is_space]
        for k in range(1, len(toks) - 1):
            tok = toks[k]
            if not _NUMBER_DOT.match(tok.text):
                continue
            prev, nxt = toks[k - 1], toks[k + 1]
            if prev.text.endswith(":") or "\n" in text[prev.idx + len(prev.text):tok.idx]:
                continue
            word = next((t.text.lstrip(_OPENERS) for t in toks[k + 1:] if t.text.lstrip(_OPENERS)), "")
            if word[:1].isupper():  # the first letter after the number, past any opening quote
                out.add(nxt.i)
    return out


def sentence_spans(text: str, lang: str = "nb") -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text`` (spaCy's rule-based sentencizer), without
    the white space around it. An ``AnalysedText`` (e.g. a segment's stored analysis) is split on
    its stored tokens; any other text is analysed in ``lang`` first.

    Besides the sentencizer's ends, a sentence also ends after a number with its period ("Vi
    startet i januar 2023. Kommunestyret vedtok ...", "kl. 10.", "sak 12/24.") when a capitalised
    word follows, unless the number opens its sentence or follows a colon or a line break (a
    numbered list); "3. mars" (lower case next) stays one sentence (:func:`_number_ends`)."""
    global _SENTENCIZER
    from spacy.pipeline import Sentencizer
    from spacy.tokens import Doc

    if not isinstance(text, AnalysedText):
        text = analyse([text], lang)[0]
    if not text.strip():
        return []
    if _SENTENCIZER is None:
        _SENTENCIZER = Sentencizer()
    words, spaces, _ = text.doc_tokens()
    doc = _SENTENCIZER(Doc(vocab(text.lang), words=words, spaces=spaces))
    cuts = _number_ends(doc, text)
    bounds = []
    for sent in doc.sents:
        start = sent.start
        for i in sorted(c for c in cuts if sent.start < c < sent.end):
            bounds.append((doc[start].idx, doc[i].idx))
            start = i
        bounds.append((doc[start].idx, sent.end_char))
    out = []
    for a, b in bounds:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def vocab(lang: str = "nb"):
    """The spaCy ``Vocab`` of ``analyse``'s tokenizer for ``lang`` (for Docs built from analyses)."""
    return _analyser(normalize_lang(lang)).tokenizer.vocab


def analyse_parts(texts: Sequence[str], lang: str = "nb") -> list[tuple[str, str]]:
    """``(lemmas, splits)`` of each text, as ``analyse`` (what ingest stores; no copies of the texts)."""
    return _analyser(normalize_lang(lang)).parts(texts)


def analyse_texts(texts: Sequence[str], langs: Sequence[str]) -> list[AnalysedText]:
    """``analyse`` for texts of mixed languages (one "nb"/"nn" per text). A text that already is an
    ``AnalysedText`` in its language is kept as it is: nothing is lemmatised twice."""
    out: list[AnalysedText | None] = [None] * len(texts)
    todo: dict[str, list[int]] = {}
    for i, (text, lang) in enumerate(zip(texts, langs)):
        if isinstance(text, AnalysedText) and text.lang == lang:
            out[i] = text
        else:
            todo.setdefault(lang, []).append(i)
    for lang, idx in todo.items():
        for i, a in zip(idx, analyse([str(texts[i]) for i in idx], lang)):
            out[i] = a
    return out  # type: ignore[return-value]


def stored_text(text: str, lang: str, lemmas: str | None, lemma_lang: str | None,
                splits: str | None) -> str:
    """A segment's text with its stored analysis (an ``AnalysedText``) when that analysis is in
    ``lang``; else the plain text, which the suggesters and search then analyse themselves."""
    if lemmas is None or lemma_lang != lang:
        return text
    return AnalysedText(text, lang, lemmas, splits or "")


def lemma_language(declared: str | None, text: str) -> str:
    """The lemma tables for a text: the declared language if it is one ("nb", "nn", "nynorsk" ...),
    else the one ``detect_language`` finds in the text (as the suggesters choose it)."""
    if declared:
        try:
            return normalize_lang(declared)
        except WorkbenchError:
            pass
    return detect_language(text)


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


# ---------------------------------------------------------------------------------------------
# Function words
# ---------------------------------------------------------------------------------------------

# Nynorsk forms of the function words (spaCy has stop words for bokmål only).
NN_FUNCTION_WORDS = frozenset(
    "eg ikkje kva korleis kvifor kven kvar kor noko nokon nokre berre vere vore vert vart blei òg dei "
    "deira dykk dykkar frå mykje ein eit ei ho hennar meir mest heile sjølv saman sidan seinare medan "
    "fordi difor hjå utan no me mi mitt di ditt si enno endå kanskje då".split()
)
# spaCy's bokmål list also holds content words of the news text it was made from; they stay words.
NOT_FUNCTION_WORDS = frozenset(
    "bris by dag del folk fjor grunn kamp kampen kontakt kroner kveld land landet laget leder løpet "
    "mennesker mål personer plass poeng runde saken sted stedet tid tillegg viktig år".split()
)


@functools.lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """Norwegian function words, lowercase: spaCy's bokmål stop words (``spacy.lang.nb``) less
    the content words among them (``NOT_FUNCTION_WORDS``), plus their nynorsk forms."""
    from spacy.lang.nb.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) - NOT_FUNCTION_WORDS | NN_FUNCTION_WORDS


def only_function_words(term: str) -> bool:
    """Is ``term`` ("at vi", a lemma n-gram) made of function words alone (and not empty)?"""
    words = str(term).lower().split()
    return bool(words) and all(w in function_words() for w in words)


def coverage_counts(texts: Iterable[str], lang: str = "nb", *, fallback: bool = True) -> dict[str, int]:
    """Word tokens (``token.is_alpha``) per lemma source, plus ``"total"``."""
    nlp = load(lang, fallback=fallback)
    counts = {"fixed": 0, "lookup": 0, "compound": 0, "simplemma": 0, "rule": 0, "unknown": 0}
    for doc in nlp.pipe(texts if not isinstance(texts, str) else [texts]):
        for token in doc:
            if token.is_alpha:
                counts[token._.lemma_source] += 1
    counts["total"] = sum(counts.values())
    return counts


def coverage(texts: Iterable[str], lang: str = "nb", *, fallback: bool = True) -> float:
    """Share of word tokens (``token.is_alpha``) whose lemma came from a table.

    Covered sources: ``fixed`` (``LEMMA_FIXES``), ``lookup`` (spacy-lookups-data nb tables),
    ``compound`` (suffix found in those tables) and ``simplemma`` (a simplemma dictionary entry). Not covered: ``rule``
    (simplemma's affix guess) and ``unknown`` (unchanged lowercase form). 0.0 for no word tokens.
    """
    counts = coverage_counts(texts, lang, fallback=fallback)
    if not counts["total"]:
        return 0.0
    return sum(counts[s] for s in TABLE_SOURCES) / counts["total"]
