"""Formatting for display: code titles, percentages, Norwegian column names, zip of files, and
escaping research text before it meets a Markdown element."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Iterable

import pandas as pd

ALL_PHASES = "Alle faser"
ALL_PILOTS = "Alle piloter"
ALL_GROUPS = "Alle hovedtemaer"
ALL_CODERS = "Alle kodere"
CONSENSUS = "Konsensus (minst to kodere)"
# The library groups text without a speaker (documents, notes) under the actor "(ukjent)";
# the pages call it what it is.
UNKNOWN_ACTOR = "(ukjent)"
UNKNOWN_ACTOR_LABEL = "Dokument / notater"
UNKNOWN_ACTOR_NOTE = ("«Dokument / notater» er tekst uten taler (dokumenter og notater): den har ingen "
                      "aktør og telles derfor for seg.")
NOT_CODED = "ikke kodet ennå"
MISSING = "–"  # an empty cell in a display table (no pilot, no phase ...)

QUOTE_HEADINGS = {"source": "Kilde", "position": "Posisjon", "speaker": "Taler", "actor": "Aktør",
                  "phase": "Fase", "pilot": "Pilot", "text": "Sitat"}
RELEASED_HEADINGS = {"speaker": "Taler", "actor": "Aktør", "phase": "Fase", "pilot": "Pilot", "text": "Sitat"}

# Markdown (and Streamlit's extensions: :colour[...], $LaTeX$, ~~strike~~) punctuation, plus "&"
# (entities such as &lt;), "=" (setext headings) and ":": ASCII punctuation CommonMark lets a
# backslash escape and that could change how text renders.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&=:])")
# Autolinks (http://..., www.x, a@b.no) and Streamlit's :material/icon: are found in the text
# *after* escapes are read, so backslashes cannot stop them; an invisible WORD JOINER can.
WORD_JOINER = "\u2060"
_UNLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?<=@)|(?<=:)(?=material/)")


def md_escape(text) -> str:
    """Research text (turns, quotes, memos, code texts, file names) made safe for st.markdown,
    st.caption, st.info ...: Markdown punctuation is backslash-escaped, and a word joiner (U+2060,
    invisible) breaks "://", "www.", "@" and ":material/", so ``![x](http://...)`` shows as
    those characters, as no image and no link, and never makes the browser fetch anything.
    None -> ""."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return _MD_SPECIAL.sub(r"\\\1", _UNLINK.sub(WORD_JOINER, str(text)))


def md_unescape(text: str) -> str:
    """The text a reader sees for a string made with :func:`md_escape` (for tests and logs)."""
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>~$&=:])", r"\1", str(text)).replace(WORD_JOINER, "")


_PHASE_ORDER_FIX = re.compile(r'sett rekkefølgen med workbench settings set phase_order "[^"]*"')


def phase_note(note: str, *, researcher: bool = True) -> str:
    """A phase-order note (``analysis.aggregate.order_phases``) as the app says it: the fix
    points to the Kilder page («Faserekkefølge») rather than the command line, and for a role
    without that page to the researchers."""
    where = ("sett rekkefølgen under «Faserekkefølge» på siden Kilder" if researcher
             else "be en forsker sette rekkefølgen")
    return _PHASE_ORDER_FIX.sub(where, note or "")


def suppressed_text(k: int) -> str:
    """What a suppressed cell shows instead of a number: "<3" for k = 3."""
    return f"<{int(k)}"


def suppression_note(k: int) -> str:
    return f"{suppressed_text(k)}: færre enn {int(k)} personer bak tallet"


def code_title(label: str, level: int) -> str:
    """A code label indented by its level, so children read as part of their parent."""
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    return ("– " * level) + str(label)


def short_of_bounds(value, digits: int, *, low: float, high: float, scale: float = 1, unit: str = "",
                    decimal: str = ",", trim: bool = False) -> str:
    """The one rounding rule of every figure shown as text: ``value * scale`` with ``digits``
    decimals (decimal comma unless ``decimal``; ``trim``: no trailing zeros, "50" not "50,0"),
    then ``unit``; but a value short of a bound never reads as the bound: one that rounds to
    ``high`` (``low``) without being it reads "> " ("< ") and the nearest figure inside, so
    agreement on all but 4 of 100,000 characters is "> 99,9 %", a kappa of 0.9996 "> 0,999".
    ``low`` and ``high`` are on the scale of ``value`` (a share: 0 and 1; kappa: -1 and 1)."""
    x = float(value) * scale
    lo, hi = low * scale, high * scale
    shown = round(x, int(digits)) + 0.0  # (+ 0.0: no "-0")
    step = 10.0 ** -int(digits)

    def text(v: float) -> str:
        t = f"{v:.{int(digits)}f}"
        if trim and "." in t:
            t = t.rstrip("0").rstrip(".")
        return t.replace(".", decimal) + unit

    if shown >= hi > x:
        return "> " + text(hi - step)
    if shown <= lo < x:
        return "< " + text(lo + step)
    return text(shown)


