"""Privacy helpers: which roster labels are names, scrubbing of names and identifiers, pseudonyms,
and neutralising of spreadsheet formulas (CSV/formula injection). Pure functions, no database.

A roster (participants file) gives every speaker a label as written in the transcript. Some labels
are people's names ("Sigrid Aune"), others are roles or codes ("PL Midt-Finnmark", "INFORMANT 1").
:func:`is_name_label` tells them apart, :func:`name_variants` lists the strings to remove for one
speaker, and :class:`Scrubber` replaces names, e-mail addresses, Norwegian national identity
numbers and phone numbers in free text with Norwegian placeholders. :class:`PersonScrubber` replaces
what belongs to one person only (their names, e-mail addresses and phone numbers): what a
withdrawal (``lifecycle.forget``) removes from everybody else's text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

__all__ = ["CONTACT_WINDOW", "FORMULA_START", "ROLE_WORDS", "PersonScrubber", "Scrubber", "identifies_person",
           "is_name_label", "name_keys", "name_variants", "neutralise_formula", "person_key", "pseudonym"]

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


def _words(value) -> set[str]:
    """Lower-cased words (and hyphen parts) of an actor, organisation or pilot value."""
    if not isinstance(value, str):
        return set()
    out = set()
    for word in _WORD_SPLIT.findall(value.lower()):
        out.add(word)
        out.update(p for p in word.split("-") if p)
    return out


def _is_role(word: str) -> bool:
    return word in ROLE_WORDS or any(word.endswith(s) for s in _ROLE_SUFFIXES)


def _name_token(token: str) -> bool:
    """A capitalised alphabetic word; hyphen/apostrophe inside; no ALL-CAPS part of 2+ letters."""
    if not _NAME_TOKEN.fullmatch(token) or not token[0].isupper():
        return False
    parts = re.split(r"['’-]", token)
    return not any(len(p) >= 2 and p.isupper() for p in parts)


def is_name_label(label, *, actor=None, organisation=None, pilot=None) -> bool:
    """True when a roster label looks like a person's name.

    Every whitespace-separated token must be a capitalised alphabetic word ("Kari-Anne",
    "O'Neil"), there are 1-4 tokens, and no token is a role word ("Ordfører", "Rådgiver"), a word of
    the actor, or a word of the organisation or pilot ("Varanger" for pilot "Vestre Varanger").
    """
    if not isinstance(label, str):
        return False
    tokens = label.split()
    if not 1 <= len(tokens) <= 4:
        return False
    stop = _words(actor) | _words(organisation) | _words(pilot)
    for token in tokens:
        if not _name_token(token):
            return False
        low = token.lower()
        if _is_role(low) or low in stop:
            return False
        if any(_is_role(p) for p in low.split("-") if p):
            return False
    return True


def identifies_person(label, *, actor=None, organisation=None) -> bool:
    """True when a roster label holds a person's name, which identifies them in every source.

    Leading titles (role words: "Rådmann Jon Tveit", "Ordfører Kari Nes") are set aside; what is
    left must be 1-4 capitalised words of at least two letters, none a role word or code ("PL",
    "INFORMANT", "I", "2"), and at least one of them not a word of the actor or organisation
    ("Jostein Grong" of Grong kommune is a name; "Ordfører Nesseby" of Nesseby kommune is a role).
    Judged without the pilot, so that the answer is the same in every roster."""
    if not isinstance(label, str):
        return False
    tokens = label.split()
    while tokens and _is_role(tokens[0].lower()):
        tokens = tokens[1:]
    if not 1 <= len(tokens) <= 4:
        return False
    stop = _words(actor) | _words(organisation)
    own = False
    for token in tokens:
        low = token.lower()
        if not _name_token(token) or _letters(token) < 2 or _is_role(low):
            return False
        if any(_is_role(p) for p in low.split("-") if p):
            return False
        own = own or low not in stop
    return own


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


def _expand(name: str) -> list[str]:
    """The full name, each token of 2+ letters and each hyphen part of 2+ letters."""
    full = " ".join(name.split())
    if not full:
        return []
    out = [full]
    for raw in full.split(" "):
        token = re.sub(r"^[\W_]+|[\W_]+$", "", raw)  # "Nilsen," -> "Nilsen"
        if _letters(token) >= 2:
            out.append(token)
        if "-" in token:
            out.extend(p for p in token.split("-") if _letters(p) >= 2)
    return out


def _unique_longest_first(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        key = item.casefold()
        if _letters(item) >= 2 and key not in seen:
            seen[key] = item
    return sorted(seen.values(), key=lambda s: (-len(s), s.casefold(), s))


def name_variants(label, *, actor=None, organisation=None, pilot=None, name=None) -> list[str]:
    """The strings to scrub for one speaker, longest first, without duplicates.

    The label's variants (the full label, each token of 2+ letters, each hyphen part of 2+ letters)
    only when :func:`is_name_label` is true; plus the same expansion of ``name``, a real name from
    the roster's optional ``name`` column, which is always treated as a name.
    """
    found: list[str] = []
    if is_name_label(label, actor=actor, organisation=organisation, pilot=pilot):
        found += _expand(label)
    if isinstance(name, str):
        found += _expand(name)
    return _unique_longest_first(found)


# ------------------------------------------------------------------------------ identifiers

_EMAIL = re.compile(r"[\w.+%'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")

# a digit group must not continue a longer number: no digit, nor digit + one separator, around it
_NUM_BEFORE = r"(?<!\d)(?<!\d[ .,\-\u00a0])"
_NUM_AFTER = r"(?!\d)(?![ .,\-\u00a0]\d)"

_DAY = r"(?:0[1-9]|[12]\d|3[01]|4[1-9]|[56]\d|7[01])"            # 41-71: D-number
_MONTH = r"(?:0[1-9]|1[0-2]|4[1-9]|5[0-2]|8[1-9]|9[0-2])"        # +40 / +80 variants
_FNR = re.compile(rf"{_NUM_BEFORE}{_DAY}{_MONTH}\d\d[ \u00a0]?\d{{5}}{_NUM_AFTER}")

# national numbers start with 2-9; 8 in a row that read as a date 20yymmdd are left alone
_PHONE = re.compile(
    rf"{_NUM_BEFORE}(?:(?:\+|00)47[ .\-\u00a0]?)?"
    r"(?:(?!20\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d))[2-9]\d{7}"
    r"|[2-9]\d(?P<s1>[ .\-\u00a0])\d\d(?P=s1)\d\d(?P=s1)\d\d"
    r"|[2-9]\d\d(?P<s2>[ .\-\u00a0])\d\d(?P=s2)\d{3})"
    rf"{_NUM_AFTER}")

_DIGIT = re.compile(r"\d")

# ------------------------------------------------------------------------------ names

# "Solveigs", "Kari's"; a bare apostrophe only after s, x, z ("Lars'"), so a closing quote stays
_GENITIVE = r"(?:['’][sS]|[sS]|(?<=[sSxXzZ])['’])?"
BOUNDARY_BEFORE = r"(?<![^\W_])"   # not preceded by a letter or digit (underscore is a boundary)
BOUNDARY_AFTER = r"(?![^\W_])"
_BOUNDARY_BEFORE, _BOUNDARY_AFTER = BOUNDARY_BEFORE, BOUNDARY_AFTER


def _piece(ch: str) -> str:
    if ch == " ":
        return r"\s+"
    if ch == "'":
        return "['’]"
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
    return " ".join(name.replace("’", "'").split())


def _common_word(name: str) -> bool:
    try:
        from .nlp import is_common_word

        return is_common_word(name)
    except Exception:  # noqa: BLE001 - without the word tables, scrub in any case (the safe side)
        return False


def _has_at(text: str) -> bool:
    return "@" in text


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def _always(text: str) -> bool:
    return True


class Scrubber:
    """Replaces names, e-mail addresses, fødselsnummer/D-numbers and phone numbers in text.

    ``Scrubber(names)`` scrubs exactly the given strings (use :func:`name_variants` or
    :meth:`from_roster` to expand full names into their parts). Names match as whole words
    (a boundary is anything but a letter or digit, so "intervju_ingrid_lien.docx" is covered), with
    an optional genitive ("Solveigs", "Lars'"); names of 3+ letters in any case, 2-letter names
    and one-word names that are also ordinary bokmål words (Norsk Ordbank: "Lene", "Berge",
    "Liv") only with a capital first letter, or in any case inside a file name (next to "_" or
    before an extension); the longest name wins ("Sigrid Aune" -> one
    "[navn]").
    """

    def __init__(self, names: Iterable[str] = ()):
        variants = [v for v in _unique_longest_first(
            n for n in (_normal(x) for x in names if isinstance(x, str)) if n)
            if _letters(v) >= 3 or v[0].isupper()]   # "bo" is too common a word to scrub
        self._names = variants
        # A one-word name that is also an ordinary word ("Lene": lene = to lean; Berge, Lien, Liv,
        # Strand) is scrubbed only with its capital, so that quotes keep their words.
        common = {v for v in variants if _letters(v) >= 3 and " " not in v and _common_word(v)}
        long = sorted({v.lower() for v in variants if _letters(v) >= 3 and v not in common})
        short = sorted({v for v in variants if _letters(v) == 2 and v[0].isupper()}
                       | {v[0].upper() + v[1:] for v in common})
        alternatives = []
        if long:
            alternatives.append("(?i:" + _trie_pattern(long) + ")")
        if short:
            alternatives.append(_trie_pattern(short))
        if common:  # in any case inside a file name: intervju_ingrid_lien.docx
            words = "(?i:" + _trie_pattern(sorted({v.lower() for v in common})) + ")"
            alternatives.append(f"(?:(?<=_){words}|{words}(?=_|\\.[A-Za-z0-9]{{2,4}}\\b))")
        self._name_re = (re.compile(_BOUNDARY_BEFORE + "(?:" + "|".join(alternatives) + ")"
                                    + _GENITIVE + _BOUNDARY_AFTER) if alternatives else None)
        self._passes = [(_EMAIL, EMAIL_TEXT, _has_at), (_FNR, FNR_TEXT, _has_digit),
                        (_PHONE, PHONE_TEXT, _has_digit)]
        if self._name_re is not None:
            self._passes.append((self._name_re, NAME_TEXT, _always))

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
        for row in rows:
            label = get(row, "label") or get(row, "speaker")
            names += name_variants(label, actor=get(row, "actor"),
                                   organisation=get(row, "organisation"), pilot=get(row, "pilot"),
                                   name=get(row, "name"))
        return cls(names)

    @property
    def names(self) -> list[str]:
        """The strings scrubbed as names, longest first, then alphabetically."""
        return list(self._names)

    def passes(self) -> list[tuple[re.Pattern, str, Callable[[str], bool]]]:
        """The substitutions :meth:`scrub` makes, in order: (pattern, placeholder, a quick test of
        the text as it is when the pass runs). For callers that must know where each placeholder
        came from (the REFI-QDA export maps coding offsets through them)."""
        return list(self._passes)

    def scrub(self, text):
        """``text`` with e-mail addresses, fødselsnummer, phone numbers and names replaced by
        "[e-post]", "[fnr]", "[telefon]" and "[navn]"; None stays None."""
        if text is None or not text:
            return text
        for pattern, placeholder, worth_trying in self._passes:
            if worth_trying(text):
                text = pattern.sub(placeholder, text)
        return text

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


class PersonScrubber:
    """Replaces what belongs to one person in other people's text: their names ("[navn]", exactly
    as :class:`Scrubber` does), their e-mail addresses ("[e-post]") and their phone numbers
    ("[telefon]"). Other people's addresses and numbers are left alone.

    An e-mail address is theirs when its local part (before "@") contains a part of their name of
    four or more letters, or has a three-letter part of their name as one of its pieces (split at
    dots, hyphens, digits ...); æ, ø, å and accented letters match their plain spellings
    ("bjorn.kjaer@", "bjoern.kjar@" for Bjørn Kjær). A phone number (the formats
    :class:`Scrubber` finds) is theirs when it follows a mention of their name within
    ``window`` characters ("ring Kari på 412 34 567"). An e-mail address or phone number written
    in ``contacts`` (their roster values) is theirs wherever it occurs.
    """

    def __init__(self, names: Iterable[str] = (), contacts: Iterable[str] = (), *, window: int = CONTACT_WINDOW):
        inner = Scrubber(names)
        self.names = inner.names
        name_passes = [p for p in inner.passes() if p[1] == NAME_TEXT]
        self._name_re = name_passes[0][0] if name_passes else None
        self._keys = name_keys(self.names)
        self._short = {k for k in self._keys if len(k) < 4}
        self._long = sorted(self._keys - self._short, key=len)
        texts = [c for c in contacts if isinstance(c, str)]
        self._emails = {e.casefold() for c in texts for e in (m.group() for m in _EMAIL.finditer(c))}
        self._phones = {_phone_digits(m.group()) for c in texts for m in _PHONE.finditer(c)}
        self.window = int(window)
        self._passes: list[tuple] = []
        if self._keys or self._emails:
            self._passes.append((_Only(_EMAIL, self._email_is_theirs), EMAIL_TEXT, _has_at))
        if self._name_re is not None or self._phones:
            self._passes.append((_Only(_PHONE, self._phone_is_theirs, self._name_ends), PHONE_TEXT, _has_digit))
        self._passes += name_passes

    def _email_is_theirs(self, match: re.Match, context=None) -> bool:
        address = match.group()
        if address.casefold() in self._emails:
            return True
        local = address.rpartition("@")[0].lower()
        if any(key in local for key in self._long):
            return True
        return bool(self._short.intersection(_LOCAL_PIECES.split(local)))

    def _name_ends(self, text: str) -> list[int]:
        return [m.end() for m in self._name_re.finditer(text)] if self._name_re is not None else []

    def _phone_is_theirs(self, match: re.Match, name_ends: list[int]) -> bool:
        if _phone_digits(match.group()) in self._phones:
            return True
        start = match.start()
        return any(0 <= start - end <= self.window for end in name_ends)

    def passes(self) -> list[tuple]:
        """The substitutions :meth:`scrub` makes, in order (see :meth:`Scrubber.passes`): the
        person's e-mail addresses and phone numbers first, while their name still marks where a
        number belongs, then their names."""
        return list(self._passes)

    def scrub(self, text):
        """``text`` without the person's e-mail addresses, phone numbers and names; None stays None."""
        if text is None or not text:
            return text
        for pattern, placeholder, worth_trying in self._passes:
            if worth_trying(text):
                text = pattern.sub(placeholder, text)
        return text

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
