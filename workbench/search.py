"""Search and retrieval: lemma-aware keyword-in-context search over the turns, and the codings of a
code with one turn of context on each side.

Matching rules of :func:`search`
--------------------------------
* The query is split into *terms*: each text in quotes is a phrase, every other word (separated
  by white space or commas) is a word term, and a word that ends in ``*`` is a prefix term. A hit
  is an occurrence of any term (terms are OR-ed). There are no operators: AND, OR, NOT and a
  leading "-" are not understood ("-tillit" is "tillit"). :func:`query_notes` says so in one line
  each, for the CLI and the page to show.
* **Quotes**: a phrase is written in straight double quotes ``"…"``, Norwegian ``«…»``, the
  typographic ``“…”`` (Word, macOS), ``„…“`` and ``”…”``, or single quotes ``‘…’``, ``’…’``,
  ``'…'``, ``‹…›``. A single quote opens a phrase only at the start of a word and closes it only
  at the end of one, so an apostrophe inside a word (``Kari’s``) is part of the word. A double
  quote without its closing quote is left out and the words after it are words (with a notice); a
  single quote without its closing quote is taken as an apostrophe and left out.
* The query is read in Unicode NFC, and so is the text it is compared with: a phrase typed with
  "å" as one character or as "a" plus a combining ring finds both spellings in the text, and the
  hit's ``start``/``end`` are offsets into the text as stored. Invisible characters ingest takes out
  of the text (soft hyphens, zero-width spaces: :mod:`workbench.ingest.chars`) are taken out of the
  query too, so a word pasted from Word with a soft hyphen in it finds the word.
* A **word** matches a word token whose lemma equals the query word's lemma *in the token's
  written standard*, case-insensitive: a turn of a bokmål source is compared by bokmål lemmas,
  one of a nynorsk source by nynorsk lemmas (a source declared "nb+nn" turn by turn, by the
  standard ingest read each turn in; a source without a language by the one detected from its
  text). The query word is lemmatised in each standard (a word the bokmål tables do not know,
  such as nynorsk "kommunane", gets its nynorsk lemma there), so "kommune", "kommunene" and
  "kommunane" find each other everywhere, while "eg" finds nynorsk "eg"/"meg" and not bokmål
  "meg" (whose bokmål lemma is "jeg"), and "noko" finds nynorsk "noko"/"nokon", not bokmål
  "noen". Lemmas come from the project's cached lemma layer (:mod:`workbench.nlp`).
  One bridge between the standards is kept: the other standard's lemma of a word also counts
  when it is the own lemma less an ending of at most ``MAX_BRIDGE`` letters. This covers the
  Norsk Ordbank forms listed under a variant lemma, "samarbeidet" (bokmål "samarbeide", nynorsk
  "samarbeid"), "arbeidet", "godt" (-> "god"), "går" (-> "gå"), without letting "meg" (bokmål
  "jeg", nynorsk "eg") or "noen" ("noen"/"nokon") cross over.
* **Hyphenated words**: a word token joined by hyphens ("Midt-Finnmark", "Indre-Namdal") or cut
  before "og"/"eller" ("areal- og naturregnskap") matches as a whole (its lemma, as above), and
  else each hyphen-joined part of at least ``MIN_PART`` letters matches as a word of its own:
  "Finnmark" finds "Midt-Finnmark", "indre" finds "Indre-Namdal", "areal" finds "areal-" ("e" of
  "e-post" is no part: nynorsk tables read a lone "e" as "eg"). The hit is then the part that matched
  (``match`` "Finnmark", ``start``/``end`` around it), as a phrase search marks it.
* A word without a letter (a number: "2024", "1,5") has no lemma: it matches as written, as a
  one-word phrase.
* A **prefix** ("kommun*": at least ``MIN_PREFIX`` letters or digits before the ``*``) matches every
  word form that begins with it, case-insensitive: kommune, kommunen, kommunestyret, and the
  part "kommune" of "kommune-Norge". It is a search on forms as written, not on lemmas. A prefix
  shorter than that is left out, with a notice (an InputError ``search.short_prefix`` when nothing
  else is left to search for). Other wildcards are not understood: ``?``, ``~`` and ``^`` (with
  the number after it: "tillit^2", "tillit~1") and a ``*`` at the start of or inside a word are
  left out of the word, which is searched without them, with a notice that words already match
  their inflections, that ``*`` at the end is a prefix search and that ``compounds`` finds a word
  inside compounds.
* A **phrase** ("tillit mellom partene") matches its text literally, case-insensitive, as whole
  words: "rom" does not find "Tromsø" or "rommet". A phrase that begins or ends with a letter or
  digit must begin or end at a word boundary there; one that begins or ends with punctuation
  ('"(rom"') matches that punctuation as typed. Any run of whitespace in the phrase matches any
  run of whitespace in the turn (line breaks included).
* ``compounds=True``: a word also matches a token one of whose lemmas *contains the query lemma
  as a compound part*: at its start ("samarbeid" -> "samarbeidsavtalen"), or after a first part of
  at least 3 letters ("kommunesamarbeidet", lemma "kommunesamarbeide"). A query lemma shorter than
  3 letters only matches whole lemmas.
* **Headings** (``segments.heading``: the interview guide's theme or the document section a turn
  is under) are not searched unless ``headings=True``: then every turn under a heading that the
  query matches (by the same rules) is listed once, as a hit in its heading, before the hits in
  its text. The default lists what was said and written in the turns only, so that a heading
  such as "TEMA 2: SAMARBEID MED STATEN" does not add every turn of its section to a search for
  "samarbeid". Every hit carries its turn's heading either way.

Each hit is a dict: ``source, turn, speaker`` (the pseudonym, never the label as written),
``actor, phase, heading`` (the turn's heading, or None), ``match`` (the matched text as written),
``left, right`` (up to ``width`` characters of context, at most ``MAX_WIDTH``, on one line),
``start, end`` (code-point offsets of the match in the turn's text, as
``apply_code(..., span=(start, end))`` takes them) and ``in_heading``. A hit in a heading has
``in_heading`` True, ``match``/``left``/``right`` from the heading and ``start``/``end`` None (code
the whole turn); every other hit has ``match == text[start:end]``.

Speed: the turns' tokens and lemmas are read as ingest stored them (``segments.lemmas``, see
:class:`workbench.nlp.AnalysedText`), never lemmatised again; turns stored before that (or whose
source language reads differently here) are analysed on the fly, and stored by
:func:`workbench.ingest.ensure_lemmas`. A word's lemma in the other written standard, and the
lemmas of hyphen-joined parts, are looked up once per distinct word (memoised by the lemma layer).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import or_, select

from .access import requires
from .errors import InputError, check_limit
from .store import Coding, Database, Pseudonym, Segment, Source, Speaker
from .store.lookup import find_source

UNKNOWN = "(ukjent)"  # a filter value selecting missing metadata (analysis.UNKNOWN)
_WS = re.compile(r"\s")
# query words are separated by white space and by commas, except a comma inside a number ("1,5")
_SEPARATOR = re.compile(r"\s+|(?<!\d),|,(?!\d)")
# a word character for phrase boundaries: letters, digits, "_" and combining marks (so that a
# phrase never ends before the accent of its last letter)
_WORD_CHARS = r"\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD_CHAR = re.compile(f"[{_WORD_CHARS}]")
# quotes: an opening mark -> the marks that close its phrase. Single quotes open a phrase only at
# the start of a word and close it only at the end of one (else they are apostrophes: Kari’s).
DOUBLE_QUOTES = {'"': '"”“', "«": "»", "“": "”“\"", "„": "“”\"", "”": "”\"", "‹": "›"}
SINGLE_QUOTES = {"‘": "’‘", "’": "’", "'": "'", "‚": "‘’"}
_CLOSING = {'"': '"', "«": "»", "“": "”", "„": "“", "”": "”", "‹": "›"}  # named in the notice
# punctuation around a query word that is not part of it
_EDGE = ".,;:!()[]{}'\"«»‹›“”„‘’‚"
# fuzzy and boost marks of other search engines, with their numbers: tillit~, tillit~1, tillit^2
_FUZZY = re.compile(r"[~^]\d*(?:[.,]\d+)?")
_HYPHENS = "-\u2010\u2011"
_HYPHEN_PARTS = re.compile(f"[^{_HYPHENS}]+")
OPERATORS = ("AND", "OR", "NOT")  # not operators here: said so by query_notes
MIN_COMPOUND_PREFIX = 3
MIN_PREFIX = 3  # letters or digits before the * of a prefix search
MIN_PART = 2  # letters of a hyphen-joined part searched as a word ("e" of "e-post" is not)
MAX_BRIDGE = 2  # letters of an ending the other standard's lemma may lack (module docstring)
MAX_WIDTH = 500  # characters of context on each side of a hit, at most


def _scan(text: str) -> tuple[list[str], str, tuple[str, int] | None]:
    """``(phrases, the text outside them, (opening mark, position) of a phrase left open or None)``.
    A double quote left open ends the phrases: the text after it is words."""
    phrases: list[str] = []
    rest: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        single = ch in SINGLE_QUOTES
        closers = SINGLE_QUOTES[ch] if single else DOUBLE_QUOTES.get(ch)
        if closers is None or (single and i > 0 and _WORD_CHAR.match(text[i - 1])):
            rest.append(ch)
            i += 1
            continue
        j = i + 1
        while j < n and not (text[j] in closers and not (single and j + 1 < n and _WORD_CHAR.match(text[j + 1]))):
            j += 1
        if j >= n:  # not closed
            if single:  # an apostrophe ('kke), or a quote left open: left out
                rest.append(" ")
                i += 1
                continue
            rest.append(" " + text[i + 1:])
            return phrases, "".join(rest), (ch, i)
        phrases.append(text[i + 1:j])
        rest.append(" ")
        i = j + 1
    return phrases, "".join(rest), None


def _term(raw: str) -> tuple[str, str, bool] | None:
    """A query word as ``(kind, word, wildcards left out)``: kind "word", "prefix" (the word before
    a final ``*``) or "short" (a prefix of fewer than ``MIN_PREFIX`` letters or digits); None
    when nothing is left to search for."""
    w = raw.strip(_EDGE)
    if w[:1] in ("-", "+") and w[1:2].isalpha():  # "-tillit": not an operator, the word
        w = w[1:]
    core = _FUZZY.sub("", w)
    prefix = core.endswith("*")
    word = core.rstrip("*").replace("*", "").replace("?", "").strip(_EDGE)
    if not any(ch.isalpha() or ch.isdigit() for ch in word):
        return None
    wild = word + ("*" if prefix else "") != w
    if prefix:
        kind = "prefix" if sum(ch.isalnum() for ch in word) >= MIN_PREFIX else "short"
        return kind, word, wild
    return "word", word, wild


def _terms(text: str) -> list[tuple[str, str, str, bool]]:
    """``(kind, word, as typed, wildcards left out)`` of each word of the text outside phrases."""
    out = []
    for raw in _SEPARATOR.split(text):
        term = _term(raw)
        if term is not None:
            out.append((term[0], term[1], raw.strip(_EDGE) or raw, term[2]))
    return out


def _words(text: str) -> list[str]:
    """The words of the text outside phrases, as searched: a prefix with its final ``*``,
    other wildcards left out, prefixes that are too short left out."""
    return [word + ("*" if kind == "prefix" else "") for kind, word, _, _ in _terms(text) if kind != "short"]


def _query_text(query: str | None) -> str:
    """The query as the text it is compared with is stored: NFC, without the invisible characters
    ingest takes out (a soft hyphen or zero-width space pasted in with a word from Word or a web
    page: "Stats\u00adforvalteren" finds "Statsforvalteren")."""
    from .ingest.chars import clean_text

    return clean_text(str(query or ""))


def parse_query(query: str) -> tuple[list[str], list[str]]:
    """(phrases, words) of a query (in NFC): quoted phrases (module docstring, "Quotes") and the
    remaining words, separated by white space or commas; a prefix keeps its final ``*``
    ("kommun*"). A double quote without its closing quote is left out."""
    text = _query_text(query)
    phrases, rest, _ = _scan(text)
    return [" ".join(p.split()) for p in phrases if p.strip()], _words(rest)


def _names(quoted: list[str]) -> str:
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " og " + quoted[-1]


def query_notes(query: str, *, compounds_option: str = "--compounds") -> list[str]:
    """One-line notices (Norwegian, for the CLI and the page) where :func:`search` reads the query
    otherwise than it may look: an unclosed quote, AND/OR/NOT or "-" written as operators,
    wildcards that are not understood, and a prefix too short to search for.
    ``compounds_option`` names the switch for compounds (the page: «Med sammensetninger»)."""
    text = _query_text(query)
    _, rest, unclosed = _scan(text)
    notes = []
    if unclosed is not None and _words(text[unclosed[1] + 1:]):
        mark = unclosed[0]
        notes.append(f'Anførselstegnet {mark} er ikke lukket, så ordene etter det søkes hver for seg (treff på '
                     f'hvilket som helst av dem); lukk frasen med {_CLOSING[mark]} for å søke etter den ordrett.')
    for quote in DOUBLE_QUOTES:  # after a quote left open
        rest = rest.replace(quote, " ")
    raw = [w.strip(".,;:!?()[]{}'‘’‚") for w in _SEPARATOR.split(rest)]
    used = [w for w in OPERATORS if w in raw]
    if used:
        notes.append(f"AND, OR og NOT er ikke operatorer i søket: {_names([f'«{w}»' for w in used])} søkes som "
                     f"{'et vanlig ord' if len(used) == 1 else 'vanlige ord'}, og treff på hvilket som helst av "
                     "ordene vises; skriv ord som skal stå sammen, i anførselstegn.")
    minus = [w for w in raw if w[:1] in ("-", "+") and w[1:2].isalpha()]
    if minus:
        notes.append(f"«{minus[0][0]}» foran et ord er ikke en operator i søket: «{minus[0]}» søkes som "
                     f"«{_FUZZY.sub('', minus[0][1:]).rstrip('*').replace('*', '').replace('?', '')}».")
    terms = _terms(rest)
    wild = [(typed, word) for kind, word, typed, was_wild in terms if was_wild and kind != "short"]
    if wild:
        read = [f"«{typed}» som «{word}{'*' if _FUZZY.sub('', typed).rstrip('?').endswith('*') else ''}»"
                for typed, word in dict.fromkeys(wild)]
        read[0] = read[0].replace("» som «", "» søkes som «", 1)
        notes.append(f"?, ~, ^ og * foran eller inne i et ord er ikke jokertegn i søket og er utelatt: "
                     f"{_names(read)}. "
                     "Et ord finner alle bøyningsformene sine uten jokertegn (tillit finner tilliten), * til slutt "
                     "i et ord finner ord som begynner slik (kommun* finner kommunen og kommunestyret), og "
                     f"{compounds_option} finner ordet inne i sammensatte ord (samarbeid i kommunesamarbeidet).")
    short = [typed for kind, _, typed, _ in terms if kind == "short"]
    if short:
        notes.append(f"Et prefikssøk trenger minst {MIN_PREFIX} bokstaver foran *: "
                     f"{_names([f'«{w}»' for w in dict.fromkeys(short)])} er utelatt fra søket.")
    return notes


def _literal(phrase: str) -> re.Pattern:
    """A phrase (or a word without a lemma) as a pattern: case-insensitive, any white space for
    white space, whole words where it begins or ends with a word character."""
    body = r"\s+".join(re.escape(w) for w in phrase.split())
    if _WORD_CHAR.match(phrase[0]):
        body = f"(?<![{_WORD_CHARS}])" + body
    if _WORD_CHAR.match(phrase[-1]):
        body += f"(?![{_WORD_CHARS}])"
    return re.compile(body, re.IGNORECASE)


def _prefix(prefix: str) -> re.Pattern:
    """Word forms (or hyphen-joined parts of them) that begin with ``prefix``, case-insensitive."""
    return re.compile(f"(?<![{_WORD_CHARS}]){re.escape(prefix)}[{_WORD_CHARS}]*", re.IGNORECASE)


def _nfc_offsets(text: str) -> tuple[str, list[int], list[int]] | None:
    """``text`` in NFC with, for each of its characters, where the text it came from starts and
    ends in ``text``; None when ``text`` is NFC already. Each base character and the combining
    marks after it are normalised together, so a match never splits what they became."""
    if unicodedata.is_normalized("NFC", text):
        return None
    parts, starts, ends = [], [], []
    begin = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            piece = unicodedata.normalize("NFC", text[begin:i])
            parts.append(piece)
            starts += [begin] * len(piece)
            ends += [i] * len(piece)
            begin = i
    return "".join(parts), starts, ends


def _literal_spans(text: str, patterns: list[re.Pattern]) -> list[tuple[int, int]]:
    """Where the patterns match ``text`` read in NFC, as offsets into ``text`` as it is."""
    if not patterns:
        return []
    mapped = _nfc_offsets(text)
    plain = text if mapped is None else mapped[0]
    found = []
    for pattern in patterns:
        for m in pattern.finditer(plain):
            if m.end() > m.start():
                found.append(m.span() if mapped is None else (mapped[1][m.start()], mapped[2][m.end() - 1]))
    return found


def _other(lang: str) -> str:
    return "nn" if lang == "nb" else "nb"


def _lemmas(word: str, lang: str, own: str | None = None) -> frozenset[str]:
    """The lemmas a word (NFC) is compared by in written standard ``lang``: its lemma there (``own``
    when the stored analysis gave it), its lowercase form, and its lemma in the other standard
    when that is the own lemma less an ending of at most ``MAX_BRIDGE`` letters ("samarbeidet":
    bokmål "samarbeide", nynorsk "samarbeid"; module docstring)."""
    from .nlp import lemma_of

    if own is None:
        own = lemma_of(word, lang)
    other = lemma_of(word, _other(lang))
    if other != own and len(other) >= 2 and own.startswith(other) and len(own) - len(other) <= MAX_BRIDGE:
        return frozenset((own, other, word.lower()))
    return frozenset((own, word.lower()))


def _is_part(lemma: str, query: str) -> bool:
    """``query`` is a compound part of ``lemma``: at its start, or after >= 3 letters."""
    if len(query) < MIN_COMPOUND_PREFIX or len(lemma) <= len(query):
        return False
    return lemma.startswith(query) or lemma.find(query, MIN_COMPOUND_PREFIX) != -1


class _WordMatcher:
    """The word terms of a query, compared with word tokens written in either standard."""

    def __init__(self, words: list[str], compounds: bool):
        self.words, self.compounds = words, compounds
        self.targets: dict[str, frozenset[str]] = {}
        self.memo: dict[tuple[str, str, str], list[tuple[int, int]]] = {}

    def _targets(self, lang: str) -> frozenset[str]:
        if lang not in self.targets:
            self.targets[lang] = frozenset().union(*(_lemmas(w, lang) for w in self.words))
        return self.targets[lang]

    def _matches(self, lemmas: frozenset[str], lang: str) -> bool:
        targets = self._targets(lang)
        return not lemmas.isdisjoint(targets) or (
            self.compounds and any(_is_part(lm, t) for lm in lemmas for t in targets))

    def token(self, word: str, lemma: str, lang: str) -> list[tuple[int, int]]:
        """Where a word token (as written, with its stored lemma) matches, relative to its start:
        the whole token, else its hyphen-joined parts that match; [] when nothing does."""
        key = (word, lemma, lang)
        found = self.memo.get(key)
        if found is None:
            form = unicodedata.normalize("NFC", word)
            if self._matches(_lemmas(form, lang, lemma), lang):
                found = [(0, len(word))]
            else:
                found = [m.span() for m in _HYPHEN_PARTS.finditer(word)
                         if m.span() != (0, len(word)) and sum(map(str.isalpha, m.group())) >= MIN_PART
                         and self._matches(_lemmas(unicodedata.normalize("NFC", m.group()), lang), lang)]
            self.memo[key] = found
        return found

    def spans(self, analysed) -> list[tuple[int, int]]:
        """Where the words match an analysed text (``nlp.AnalysedText``), as offsets into it."""
        out: list[tuple[int, int]] = []
        memo, lang = self.memo, analysed.lang
        for start, end, lemma in analysed.word_tokens():
            word = analysed[start:end]
            found = memo.get((word, lemma, lang))
            if found is None:
                found = self.token(word, lemma, lang)
            if found:
                out += [(start + s, start + e) for s, e in found]
        return out


def _one_line(text: str) -> str:
    return _WS.sub(" ", text)


def _code_filter(session, code: str):
    from .coding import _like_prefix, _resolve_code

    cid = _resolve_code(session, code).id
    return select(Coding.segment_id).where(or_(Coding.code_id == cid,
                                               Coding.code_id.like(_like_prefix(cid), escape="\\"))).distinct()


def _turn_rows(db: Database, *, source=None, actor=None, phase=None, code=None) -> list[dict[str, Any]]:
    """The turns in scope, with their text, heading, source language, pseudonym, actor and phase."""
    from .sharing import pseudonym_map

    pseudonym_map(db)  # assign any missing pseudonyms first
    with db.session() as s:
        stmt = (select(Segment.id, Segment.source_id, Source.file_name, Segment.index, Segment.start_char,
                       Segment.end_char, Speaker.actor, Source.phase, Source.language, Pseudonym.label,
                       Segment.heading, Segment.lemmas, Segment.lemma_lang, Segment.token_splits)
                .select_from(Segment).join(Source, Segment.source_id == Source.id)
                .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
                .outerjoin(Pseudonym, Speaker.pseudonym_id == Pseudonym.id)
                .order_by(Source.file_name, Segment.index))
        if source is not None:
            stmt = stmt.where(Segment.source_id == find_source(s, source).id)
        for column, value in ((Speaker.actor, actor), (Source.phase, phase)):
            if value is not None:  # "(ukjent)": the turns without one
                stmt = stmt.where(column.is_(None) if str(value) == UNKNOWN else column == str(value))
        if code is not None:
            stmt = stmt.where(Segment.id.in_(_code_filter(s, code)))
        rows = s.execute(stmt).all()
        ids = sorted({r[1] for r in rows})
        texts: dict[int, str] = {}
        for i in range(0, len(ids), 500):
            texts.update(s.execute(select(Source.id, Source.canonical_text)
                                   .where(Source.id.in_(ids[i:i + 500]))).all())
    out = []
    for (seg_id, src_id, name, index, start, end, act, ph, lang, pseudonym, heading, lemmas, lemma_lang,
         splits) in rows:
        out.append({"segment_id": seg_id, "source_id": src_id, "source": name, "turn": index,
                    "text": (texts.get(src_id) or "")[start:end], "language": lang, "speaker": pseudonym,
                    "actor": act, "phase": ph, "heading": heading, "stored": (lemmas, lemma_lang, splits)})
    return out


def _languages(rows: list[dict[str, Any]]) -> list[str]:
    """Each turn's written standard: its source's declared language; for a source declared in
    both ("nb+nn"), the one ingest read the turn in (stored with its lemmas, else detected in
    the turn); for a source without a language, the one detected from all its turns."""
    from .nlp import detect_language, given_lang

    by_source: dict[int, list[str]] = {}
    declared: dict[int, str | None] = {}
    mixed: set[int] = set()
    for r in rows:
        sid = r["source_id"]
        by_source.setdefault(sid, []).append(r["text"])
        if sid not in declared:
            value = r["language"]
            try:
                declared[sid] = given_lang(value)
            except Exception:  # an odd manifest value: detect instead
                declared[sid] = None
            if declared[sid] is None and value and str(value).strip():
                mixed.add(sid)  # "nb+nn" (or an odd value): each turn's own standard
    source_lang = {sid: lang if lang else detect_language(" ".join(by_source[sid])[:20000])
                   for sid, lang in declared.items() if sid not in mixed}
    out = []
    for r in rows:
        if r["source_id"] in mixed:
            stored = r["stored"][1]
            out.append(stored if stored in ("nb", "nn") and r["stored"][0] is not None else detect_language(r["text"]))
        else:
            out.append(source_lang[r["source_id"]])
    return out


def _hit(row: dict[str, Any], start: int, end: int, width: int) -> dict[str, Any]:
    text = row["text"]
    return {"source": row["source"], "turn": row["turn"], "speaker": row["speaker"], "actor": row["actor"],
            "phase": row["phase"], "heading": row["heading"], "match": text[start:end],
            "left": _one_line(text[max(0, start - width):start]), "right": _one_line(text[end:end + width]),
            "start": start, "end": end, "in_heading": False}


def _heading_hit(row: dict[str, Any], start: int, end: int, width: int) -> dict[str, Any]:
    heading = row["heading"]
    return {**_hit(row, 0, 0, 0), "match": heading[start:end],
            "left": _one_line(heading[max(0, start - width):start]), "right": _one_line(heading[end:end + width]),
            "start": None, "end": None, "in_heading": True}


@requires("view_transcripts")
def search(db: Database, query: str, *, source: Any = None, actor: str | None = None, phase: str | None = None,
           code: str | None = None, compounds: bool = False, headings: bool = False, width: int = 60,
           limit: int | None = None, user: str | None = None) -> list[dict[str, Any]]:
    """Lemma-aware keyword-in-context search over the turns (rules in the module docstring).

    Filters: ``source`` (file name or id), ``actor``, ``phase``, ``code`` (turns carrying the code
    or one of its subcodes, by any coder). An actor or phase that is not in the database is an
    error naming the known ones ("Fase 2" is taken as "fase 2"). ``headings``: also list the turns
    under a heading the query matches, each once. Hits in source, turn and position order (a
    turn's heading hit first); at most ``limit`` of them (1 or more; None: all). ``width`` is
    capped at ``MAX_WIDTH``.
    """
    from .ingest import ensure_lemmas
    from .nlp import AnalysedText, analyse, stored_text

    text = _query_text(query)
    phrases, rest, _ = _scan(text)
    phrases = [" ".join(p.split()) for p in phrases if p.strip()]
    terms = _terms(rest)
    prefixes = [word for kind, word, _, _ in terms if kind == "prefix"]
    words = [word for kind, word, _, _ in terms if kind == "word"]
    if not phrases and not words and not prefixes:
        short = [typed for kind, _, typed, _ in terms if kind == "short"]
        if short:
            raise InputError(f"a prefix search needs at least {MIN_PREFIX} letters before the *: {short[0]}",
                             code="search.short_prefix", prefix=short[0], letters=MIN_PREFIX)
        raise InputError("empty search: give a word, or a phrase in double quotes", code="search.empty")
    limit = check_limit(limit, code="search.limit", message="limit {limit!r} is not a number of hits; give --limit "
                        "1 or more, or leave it out for every hit")
    if actor is not None or phase is not None:  # a misspelt filter is an error, never "no hits"
        from .analysis.aggregate import check_filters

        checked = check_filters(db, {"actor": actor, "phase": phase})
        actor, phase = checked["actor"], checked["phase"]
    width = max(0, min(int(width), MAX_WIDTH))
    # a word without a letter (a number) has no lemma: it matches as written, as a phrase does
    literal = phrases + [w for w in words if not any(map(str.isalpha, w))]
    words = list(dict.fromkeys(w for w in words if any(map(str.isalpha, w))))
    patterns = [_literal(p) for p in dict.fromkeys(literal)] + [_prefix(p) for p in dict.fromkeys(prefixes)]
    matcher = _WordMatcher(words, compounds)
    if words:
        ensure_lemmas(db)  # turns stored before lemmas were: analyse and store them once
    rows = _turn_rows(db, source=source, actor=actor, phase=phase, code=code)
    langs = _languages(rows) if words else []
    spans: list[list[tuple[int, int]]] = [[] for _ in rows]
    if words:
        for lang in sorted(set(langs)):
            picked = [i for i, lg in enumerate(langs) if lg == lang]
            analysed = [stored_text(rows[i]["text"], lang, *rows[i]["stored"]) for i in picked]
            fresh = [k for k, a in enumerate(analysed) if not isinstance(a, AnalysedText)]
            for k, a in zip(fresh, analyse([analysed[k] for k in fresh], lang)):
                analysed[k] = a
            for i, a in zip(picked, analysed):
                spans[i] = matcher.spans(a)
    in_heading: dict[tuple[str, str], tuple[int, int] | None] = {}  # (heading, lang) -> its first match

    def heading_match(row: dict[str, Any], lang: str | None) -> tuple[int, int] | None:
        key = (row["heading"], lang or "")
        if key not in in_heading:
            found = _literal_spans(row["heading"], patterns)
            if words:
                found += matcher.spans(analyse([row["heading"]], lang)[0])
            in_heading[key] = min(found) if found else None
        return in_heading[key]

    hits: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        found = headings and row["heading"] and heading_match(row, langs[i] if words else None)
        if found:
            hits.append(_heading_hit(row, *found, width))
        for start, end in sorted(set(spans[i] + _literal_spans(row["text"], patterns))):
            hits.append(_hit(row, start, end, width))
        if limit is not None and len(hits) >= limit:
            return hits[:limit]
    return hits


@requires("view_transcripts")
def coded_segments(db: Database, code: str, *, source: Any = None, coder: str | None = None,
                   reveal: bool = False, user: str | None = None) -> list[dict[str, Any]]:
    """The codings of ``code`` (subcodes included) across sources, each with its text and one turn
    of context before and after.

    Speakers are pseudonyms, as in :func:`search`, unless a researcher asks ``reveal=True``
    (audited): then the labels as written in the file.

    Each item: the coding's fields (``id, source, turn, code, coder, start, end, text, origin,
    created_at, memo``) plus ``speaker``, ``turn_text`` (the whole turn) and ``before`` / ``after``
    (``{"turn", "speaker", "text"}`` of the neighbouring turn, or None at a source's edge).
    """
    from .analysis.aggregate import check_reveal
    from .coding import list_codings
    from .sharing import pseudonym_map

    records = [r.to_dict() for r in list_codings(db, source=source, coder=coder, code=code)]
    revealed = check_reveal(db, reveal, "coded_segments")
    if not revealed:
        pseudonym_map(db)  # assign any missing pseudonyms first
    wanted: dict[str, set[int]] = {}
    for r in records:
        wanted.setdefault(r["source"], set()).update({r["turn"] - 1, r["turn"], r["turn"] + 1})
    turns: dict[tuple[str, int], dict[str, Any]] = {}
    with db.session() as s:
        for name, indexes in wanted.items():
            src = s.scalar(select(Source).where(Source.file_name == name))
            text = src.canonical_text or ""
            speaker = Speaker.label if revealed else Pseudonym.label
            for index, start, end, label in s.execute(
                    select(Segment.index, Segment.start_char, Segment.end_char, speaker)
                    .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
                    .outerjoin(Pseudonym, Speaker.pseudonym_id == Pseudonym.id)
                    .where(Segment.source_id == src.id, Segment.index.in_(sorted(indexes)))):
                turns[(name, index)] = {"turn": index, "speaker": label, "text": text[start:end]}
    out = []
    for r in records:
        here = turns.get((r["source"], r["turn"]), {})
        out.append({**r, "speaker": here.get("speaker"), "turn_text": here.get("text"),
                    "before": turns.get((r["source"], r["turn"] - 1)),
                    "after": turns.get((r["source"], r["turn"] + 1))})
    return out


__all__ = ["search", "coded_segments", "parse_query", "query_notes", "MAX_WIDTH", "MIN_PREFIX"]
