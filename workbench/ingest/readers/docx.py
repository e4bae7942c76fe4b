"""Word documents (python-docx + lxml): transcripts in paragraphs or tables, else documents.

The body is read in order, block by block: paragraphs, tables and content controls. Nothing with
text is dropped silently:

- Text boxes (a fact box, a quote set apart) anchored to a paragraph, also in a table cell, are
  segments at the end under "Tekstbokser" (one per box, before the footnotes), as in a PDF, never
  speech of the turn beside them; a document whose only text is in text boxes is read from them as
  its body (a transcript typed in a text box, a PDF converted to Word). Text boxes in headers and
  footers stay with them.

- A table laid out as a transcript (Speaker | Text, Time | Speaker | Text, NVivo's
  Timespan | Content | Speaker ...), recognised from its header row or from its content, gives
  one turn per row (see :func:`transcript_layout`); a heading between two such tables ("DEL 2:
  SAMARBEID", a bold "Fase 3") is the heading of the rows under it. Any other table is read as
  paragraphs: one per row, cells joined with " | ", or one per cell paragraph when cells hold
  several paragraphs.
- "Label: text" paragraphs (and table text that is not a transcript) go through
  :func:`workbench.ingest.text.split_turns`, a line break inside a paragraph (Shift+Enter) ending
  a line as a new paragraph would; a heading (a heading style, or a short paragraph all in bold)
  right above a turn is the heading of the turns under it; without speakers the file is a
  document, one segment per paragraph under its heading.
- Headers and footers are kept in the source text before the first segment (the preamble), page
  numbers aside; footnotes and endnotes are segments at the end under "Fotnoter"/"Sluttnoter".
- Tracked changes not accepted or rejected are read as accepted (insertions kept, deletions left
  out), with one warning that counts them.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ..chars import clean_text
from ..model import Parsed, Turn
from ..text import (NOT_A_HEADING, TIMESTAMP, heading_shape, is_tool_footer, is_tool_notice, looks_like_label,
                    match_label, split_turns)
from .sniff import describe, starts_as_zip

HEADING_STYLES = ("heading", "overskrift", "title", "tittel")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_SKIP = {W + "pPr", W + "rPr", W + "tblPr", W + "trPr", W + "tcPr", W + "sdtPr", W + "del", W + "moveFrom",
         W + "delText", W + "instrText", W + "drawing", W + "pict", W + "object", W + "txbxContent",
         MC + "Fallback", W + "footnoteReference", W + "endnoteReference", W + "commentReference"}
_PAGE_ONLY = re.compile(r"^\s*(?:side|page|s\.|sida)?\s*\d*\s*(?:(?:av|of|/|\|)\s*\d*)?\s*$", re.I)


# ----------------------------------------------------------------------------------------- blocks

@dataclass
class Para:
    text: str
    number: int
    heading: bool = False
    breaks: tuple[str, ...] = ()  # its lines when it holds line breaks (Shift+Enter), else ()
    label_line: str = ""  # its first line as "Label<tab>text" when it starts with a bold label
    bold: bool = False  # a short paragraph all in bold (see :func:`bold_only`): a heading above a turn

    @property
    def lines(self) -> list[tuple[str, int]]:
        """(line, paragraph number) pairs: a line break inside a paragraph ends a line, as in a
        text file, so "Label: text" lines kept in one paragraph are turns of their own."""
        return [(line, self.number) for line in (self.breaks or (self.text,))]

    @property
    def turn_lines(self) -> list[tuple[str, int]]:
        """:attr:`lines` for finding speakers: a bold label at the start is followed by a tab."""
        lines = self.lines
        if self.label_line:
            lines[0] = (self.label_line, self.number)
        return lines


@dataclass
class Cell:
    paras: list[Para]

    @property
    def text(self) -> str:
        return "\n".join(line for p in self.paras for line, _ in p.lines if line)


@dataclass
class Table:
    rows: list[list[Cell]]
    index: int  # 1-based among the tables of the file

    def grid(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows]


class BoxReader:
    """What the .docx and .odt walkers share about text boxes: :attr:`boxes` holds the text of each
    box, one string per box, when they are read apart (the body: see :func:`body_and_boxes`); None:
    read in place, right after the paragraph that anchors them."""

    boxes: list[str] | None = None

    def blocks(self, container) -> list[Para | Table]:
        raise NotImplementedError

    def _read_boxes(self, boxes) -> list[Para | Table]:
        """The blocks of text boxes read in place, or none when they are read apart (:attr:`boxes`)."""
        out: list[Para | Table] = []
        for box in boxes:
            if self.boxes is None:
                out.extend(self.blocks(box))
            else:  # its place first, before the boxes inside it
                self.boxes.append("")
                k = len(self.boxes) - 1
                self.boxes[k] = box_text(self.blocks(box))
        return out


class _Walker(BoxReader):
    """Reads WordprocessingML containers (body, cell, text box, header) into blocks in order."""

    def __init__(self, styles: dict[str, str]):
        self.styles = styles
        self.counter = 0
        self.tables = 0
        self.boxes = None  # (see BoxReader)

    def blocks(self, container) -> list[Para | Table]:
        out: list[Para | Table] = []
        for child in container:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == W + "p":
                out.append(self.para(child))
                out.extend(self._read_boxes(_text_boxes(child)))
            elif tag == W + "tbl":
                out.append(self.table(child))
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None and not _placeholder(child):
                    out.extend(self.blocks(content))
            elif tag == MC + "AlternateContent":
                choice = child.find(MC + "Choice")
                out.extend(self.blocks(choice if choice is not None else child.find(MC + "Fallback") or []))
            elif tag in (W + "customXml", W + "ins", W + "moveTo", W + "smartTag", W + "txbxContent"):
                out.extend(self.blocks(child))
        return out

    def para(self, p) -> Para:
        self.counter += 1
        style_el = p.find(f"{W}pPr/{W}pStyle")
        style = self.styles.get(style_el.get(W + "val"), "") if style_el is not None else ""
        # Line breaks (Shift+Enter) become spaces in the paragraph's text; its lines are kept apart
        # for finding speaker labels (see Para.lines).
        parts = _paragraph_parts(p)
        raw = clean_text("".join(part for part, _ in parts)).replace("\r", "\n").split("\n")
        text = " ".join(raw).strip()
        breaks = tuple(line.strip() for line in raw) if sum(1 for line in raw if line.strip()) > 1 else ()
        heading = (style or "").casefold().startswith(HEADING_STYLES)
        # A bold label without a colon ("**Kari** Da er ...") is offered to the speaker search as
        # "Kari<tab>Da er ..."; the paragraph's text itself stays as written.
        bold = None if heading else _bold_label(parts)
        label_line = f"{bold[0]}\t{bold[1]}" if bold else ""
        return Para(text, self.counter, heading, breaks, label_line, not heading and bold_only(text, parts, breaks))

    def table(self, tbl) -> Table:
        self.tables += 1
        table = Table([], self.tables)
        for tr in _children(tbl, W + "tr"):
            row = []
            for tc in _children(tr, W + "tc"):
                paras: list[Para] = []
                for block in self.blocks(tc):
                    paras.extend(table_paragraphs(block) if isinstance(block, Table) else [block])
                row.append(Cell(paras))
            table.rows.append(row)
        return table


def box_text(blocks: list[Para | Table]) -> str:
    """The text of one text box from its blocks: its paragraphs (a table's as
    :func:`table_paragraphs`) one a line."""
    return "\n".join(p.text for b in blocks for p in ([b] if isinstance(b, Para) else table_paragraphs(b)) if p.text)


def has_text(blocks: list) -> bool:
    """Whether any paragraph or table cell of ``blocks`` holds text."""
    return any(b.text.strip() if isinstance(b, Para) else any(c.text.strip() for row in b.rows for c in row)
               for b in blocks)


def body_and_boxes(walker, body) -> tuple[list, list[str]]:
    """The blocks of ``body`` without its text boxes, and the text boxes' text (one string per box):
    a text box is a segment of its own under "Tekstbokser", never speech of the turn beside it. A
    body with no text outside its text boxes is read with them in place (a text-box-only document);
    ``walker`` is a docx or odt walker."""
    walker.boxes, counter, tables = [], walker.counter, walker.tables
    try:
        blocks = walker.blocks(body)
        boxes = [t for t in walker.boxes if t.strip()]
    finally:
        walker.boxes = None
    if boxes and not has_text(blocks):
        walker.counter, walker.tables = counter, tables
        return walker.blocks(body), []
    return blocks, boxes


def _children(el, tag: str):
    """Direct children with ``tag``, looking through content controls and custom XML."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            inner = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if inner is not None:
                yield from _children(inner, tag)


