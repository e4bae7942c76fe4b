"""PDF documents and transcripts (pypdf).

Lines are rebuilt from positioned text; a paragraph ends at a vertical gap larger than the usual
line spacing. Before anything else the page furniture goes:

- margin line numbers (every line, or every 5th/10th line, numbered in the margin, as in interview
  transcripts) and paragraph numbers (each paragraph starting with the next number);
- page numbers ("3", "3/5", "3 / 5", "Side 3 av 5", "Page 3 of 5", "- 3 -") at the top or bottom
  of a page, and lines repeated at the same place at the top/bottom of every page (running headers
  and footers);
- words hyphenated at line ends are joined.

A PDF whose lines start with recurring speaker labels ("Intervjuer: ...", "KOMMUNEDIREKTØR: ...")
is a transcript: the cleaned lines go through :func:`workbench.ingest.text.split_turns` like a txt
file, each turn with the page it starts on. Any other PDF is a document: one segment per paragraph
with its heading and page.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError
from ..model import Parsed, Turn
from ..text import split_turns

PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:(?:side|sida|s\.|page|p\.)\s*)?\d{1,4}\s*(?:(?:av|of|/|\|)\s*\d{1,4})?"
    r"|[-–—]\s*\d{1,4}\s*[-–—]|\(\d{1,4}\)|\d{1,4}\s*\(\d{1,4}\))\s*$", re.I)
EDGE_LINES = 2  # how many lines at the top and bottom of a page may be header/footer
LEAD_NUMBER = re.compile(r"^(\d{1,4})(?:\s+(?=\S)|$)")
PARA_NUMBER = re.compile(r"^[\[(]?(\d{1,4})[\])]?\s+(?=\S)")
# Where a speaker turn may start: "Label:", "[Label]", "[00:01:02] Label:", "LABEL" alone, a time.
LABEL_START = re.compile(
    r"^\s*(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?\s*)?"
    r"(?:\[[^\]\n]{1,40}\]|[^\s:][^:\n]{0,48}?\s*(?:[\[(][\d:.,]+[\])])?\s*:(?!//))")
TIME_ONLY = re.compile(r"^\s*[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?\s*$")
NAME_TIME = re.compile(r"^[^\d:]{1,60}?\s+[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?$")
CAPS_LABEL = re.compile(r"^[A-ZÆØÅÄÖÉ][A-ZÆØÅÄÖÉ0-9 _()\-.]{0,40}:?$")


@dataclass
class Line:
    text: str
    y: float
    size: float
    bold: bool
    x: float = 0.0


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [_page_lines(page) for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{path.name}: not a readable PDF ({exc}); export it again as PDF "
                         "(a scanned PDF needs OCR first)") from None
    pages = strip_margin_numbers(pages)
    pages = _drop_running_lines(pages)
    page_paras = [_paragraphs(lines) for lines in pages]
    strip_paragraph_numbers(page_paras)
    if not force_notes:
        parsed = _transcript(page_paras, roster, path.name, strict_roster)
        if parsed is not None:
            return parsed
    sizes = [ln.size for page in pages for ln in page if ln.size]
    body = statistics.median(sizes) if sizes else 0.0
    turns: list[Turn] = []
    heading: str | None = None
    para_no = 0
    for page_no, paras in enumerate(page_paras, start=1):
        first_on_page = True
        for para in paras:
            text = _join(para)
            if not text:
                continue
            para_no += 1
            size = max(ln.size for ln in para)
            is_heading = (len(text) <= 120 and len(para) <= 2 and not text.endswith((".", ",", ";"))
                          and (size > body * 1.15 or all(ln.bold for ln in para)))
            if is_heading:
                heading = text
                continue
            if (first_on_page and turns and text[:1].islower()
                    and not turns[-1].text.endswith((".", "!", "?", ":"))):
                # a paragraph running over the page break: join it to its start (page of the start)
                turns[-1].text = _join([Line(turns[-1].text, 0, 0, False), Line(text, 0, 0, False)])
                first_on_page = False
                continue
            first_on_page = False
            turns.append(Turn(text=text, heading=heading, page=page_no, line=para_no))
    return Parsed(turns, "pdf", "dokument")


# ------------------------------------------------------------------------------------ transcript

def _transcript(page_paras: list[list[list[Line]]], roster: set[str] | None, file: str,
                strict_roster: bool) -> Parsed | None:
    """Speaker turns when the cleaned lines carry recurring labels that hold most of the text."""
    lines: list[tuple[str, int]] = []
    page_of: dict[int, int] = {}
    for page_no, paras in enumerate(page_paras, start=1):
        for p_index, para in enumerate(paras):
            chunks = _chunks(para)
            for c_index, chunk in enumerate(chunks):
                text = _join(chunk)
                if not text:
                    continue
                continues = (p_index == 0 and c_index == 0 and lines and lines[-1][0] and text[:1].islower()
                             and not lines[-1][0].endswith((".", "!", "?", ":")))
                if continues:  # a turn running over the page break
                    lines[-1] = (_join([Line(lines[-1][0], 0, 0, False), Line(text, 0, 0, False)]), lines[-1][1])
                    continue
                number = len(lines) + 1
                page_of[number] = page_no
                lines.append((text, number))
            number = len(lines) + 1
            page_of[number] = page_no
            lines.append(("", number))
    if not any(t for t, _ in lines):
        return None
    result = split_turns(lines, sorted(roster) if roster else None, file, strict_roster=strict_roster)
    if result is None:
        return None
    turns, preamble, warnings = result
    labelled = sum(len(t.text) for t in turns if t.speaker)
    total = sum(len(t) for t, _ in lines)
    speakers = [t for t in turns if t.speaker]
    if not speakers or labelled < 0.5 * total:
        return None
    words = sum(len(t.text.split()) for t in speakers) / len(speakers)
    if not roster and words < 5:  # "Ansvar: kommunen" / "Frist: 2025" lists, not speech
        return None
    for t in turns:
        t.page = page_of.get(t.line or 0)
    return Parsed(turns, "pdf", "transcript", warnings, preamble)


def _chunks(para: list[Line]) -> list[list[Line]]:
    """Split a paragraph before every line where a speaker turn may start, and after a line that
    stands alone (a label alone, a time, a name with a time): over-splitting is harmless, since
    split_turns joins unlabelled chunks to the turn above."""
    chunks: list[list[Line]] = []
    alone_before = False
    for ln in para:
        text = ln.text.strip()
        alone = bool(CAPS_LABEL.match(text) or TIME_ONLY.match(text) or NAME_TIME.match(text)
                     or (text.endswith(":") and len(text.split()) <= 5))
        if not chunks or alone or alone_before or LABEL_START.match(text):
            chunks.append([ln])
        else:
            chunks[-1].append(ln)
        alone_before = alone
    return chunks


# ---------------------------------------------------------------------------- margin numbers

def _chain(entries: list[tuple[int, int]], step: int) -> list[int]:
    """The longest run of entries (position, number) whose numbers rise by ``step`` (a missing
    number or three allowed); returns positions."""
    best: list[int] = [1] * len(entries)
    prev: list[int] = [-1] * len(entries)
    for j in range(len(entries)):
        for i in range(max(0, j - 60), j):  # a window keeps long documents linear
            d = entries[j][1] - entries[i][1]
            if 0 < d <= 4 * step and d % step == 0 and best[i] + 1 > best[j]:
                best[j], prev[j] = best[i] + 1, i
    if not entries:
        return []
    j = max(range(len(entries)), key=lambda k: best[k])
    out = []
    while j >= 0:
        out.append(entries[j][0])
        j = prev[j]
    return out[::-1]


def _numbered(lines: list[Line]) -> list[tuple[int, int]]:
    order = sorted(range(len(lines)), key=lambda i: -lines[i].y)  # top to bottom
    entries = []
    for i in order:
        m = LEAD_NUMBER.match(lines[i].text)
        if m:
            entries.append((i, int(m.group(1))))
    return entries


def _step(entries: list[tuple[int, int]]) -> int:
    """The usual rise between consecutive numbers (1 for every line, 5 for every fifth ...)."""
    diffs = Counter(b[1] - a[1] for a, b in zip(entries, entries[1:]) if 0 < b[1] - a[1] <= 10)
    return diffs.most_common(1)[0][0] if diffs else 1


def strip_margin_numbers(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove line numbers printed in the margin: numbers that start the lines of a page and rise
    steadily (1, 2, 3 ... on most lines, or 5, 10, 15 ... evenly spaced down the page). A number
    alone on its line (a numbered blank line, or the number drawn apart from its text) goes; a
    number before text is cut off the text."""
    per_page = [_numbered(lines) for lines in pages]
    flat = [e for entries in per_page for e in entries]
    if len(flat) < 3:
        return pages
    step = _step(flat)
    chains: dict[int, set[int]] = {}
    for p, entries in enumerate(per_page):
        chain = _chain(entries, step) if entries else []
        if not chain:
            continue
        lines = pages[p]
        numbers = [n for i, n in entries if i in set(chain)]
        if step == 1 and len(chain) < 0.4 * len(lines):
            continue
        if step > 1 and (any(n % step for n in numbers) or not _even_pitch(lines, chain, numbers)):
            continue
        chains[p] = set(chain)
    if sum(len(c) for c in chains.values()) < 3:
        return pages
    out = []
    for p, lines in enumerate(pages):
        drop = chains.get(p, set())
        kept = []
        for i, ln in enumerate(lines):
            if i in drop:
                rest = LEAD_NUMBER.sub("", ln.text, count=1).strip()
                if not rest:
                    continue
                ln = Line(rest, ln.y, ln.size, ln.bold, ln.x)
            kept.append(ln)
        out.append(kept)
    return out


