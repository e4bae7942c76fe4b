"""PDF documents (pypdf): one segment per paragraph with page number and heading.

Lines are rebuilt from positioned text; a paragraph ends at a vertical gap larger than the usual
line spacing. Lines repeated at the top or bottom of every page (running headers and footers,
"Side N av M", bare page numbers) are dropped, and words hyphenated at line ends are joined.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError
from ..model import Parsed, Turn

PAGE_NUMBER = re.compile(r"^\s*(?:(?:side|s\.|page)\s*)?\d+\s*(?:(?:av|of|/)\s*\d+)?\s*$", re.I)
EDGE_LINES = 2  # how many lines at the top and bottom of a page may be header/footer


@dataclass
class Line:
    text: str
    y: float
    size: float
    bold: bool


def read(path: Path, roster: set[str] | None = None, **_: object) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [_page_lines(page) for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{path.name}: not a readable PDF ({exc}); export it again as PDF "
                         "(a scanned PDF needs OCR first)") from None
    pages = _drop_running_lines(pages)
    sizes = [ln.size for page in pages for ln in page if ln.size]
    body = statistics.median(sizes) if sizes else 0.0
    turns: list[Turn] = []
    heading: str | None = None
    para_no = 0
    for page_no, lines in enumerate(pages, start=1):
        first_on_page = True
        for para in _paragraphs(lines):
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
            lines[-1].text = _concat(lines[-1].text, t)
            lines[-1].size = max(lines[-1].size, s)
            lines[-1].bold = lines[-1].bold and b
        else:
            lines.append(Line(t, y, s, b))
    for ln in lines:
        ln.text = " ".join(ln.text.split())
    return [ln for ln in lines if ln.text]


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
        if not text:
            text = t
        elif re.search(r"\w-$", text) and t[:1].islower():
            text = text[:-1] + t  # de-hyphenate "utvik-" + "ling"
        else:
            text += " " + t
    return text