def _text_boxes(p) -> list:
    """The text boxes anchored in a paragraph (DrawingML, else VML; a fallback copy only once)."""
    boxes = []
    for box in p.iter(W + "txbxContent"):
        anc = box.getparent()
        while anc is not None and anc is not p:
            if anc.tag in (MC + "Fallback", W + "txbxContent"):
                break
            anc = anc.getparent()
        else:
            boxes.append(box)
    return boxes


def _placeholder(sdt) -> bool:
    """A content control still showing its placeholder prompt, not text anyone wrote."""
    props = sdt.find(W + "sdtPr")
    return props is not None and props.find(W + "showingPlcHdr") is not None


def paragraph_text(p) -> str:
    """The text of a ``w:p`` as Word shows it: runs, hyperlinks, fields, insertions, content
    controls; tabs as \\t and line breaks as \\n; no deleted text, no text boxes (read apart)."""
    return "".join(part for part, _ in _paragraph_parts(p))


def _bold(run) -> bool:
    b = run.find(f"{W}rPr/{W}b")
    return b is not None and b.get(W + "val", "true") not in ("0", "false", "off")


def _paragraph_parts(p) -> list[tuple[str, bool]]:
    """The pieces of text of a ``w:p`` (see :func:`paragraph_text`), each with whether its run is bold."""
    parts: list[str] = []
    flags: list[bool] = []
    bold = False

    def visit(el):
        nonlocal bold
        for c in el:
            tag = c.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == W + "r":
                outer, bold = bold, _bold(c)
                visit(c)
                flags.extend([bold] * (len(parts) - len(flags)))
                bold = outer
            elif tag == W + "t":
                parts.append(clean_text(c.text or "", bidi=True))  # before labels are looked for
            elif tag in (W + "tab", W + "ptab"):
                parts.append("\t")
            elif tag == W + "br":
                parts.append("\n" if c.get(W + "type") in (None, "textWrapping") else "")
            elif tag == W + "cr":
                parts.append("\n")
            elif tag == W + "noBreakHyphen":
                parts.append("-")
            elif tag == MC + "AlternateContent":
                choice = c.find(MC + "Choice")
                if choice is not None:
                    visit(choice)
            elif tag == W + "sdt" and _placeholder(c):
                continue  # "Klikk her for å skrive inn tekst": a content control not filled in
            else:
                visit(c)
            flags.extend([bold] * (len(parts) - len(flags)))

    visit(p)
    return list(zip(parts, flags))