def percent(value) -> str:
    """A share as Norwegian text: "50 %", "12,5 %" (one decimal, decimal comma, only when needed).
    A share that is not exactly 1 (or 0) never reads "100 %" ("0 %"): it is "> 99,9 %" ("< 0,1 %"),
    so that agreement on all but a few of 100,000 characters does not look like full agreement
    (:func:`short_of_bounds`)."""
    if value is None or pd.isna(value):
        return ""
    return short_of_bounds(value, 1, low=0, high=1, scale=100, unit=" %", trim=True)


def agreement_figure(value, *, decimal: str = ",", share: bool = False) -> str:
    """Kappa or alpha (or, ``share``, a share 0-1) as text with three decimals: "0,889"; "–"
    undefined. One that is not exactly 1 (-1; a share: 0) never reads "1,000" ("-1,000", "0,000"):
    "> 0,999" (:func:`short_of_bounds`). ``decimal="."`` for the command line's text output."""
    if value is None or pd.isna(value):
        return MISSING
    return short_of_bounds(value, 3, low=0 if share else -1, high=1, decimal=decimal)


def score_text(value, digits: int = 2) -> str:
    """A score between 0 and 1 with two (or ``digits``) decimals and a decimal comma: "0,82"."""
    return f"{float(value):.{int(digits)}f}".replace(".", ",")


def count_text(value) -> str:
    """A whole number with a space between thousands, as Norwegian text: "20 085"."""
    return f"{int(value):,}".replace(",", " ")


def count_noun(value, singular: str, plural: str) -> str:
    """A count with its noun in the right number: "1 tur", "3 turer", "0 turer"."""
    return f"{count_text(value)} {singular if int(value) == 1 else plural}"


def name_list(names: Iterable[str], limit: int = 5) -> str:
    """Names comma-separated, at most ``limit`` of them: "a.txt, b.txt og 3 til" (plain text)."""
    names = [str(n) for n in names]
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} og {len(names) - limit} til"


_OPENERS = "«“„‘\"'([{"


def shortened(text, width: int = 60) -> str:
    """``text`` cut to at most ``width`` characters, then "…" where it was cut (plain text).

    The cut is made between words when one ends in the second half of the width, and never right
    after an opening quote or bracket ("om «…" would read as if the text were «…»)."""
    text = str(text or "")
    if len(text) <= width:
        return text
    cut = text[:width]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > width // 2 and not text[width].isspace():
        cut = cut[:space]
    cut = cut.rstrip()
    while cut and cut[-1] in _OPENERS:
        cut = cut[:-1].rstrip()
    return cut + "…"


# How a suggestion was made (``Suggestion.method``), as the pages say it.
METHOD_LABELS = {"lexicon": "leksikon", "model": "modell", "model+lexicon": "modell+leksikon",
                 "model-tfidf": "modellens TF-IDF-del", "model-tfidf+lexicon": "modellens TF-IDF-del+leksikon",
                 "lexicon (fallback: too few examples)": "leksikon (for få eksempler)",
                 "combined": "modell+leksikon"}


# What a memo is written on (``MemoRecord.target_type``), as the pages say it.
MEMO_TARGETS = {"coding": "koding", "segment": "tur", "source": "kilde", "code": "kode"}


def memo_target_label(target_type) -> str:
    """A memo's target kind in Norwegian: "source" -> "kilde"; an unknown one as it is."""
    return MEMO_TARGETS.get(str(target_type), str(target_type))


def method_label(method) -> str:
    """A suggestion's method in Norwegian: "lexicon" -> "leksikon"; an unknown one as it is."""
    if not method:
        return "ukjent"
    return METHOD_LABELS.get(str(method), str(method))


def quality_text(precision, recall) -> str:
    """A suggestion's measured quality (the model's cross-validated figures, or the lexicon's on
    the coded texts) as every page shows it, in percent with a decimal
    comma: "presisjon 85,7 % · treff 41,9 %"; a missing value is left out, both missing -> ""."""
    parts = [f"{name} {percent(v)}" for name, v in (("presisjon", precision), ("treff", recall))
             if v is not None and not pd.isna(v)]
    return " · ".join(parts)


def actor_label(actor) -> str:
    """An actor as the pages show it: "(ukjent)" (no speaker) reads "Dokument / notater"."""
    return UNKNOWN_ACTOR_LABEL if actor == UNKNOWN_ACTOR else str(actor)


def coder_value(choice: str) -> str | None:
    """The library's coder filter for a selectbox choice."""
    if choice == ALL_CODERS:
        return None
    if choice == CONSENSUS:
        return "consensus"
    return choice


def share_texts(matrix: pd.DataFrame) -> list[str]:
    """The share of every row as text: "45 %", or "<k" where the matrix is suppressed."""
    k = matrix.attrs.get("suppressed_k", 3)
    hidden = matrix["suppressed"].fillna(True) if "suppressed" in matrix.columns else [False] * len(matrix)
    return [suppressed_text(k) if h else percent(v) for v, h in zip(matrix["share"], hidden)]


