"""Privacy helpers: which roster labels are names, scrubbing of names and identifiers, pseudonyms,
and neutralising of spreadsheet formulas (CSV/formula injection). Pure functions, no database.

A roster (participants file) gives every speaker a label as written in the transcript. Some labels
are people's names ("Sigrid Aune"), others are roles or codes ("PL Midt-Finnmark", "INFORMANT 1").
:func:`is_name_label` tells them apart (a role before a name is taken off: "Rådmann Jon Tveit"),
:func:`name_variants` lists the strings to remove for one speaker, :func:`place_name_parts` their
surnames that are also place words ("Grong" of "Jostein Grong", organisation "Grong kommune"),
:func:`label_warning` says when a label may hide a name that will not be scrubbed, and
:class:`Scrubber` replaces names, e-mail addresses, Norwegian national identity numbers and phone
numbers in free text and file names with Norwegian placeholders. :class:`PersonScrubber` replaces
what belongs to one person only (their names, e-mail addresses and phone numbers): what a
withdrawal (``lifecycle.forget``) removes from everybody else's text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping

__all__ = ["CONTACT_WINDOW", "FORMULA_START", "NAMES_BEFORE_WORDS", "PLACE_FOLLOWERS", "ROLE_WORDS",
           "WORDS_BEFORE_NAMES", "PersonScrubber", "Scrubber", "identifies_person", "is_name_label",
           "label_warning", "name_keys", "name_variants", "neutralise_formula", "person_key", "place_name_parts",
           "pseudonym"]

# ------------------------------------------------------------------------------ placeholders

EMAIL_TEXT = "[e-post]"
FNR_TEXT = "[fnr]"
PHONE_TEXT = "[telefon]"
NAME_TEXT = "[navn]"

# ------------------------------------------------------------------------------ name labels

#: Lower-cased words that make a label a role or function, not a person's name (bokmål and nynorsk).
ROLE_WORDS = frozenset("""
    moderator moderatoren medmoderator intervjuer intervjuar intervjueren interviewer
    informant informanten forsker forskar forskeren deltaker deltakar deltakeren deltakere
    respondent respondenten taler talar taleren speaker participant guest host ukjent unknown
    ordfører ordførar varaordfører varaordførar rådmann rådmannen kommunedirektør
    kommunedirektøren kommunalsjef kommunalsjefen prosjektleder prosjektleiar prosjektlederen
    prosjektmedarbeider leder leiar lederen daglig dagleg rådgiver rådgjevar rådgiveren
    seniorrådgiver seniorrådgjevar spesialrådgiver spesialrådgjevar direktør direktøren
    fylkesdirektør fylkesdirektøren fylkesrådmann fylkesordfører statsforvalter statsforvaltar
    statsforvalteren fylkesmann fylkesmannen fylkeskommune fylkeskommunen fylkeskommunane
    fylke fylket kommune kommunen kommunar kommuner departement departementet distriktssenteret
    distriktssenter husbanken husbank sametinget nav observatør observatøren sekretær
    sekretæren ordstyrer ordstyrar fasilitator tilhører tilhøyrar tolk tolken saksbehandler
    sakshandsamar konsulent konsulenten koordinator koordinatoren sjef fagsjef avdelingsleder
    enhetsleder styreleder styreleiar nestleder nestleiar representant representanten
    politiker politikar innbygger innbyggar næringssjef næringsrådgiver planlegger planleggar
    ansatt tilsett medarbeider assistent stemme mann kvinne person gruppe alle flere fleire
    pilot piloten prosjekt prosjektet region regionen regionråd regionrådet kommunestyret
    formannskapet administrasjonen statsråd statssekretær ekspedisjonssjef avdelingsdirektør
    seksjonssjef underdirektør utvalg utval styre styret sekretariat sekretariatet
    """.split())

# compounds ending like these are roles too ("Næringssjef", "Utviklingsrådgiver")
_ROLE_SUFFIXES = ("leder", "leiar", "sjef", "rådgiver", "rådgjevar", "direktør", "konsulent",
                  "koordinator", "planlegger", "medarbeider", "ansvarlig", "ansvarleg",
                  "forvalter", "forvaltar", "sekretær", "kommune", "kommunen")

_LETTERS = r"[^\W\d_]"                       # a letter in any script, æøå and accents included
_NAME_TOKEN = re.compile(rf"{_LETTERS}+(?:['’-]{_LETTERS}+)*")
_WORD_SPLIT = re.compile(rf"{_LETTERS}+(?:['’-]{_LETTERS}+)*")


#: Given names and surnames that Norsk Ordbank also lists as ordinary words, but whose word is
#: rare in speech ("ola", "arne" = hearth, "geir" = spear, "bråten" = the brush pile): a lower-case
#: "ola sa ..." is taken as the name and scrubbed. Extend it when a name in your roster is
#: scrubbed only with its capital (docs/privacy.md, "Names in lower case").
NAMES_BEFORE_WORDS = frozenset("""
    ola arne knut geir odd svein arild kåre morten jens ida nora eva jan kim hilde rune sander
    linn tore helge bråten
    """.split())

#: Names that are ordinary words in nynorsk or dialect although Norsk Ordbank (bokmål) has them
#: only as names ("ligge i lie": in the hillside): scrubbed only with a capital.
WORDS_BEFORE_NAMES = frozenset("lie".split())

#: Words that make a place word before them the place, not a person's surname: "Grong kommune"
#: stays when "Jostein Grong" is in the roster (docs/privacy.md, "Surnames that are places").
PLACE_FOLLOWERS = frozenset("""
    kommune kommunen kommunes kommunar kommuner kommunestyre kommunestyret fylkeskommune
    fylkeskommunen fylkeskommunes fylke fylket fylkes region regionen regionens regionråd regionrådet
    formannskap formannskapet rådhus rådhuset sentrum sokn prestegjeld kirke kyrkje skole skule
    sparebank næringsforening næringsråd
    """.split())


def _words(value) -> set[str]:
    """Lower-cased words (and hyphen parts) of an actor, organisation or pilot value."""
    if not isinstance(value, str):
        return set()
    out = set()
    for word in _WORD_SPLIT.findall(unicodedata.normalize("NFC", value).lower()):
        out.add(word)
        out.update(p for p in word.split("-") if p)
    return out


def _is_role(word: str) -> bool:
    return word in ROLE_WORDS or any(word.endswith(s) for s in _ROLE_SUFFIXES)


def _role_token(token: str, actor_words: set[str]) -> bool:
    """A role word ("Rådmann", "Næringssjef", "Prosjektleder-Nord"'s parts) or a word of the actor."""
    low = token.lower()
    return (_is_role(low) or low in actor_words
            or any(_is_role(p) for p in low.split("-") if p))


def _name_token(token: str) -> bool:
    """A capitalised alphabetic word; hyphen/apostrophe inside; no ALL-CAPS part of 2+ letters."""
    if not _NAME_TOKEN.fullmatch(token) or not token[0].isupper():
        return False
    parts = re.split(r"['’-]", token)
    return not any(len(p) >= 2 and p.isupper() for p in parts)


def _label_name(label, actor=None, organisation=None, pilot=None, *,
                role_and_word: bool = False) -> tuple[list[str], set[str]] | None:
    """The name in a roster label as (its words, the lower-cased words of the organisation and
    pilot that may stand in it as surnames), or None when the label is not a person's name.

    Role words (and the actor's words) are taken off the front and the end: "Rådmann Jon Tveit" is
    the name "Jon Tveit". What is left must be 1-4 capitalised words, none a role word, not all of
    them words of the organisation or pilot ("Vestre Varanger" is a place), and, when a role was
    taken off, at least two words ("Ordfører Berlevåg" is a role and a place; ``role_and_word``
    accepts one: "Ordfører Tveit"). A word of two letters or more must be among them ("I" is a
    code, "Jon A Tveit" a name)."""
    if not isinstance(label, str):
        return None
    label, org = split_meeting_label(label)  # Zoom's "Kari Hansen | NIBR": the name is before the bar
    if org:
        organisation = f"{organisation or ''} {org}".strip()
    # "Ola Nordbø (ordfører)", "Nordbø, Ola": brackets and commas around words are no part of them
    tokens = [t for t in (t.strip("()[]{},;:") for t in unicodedata.normalize("NFC", label).split()) if t]
    actor_words = _words(actor)
    roles = 0
    while tokens and _role_token(tokens[0], actor_words):
        tokens.pop(0)
        roles += 1
    while tokens and _role_token(tokens[-1], actor_words):
        tokens.pop()
        roles += 1
    if not 1 <= len(tokens) <= 4 or (roles and len(tokens) < 2 and not role_and_word):
        return None
    if not all(_name_token(t) and not _role_token(t, actor_words) for t in tokens):
        return None
    if not any(_letters(t) >= 2 for t in tokens):
        return None
    places = _words(organisation) | _words(pilot)
    if all(t.lower() in places for t in tokens):
        return None
    return tokens, places


def is_name_label(label, *, actor=None, organisation=None, pilot=None) -> bool:
    """True when a roster label holds a person's name.

    Role words are taken off its front and end ("Rådmann Jon Tveit" holds "Jon Tveit"); the rest
    must be 1-4 capitalised alphabetic words ("Kari-Anne", "O'Neil"), none a role word
    ("Ordfører", "Rådgiver"), not all of them words of the organisation or pilot ("Varanger" for
    pilot "Vestre Varanger"), and two or more when a role was taken off ("Ordfører Berlevåg").
    A word of the organisation or pilot beside a given name is a surname ("Jostein Grong" of
    "Grong kommune"), scrubbed only where it stands as a name (:func:`place_name_parts`).
    """
    return _label_name(label, actor, organisation, pilot) is not None


def identifies_person(label, *, actor=None, organisation=None) -> bool:
    """True when a roster label names one person, who is then the same person in every source.

    The rule of :func:`is_name_label`, judged without the pilot (so that the answer is the same in
    every roster), and wider by one case: a role before a single word that is not the actor's or
    the organisation's ("Ordfører Tveit" of Lierne kommune) names one person, although that word is
    not scrubbed as a name (it may be a place; ingest warns, see :func:`label_warning`). "Ordfører
    Nesseby" of Nesseby kommune, "PL", "INFORMANT 2" and "I" name a role or a code, which says who
    only together with the pilot."""
    return _label_name(label, actor, organisation, None, role_and_word=True) is not None


def person_key(label, actor, organisation, pilot) -> str:
    """Who a speaker is across sources: ``label|actor|organisation|pilot``, ``''`` for a missing part.

    The identity rule: a label that is a person's name (:func:`identifies_person`: "Åse Bråten")
    is the same person in every source with the same actor and organisation, whatever the pilot
    (a roster row with a blank pilot takes the source's pilot, and one person may speak in sources
    of two pilots), so the pilot part is left empty. A role or code label ("Prosjektleder",
    "INFORMANT 2", "PL Midt", "I") says who only together with the pilot: "Informant 2" of one
    pilot is not "Informant 2" of another, so there the pilot stays in the key."""
    def part(v):
        return "" if v is None or (isinstance(v, float) and v != v) else str(v)

    if identifies_person(label, actor=actor if isinstance(actor, str) else None,
                         organisation=organisation if isinstance(organisation, str) else None):
        pilot = None
    return "|".join(part(v) for v in (label, actor, organisation, pilot))


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _expand(name: str, places: set[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(the full name, each token of 2+ letters and each hyphen part of 2+ letters; those tokens
    and parts that are words of ``places``, which are scrubbed only as names)."""
    full = " ".join(unicodedata.normalize("NFC", name).split())
    if not full:
        return [], []
    out, place = [full], []
    for raw in full.split(" "):
        token = re.sub(r"^[\W_]+|[\W_]+$", "", raw)  # "Nilsen," -> "Nilsen"
        pieces = [token] + ([p for p in token.split("-")] if "-" in token else [])
        for piece in pieces:
            if _letters(piece) >= 2:
                (place if piece.lower() in places else out).append(piece)
    return out, place


def _unique_longest_first(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        key = item.casefold()
        if _letters(item) >= 2 and key not in seen:
            seen[key] = item
    return sorted(seen.values(), key=lambda s: (-len(s), s.casefold(), s))


def _label_and_name(label, actor, organisation, pilot, name) -> tuple[list[str], list[str]]:
    found, place = [], []
    parsed = _label_name(label, actor, organisation, pilot)
    places = _words(organisation) | _words(pilot)
    if parsed is not None:
        found, place = _expand(" ".join(parsed[0]), parsed[1])
    if isinstance(name, str):
        more, more_place = _expand(name, places)
        found += more
        place += more_place
    names = _unique_longest_first(found)
    known = {n.casefold() for n in names}
    return names, [p for p in _unique_longest_first(place) if p.casefold() not in known]


def name_variants(label, *, actor=None, organisation=None, pilot=None, name=None) -> list[str]:
    """The strings to scrub for one speaker wherever they occur, longest first, without duplicates.

    When the label holds a name (:func:`is_name_label`, role words taken off): the full name, each
    token of 2+ letters and each hyphen part of 2+ letters; plus the same expansion of ``name``, a
    real name from the roster's optional ``name`` column, which is always treated as a name. A
    part that is a word of the organisation or pilot ("Grong" of "Jostein Grong", "Grong kommune")
    is left out here: it is scrubbed only where it stands as a name (:func:`place_name_parts`).
    """
    return _label_and_name(label, actor, organisation, pilot, name)[0]


def place_name_parts(label, *, actor=None, organisation=None, pilot=None, name=None) -> list[str]:
    """The surnames of one speaker that are also words of their organisation or pilot ("Grong" of
    "Jostein Grong", organisation "Grong kommune"): :class:`Scrubber` replaces them where they
    stand as a name (after the given name; capitalised alone, not before "kommune", "region" ...
    nor inside the organisation's or pilot's own name), never in "Grong kommune"."""
    return _label_and_name(label, actor, organisation, pilot, name)[1]


#: The marks Teams and Zoom put after a participant's label ("Guest-7f3a (Unverified)", "Kari
#: (Gjest)"): no part of a name, so no word to warn about.
_MEETING_MARK = re.compile(r"\s*\((?:unverified|guest|gjest|ekstern|external)\)\s*$", re.I)
_ORG_BAR = re.compile(r"[ \t\u00a0]*\|[ \t\u00a0]*")


def split_meeting_label(label: str) -> tuple[str, str | None]:
    """A meeting tool's ``Name | Organisation`` label (Zoom: "Kari Hansen | NIBR") as (name,
    organisation); (label, None) for any other label."""
    parts = _ORG_BAR.split(label, maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        return parts[0].strip(), parts[1].strip()
    return label, None


def label_warning(label, *, actor=None, organisation=None, pilot=None, name=None) -> str | None:
    """One line when a roster label looks as if it holds a person's name that will not be
    scrubbed ("KARI FJELLSTAD", "kari fjellstad", "Ordfører Tveit", "K. Fjellstad"): what stays and
    what to do. None for names, roles, codes ("INFORMANT 1", "PL Midt" with pilot "Midt"), a
    meeting tool's guest label ("Guest-7f3a (Unverified)") and for labels with a ``name``."""
    if not isinstance(label, str) or (isinstance(name, str) and name.strip()):
        return None
    if _label_name(label, actor, organisation, pilot) is not None:
        return None
    label, org = split_meeting_label(label)
    if org:
        organisation = f"{organisation or ''} {org}".strip()
    known = _words(actor) | _words(organisation) | _words(pilot)
    loose = []
    for token in _MEETING_MARK.sub("", unicodedata.normalize("NFC", label)).split():
        word = re.sub(r"^[\W_]+|[\W_]+$", "", token)
        if _letters(word) < 2 or any(ch.isdigit() for ch in token) or "_" in token:
            continue
        low = word.lower()
        if _is_role(low) or low in known or any(_is_role(p) or p in known for p in low.split("-") if p):
            continue
        loose.append(word)
    if not loose or (all(w.isupper() for w in loose) and len(loose) < 2):
        return None  # a role, a place, a code, an acronym ("KDD", "PL")
    return (f"speaker {label!r} is not read as a person's name, so {' '.join(loose)!r} would stay in quotes "
            "and file names; if it is a name, write the label as 'Fornavn Etternavn' or give the name "
            "in an optional 'name' column of the participants table (file,speaker,actor,organisation,pilot,name)")


# ------------------------------------------------------------------------------ identifiers

_EMAIL = re.compile(r"[\w.+%'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")

# a digit group must not continue a longer number: no digit, nor digit + one separator, around it
# (the patterns below begin with a look at the first character, so that a large text is scanned
# fast: the look-behinds are tried only where a number may start)
_NUM_BEFORE = r"(?<!\d)(?<!\d[ .,\-\u00a0])"
_NUM_AFTER = r"(?!\d)(?![ .,\-\u00a0]\d)"

_DAY = r"(?:0[1-9]|[12]\d|3[01]|4[1-9]|[56]\d|7[01])"            # 41-71: D-number
_MONTH = r"(?:0[1-9]|1[0-2]|4[1-9]|5[0-2]|8[1-9]|9[0-2])"        # +40 / +80 variants
# 11 digits, the first six a date: "01017012345", "010170 12345", "010170-12345"
_FNR = re.compile(rf"(?=\d){_NUM_BEFORE}{_DAY}{_MONTH}\d\d[ \u00a0-]?\d{{5}}{_NUM_AFTER}")

# national numbers start with 2-9; 8 in a row that read as a date 20yymmdd are left alone. Groups:
# 2-2-2-2 and 3-2-3 (space, dot or hyphen), and 4+4 with a space only ("4123 4567"; "2023-2024" is a
# span of years) whose first group is no year 19xx/20xx ("i 2023 1200 søkere"). The country code may
# be written +47, 0047, (+47) or as a bare "47 " before a grouped or 8-digit number.
_PHONE = re.compile(
    rf"(?=[\d+(]){_NUM_BEFORE}(?:(?:\+|00)47[ .\-\u00a0]?|\(\+?47\)[ \u00a0]?|47[ \u00a0](?=[2-9]\d[ \u00a0.\-]?\d))?"
    r"(?:(?!20\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d))[2-9]\d{7}"
    r"|[2-9]\d(?P<s1>[ .\-\u00a0])\d\d(?P=s1)\d\d(?P=s1)\d\d"
    r"|[2-9]\d\d(?P<s2>[ .\-\u00a0])\d\d(?P=s2)\d{3}"
    r"|(?!(?:19|20)\d\d)[2-9]\d{3}[ \u00a0]\d{4})"
    rf"{_NUM_AFTER}")

_DIGIT = re.compile(r"\d")

# ------------------------------------------------------------------------------ names

# "Solveigs", "Kari's"; a bare apostrophe only after s, x, z ("Lars'"), so a closing quote stays
_GENITIVE = r"(?:['’][sS]|[sS]|(?<=[sSxXzZ])['’])?"
_COMBINING = "\u0300-\u036f"   # combining accents: "Å" written decomposed is "A" + U+030A
# not preceded/followed by a letter or digit (underscore is a boundary), nor by a combining accent
BOUNDARY_BEFORE = rf"(?<![^\W_])(?<![{_COMBINING}])"
BOUNDARY_AFTER = rf"(?![^\W_]|[{_COMBINING}])"
_BOUNDARY_BEFORE, _BOUNDARY_AFTER = BOUNDARY_BEFORE, BOUNDARY_AFTER

# "i Grong", "på Grong": after these a place word is the place
_AT_PLACE = r"(?<!\b[iI]\s)(?<!\b[pP][åÅ]\s)(?<!\b[pP][aA]\u030a\s)"

# letter case for the word boundaries inside file names written in CamelCase ("IntervjuKariFjellstad")
_UP = "[" + "".join(chr(c) for c in range(0x41, 0x250) if chr(c).isalpha() and chr(c).isupper()) + "]"
_LO = "[" + "".join(chr(c) for c in range(0x61, 0x250) if chr(c).isalpha() and chr(c).islower()) + "]"
# in a file name a digit, "_", "-", "." or a change from lower to upper case ends a word too
_FILE_BEFORE = (rf"(?:(?<![^\W\d_])(?<![{_COMBINING}])|(?<={_LO})(?={_UP})|(?<={_UP})(?={_UP}{_LO}))")
_FILE_AFTER = rf"(?:(?![^\W\d_]|[{_COMBINING}])|(?<={_LO})(?={_UP}))"
# where a file name may be: a token with "_", ".x" or a case change inside ("rapport.docx", "KDDs")
# (one character class first: the regex engine then skips fast to the places worth a look)
_FILE_ANCHOR = re.compile("[_." + _UP[1:-1] + rf"](?:(?<=_)|(?<=\.)(?=[^\W\d_])|(?<={_LO}{_UP})|(?={_UP}{_LO}))")
# a whole text that is a file name: one line ending in an extension ("Intervju Aase Braaten.docx")
_FILE_NAME = re.compile(r"[^\n]{1,250}\.[^\W\d_][^\W_]{0,5}")
_FILE_TOKEN_MAX = 255
_SEPARATOR = "\0"           # between the parts of a full name in a file name: "_", "-", ".", " " or none
_INITIAL_SEPARATOR = "\1"   # between an initial and a surname: one of those or none ("K_Fjellstad")

# a word broken with a hyphen at the end of a line ("Fjell-\nstad"): the break, the second half
_LINE_BREAK_HYPHEN = re.compile(r"-[ \t]*\r?\n[ \t]*|\u00ad")   # or a soft hyphen: "Fjell\u00adstad"
_SECOND_HALF = re.compile(rf"(?:[^\W\d_]|[{_COMBINING}])+(?:['’][sS])?(?![^\W_]|[{_COMBINING}])")
_HALF_MAX = 40


def _piece(ch: str, space: str = r"\s+") -> str:
    if ch == " ":
        return space
    if ch == _SEPARATOR:
        return r"[\s_.\-]*"
    if ch == _INITIAL_SEPARATOR:
        return r"[\s_.\-]?"
    if ch == "'":
        return "['’]"
    decomposed = unicodedata.normalize("NFD", ch)
    if decomposed != ch:   # "å" or "a" + combining ring: the text keeps its form and its offsets
        return f"(?:{re.escape(ch)}|{re.escape(decomposed)})"
    return re.escape(ch)


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation of ``words`` as a character trie, so a match attempt costs a few
    character comparisons instead of one per word; longer continuations are tried first."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        end = "" in node
        branches = [_piece(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return ("(?:" + body + ")?") if len(branches) == 1 else body + "?"
        return body

    return build(trie)


def _normal(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).replace("’", "'").split())


def _common_word(name: str) -> bool:
    """Is a one-word name also an ordinary word (then it is scrubbed only with its capital)?
    Norsk Ordbank (``nlp.is_common_word``), corrected by :data:`NAMES_BEFORE_WORDS` and
    :data:`WORDS_BEFORE_NAMES`."""
    low = name.lower()
    if low in WORDS_BEFORE_NAMES:
        return True
    if low in NAMES_BEFORE_WORDS:
        return False
    try:
        from .nlp import is_common_word

        return is_common_word(name)
    except Exception:  # noqa: BLE001 - without the word tables, scrub in any case (the safe side)
        return False


def _starts(any_case: Iterable[str], as_written: Iterable[str]) -> str:
    """A look-ahead at the first letter of the words (in both cases for ``any_case``, and as the
    decomposed form begins), so that the regex engine tries the look-behinds only there."""
    first: set[str] = set()
    for words, both in ((any_case, True), (as_written, False)):
        for word in words:
            for ch in {word[0], unicodedata.normalize("NFD", word[0])[0]}:
                first |= {ch.lower(), ch.upper()} if both else {ch}
    return "(?=[" + "".join(re.escape(ch) for ch in sorted(first)) + "])" if first else ""


def _has_at(text: str) -> bool:
    return "@" in text


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def _always(text: str) -> bool:
    return True


def _hyphen_break(text: str) -> bool:
    return ("-" in text and "\n" in text) or "\u00ad" in text


class _Span:
    """A match found without one regex (offers what the scrubbing code uses of ``re.Match``)."""

    __slots__ = ("_start", "_end", "_text")

    def __init__(self, start: int, end: int, text: str):
        self._start, self._end, self._text = start, end, text

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self) -> str:
        return self._text[self._start:self._end]


def _hyphen_breaks(text: str, name_re: re.Pattern):
    """Names broken with a hyphen at the end of a line ("Fjell-\\nstad"), as one span each: the
    two halves joined must be a name as ``name_re`` finds it."""
    done = 0
    for m in _LINE_BREAK_HYPHEN.finditer(text):
        lo, floor = m.start(), max(done, m.start() - _HALF_MAX)
        while lo > floor and (text[lo - 1].isalpha() or unicodedata.combining(text[lo - 1])):
            lo -= 1
        if lo == m.start() or (lo > 0 and (text[lo - 1].isalnum() or unicodedata.combining(text[lo - 1]))):
            continue
        second = _SECOND_HALF.match(text, m.end())
        if second and name_re.fullmatch(text[lo:m.start()] + second.group()):
            yield _Span(lo, second.end(), text)
            done = second.end()


def _file_regions(text: str) -> list[tuple[int, int]]:
    """Where file names may be in ``text``: the whole text when it is one ("Intervju Aase
    Braaten.docx"), else each whitespace-delimited token with "_", ".x" or a case change inside."""
    if len(text) <= _FILE_TOKEN_MAX and _FILE_NAME.fullmatch(text):
        return [(0, len(text))]
    regions: list[tuple[int, int]] = []
    n = len(text)
    for m in _FILE_ANCHOR.finditer(text):
        if regions and m.start() < regions[-1][1]:
            continue
        lo, floor = m.start(), max(0, m.start() - _FILE_TOKEN_MAX)
        while lo > floor and not text[lo - 1].isspace():
            lo -= 1
        hi, ceiling = m.end(), min(n, m.end() + _FILE_TOKEN_MAX)
        while hi < ceiling and not text[hi].isspace():
            hi += 1
        if regions and lo <= regions[-1][1]:
            regions[-1] = (regions[-1][0], hi)
        else:
            regions.append((lo, hi))
    return regions


class _Matches:
    """A pass that is not one regex: ``find(text)`` yields its matches (in order, not
    overlapping). Offers what the scrubbing code uses of a pattern: ``finditer``, ``findall`` and
    ``sub`` (with a fixed replacement)."""

    def __init__(self, find: Callable[[str], Iterable[re.Match]]):
        self.find = find

    def finditer(self, text: str):
        return iter(self.find(text))

    def findall(self, text: str) -> list[str]:
        return [m.group() for m in self.find(text)]

    def sub(self, replacement: str, text: str) -> str:
        out, pos = [], 0
        for m in self.find(text):
            out.append(text[pos:m.start()])
            out.append(replacement)
            pos = m.end()
        if not out:
            return text
        out.append(text[pos:])
        return "".join(out)


def _file_words(variants: list[str], places: list[str]) -> set[str]:
    """What a file name may hold of the names, in lower case and written without æøå (å -> a/aa,
    ø -> o/oe, æ -> ae/a/e, accents dropped): every name of 3+ letters; a full name with a part of
    2 letters or a place word, as a whole ("bo_ek", "jostein_grong", "JosteinGrong"); and each
    surname after an initial ("KFjellstad", "k_fjellstad", "PA.Lie")."""
    place_set = {p.casefold() for p in places}
    words: set[str] = set()
    for v in variants:
        low = v.lower()
        tokens = low.split(" ")
        if len(tokens) == 1:
            if _letters(low) >= 3:
                words |= _spellings(low)
            continue
        if any(_letters(t) < 3 or t.casefold() in place_set for t in tokens):
            words |= {w.replace(" ", _SEPARATOR) for w in _spellings(low)}
        initials = [tokens[0][0]]
        given = "".join(p[0] for t in tokens[:-1] for p in t.split("-") if p)
        if len(given) > 1:
            initials.append(given)
        for surname in tokens[1:]:
            if _letters(surname) < 3:
                continue
            for spelled in _spellings(surname):
                words |= {i + _INITIAL_SEPARATOR + spelled for i in initials if i.isalpha()}
    return {w for w in words if _letters(w) >= 3}


def _apply(passes, text):
    """``text`` after each (pattern, placeholder, worth_trying) pass that is worth trying on it;
    None and "" stay as they are."""
    if text is None or not text:
        return text
    for pattern, placeholder, worth_trying in passes:
        if worth_trying(text):
            text = pattern.sub(placeholder, text)
    return text


class Scrubber:
    """Replaces names, e-mail addresses, fødselsnummer/D-numbers and phone numbers in text.

    ``Scrubber(names)`` scrubs exactly the given strings (use :func:`name_variants` or
    :meth:`from_roster` to expand full names into their parts). Names match as whole words
    (a boundary is anything but a letter or digit), with an optional genitive ("Solveigs",
    "Lars'"), in Unicode NFC or decomposed (NFD, as macOS may write "Å"); names of 3+ letters in
    any case, 2-letter names only with a capital first letter, one-word names that are also
    ordinary words (:func:`_common_word`: "Lene", "Berge", "Liv", "Lie", "Nordmann") with a capital
    first letter or in capitals ("NORDMANN"), never in lower case; the longest name wins
    ("Sigrid Aune" -> one "[navn]").

    Inside a file name (a token with "_", ".docx", a case change; or a whole text that is one
    file name) a name of 3+ letters is found in any case, written without æøå ("aase_braaten"),
    between "_", "-", ".", digits and CamelCase boundaries ("IntervjuOlaNordbo"), and a surname
    after an initial ("KFjellstad"). A name broken over a line with a hyphen ("Fjell-\\nstad") is
    found whole.

    ``places``: surnames that are also place words ("Grong" of "Jostein Grong", organisation "Grong
    kommune", :func:`place_name_parts`): replaced only as names, capitalised, not after a hyphen,
    "i" or "på", nor before "kommune", "region" ... (:data:`PLACE_FOLLOWERS`), nor where they are
    part of one of the ``keep`` phrases (the organisations and pilots: "Vestre Varanger").
    """

    def __init__(self, names: Iterable[str] = (), *, places: Iterable[str] = (), keep: Iterable[str] = ()):
        variants = [v for v in _unique_longest_first(
            n for n in (_normal(x) for x in names if isinstance(x, str)) if n)
            if _letters(v) >= 3 or v[0].isupper()]   # "bo" is too common a word to scrub
        known = {v.casefold() for v in variants}
        place_list = [p for p in _unique_longest_first(
            n for n in (_normal(x) for x in places if isinstance(x, str)) if n)
            if p.casefold() not in known and " " not in p]
        self._variants = variants
        self._places = place_list
        self._names = _unique_longest_first(variants + place_list)
        # A one-word name that is also an ordinary word ("Lene": lene = to lean; Berge, Lien, Liv,
        # Strand, Nordmann) is scrubbed only with its capital or in capitals ("NORDMANN"), so that
        # quotes keep their words.
        common = {v for v in variants if _letters(v) >= 3 and " " not in v and _common_word(v)}
        long = sorted({v.lower() for v in variants if _letters(v) >= 3 and v not in common})
        short = sorted({v for v in variants if _letters(v) == 2 and v[0].isupper()}
                       | {v[0].upper() + v[1:] for v in common} | {v.upper() for v in common})
        alternatives = []
        if long:
            alternatives.append("(?i:" + _trie_pattern(long) + ")")
        if short:
            alternatives.append(_trie_pattern(short))
        self._name_re = (re.compile(_starts(long, short) + _BOUNDARY_BEFORE + "(?:" + "|".join(alternatives) + ")"
                                    + _GENITIVE + _BOUNDARY_AFTER) if alternatives else None)
        self._place_re = self._place_pattern(place_list, [k for k in keep if isinstance(k, str)])
        self._file_words = _file_words(variants, place_list)
        self._file_re: re.Pattern | None = None   # compiled when a text first has a file name
        self._passes = [(_EMAIL, EMAIL_TEXT, _has_at), (_FNR, FNR_TEXT, _has_digit),
                        (_PHONE, PHONE_TEXT, _has_digit)]
        if self._file_words:
            self._passes.append((_Matches(self._file_matches), NAME_TEXT, _always))
        if self._name_re is not None:
            name_re = self._name_re
            self._passes.append((_Matches(lambda text: _hyphen_breaks(text, name_re)), NAME_TEXT, _hyphen_break))
            self._passes.append((self._name_re, NAME_TEXT, _always))
        if self._place_re is not None:
            self._passes.append((self._place_re, NAME_TEXT, _always))
        # a metadata value (a phase, a pilot): names as running text has them; a surname that is a
        # place word is left alone there ("Grong" is the pilot, not Jostein Grong), and so are file names
        self._value_passes = [p for p in self._passes if p[1] == NAME_TEXT and p[0] is not self._place_re
                              and not (isinstance(p[0], _Matches) and p[2] is _always)]

    @staticmethod
    def _place_pattern(places: list[str], keep: list[str]) -> re.Pattern | None:
        """Capitalised place-word surnames, not after a hyphen, not before a place follower, and
        not inside a ``keep`` phrase (its words before and after the place word)."""
        if not places:
            return None
        followers = set(PLACE_FOLLOWERS)
        alternatives = []
        for place in places:
            low = place.lower()
            before = set()
            for phrase in keep:
                words = _WORD_SPLIT.findall(unicodedata.normalize("NFC", phrase).lower().replace("-", " "))
                for i, w in enumerate(words):
                    if w == low:
                        if i:
                            before.add(words[i - 1])
                        if i + 1 < len(words):
                            followers.add(words[i + 1])
            behind = "".join(f"(?<!(?i:{re.escape(w)})[\\s-])" for w in sorted(before))
            alternatives.append(behind + "".join(_piece(ch) for ch in place[0].upper() + place[1:]))
        ahead = "|".join(re.escape(w) for w in sorted(followers, key=lambda w: (-len(w), w)))
        capitalised = [p[0].upper() + p[1:] for p in places]
        return re.compile(_starts((), capitalised) + BOUNDARY_BEFORE + "(?<!-)" + _AT_PLACE
                          + "(?:" + "|".join(alternatives) + ")"
                          + _GENITIVE + BOUNDARY_AFTER
                          + rf"(?![ \t\u00a0]+(?i:{ahead}){BOUNDARY_AFTER})")

    def _file_matches(self, text: str):
        regions = _file_regions(text)
        if not regions:
            return
        if self._file_re is None:
            self._file_re = re.compile(_FILE_BEFORE + "(?i:" + _trie_pattern(sorted(self._file_words)) + ")"
                                       + _GENITIVE + _FILE_AFTER)
        for lo, hi in regions:
            yield from self._file_re.finditer(text, lo, hi)

    @classmethod
    def from_roster(cls, rows) -> Scrubber:
        """A scrubber for every name in a roster: rows are mappings with ``label`` (or
        ``speaker``), ``actor``, ``organisation``, ``pilot`` and ``name``, any of them missing or
        empty; a pandas DataFrame with those columns works too."""
        if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
            rows = rows.to_dict("records")

        def get(row: Mapping, key: str):
            value = row.get(key)
            return value if isinstance(value, str) and value.strip() else None

        names: list[str] = []
        places: list[str] = []
        keep: set[str] = set()
        for row in rows:
            label = get(row, "label") or get(row, "speaker")
            found, place = _label_and_name(label, get(row, "actor"), get(row, "organisation"),
                                           get(row, "pilot"), get(row, "name"))
            names += found
            if place:
                places += place
                keep |= {v for v in (get(row, "organisation"), get(row, "pilot")) if v}
        return cls(names, places=places, keep=sorted(keep))

    @property
    def names(self) -> list[str]:
        """The strings scrubbed as names (place-word surnames too), longest first, then
        alphabetically."""
        return list(self._names)

    @property
    def places(self) -> list[str]:
        """The surnames that are also place words, scrubbed only where they stand as names."""
        return list(self._places)

    def passes(self) -> list[tuple[re.Pattern, str, Callable[[str], bool]]]:
        """The substitutions :meth:`scrub` makes, in order: (pattern, placeholder, a quick test of
        the text as it is when the pass runs). For callers that must know where each placeholder
        came from (the REFI-QDA export maps coding offsets through them). A pattern is an
        ``re.Pattern`` or offers its ``finditer``, ``findall`` and ``sub``."""
        return list(self._passes)

    def scrub(self, text):
        """``text`` with e-mail addresses, fødselsnummer, phone numbers and names replaced by
        "[e-post]", "[fnr]", "[telefon]" and "[navn]"; None stays None."""
        return _apply(self._passes, text)

    def scrub_value(self, text):
        """A metadata value (a source's phase or pilot, a pilot in a roster row) with the roster's
        names replaced by "[navn]" as in running text: "Gjennomføring med Liv Bjørk" ->
        "Gjennomføring med [navn]". A surname that is also a place word is not replaced here (the
        pilot "Grong" stays when Jostein Grong of Grong kommune is in the roster), nor are e-mail
        addresses and numbers looked for. None and "" stay as they are."""
        return _apply(self._value_passes, text)

    def names_in_value(self, text) -> bool:
        """Whether :meth:`scrub_value` would change ``text``."""
        return isinstance(text, str) and bool(text) and self.scrub_value(text) != text

    def scrub_frame_column(self, series):
        """A pandas Series of str/None scrubbed element-wise: same index, name and dtype; missing
        values (None, NaN) and non-text values are kept as they are."""
        import pandas as pd

        scrub = self.scrub
        out = pd.Series([scrub(v) if isinstance(v, str) else v for v in series],
                        index=series.index, name=series.name, dtype=object)
        return out if series.dtype == object else out.astype(series.dtype)

    def __repr__(self) -> str:
        return f"Scrubber({len(self._names)} names)"


# ------------------------------------------------------------------------------ one person

#: How many characters after a mention of a person's name a phone number is taken to be theirs
#: ("ring Kari på 412 34 567", "Karis nummer er 41 23 45 67").
CONTACT_WINDOW = 60

# how Norwegian letters are written in e-mail addresses (kjær -> kjaer/kjar/kjer, bjørn -> bjorn/bjoern)
_ASCII_SPELLINGS = {"æ": ("ae", "a", "e"), "ø": ("o", "oe"), "å": ("a", "aa"), "ä": ("a", "ae"),
                    "ö": ("o", "oe"), "ü": ("u", "ue")}
_MAX_SPELLINGS = 32
_LOCAL_PIECES = re.compile(r"[\W\d_]+")


def _spellings(word: str) -> set[str]:
    """``word`` (lower case) and the ways it is written without æøå and accents."""
    options = [""]
    for ch in word:
        if ch in _ASCII_SPELLINGS:
            alts = (ch,) + _ASCII_SPELLINGS[ch]
        else:
            plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            alts = (ch,) if plain in ("", ch) else (ch, plain)
        options = [o + a for o in options for a in alts][:_MAX_SPELLINGS]
    return set(options)


def name_keys(names: Iterable[str]) -> set[str]:
    """Lower-case spellings of every name part of three or more letters in ``names`` (hyphenated
    names also joined: "Kari-Anne" -> kari, anne, karianne), as an e-mail address may write them."""
    keys: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            continue
        for token in name.lower().split():
            token = token.replace("’", "'")
            parts = [p for p in re.split(r"['-]", token) if p] + [re.sub(r"['-]", "", token)]
            for part in parts:
                part = re.sub(r"[\W\d_]", "", part)
                if len(part) >= 3:
                    keys |= _spellings(part)
    return keys


def _phone_digits(number: str) -> str:
    """The 8 national digits of a phone number ("+47 412 34 567" -> "41234567")."""
    return re.sub(r"\D", "", number)[-8:]


class _Only:
    """``pattern`` (an ``re.Pattern``), restricted to the matches ``keep(match, context)`` accepts;
    ``context(text)`` is worked out once per text. Offers what the scrubbing code uses of a
    pattern: ``finditer``, ``findall`` and ``sub``."""

    def __init__(self, pattern: re.Pattern, keep: Callable, context: Callable[[str], object] = lambda text: None):
        self.pattern, self.keep, self.context = pattern, keep, context

    def finditer(self, text: str):
        context = self.context(text)
        return (m for m in self.pattern.finditer(text) if self.keep(m, context))

    def findall(self, text: str) -> list[str]:
        return [m.group() for m in self.finditer(text)]

    def sub(self, replacement: str, text: str) -> str:
        context = self.context(text)
        return self.pattern.sub(lambda m: replacement if self.keep(m, context) else m.group(), text)


class _Marking(_Only):
    """An :class:`_Only` whose ``sub`` reports, through ``mark(new_text, ends)``, where in the
    text it returns each replacement of a match that ``marks(match)`` accepts ends."""

    def __init__(self, pattern: re.Pattern, keep: Callable, mark: Callable[[str, list[int]], None],
                 marks: Callable[[re.Match], bool]):
        super().__init__(pattern, keep)
        self.mark, self.marks = mark, marks

    def sub(self, replacement: str, text: str) -> str:
        out, ends, pos = [], [], 0
        length, found = 0, False
        for m in self.finditer(text):
            piece = text[pos:m.start()]
            out += [piece, replacement]
            length += len(piece) + len(replacement)
            if self.marks(m):
                ends.append(length)
            found = True
            pos = m.end()
        if not found:
            return text
        out.append(text[pos:])
        new = "".join(out)
        self.mark(new, ends)
        return new


#: What may stand between names said together ("Kari og Åse", "Kari, Åse eller Liv", "Kari/Åse"):
#: a number after such a list is said for each of them.
_NAME_JOIN = re.compile(r"[\s,]*(?:(?:og|eller|samt|and|or|&|/|\+)\s*)?", re.I)
_NAME_PLACEHOLDER = re.compile(re.escape(NAME_TEXT))


def _key_hits(local: str, long: Iterable[str], short: set[str]) -> list[tuple[int, int]]:
    """Where name keys stand in the local part of an e-mail address: a key of four or more letters
    anywhere, a shorter one as a whole piece between dots, hyphens, digits ..."""
    hits = []
    for key in long:
        at = local.find(key)
        while at >= 0:
            hits.append((at, at + len(key)))
            at = local.find(key, at + 1)
    if short:
        hits += [(m.start(), m.end()) for m in re.finditer(r"[^\W\d_]+", local) if m.group() in short]
    return hits


class _Spans:
    """Spans (start, end) of a text, sorted, for finding those that overlap a span."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]
        self.longest = max((e - s for s, e in self.spans), default=0)

    def overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        out = []
        i = bisect_left(self.starts, start - self.longest)
        while i < len(self.spans) and self.spans[i][0] < end:
            if self.spans[i][1] > start:
                out.append(self.spans[i])
            i += 1
        return out


def _covered(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(o[0] <= span[0] and span[1] <= o[1] for o in others)


class PersonScrubber:
    """Replaces what belongs to one person in other people's text: their names ("[navn]", exactly
    as :class:`Scrubber` does), their e-mail addresses ("[e-post]") and their phone numbers
    ("[telefon]"). Other people's addresses and numbers are left alone.

    An e-mail address is theirs when its local part (before "@") contains a part of their name of
    four or more letters, or has a three-letter part of their name as one of its pieces (split at
    dots, hyphens, digits ...); æ, ø, å and accented letters match their plain spellings
    ("bjorn.kjaer@", "bjoern.kjar@" for Bjørn Kjær). An address that holds only parts of their
    name that another person (``others``) shares, and a part that only the other has, is the
    other's ("kari.fjellstad@" when Kari Nordmann withdraws and Kari Fjellstad is in the roster).

    A phone number (the formats :class:`Scrubber` finds) is theirs when the nearest mention of a
    person before it, within ``window`` characters, is of them: their name, or an e-mail address
    holding their name ("ring Kari på 412 34 567"). A nearer mention of someone else (a name in
    ``others``, an address holding it, or a "[navn]" scrubbed before) keeps the number ("Som Åse
    sa, ring Kari på 412 34 567" when Åse withdraws), unless the names are said together ("Kari og
    Åse: 412 34 567": a number for both is theirs too). An e-mail address or phone number written
    in ``contacts`` (their roster values) is theirs wherever it occurs.

    ``others``: the names of everybody else (as :func:`name_variants` gives them), ``other_places``
    their surnames that are place words (:func:`place_name_parts`); ``keep`` serves both.
    """

    def __init__(self, names: Iterable[str] = (), contacts: Iterable[str] = (), *, window: int = CONTACT_WINDOW,
                 places: Iterable[str] = (), keep: Iterable[str] = (), others: Iterable[str] = (),
                 other_places: Iterable[str] = ()):
        keep = list(keep)
        inner = Scrubber(names, places=places, keep=keep)
        self.names = inner.names
        name_passes = [p for p in inner.passes() if p[1] == NAME_TEXT]
        self._name_res = [r for r in (inner._name_re, inner._place_re) if r is not None]
        self._name_re = inner._name_re
        self._keys = name_keys(inner._variants)   # a place word says nothing about an address
        self._short = {k for k in self._keys if len(k) < 4}
        self._long = sorted(self._keys - self._short, key=len)
        others, other_places = list(others), list(other_places)
        outer = Scrubber(others, places=other_places, keep=keep) if others or other_places else None
        self._other_res = ([r for r in (outer._name_re, outer._place_re) if r is not None]
                           if outer is not None else [])
        other_keys = name_keys(outer._variants) if outer is not None else set()
        self._other_short = {k for k in other_keys if len(k) < 4}
        self._other_long = sorted(other_keys - self._other_short, key=len)
        texts = [c for c in contacts if isinstance(c, str)]
        self._emails = {e.casefold() for c in texts for e in (m.group() for m in _EMAIL.finditer(c))}
        self._phones = {_phone_digits(m.group()) for c in texts for m in _PHONE.finditer(c)}
        self.window = int(window)
        self._passes: list[tuple] = []
        # the e-mail pass replaces their addresses before the phone pass looks for a mention of
        # them: where it put "[e-post]" for an address holding their name is remembered (for the
        # text it returned), so that such an address right before a number still marks the number
        # as theirs (as their name there would; an address only from the roster row does not)
        self._replaced: tuple[str, list[int]] | None = None
        if self._keys or self._emails:
            self._passes.append((_Marking(_EMAIL, self._email_is_theirs, self._mark, self._email_holds_name), EMAIL_TEXT, _has_at))
        if self._name_res or self._phones or self._keys:
            self._passes.append((_Only(_PHONE, self._phone_is_theirs, lambda text: [text, None]), PHONE_TEXT,
                                 _has_digit))
        self._passes += name_passes

    def _email_is_theirs(self, match: re.Match, context=None) -> bool:
        if match.group().casefold() in self._emails:
            return True
        local = match.group().rpartition("@")[0].lower()
        mine = _key_hits(local, self._long, self._short)
        if not mine or not (self._other_long or self._other_short):
            return bool(mine)
        theirs = _key_hits(local, self._other_long, self._other_short)
        # a part only they have says it is theirs; else a part only the other has says it is not
        return any(not _covered(h, theirs) for h in mine) or all(_covered(h, mine) for h in theirs)

    def _email_holds_name(self, match: re.Match) -> bool:
        local = match.group().rpartition("@")[0].lower()
        if any(key in local for key in self._long):
            return True
        return bool(self._short.intersection(_LOCAL_PIECES.split(local)))

    def _email_holds_other(self, match: re.Match) -> bool:
        local = match.group().rpartition("@")[0].lower()
        return bool(_key_hits(local, self._other_long, self._other_short))

    def _mark(self, text: str, ends: list[int]) -> None:
        self._replaced = (text, ends)

    def _mentions(self, text: str) -> list[tuple[int, int, bool]]:
        """Every mention of a person in ``text`` as (start, end, whether it is of them), ordered by
        end: their names and addresses, other people's names and addresses, and "[navn]"."""
        mine = [(m.start(), m.end()) for r in self._name_res for m in r.finditer(text)]
        replaced = self._replaced
        at = "@" in text
        if replaced is not None and replaced[0] == text:
            mine += [(end - len(EMAIL_TEXT), end) for end in replaced[1]]
        elif at:   # not the text the e-mail pass returned: their addresses as they are written
            mine += [(m.start(), m.end()) for m in _EMAIL.finditer(text)
                     if self._email_holds_name(m) and self._email_is_theirs(m)]
        other = [(m.start(), m.end()) for r in self._other_res for m in r.finditer(text)]
        if at and (self._other_long or self._other_short):
            other += [(m.start(), m.end()) for m in _EMAIL.finditer(text)
                      if self._email_holds_other(m) and not self._email_is_theirs(m)]
        if NAME_TEXT in text:   # a name scrubbed before (another person withdrawn, anonymised)
            other += [(m.start(), m.end()) for m in _NAME_PLACEHOLDER.finditer(text)]
        if other and mine:
            # a longer name of another person holds theirs ("Kari Fjellstad" when Kari Nordmann
            # withdraws): the other's; where both name the same words, or overlap, theirs
            others = _Spans(other)
            mine = [(s, e) for s, e in mine if not any(o[0] <= s and e <= o[1] and o[1] - o[0] > e - s
                                                       for o in others.overlapping(s, e))]
            theirs = _Spans(mine)
            other = [(s, e) for s, e in other if not theirs.overlapping(s, e)]
        return sorted([(s, e, True) for s, e in mine] + [(s, e, False) for s, e in other],
                      key=lambda m: (m[1], m[0]))

    def _phone_is_theirs(self, match: re.Match, context: list) -> bool:
        if _phone_digits(match.group()) in self._phones:
            return True
        if context[1] is None:   # worked out once per text, when it holds a number
            mentions = self._mentions(context[0])
            context[1] = (mentions, [m[1] for m in mentions])
        mentions, ends = context[1]
        start = match.start()
        i = bisect_right(ends, start) - 1
        if i < 0 or start - ends[i] > self.window:
            return False
        text = context[0]
        theirs = mentions[i][2]
        # names said together before the number ("Kari og Åse: ...", "Åse, Kari eller Liv: ..."): each one's
        while not theirs and i > 0 and mentions[i - 1][1] <= mentions[i][0] \
                and _NAME_JOIN.fullmatch(text, mentions[i - 1][1], mentions[i][0]):
            i -= 1
            theirs = mentions[i][2]
        return theirs

    def passes(self) -> list[tuple]:
        """The substitutions :meth:`scrub` makes, in order (see :meth:`Scrubber.passes`): the
        person's e-mail addresses and phone numbers first, while their name still marks where a
        number belongs, then their names."""
        return list(self._passes)

    def scrub(self, text):
        """``text`` without the person's e-mail addresses, phone numbers and names; None stays None."""
        return _apply(self._passes, text)

    def __repr__(self) -> str:
        return f"PersonScrubber({len(self.names)} names, {len(self._emails) + len(self._phones)} contacts)"


# ------------------------------------------------------------------------------ pseudonyms

def pseudonym(actor: str | None, number: int) -> str:
    """A pseudonym from the actor: ("prosjektleder", 2) -> "Prosjektleder 2", ("KDD", 1) ->
    "KDD 1"; "Deltaker N" without an actor."""
    text = " ".join(actor.split()) if isinstance(actor, str) else ""
    if not text:
        return f"Deltaker {number}"
    return f"{text[0].upper()}{text[1:]} {number}"


# ------------------------------------------------------------------------------ spreadsheets

#: Leading characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """A str that a spreadsheet would read as a formula gets a leading apostrophe; anything else
    (numbers, None, other text) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