def bold_only(text: str, parts: list[tuple[str, bool]], breaks: tuple[str, ...]) -> bool:
    """A paragraph of one short line all in bold that does not end a sentence or a clause ("Samarbeid
    med staten", "Avslutning"): a heading when it stands right above a turn (see
    :func:`split_paragraphs`), as a bold line of its own is in a PDF. A question or sentence in bold
    ("Hvordan startet samarbeidet?") is speech: interviewers' questions are often set in bold."""
    return (0 < len(text) <= 120 and not breaks and not text.endswith((".", ",", ";", ":", "?", "!", "…"))
            and all(flag for part, flag in parts if part.strip()))


def _bold_label(parts: list[tuple[str, bool]]) -> tuple[str, str] | None:
    """(label, rest of the line) when a paragraph starts with a bold label and goes on in plain text
    without a colon ("**Kari** Da er opptaket i gang"); None otherwise."""
    lead = []
    k = 0
    while k < len(parts) and (parts[k][1] or not parts[k][0].strip()):
        lead.append(parts[k][0])
        k += 1
    label = "".join(lead)
    rest = "".join(part for part, _ in parts[k:])
    if not label.strip() or not rest.strip() or "\n" in label or "\t" in label:
        return None
    if not (label[-1].isspace() or rest[0].isspace()) or rest.lstrip().startswith(":"):
        return None  # a bold part of a word, or "**Kari**: text" (read as it stands)
    label = label.strip()
    bare = " ".join(TIMESTAMP.sub(" ", label).split())  # "Kari [00:01:02]" -> "Kari"
    if ":" in bare or not looks_like_label(bare):
        return None
    return label, rest.split("\n", 1)[0].strip()


def table_paragraphs(table: Table) -> list[Para]:
    """A table that is not a transcript, as paragraphs: one per row (cells joined with " | "), or
    one per cell paragraph when a cell holds several paragraphs (a layout table)."""
    out: list[Para] = []
    for row in table.rows:
        cells = [c for c in row if c.text.strip()]
        if not cells:
            continue
        if all(sum(1 for p in c.paras if p.text) == 1 for c in cells):
            texts = [next(p.text for p in c.paras if p.text) for c in cells]
            texts = [t for i, t in enumerate(texts) if i == 0 or t != texts[i - 1]]  # merged cells
            first = next(p for p in cells[0].paras if p.text)
            out.append(Para(" | ".join(texts), first.number, False, first.breaks if len(texts) == 1 else ()))
        else:
            out.extend(p for c in cells for p in c.paras if p.text)
    return out


# ------------------------------------------------------------------------- tables as transcripts

SPEAKER_HEADERS = frozenset({
    "taler", "talar", "talere", "speaker", "speakers", "speaker name", "navn", "namn", "name", "person",
    "deltaker", "deltakar", "informant", "intervjuperson", "hvem", "kven", "who", "participant",
    "respondent", "stemme", "voice", "taler/speaker", "speaker/taler"})
TIME_HEADERS = frozenset({
    "tid", "time", "tidskode", "tidspunkt", "timestamp", "time stamp", "tidsstempel", "tidsmerke", "timecode",
    "time code", "tc", "start", "starttid", "start time", "begin", "timespan", "time span", "tidsrom",
    "tidsintervall", "in", "fra", "frå", "from"})
END_HEADERS = frozenset({"slutt", "sluttid", "end", "end time", "stop", "til", "to", "out"})
TEXT_HEADERS = frozenset({
    "tekst", "text", "utsagn", "transcript", "transkripsjon", "transkript", "innhold", "content", "ytring",
    "utterance", "tale", "sitat", "dialog", "dialogue", "svar", "what was said", "caption", "transcription",
    "transkribert tekst", "sagt", "said", "setning", "sentence"})
NUMBER_HEADERS = frozenset({"#", "nr", "nr.", "no", "no.", "number", "nummer", "linje", "line", "rad", "row"})

_TS = r"\d{1,2}(?::\d{1,2}){1,3}(?:[.,]\d{1,3})?"
TIME_CELL = re.compile(rf"^\s*[\[(]?(?P<start>{_TS})[\])]?\s*"
                       rf"(?:(?:-|–|—|-->|til|to)\s*[\[(]?(?P<end>{_TS})[\])]?)?\s*$", re.I)
TIME_IN_CELL = re.compile(rf"[\[(]?(?<![\d:])({_TS})(?![\d:])[\])]?")
NUMBER_CELL = re.compile(r"^\s*\d{1,5}\s*[.)]?\s*$")


def time_seconds(stamp: str | None) -> float | None:
    """'01:02:03', '02:03', '0:00.0' (NVivo), '01:02:03,500', '01:02:03:12' (frames dropped)."""
    if not stamp:
        return None
    parts = stamp.replace(",", ".").split(":")
    if len(parts) == 4:
        parts = parts[:3]
    total = 0.0
    try:
        for p in parts:
            total = total * 60 + float(p)
    except ValueError:
        return None
    return total