def count_texts(matrix: pd.DataFrame, column: str) -> list[str]:
    """A count column as text, "<k" where suppressed or missing in a suppressed matrix."""
    k = matrix.attrs.get("suppressed_k", 3)
    hidden = matrix["suppressed"].fillna(True) if "suppressed" in matrix.columns else [False] * len(matrix)
    return [suppressed_text(k) if h or v is None or pd.isna(v) else str(int(v))
            for v, h in zip(matrix[column], hidden)]


def cell_texts(matrix: pd.DataFrame) -> list[str]:
    """What each heatmap cell says: share and coded segments, "12,5 % (n=1)", or "<k" where the
    matrix is suppressed (no number at all)."""
    k = matrix.attrs.get("suppressed_k", 3)
    hidden = matrix["suppressed"].fillna(True) if "suppressed" in matrix.columns else [False] * len(matrix)
    return [suppressed_text(k) if h else
            (percent(v) if n is None or pd.isna(n) else f"{percent(v)} (n={int(n)})")
            for v, n, h in zip(matrix["share"], matrix["segments"], hidden)]


def share_table(matrix: pd.DataFrame, *, index: str = "actor") -> pd.DataFrame:
    """Wide display table: one row per actor (and phase), one column per code, share as %
    (a suppressed cell reads "<k", never a number)."""
    if matrix.empty:
        return pd.DataFrame()
    df = matrix.copy()
    df["Kode"] = [code_title(lbl, lvl) for lbl, lvl in zip(df["label"], df["level"])]
    df["_shown"] = share_texts(matrix)
    df["actor"] = [actor_label(a) for a in df["actor"]]
    rows = [index] + (["phase"] if "phase" in df.columns and index != "phase" else [])
    wide = df.pivot_table(index=rows, columns="Kode", values="_shown", aggfunc="first", sort=False)
    wide.index = wide.index.set_names({"actor": "Aktør", "phase": "Fase"})
    wide.columns.name = None
    return wide.reset_index()


def quote_view(q: pd.DataFrame, *, released: bool = False) -> pd.DataFrame:
    """The quotes of a cell for the overview: speaker as the library gives it (a pseudonym unless
    revealed), actor, never the organisation; ``released`` adds "Frigitt" (ja/nei)."""
    out = _missing_as_dash(q[[c for c in QUOTE_HEADINGS if c in q.columns]].rename(columns=QUOTE_HEADINGS))
    if released and "released" in q.columns:
        out["Frigitt"] = ["ja" if r else "nei" for r in q["released"]]
    return out


def _missing_as_dash(out: pd.DataFrame) -> pd.DataFrame:
    """Missing cells (None, NaN) read "–" in a display table, never "None"."""
    out = out.astype(object)
    return out.where(out.notna(), MISSING)


def released_view(r: pd.DataFrame) -> pd.DataFrame:
    """Released quotes (``sharing.released_quotes``) for display: pseudonym, actor, phase, pilot,
    text; a missing value (a quote without pilot, phase or speaker) reads "–"."""
    out = r[[c for c in RELEASED_HEADINGS if c in r.columns]].copy()
    if "actor" in out.columns:
        out["actor"] = [a if a is None or pd.isna(a) else actor_label(a) for a in out["actor"]]
    return _missing_as_dash(out.rename(columns=RELEASED_HEADINGS))


def zip_files(files: Iterable[Path]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            zf.write(f, arcname=Path(f).name)
    return buf.getvalue()


def kwic_markdown(hit: dict, width: int) -> str:
    """A search hit (``workbench.search.search``, called with ``width``) as one Markdown line that
    reads as the text is written: the context joined to the bold match without added spaces
    ("bygge den **tilliten**, og den er skjør."), and "…" only where the context was cut."""
    left, match, right = (str(hit.get(k) or "") for k in ("left", "match", "right"))
    before = "…" if len(left) >= width > 0 else ""
    after = "…" if len(right) >= width > 0 else ""
    # the bold marks must touch the word: spaces of the match itself stay outside them
    inner = match.strip()
    lead, trail = match[:len(match) - len(match.lstrip())], match[len(match.rstrip()):]
    bold = f"**{md_escape(inner)}**" if inner else ""
    return f"{before}{md_escape(left + lead)}{bold}{md_escape(trail + right)}{after}"


def turn_position(turn: dict) -> str:
    """hh:mm:ss for timed turns, else the page or "avsnitt N" (a ``list_turns`` row)."""
    from ..analysis import format_position

    return format_position(turn.get("start_time"), turn["index"], turn.get("page"))


def coded_text(rec, where: str, name: str) -> tuple[str, str]:
    """The flash (kind, Markdown) after coding ``where`` (Markdown) with the code called ``name``
    (escaped), as the Koding and Søk pages say it: the coding made, or (``rec.event`` None) the
    coder's coding that was there already, nothing stored."""
    if rec.event is None:
        return "info", f"{where[0].upper()}{where[1:]} var allerede kodet med «{name}» av deg."
    return "success", f"Kodet {where} med «{name}»."