def _even_pitch(lines: list[Line], chain: list[int], numbers: list[int]) -> bool:
    """Numbers every few lines sit at a steady distance per number (the line pitch)."""
    pitches = [(lines[a].y - lines[b].y) / (nb - na)
               for (a, na), (b, nb) in zip(zip(chain, numbers), zip(chain[1:], numbers[1:]))]
    if not pitches:
        return True
    mid = statistics.median(pitches)
    return mid > 0 and all(abs(pt - mid) <= 0.25 * mid for pt in pitches)


def strip_paragraph_numbers(page_paras: list[list[list[Line]]]) -> None:
    """Remove numbers that start most paragraphs and count up (1, 2, 3 ...), in place."""
    entries = []
    total = 0
    for p, paras in enumerate(page_paras):
        for k, para in enumerate(paras):
            total += 1
            m = PARA_NUMBER.match(para[0].text)
            if m:
                entries.append(((p, k), int(m.group(1))))
    if len(entries) < 3:
        return
    index = {i: key for i, (key, _) in enumerate(entries)}
    chain = _chain([(i, n) for i, (_, n) in enumerate(entries)], 1)
    if len(chain) < 3 or len(chain) < 0.5 * total:
        return
    for i in chain:
        p, k = index[i]
        first = page_paras[p][k][0]
        page_paras[p][k][0] = Line(PARA_NUMBER.sub("", first.text, count=1), first.y, first.size, first.bold, first.x)


