"""Search and retrieval: lemma-aware keyword-in-context search over the turns, and the codings of a
code with one turn of context on each side.

Matching rules of :func:`search`
--------------------------------
* The query is split into *terms*: each text in double quotes is a phrase, every other word
  (separated by white space or commas) is a word term. A hit is an occurrence of any term (terms
  are OR-ed). There are no operators: AND, OR, NOT and a leading "-" are not understood
  ("-tillit" is "tillit"); a quote without its closing quote is left out and the words after it
  are words. :func:`query_notes` says so in one line each, for the CLI and the page to show.
* The query is read in Unicode NFC, and so is the text it is compared with: a phrase typed with
  "å" as one character or as "a" plus a combining ring finds both spellings in the text, and the
  hit's ``start``/``end`` are offsets into the text as stored.
* A **word** matches a word token whose lemma equals the query word's lemma, case-insensitive.
  Lemmas come from the project's cached lemma layer (:mod:`workbench.nlp`): a token's lemma in its
  source's language and in the other written standard, against the query word's bokmål and
  nynorsk lemmas, so "samarbeid" finds "samarbeidet"/"Samarbeidet" (bokmål tables list that form
  under "samarbeide", nynorsk under "samarbeid") and "tillit" finds "tilliten".
* A word without a letter (a number: "2024", "1,5") has no lemma: it matches as written, as a
  one-word phrase.
* A **phrase** ("tillit mellom partene") matches its text literally, case-insensitive, as whole
  words: "rom" does not find "Tromsø" or "rommet". A phrase that begins or ends with a letter or
  digit must begin or end at a word boundary there; one that begins or ends with punctuation
  ('"(rom"') matches that punctuation as typed. Any run of whitespace in the phrase matches any
  run of whitespace in the turn (line breaks included).
* ``compounds=True``: a word also matches a token one of whose lemmas *contains the query lemma
  as a compound part*: at its start ("samarbeid" -> "samarbeidsavtalen"), or after a first part of
  at least 3 letters ("kommunesamarbeidet", lemma "kommunesamarbeide"). A query lemma shorter than
  3 letters only matches whole lemmas.

Each hit is a dict: ``source, turn, speaker`` (the pseudonym, never the label as written),
``actor, phase, match`` (the matched text as written), ``left, right`` (up to ``width`` characters
of context, at most ``MAX_WIDTH``, on one line) and ``start, end`` (code-point offsets of the match in the turn's text,
as ``apply_code(..., span=(start, end))`` takes them).

Speed: the turns' tokens and lemmas are read as ingest stored them (``segments.lemmas``, see
:class:`workbench.nlp.AnalysedText`), never lemmatised again; turns stored before that (or whose
source language reads differently here) are analysed on the fly, and stored by
:func:`workbench.ingest.ensure_lemmas`. A token's lemma in the other written standard is looked up
once per distinct word (memoised by the lemma layer).
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
_PHRASE = re.compile(r'"([^"]*)"')
_WS = re.compile(r"\s")
# query words are separated by white space and by commas, except a comma inside a number ("1,5")
_SEPARATOR = re.compile(r"\s+|(?<!\d),|,(?!\d)")
# a word character for phrase boundaries: letters, digits, "_" and combining marks (so that a
# phrase never ends before the accent of its last letter)
_WORD_CHARS = r"\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD_CHAR = re.compile(f"[{_WORD_CHARS}]")
OPERATORS = ("AND", "OR", "NOT")  # not operators here: said so by query_notes
MIN_COMPOUND_PREFIX = 3
MAX_WIDTH = 500  # characters of context on each side of a hit, at most


def _words(text: str) -> list[str]:
    """The words of the text outside phrases, as typed (punctuation around them left out)."""
    out = []
    for w in _SEPARATOR.split(text):
        w = w.strip(".,;:!?()[]'«»")
        if w[:1] in ("-", "+") and w[1:2].isalpha():  # "-tillit": not an operator, the word
            w = w[1:]
        if any(ch.isalpha() or ch.isdigit() for ch in w):
            out.append(w)
    return out


def parse_query(query: str) -> tuple[list[str], list[str]]:
    """(phrases, words) of a query (in NFC): double-quoted phrases and the remaining words,
    separated by white space or commas. A quote without its closing quote is left out."""
    text = unicodedata.normalize("NFC", str(query or ""))
    phrases = [" ".join(p.split()) for p in _PHRASE.findall(text) if p.strip()]
    rest = _PHRASE.sub(" ", text).replace('"', " ")
    return phrases, _words(rest)


def query_notes(query: str) -> list[str]:
    """One-line notices (Norwegian, for the CLI and the page) where :func:`search` reads the query
    otherwise than it may look: an unclosed quote, and AND/OR/NOT or "-" written as operators."""
    text = unicodedata.normalize("NFC", str(query or ""))
    rest = _PHRASE.sub(" ", text)
    notes = []
    if '"' in rest and _words(rest.split('"', 1)[1]):
        notes.append('Anførselstegnet er ikke lukket, så ordene etter det søkes hver for seg (treff på '
                     'hvilket som helst av dem); lukk frasen med " for å søke etter den ordrett.')
    raw = [w.strip(".,;:!?()[]'«»") for w in _SEPARATOR.split(rest.replace('"', " "))]
    used = [w for w in OPERATORS if w in raw]
    if used:
        quoted = [f"«{w}»" for w in used]
        names = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " og " + quoted[-1]
        notes.append(f"AND, OR og NOT er ikke operatorer i søket: {names} søkes som "
                     f"{'et vanlig ord' if len(used) == 1 else 'vanlige ord'}, og treff på hvilket som helst av "
                     "ordene vises; skriv ord som skal stå sammen, i anførselstegn.")
    minus = [w for w in raw if w[:1] in ("-", "+") and w[1:2].isalpha()]
    if minus:
        notes.append(f"«{minus[0][0]}» foran et ord er ikke en operator i søket: «{minus[0]}» søkes som "
                     f"«{minus[0][1:]}».")
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


def _query_lemmas(word: str) -> set[str]:
    from .nlp import lemma_of

    return {lemma_of(word, "nb"), lemma_of(word, "nn"), word.lower()}


def _is_part(lemma: str, query: str) -> bool:
    """``query`` is a compound part of ``lemma``: at its start, or after >= 3 letters."""
    if len(query) < MIN_COMPOUND_PREFIX or len(lemma) <= len(query):
        return False
    return lemma.startswith(query) or lemma.find(query, MIN_COMPOUND_PREFIX) != -1


def _one_line(text: str) -> str:
    return _WS.sub(" ", text)


def _code_filter(session, code: str):
    from .coding import _like_prefix, _resolve_code

    cid = _resolve_code(session, code).id
    return select(Coding.segment_id).where(or_(Coding.code_id == cid,
                                               Coding.code_id.like(_like_prefix(cid), escape="\\"))).distinct()


def _turn_rows(db: Database, *, source=None, actor=None, phase=None, code=None) -> list[dict[str, Any]]:
    """The turns in scope, with their text, source language, pseudonym, actor and phase."""
    from .sharing import pseudonym_map

    pseudonym_map(db)  # assign any missing pseudonyms first
    with db.session() as s:
        stmt = (select(Segment.id, Segment.source_id, Source.file_name, Segment.index, Segment.start_char,
                       Segment.end_char, Speaker.actor, Source.phase, Source.language, Pseudonym.label,
                       Segment.lemmas, Segment.lemma_lang, Segment.token_splits)
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
    for seg_id, src_id, name, index, start, end, act, ph, lang, pseudonym, lemmas, lemma_lang, splits in rows:
        out.append({"segment_id": seg_id, "source_id": src_id, "source": name, "turn": index,
                    "text": (texts.get(src_id) or "")[start:end], "language": lang, "speaker": pseudonym,
                    "actor": act, "phase": ph, "stored": (lemmas, lemma_lang, splits)})
    return out


def _languages(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Each source's language: the manifest's, else detected from its turns."""
    from .nlp import detect_language, normalize_lang

    by_source: dict[int, list[str]] = {}
    declared: dict[int, str | None] = {}
    for r in rows:
        by_source.setdefault(r["source_id"], []).append(r["text"])
        declared.setdefault(r["source_id"], r["language"])
    out = {}
    for sid, texts in by_source.items():
        try:
            out[sid] = normalize_lang(declared[sid]) if declared[sid] else detect_language(" ".join(texts)[:20000])
        except Exception:  # an odd manifest value: detect instead
            out[sid] = detect_language(" ".join(texts)[:20000])
    return out