def _norm_header(s: str) -> str:
    s = re.sub(r"\(.*?\)|\[.*?\]", "", s.casefold())
    return " ".join(s.strip(" :.*\t\n").split())


@dataclass
class Layout:
    """Where a transcript table keeps what: column indexes, header rows and the evidence."""

    speaker: int
    text: int
    time: int | None = None
    end: int | None = None
    numbers: set[int] = field(default_factory=set)
    width: int = 0                  # the usual number of cells in a row
    data_from: int = 0              # index of the first data row
    header_row: int | None = None   # index of the header row, if any
    header_known: bool = False      # the header names the columns in words we know
    names: list[str] = field(default_factory=list)


def _split_speaker(cell: str) -> tuple[str, float | None, float | None]:
    """'Kari Nordmann 00:01:02' / 'Kari\\n[00:01:02]' / 'Kari:' -> label and time."""
    start = end = None
    m = TIME_IN_CELL.search(cell)
    if m:
        start = time_seconds(m.group(1))
        cell = cell[:m.start()] + " " + cell[m.end():]
        m2 = TIME_IN_CELL.search(cell)
        if m2:
            end = time_seconds(m2.group(1))
            cell = cell[:m2.start()] + " " + cell[m2.end():]
        cell = re.sub(r"\s[-–—]\s*$|^\s*[-–—]\s", " ", cell)
    label = " ".join(cell.split()).strip(" :;,-–")
    if label.startswith("[") and label.endswith("]"):
        label = label[1:-1].strip()
    return label, start, end


def _is_time(cell: str) -> bool:
    return bool(TIME_CELL.match(cell))


def _label_like(value: str) -> bool:
    label, _, _ = _split_speaker(value)
    return bool(label) and len(label) <= 40 and len(label.split()) <= 5 and not label.endswith(("?", "!")) \
        and "\n" not in label and any(c.isalpha() for c in label)


def transcript_layout(grid: list[list[str]], roster: set[str] | None) -> Layout | None:
    """The layout of a table that holds a transcript, or None.

    From the header row: a speaker column ("Taler", "Speaker", "Navn" ...) and a text column
    ("Tekst", "Text", "Utsagn", "Content" ...), optionally time columns ("Tid", "Tidskode",
    "Timespan", "Start"/"Slutt" ...). From the content: a column of short labels that recur (or are
    in the roster), a column of clearly longer text, optionally a column of times; without a time
    column the labels must also change from row to row the way speakers do (a table of categories
    groups its rows and is read as a document table).
    """
    widths = Counter(len(r) for r in grid if r)
    if not widths:
        return None
    width = widths.most_common(1)[0][0]
    if width < 2 or width > 6:
        return None
    first = next((r for r in grid if len(r) == width), None)
    if first is None:
        return None
    names = [_norm_header(c) for c in first]
    kinds = []
    for n in names:
        kinds.append("speaker" if n in SPEAKER_HEADERS else "text" if n in TEXT_HEADERS
                     else "time" if n in TIME_HEADERS else "end" if n in END_HEADERS
                     else "number" if n in NUMBER_HEADERS else None)
    if "speaker" in kinds and "text" in kinds:
        layout = Layout(kinds.index("speaker"), kinds.index("text"), width=width, data_from=grid.index(first) + 1,
                        header_row=grid.index(first), header_known=True, names=list(first))
        if "time" in kinds:
            layout.time = kinds.index("time")
        if "end" in kinds:
            layout.end = kinds.index("end")
        layout.numbers = {i for i, k in enumerate(kinds) if k == "number"}
        return layout
    # ---- from the content; the first row may be a header in words we do not know: short cells,
    # no sentence, no time, none of them seen again in its column
    start_row = grid.index(first)
    again = [_fold_cell(c) for c in first]  # the first row repeated further down (pages pasted) is its header
    rest = [r for r in grid[start_row + 1:] if len(r) == width and [_fold_cell(c) for c in r] != again]
    headerish = all(len(c.split()) <= 4 and len(c) <= 30 and not _is_time(c)
                    and not c.rstrip().endswith((".", "?", "!")) for c in first) and \
        not any(first[i].strip() and any(r[i].strip() == first[i].strip() for r in rest) for i in range(width))
    header_rows = 1 if headerish else 0
    data = rest if headerish else [first] + rest
    if len(data) < 2:
        return None
    layout = _content_layout(data, width, roster)
    if layout is None:
        return None
    if headerish:
        layout.header_row, layout.data_from, layout.names = start_row, start_row + 1, list(first)
    else:
        layout.data_from = start_row
    layout.width = width
    return layout