# ------------------------------------------------------------------------------- page layout

def _page_lines(page) -> list[Line]:
    frags: list[tuple[float, float, str, float, bool]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip():
            if text and frags and "\n" not in text:
                x, y, t, s, b = frags[-1]
                frags[-1] = (x, y, t + text, s, b)
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (abs(tm[3] * cm[3]) or 1.0)
        name = str((font_dict or {}).get("/BaseFont", ""))
        for part in text.split("\n"):
            if part.strip():
                frags.append((x, y, part, float(font_size or 0) * scale, "bold" in name.lower()))

    page.extract_text(visitor_text=visit)
    if not frags:
        text = page.extract_text() or ""
        return [Line(t, -i * 12.0, 0.0, False) for i, t in enumerate(text.split("\n"))]
    lines: list[Line] = []
    for x, y, t, s, b in frags:
        if lines and abs(lines[-1].y - y) < max(s, 1.0) * 0.5:
            last = lines[-1]
            if x < last.x - 1.0 and _is_number(t) and not _is_number(last.text):
                last.text = _concat(t, last.text)  # a margin number drawn after its line
            else:
                last.text = _concat(last.text, t)
            last.size = max(last.size, s)
            last.bold = last.bold and b
            last.x = min(last.x, x)
        else:
            lines.append(Line(t, y, s, b, x))
    lines = _attach_lone_numbers(lines)
    for ln in lines:
        ln.text = " ".join(ln.text.split())
    return [ln for ln in lines if ln.text]


def _is_number(t: str) -> bool:
    return t.strip().isdigit() and len(t.strip()) <= 4


def _attach_lone_numbers(lines: list[Line]) -> list[Line]:
    """Numbers drawn apart from their lines (all margin numbers first, then the text) are put at
    the start of the text line at the same height, so that they are seen as margin numbers."""
    lone = [i for i, ln in enumerate(lines) if _is_number(ln.text)]
    if len(lone) < 3:
        return lines
    taken: set[int] = set()
    for i in lone:
        n = lines[i]
        for j, ln in enumerate(lines):
            if j != i and j not in lone and abs(ln.y - n.y) < max(n.size, 1.0) * 0.5 and n.x < ln.x:
                ln.text = f"{n.text.strip()} {ln.text}"
                ln.x = n.x
                taken.add(i)
                break
    return [ln for i, ln in enumerate(lines) if i not in taken]


def _concat(a: str, b: str) -> str:
    return a + b if a.endswith(" ") or b.startswith(" ") else a + " " + b


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.casefold()).strip()