def _hit(row: dict[str, Any], start: int, end: int, width: int) -> dict[str, Any]:
    text = row["text"]
    return {"source": row["source"], "turn": row["turn"], "speaker": row["speaker"], "actor": row["actor"],
            "phase": row["phase"], "match": text[start:end],
            "left": _one_line(text[max(0, start - width):start]), "right": _one_line(text[end:end + width]),
            "start": start, "end": end}


@requires("view_transcripts")
def search(db: Database, query: str, *, source: Any = None, actor: str | None = None, phase: str | None = None,
           code: str | None = None, compounds: bool = False, width: int = 60, limit: int | None = None,
           user: str | None = None) -> list[dict[str, Any]]:
    """Lemma-aware keyword-in-context search over the turns (rules in the module docstring).

    Filters: ``source`` (file name or id), ``actor``, ``phase``, ``code`` (turns carrying the code
    or one of its subcodes, by any coder). An actor or phase that is not in the database is an
    error naming the known ones ("Fase 2" is taken as "fase 2"). Hits in source, turn and
    position order; at most ``limit`` of them (1 or more; None: all). ``width`` is capped at
    ``MAX_WIDTH``.
    """
    from .ingest import ensure_lemmas
    from .nlp import AnalysedText, analyse, lemma_of, stored_text

    phrases, words = parse_query(query)
    if not phrases and not words:
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
    words = [w for w in words if any(map(str.isalpha, w))]
    patterns = [_literal(p) for p in dict.fromkeys(literal)]
    targets: set[str] = set()
    for w in words:
        targets |= _query_lemmas(w)
    if words:
        ensure_lemmas(db)  # turns stored before lemmas were: analyse and store them once
    rows = _turn_rows(db, source=source, actor=actor, phase=phase, code=code)
    spans: list[list[tuple[int, int]]] = [[] for _ in rows]
    if words:
        langs = _languages(rows)
        for lang in sorted(set(langs.values())):
            other = "nn" if lang == "nb" else "nb"
            picked = [i for i, r in enumerate(rows) if langs[r["source_id"]] == lang]
            analysed = [stored_text(rows[i]["text"], lang, *rows[i]["stored"]) for i in picked]
            fresh = [k for k, a in enumerate(analysed) if not isinstance(a, AnalysedText)]
            for k, a in zip(fresh, analyse([analysed[k] for k in fresh], lang)):
                analysed[k] = a
            hit: dict[tuple[str, str], bool] = {}  # (lemma, word as written) -> matches
            for i, a in zip(picked, analysed):
                for start, end, lemma in a.word_tokens():
                    word = a[start:end]
                    found = hit.get((lemma, word))
                    if found is None:
                        lemmas = (lemma, lemma_of(word, other), word.lower())
                        found = hit[(lemma, word)] = any(lm in targets for lm in lemmas) or (
                            compounds and any(_is_part(lm, t) for lm in lemmas for t in targets))
                    if found:
                        spans[i].append((start, end))
    hits: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        found = spans[i] + _literal_spans(row["text"], patterns)
        for start, end in sorted(set(found)):
            hits.append(_hit(row, start, end, width))
            if limit is not None and len(hits) >= limit:
                return hits
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


__all__ = ["search", "coded_segments", "parse_query", "query_notes", "MAX_WIDTH"]