def _content_layout(data: list[list[str]], width: int, roster: set[str] | None) -> Layout | None:
    n = len(data)
    cols = [[r[i].strip() for r in data] for i in range(width)]
    filled = [[v for v in col if v] for col in cols]
    times = {i for i in range(width) if len(filled[i]) >= 0.5 * n and
             sum(_is_time(v) for v in filled[i]) >= 0.8 * len(filled[i])}
    numbers = {i for i in range(width) if i not in times and filled[i] and
               all(NUMBER_CELL.match(v) for v in filled[i])}
    mean = [sum(len(v) for v in f) / len(f) if f else 0.0 for f in filled]
    candidates = []
    for i in range(width):
        if i in times or i in numbers or len(filled[i]) < 0.4 * n:
            continue
        if not all(_label_like(v) for v in filled[i]):
            continue
        labels = [_split_speaker(v)[0] for v in filled[i]]
        counts = Counter(labels)
        in_roster = sum(1 for lb in labels if roster and _roster_label(lb, roster) in roster)
        if roster:
            if in_roster < 0.5 * len(labels):
                continue
        elif max(counts.values()) < 2 or len(counts) > max(2, 0.75 * len(labels)):
            continue
        candidates.append(i)
    for sp in candidates:
        rest = [i for i in range(width) if i != sp and i not in times and i not in numbers]
        if not rest:
            continue
        text = max(rest, key=lambda i: mean[i])
        if mean[text] < max(12.0, 1.5 * mean[sp]):
            continue
        if not times and not roster:
            labels = [_split_speaker(r[sp])[0] for r in data if r[sp].strip()]
            changes = sum(1 for a, b in zip(labels, labels[1:]) if a != b)
            if len(labels) < 3 or changes < 0.5 * (len(labels) - 1):
                continue
        time_cols = sorted(times)
        return Layout(sp, text, time_cols[0] if time_cols else None,
                      time_cols[1] if len(time_cols) > 1 else None, numbers)
    return None


def _roster_label(label: str, roster: set[str]) -> str:
    from .vtt import _roster_label as spelt  # the roster matching of every reader (vtt imports no docx)

    return spelt(label, roster) or label


def _fold_cell(cell: str) -> str:
    return " ".join(cell.split()).casefold()


def table_turns(table_rows: list[list[str]], row_numbers: list[int], layout: Layout, roster: set[str] | None,
                file: str, table_no: int, heading: str | None, warnings: list[str]) -> list[Turn]:
    """One turn per row of a transcript table; an empty speaker cell continues the turn above,
    a row of one cell spanning the table is a heading for the rows below it."""
    width = layout.width or max(layout.speaker, layout.text, layout.time or 0, layout.end or 0) + 1
    known = {layout.speaker, layout.text, layout.time, layout.end} | layout.numbers
    extra_reported: set[int] = set()
    turns: list[Turn] = []
    header = [_fold_cell(c) for c in layout.names] if layout.header_row is not None else []
    for row, number in zip(table_rows[layout.data_from:], row_numbers[layout.data_from:]):
        texts = [c.strip() for c in row]
        if not any(texts):
            continue
        if header and len(row) == len(header) and [_fold_cell(c) for c in row] == header:
            continue  # the header row again (tables pasted together from pages): no turn
        if len(row) < width:
            heading = " ".join(t for t in texts if t)  # a row across the table: a heading
            continue
        label, t0, t1 = _split_speaker(texts[layout.speaker])
        body = texts[layout.text]
        m = re.match(rf"^\s*[\[(]({_TS})[\])]\s*", body)
        if m:
            t0 = t0 if t0 is not None else time_seconds(m.group(1))
            body = body[m.end():]
        if layout.time is not None:
            tm = TIME_CELL.match(texts[layout.time])
            if tm:
                t0, t1 = time_seconds(tm.group("start")), time_seconds(tm.group("end")) or t1
        if layout.end is not None:
            tm = TIME_CELL.match(texts[layout.end])
            if tm:
                t1 = time_seconds(tm.group("start"))
        if t0 is not None and t1 is not None and t1 < t0:
            t1 = None
        extras = []
        for i, value in enumerate(texts):
            if i in known or not value or i >= len(row):
                continue
            name = layout.names[i].strip() if i < len(layout.names) else ""
            extras.append(f"{name}: {value}" if name else value)
            if i not in extra_reported:
                extra_reported.add(i)
                warnings.append(f"{file}: table {table_no}, column {i + 1}"
                                f"{' (' + repr(name) + ')' if name else ''} is neither speaker, time nor text; "
                                "its text is kept at the end of each turn")
        body = "\n".join([body] + extras).strip()
        if label and roster:  # as the roster spells it; Zoom's "Kari Hansen | NIBR", Teams' "Ola Fjell (Gjest)"
            label = _roster_label(label, roster)
        if not label:
            if turns and turns[-1].speaker is not None:
                turns[-1].text = (turns[-1].text + "\n" + body).strip()
                continue
            if body:
                turns.append(Turn(text=body, start_time=t0, end_time=t1, heading=heading, line=number))
            continue
        if not body:
            continue
        turns.append(Turn(text=body, speaker=label, start_time=t0, end_time=t1, heading=heading, line=number))
    return turns


# ------------------------------------------------------------------------------------------- read