def _edges(lines: list[Line]) -> set[int]:
    """Indexes of the EDGE_LINES highest and lowest lines on a page (by position, not order)."""
    order = sorted(range(len(lines)), key=lambda i: -lines[i].y)
    return set(order[:EDGE_LINES]) | set(order[-EDGE_LINES:])


def _drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove page numbers and lines repeated at the same place at the top/bottom of every page."""
    running: set[tuple[str, int]] = set()
    if len(pages) >= 2:
        counts: Counter[tuple[str, int]] = Counter()
        for lines in pages:
            counts.update({(_key(lines[i].text), round(lines[i].y / 4)) for i in _edges(lines)})
        need = len(pages) if len(pages) <= 3 else len(pages) - 1
        running = {k for k, c in counts.items() if c >= need}
    out = []
    for lines in pages:
        edges = _edges(lines)
        kept = [ln for i, ln in enumerate(lines)
                if not (i in edges and ((_key(ln.text), round(ln.y / 4)) in running or PAGE_NUMBER.match(ln.text)))]
        out.append(kept)
    return out


def _paragraphs(lines: list[Line]) -> list[list[Line]]:
    if not lines:
        return []
    gaps = [lines[i].y - lines[i + 1].y for i in range(len(lines) - 1)]
    # The usual line spacing: the smallest gap that is at least about one font size (tiny gaps are
    # sub/superscripts or fragments of one line); a paragraph break is clearly larger than that.
    spacing = [g for i, g in enumerate(gaps) if g >= 0.8 * max(lines[i].size, 1.0)]
    usual = min(spacing) if spacing else 0.0
    paras: list[list[Line]] = [[lines[0]]]
    for i, gap in enumerate(gaps):
        nxt = lines[i + 1]
        prev = lines[i]
        new = gap <= 0 or (usual and gap > usual * 1.3) or abs(nxt.size - prev.size) > 0.5 \
            or nxt.bold != prev.bold
        if new:
            paras.append([nxt])
        else:
            paras[-1].append(nxt)
    return paras


def _join(lines: list[Line]) -> str:
    text = ""
    for ln in lines:
        t = ln.text.strip()
        if not t:
            continue
        if not text:
            text = t
        elif re.search(r"\w-$", text) and t[:1].islower():
            text = text[:-1] + t  # de-hyphenate "utvik-" + "ling"
        else:
            text += " " + t
    return text