def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    problem = describe(path, "docx")  # password-protected, an old .doc, a PDF named .docx ...
    if problem:
        raise InputError(f"{path.name}: {problem}")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        if starts_as_zip(path) and not zipfile.is_zipfile(path):  # starts as a zip but ends too soon
            raise InputError(f"{path.name}: not a readable Word document, the file is damaged or incomplete (cut "
                             "off before the end of its zip archive); copy it again from its source") from None
        raise InputError(f"{path.name}: not a readable Word document ({type(exc).__name__}); "
                         "open and save it again in Word, or export it as .docx") from None
    except zlib.error as exc:  # a zip whose compressed data is damaged (a broken download or disk)
        raise InputError(f"{path.name}: the file is damaged ({exc}); open it in Word and save it again, "
                         "or copy it again from where it came") from None
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path.name}: the Word XML inside is damaged ({_damaged_part(path) or exc}); open the "
                         "file in Word, let Word repair it, and save it again") from None
    styles = {}
    for s in document.styles:
        try:
            styles[s.style_id] = s.name or ""
        except (AttributeError, KeyError):
            continue
    walker = _Walker(styles)
    blocks, boxes = body_and_boxes(walker, document.element.body)
    headers, footers = _headers_and_footers(document, walker)
    notes = _notes(document, walker)
    parsed = blocks_to_parsed(blocks, "docx", roster, path.name, force_notes=force_notes,
                              strict_roster=strict_roster)
    parsed.preamble = headers + parsed.preamble + footers
    parsed.turns.extend(Turn(text=t, heading="Tekstbokser") for t in boxes)
    for heading, texts in notes:
        parsed.turns.extend(Turn(text=t, heading=heading) for t in texts)
    if not any(t.text.strip() for t in parsed.turns) and (headers or footers):
        # nothing but headers/footers: make them the segments rather than reject the file
        parsed.turns = ([Turn(text=t, heading="Topptekst") for t in headers]
                        + [Turn(text=t, heading="Bunntekst") for t in footers])
        parsed.preamble = [p for p in parsed.preamble if p not in headers and p not in footers]
        parsed.kind_hint = parsed.kind_hint or "dokument"
    inserted, deleted = _count_tracked_changes(document)
    if inserted or deleted:
        parsed.warnings.append(tracked_changes_warning(path.name, inserted, deleted, "in Word (Review > Accept/Reject)"))
    comments = _count_comments(document)
    if comments:
        parsed.warnings.append(f"{path.name}: {comments} Word comment{'s' if comments > 1 else ''} "
                               "(review notes) not read; they are not part of the text")
    return parsed


def _damaged_part(path: Path) -> str | None:
    """'word/document.xml line 2' for the first XML part of a Word file that does not parse."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.endswith((".xml", ".rels")):
                    try:
                        etree.fromstring(z.read(name), parser)
                    except etree.XMLSyntaxError as exc:
                        return f"{name} line {exc.lineno}" if exc.lineno else name
    except (zipfile.BadZipFile, OSError, zlib.error, KeyError, RuntimeError):
        return None
    return None


def blocks_to_parsed(blocks: list[Para | Table], fmt: str, roster: set[str] | None, file: str, *,
                     force_notes: bool = False, strict_roster: bool = False) -> Parsed:
    """Paragraphs and tables in body order -> transcript (tables or labels) or document."""
    roster_list = sorted(roster) if roster else None
    blocks = _without_tool_footer(blocks)
    _keep_recurring_bold_labels([b for b in blocks if isinstance(b, Para)])
    layouts: dict[int, Layout] = {}
    if not force_notes:
        for b in blocks:
            if isinstance(b, Table):
                layout = transcript_layout(b.grid(), roster)
                if layout is not None:
                    layouts[b.index] = layout
    warnings: list[str] = []

    if layouts:  # at least one table holds a transcript
        turns: list[Turn] = []
        preamble: list[str] = []
        heading: str | None = None
        run: list[Para] = []

        def flush(before_table: bool = False) -> None:
            nonlocal heading
            head = None
            if before_table and turns:  # between two transcript tables: a heading for the rows under it
                last = next((i for i in range(len(run) - 1, -1, -1) if run[i].text), None)
                speakers = sorted(set(roster or ()) | {t.speaker for t in turns if t.speaker})
                if last is not None and _heading_between_tables(run[last], speakers):
                    head = run.pop(last).text
            if any(p.text for p in run):
                _flush_run()
            run.clear()
            if head:
                heading = head

        def _flush_run() -> None:
            nonlocal heading
            result = split_paragraphs(run, roster_list, file, strict_roster=strict_roster)
            if result is not None:
                found, pre, warns = result
                warnings.extend(warns)
                if turns:
                    turns.extend(Turn(text=t) for t in pre)
                else:
                    preamble.extend(pre)
                for t in found:
                    t.heading = t.heading or heading
                turns.extend(found)
            elif not turns:
                preamble.extend(p.text for p in run if p.text)
            else:
                for p in run:
                    if not p.text:
                        continue
                    if p.heading:
                        heading = p.text
                    else:
                        turns.append(Turn(text=p.text, heading=heading, line=p.number))

        for b in blocks:
            if isinstance(b, Para):
                run.append(b)
            elif b.index in layouts:
                flush(before_table=True)
                layout = layouts[b.index]
                rows = b.grid()
                numbers = [next((p.number for c in row for p in c.paras), 0) for row in b.rows]
                for i, row in enumerate(rows[:layout.data_from]):
                    if i == layout.header_row and layout.header_known:
                        continue  # column names
                    line = " | ".join(c.strip() for c in row if c.strip())
                    if line and not turns:
                        preamble.append(line)
                    elif line:
                        turns.append(Turn(text=line, heading=heading, line=numbers[i]))
                found = table_turns(rows, numbers, layout, roster, file, b.index, heading, warnings)
                if found:
                    heading = found[-1].heading
                turns.extend(found)
            else:
                run.extend(table_paragraphs(b))
        flush()
        _check_strict(turns, roster, strict_roster, file)
        return Parsed([t for t in turns if t.text], fmt, "transcript", warnings, preamble)

    paragraphs: list[Para] = []
    for b in blocks:
        paragraphs.extend([b] if isinstance(b, Para) else table_paragraphs(b))
    if not force_notes:
        result = split_paragraphs(paragraphs, roster_list, file, strict_roster=strict_roster)
        if result is not None:
            turns, preamble, warns = result
            return Parsed(turns, fmt, "transcript", warns, preamble)
    turns = []
    heading = None
    for p in paragraphs:
        if not p.text:
            continue
        if p.heading:
            heading = p.text
            continue
        turns.append(Turn(text=p.text, heading=heading, line=p.number))
    return Parsed(turns, fmt, "dokument")


def _heading_between_tables(p: Para, speakers: list[str]) -> bool:
    """Whether the paragraph right above a transcript table, after another one, is a heading of the
    rows under it ("DEL 2: SAMARBEID", a bold or styled "Fase 3", a plain "Fase 2"), as a row across
    the table is: a heading style, a short line in bold or in capitals with a heading's shape, or a
    short line (up to eight words) that ends no sentence and is no note ("[Pause i opptaket]"). A
    line that starts with one of ``speakers`` (the roster's labels and those of the turns so far:
    "Intervjuer: Da tar vi en pause") is a turn, and a sentence in bold is speech, never a heading."""
    text = p.text.strip()
    if not text or p.breaks or len(text) > 100 or "|" in text:
        return False
    if p.heading:
        return True
    if speakers and match_label(text, speakers)[0] is not None:
        return False
    shaped = heading_shape(text) != NOT_A_HEADING
    if text.endswith((".", "?", "!", "…")):
        return shaped
    if p.bold or shaped:
        return True
    return (len(text.split()) <= 8 and (text[0].isupper() or text[0].isdigit())
            and not text.endswith((".", "?", "!", ",", ";", ":", "…")))


def split_paragraphs(paras: list[Para], roster: list[str] | None, file: str, *,
                     strict_roster: bool = False) -> tuple[list[Turn], list[str], list[str]] | None:
    """:func:`split_turns` over paragraphs, headings apart: a heading followed directly by a turn
    start (an interview guide's question or theme over the answers) is the heading of the turns
    under it, not text of the turn before; any other heading stays a line of the text. A heading is
    a paragraph in a heading style, or a short one all in bold (:attr:`Para.bold`: "Samarbeid med
    staten") that is no turn of its own (a question in bold, "Intervjuer: Og staten?", is speech)."""
    bold = {p.number for p in paras if p.bold and not p.heading and p.text}
    full = None
    if bold:
        full = split_turns([line for p in paras for line in p.turn_lines], roster, file, strict_roster=strict_roster)
        bold -= {t.line for t in full[0] if t.speaker} if full is not None else bold
    heads = {p.number: p for p in paras if (p.heading or p.number in bold) and p.text}
    result = None
    if heads:
        result = split_turns([line for p in paras if p.number not in heads for line in p.turn_lines],
                             roster, file, strict_roster=strict_roster)
    if result is None:
        return full or split_turns([line for p in paras for line in p.turn_lines], roster, file,
                                   strict_roster=strict_roster)
    starts = {t.line for t in result[0]}
    content = [p for p in paras if p.text]
    clean = {p.number for p, nxt in zip(content, content[1:])
             if p.number in heads and not nxt.heading and nxt.number in starts}
    if len(clean) < len(heads):
        result = split_turns([line for p in paras if p.number not in clean for line in p.turn_lines],
                             roster, file, strict_roster=strict_roster)
        if result is None:  # not reached in practice: the headings kept add no turn starts
            return split_turns([line for p in paras for line in p.turn_lines], roster, file,
                               strict_roster=strict_roster)
    turns = result[0]
    numbers = sorted(clean)
    k = -1
    # a turn's heading: the styled heading above it, or a heading in capitals that split_turns found
    # in the lines ("TEMA 2: SAMARBEID MED STATEN"), whichever came last
    current: str | None = None
    own_before: str | None = None
    for t in turns:
        styled = False
        while k + 1 < len(numbers) and t.line is not None and numbers[k + 1] < t.line:
            k += 1
            styled = True
        own = t.heading
        if styled:
            current = heads[numbers[k]].text
        elif own != own_before:
            current = own
        own_before = own
        t.heading = current
    return result


def _without_tool_footer(blocks: list[Para | Table]) -> list[Para | Table]:
    """The blocks without a transcription tool's footer after the last text ("Transcribed by
    https://otter.ai"), as its own paragraph or as the last line of the last one (Shift+Enter), and
    without its notices anywhere ("Kari Nordmann stopped transcription", Teams)."""
    blocks = [b for b in blocks if not (isinstance(b, Para) and b.text and is_tool_notice(b.text))]
    end = len(blocks)
    while end and isinstance(blocks[end - 1], Para) and not blocks[end - 1].text:
        end -= 1
    cut = end
    while cut and isinstance(blocks[cut - 1], Para) and (not blocks[cut - 1].text
                                                          or is_tool_footer(blocks[cut - 1].text)):
        cut -= 1
    out = blocks[:cut] if cut < end else list(blocks)
    last = out[-1] if out else None
    if isinstance(last, Para) and last.breaks:
        lines = [line for line in last.breaks if line]
        n = len(lines)
        while n and is_tool_footer(lines[n - 1]):
            n -= 1
        if 0 < n < len(lines):
            kept = tuple(lines[:n])
            out[-1] = Para(" ".join(kept), last.number, last.heading, kept if n > 1 else (),
                           last.label_line)
    return out


def _keep_recurring_bold_labels(paras: list[Para]) -> None:
    """Bold labels count only when they recur: a bold word that starts one paragraph is emphasis."""
    def key(p: Para) -> str:  # the label without its time: "Kari (00:01:02)" -> "Kari"
        return " ".join(TIMESTAMP.sub(" ", p.label_line.split("\t", 1)[0]).split())

    counts = Counter(key(p) for p in paras if p.label_line)
    for p in paras:
        if p.label_line and counts[key(p)] < 2:
            p.label_line = ""


def _check_strict(turns: list[Turn], roster: set[str] | None, strict_roster: bool, file: str) -> None:
    if not (roster and strict_roster):
        return
    unknown = [t for t in turns if t.speaker and t.speaker not in roster]
    if unknown:
        labels = list(dict.fromkeys(t.speaker for t in unknown))
        raise InputError(f"{file}: speaker{'s' if len(labels) > 1 else ''} {', '.join(repr(s) for s in labels)} "
                         f"not in participants.csv (first at paragraph {unknown[0].line}); add "
                         f"{'them' if len(labels) > 1 else 'it'} there or ingest without --strict-roster")


# ------------------------------------------------------------------- headers, footers, notes

def _lines_of(blocks: list[Para | Table]) -> list[str]:
    out = []
    for b in blocks:
        for p in ([b] if isinstance(b, Para) else table_paragraphs(b)):
            if p.text and not _PAGE_ONLY.match(p.text):
                out.append(p.text)
    return out


def _headers_and_footers(document, walker: _Walker) -> tuple[list[str], list[str]]:
    headers: list[str] = []
    footers: list[str] = []
    seen_parts = set()
    number = walker.counter
    for sect in document.element.body.iter(W + "sectPr"):
        for ref in sect:
            if ref.tag not in (W + "headerReference", W + "footerReference"):
                continue
            rid = ref.get(R + "id")
            if not rid or rid in seen_parts:
                continue
            seen_parts.add(rid)
            try:
                part = document.part.related_parts[rid]
                element = part.element
            except (KeyError, AttributeError):
                continue
            target = headers if ref.tag == W + "headerReference" else footers
            for line in _lines_of(walker.blocks(element)):
                if line not in target:
                    target.append(line)
    walker.counter = number  # header/footer paragraphs do not shift the body's paragraph numbers
    return headers, footers


def _notes(document, walker: _Walker) -> list[tuple[str, list[str]]]:
    from lxml import etree

    number = walker.counter
    out = []
    for rel_suffix, tag, heading in (("/footnotes", "footnote", "Fotnoter"), ("/endnotes", "endnote", "Sluttnoter")):
        for rel in document.part.rels.values():
            if not rel.reltype.endswith(rel_suffix) or rel.is_external:
                continue
            part = rel.target_part
            element = getattr(part, "element", None)
            if element is None:
                parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
                try:
                    element = etree.fromstring(part.blob, parser)
                except etree.XMLSyntaxError:
                    continue
            texts = []
            for note in element.iter(W + tag):
                if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                    continue
                text = " ".join(_lines_of(walker.blocks(note))).strip()
                if text:
                    texts.append(text)
            if texts:
                out.append((heading, texts))
    walker.counter = number
    return out


def tracked_changes_warning(file: str, inserted: int, deleted: int, where: str) -> str:
    """The one warning for tracked changes not accepted or rejected, read as accepted; ``where`` says
    how to accept or reject them ("in Word (Review > Accept/Reject)")."""
    return (f"{file}: the document has tracked changes ({inserted} insertion{'s' if inserted != 1 else ''}, "
            f"{deleted} deletion{'s' if deleted != 1 else ''}) that are not accepted or rejected; they are read "
            "as accepted (inserted text kept, deleted text left out); if that is not the text to analyse, "
            f"accept or reject the changes {where} and ingest the file again")


def _count_tracked_changes(document) -> tuple[int, int]:
    """(insertions, deletions) of tracked changes with text in the body, headers, footers and notes:
    ``w:ins``/``w:moveTo`` and ``w:del``/``w:moveFrom`` around runs (a change of formatting or of a
    paragraph mark alone is not counted)."""
    parts = [document.element]
    for rel in document.part.rels.values():
        if not rel.is_external and rel.reltype.endswith(("/header", "/footer", "/footnotes", "/endnotes")):
            element = getattr(rel.target_part, "element", None)
            if element is not None:
                parts.append(element)
    inserted = deleted = 0
    for root in parts:
        for tag, is_insert in ((W + "ins", True), (W + "moveTo", True), (W + "del", False), (W + "moveFrom", False)):
            for el in root.iter(tag):
                if next(el.iter(W + "t", W + "delText"), None) is None:
                    continue  # a mark on a paragraph or a run's properties, no text of its own
                if is_insert:
                    inserted += 1
                else:
                    deleted += 1
    return inserted, deleted


def _count_comments(document) -> int:
    from lxml import etree

    for rel in document.part.rels.values():
        if rel.reltype.endswith("/comments") and not rel.is_external:
            part = rel.target_part
            element = getattr(part, "element", None)
            if element is None:
                try:
                    element = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
                except etree.XMLSyntaxError:
                    return 0
            return sum(1 for _ in element.iter(W + "comment"))
    return 0
