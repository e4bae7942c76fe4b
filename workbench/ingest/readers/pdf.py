"""PDF documents and transcripts (pypdf).

Lines are rebuilt from positioned text; a paragraph ends at a vertical gap larger than the usual
line spacing. Before anything else the page furniture goes:

- margin line numbers (every line, or every 5th/10th line, numbered in the margin, as in interview
  transcripts) and paragraph numbers (each paragraph starting with the next number);
- page numbers ("3", "3/5", "3 / 5", "Side 3 av 5", "Page 3 of 5", "- 3 -", also beside a date) at
  the top or bottom of a page, and lines repeated at the same place at the top/bottom of the pages
  (running headers and footers, also when one page lacks them: see :func:`_drop_running_lines`); a
  page's own header or footer where the other pages have theirs (a different footer on the last
  page) and, in a PDF without running ones, a lone header or footer set off by a wide gap
  (:func:`_lone_edge`) go to the title lines, never into a turn;
- words hyphenated at line ends are joined;
- footnotes (lines in a smaller font at the bottom of a page, the first starting with its number)
  become segments at the end under "Fotnoter", as in Word and OpenDocument files, and their raised
  markers in the text go; a footer under them (at any size: "Transkribert av ..." on a single page,
  where it cannot be seen to repeat) goes to the title lines (the preamble), never into a turn;
- text boxes drawn apart from the body text, before or after it, also when the text wraps around
  them (see :func:`_text_boxes`), become segments at the end under "Tekstbokser", never speech of the
  turn they stand beside.

A page that draws an image and has no text (a scanned page) is read as empty with a warning naming
it; a page whose content cannot be decoded is an error for the file naming the page (see
:func:`_read_pages`).

A PDF whose lines start with recurring speaker labels ("Intervjuer: ...", "KOMMUNEDIREKTØR: ...")
is a transcript: the cleaned lines go through :func:`workbench.ingest.text.split_turns` like a txt
file (as the paragraphs of a Word file: a heading line in a larger or bold font over a turn is the
heading of the turns under it, a recurring bold label without a colon starts a turn; a heading in
capitals at body size, "TEMA 2: SAMARBEID MED STATEN", is found there as in a txt file), each turn
with the page it starts on. A transcript laid out as a table (Tid | Navn | Tekst,
a Word table saved as PDF) is read from the columns its text is drawn in: one turn per row, as for
the Word table (:func:`workbench.ingest.readers.docx.transcript_layout`). Any other PDF is a
document: one segment per paragraph with its heading and page.

pypdf's own log lines and warnings ("EOF marker not found") are not shown: a PDF that cannot be read
(or one of its pages) gets one line naming it, the reason and the fix.
"""

from __future__ import annotations

import logging
import re
import statistics
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ..chars import clean_text
from ..model import Parsed, Turn
from ..text import HEADING, WEAK_HEADING, heading_shape, is_tool_notice
from .docx import (Cell, Para, Table, _bold_label, _keep_recurring_bold_labels, blocks_to_parsed,
                   split_paragraphs, transcript_layout)
from .sniff import PASSWORD, describe

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
MARKER = re.compile(r"^\s*(?:\d{1,3}|[*†‡])\s*$")  # a footnote marker: "1", "12", "*"
NOTE_START = re.compile(r"^\s*(\d{1,3}|[*†‡])(?:\s+|(?=[^\W\d_]))(?=\S)")  # "1 Nordvik er ...", "1Nordvik"
TIME_NAME = re.compile(r"^[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?\s+([A-ZÆØÅÄÖÉ][\w\-]*)")
MERGED = -1  # the key of a row's one cell across the table
COLUMN_SLACK = 2.0  # points: text starting this close to a column's left edge is in that column


@dataclass
class Line:
    text: str
    y: float
    size: float
    bold: bool
    x: float = 0.0
    spans: list[tuple[float, str, bool]] = field(default_factory=list)  # (x, text, is a footnote marker)
    lead: str = ""  # the bold text that starts the line when plain text follows ("**Kari** Da er ...")


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    with _quiet_pypdf() as problems:
        pages, frames, warnings_ = _read_pages(path, problems)
    pages, furniture = _drop_running_lines(pages, roster)
    body = _body_size(pages)
    spacing, widest = _line_spacing(pages), 1.1 * _inner_gaps(pages)  # clearly wider than any gap in the text
    notes: list[Turn] = []
    boxes: list[Turn] = []
    footers: list[str] = []
    text_pages: list[list[Line]] = []
    for page_no, lines in enumerate(pages, start=1):
        lines, found, footer = _footnotes(lines, body)
        if len(pages) == 1 and not found:  # a footer that cannot be seen to repeat
            lines, footer = _lone_footer(lines, body, frames[0])
        elif not found:  # a footer (header) on one page only, in a document without running ones
            frame = frames[page_no - 1]
            if not furniture.bottom:
                lines, footer = _lone_edge(lines, body, frame, spacing, widest, PAGES_GAP)
            before = min(text_pages[-1], key=lambda ln: ln.y).text if text_pages and text_pages[-1] else ""
            if page_no > 1 and not furniture.top and not _stands_alone(before):  # not the speech under a label
                lines, header = _lone_edge(lines, body, frame, spacing, widest, PAGES_GAP, top=True)
                footer = header + footer
        lines, drawn_apart = _text_boxes(lines)
        text_pages.append(lines)
        notes.extend(Turn(text=t, heading="Fotnoter", page=page_no) for t in found)
        boxes.extend(Turn(text=t, heading="Tekstbokser", page=page_no) for t in drawn_apart)
        footers.extend(t for t in footer if t not in footers)
    pages = strip_margin_numbers(text_pages)
    parsed = _parse(pages, roster, path.name, force_notes, strict_roster)
    parsed.turns.extend(boxes + notes)
    # page furniture: in the source text (the title lines, once each), never speech
    parsed.preamble.extend(t for t in furniture.moved + footers if t not in parsed.preamble)
    if furniture.speech_like:
        n = len(furniture.speech_like)
        warnings_.append(
            f"{path.name}: {n} line{'s' if n > 1 else ''} repeated at the same place on the pages "
            f"({furniture.speech_like[0]!r}{' ...' if n > 1 else ''}) {'were' if n > 1 else 'was'} read as a running "
            "header or footer and kept out of the turns (in the source text's title lines); if "
            f"{'they are' if n > 1 else 'it is'} speech, ingest the file the PDF was made from (.docx)")
    parsed.warnings[:0] = warnings_
    return parsed


@contextmanager
def _quiet_pypdf():
    """pypdf's log lines and warnings ("EOF marker not found") not shown while a PDF is read: the
    reader reports what matters in its own one line. Yields the list that collects pypdf's log
    records meanwhile (a damaged page stream is only logged by pypdf: see :func:`_read_pages`)."""
    logger = logging.getLogger("pypdf")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _read_pages(path: Path, problems: list[logging.LogRecord] | None = None
                ) -> tuple[list[list[Line]], list[tuple[float, float]], list[str]]:
    """The lines of each page, each page's (bottom, height) in the units of the lines' ``y``, and the
    warnings about pages without text.

    No page's text is lost in silence:

    - a page whose content cannot be decoded (a damaged compressed stream, which pypdf only logs and
      reads as empty or cut short; or an error while its text is read) is an error for the file,
      naming the page and the reason: its text would be missing in the middle of the transcript, the
      turn running onto the page cut short and the text after it read as the previous speaker's, and
      a stored source cannot be replaced later without removing its codings;
    - a page that draws an image and has no text (a scanned page among pages with text) is read as
      empty with one warning naming the pages (a blank page is not warned about).

    ``problems`` is the list :func:`_quiet_pypdf` collects pypdf's log records in."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import PdfReadError

    problems = problems if problems is not None else []
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise InputError(f"{path.name}: {PASSWORD}")  # an owner password alone opens with ""
        total = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _unreadable(path, exc) from None
    pages, frames, scanned = [], [], []
    for number in range(1, total + 1):
        seen = len(problems)
        try:
            page = reader.pages[number - 1]
            lines = _page_lines(page)
            box = page.mediabox
            frames.append((float(box.bottom), float(box.height)))
        except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
            if number == 1 and total == 1:
                raise _unreadable(path, exc) from None
            raise _damaged(path, number, total, str(exc) or type(exc).__name__) from None
        damage = [r for r in problems[seen:] if r.name.startswith("pypdf.filters")]
        if damage:
            raise _damaged(path, number, total, damage[0].getMessage())
        if not lines and _draws_image(page):
            scanned.append(number)
        pages.append(lines)
    warnings_ = []
    if scanned and len(scanned) < total:
        which = _page_list(scanned)
        one = len(scanned) == 1
        warnings_.append(
            f"{path.name}: {which} {'has' if one else 'have'} no text ({'a scanned image' if one else 'scanned images'}?)"
            f" – {total - len(scanned)} of {total} pages read; "
            f"{'its' if one else 'their'} content is not in the source: run OCR on the PDF "
            "(or ingest the file it was made from) if it holds text that belongs there")
    return pages, frames, warnings_


def _unreadable(path: Path, exc: Exception) -> InputError:
    problem = describe(path, "pdf")  # a Word file named .pdf ...
    return InputError(f"{path.name}: " + (problem or f"not a readable PDF ({exc}); export it again as PDF "
                                          "(a scanned PDF needs OCR first)"))


def _damaged(path: Path, number: int, total: int, reason: str) -> InputError:
    reason = " ".join(reason.split())[:160]
    return InputError(f"{path.name}: page {number} of {total} is damaged and its text cannot be read "
                      f"({reason}); nothing of the file is stored, as its text would lack that page; save or "
                      "export the PDF again from the file it was made from")


def _page_list(numbers: list[int]) -> str:
    """"page 4", "pages 4 and 6", "pages 2, 4 and 6"."""
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    return "pages " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _draws_image(page) -> bool:
    """Whether a page draws an image (an image object, also inside a form, or an inline image): a
    scanned page, not a blank one."""
    from pypdf.generic import ContentStream

    def has_image(resources, depth: int) -> bool:
        xobjects = (resources or {}).get("/XObject") if resources else None
        if not xobjects:
            return False
        for ref in xobjects.get_object().values():
            obj = ref.get_object()
            subtype = obj.get("/Subtype")
            if subtype == "/Image":
                return True
            if subtype == "/Form" and depth < 3 and has_image(obj.get("/Resources"), depth + 1):
                return True
        return False

    try:
        if has_image(page.get("/Resources"), 0):
            return True
        contents = page.get_contents()
        return bool(contents) and any(op == b"INLINE IMAGE" for _, op in ContentStream(contents, page.pdf).operations)
    except Exception:  # noqa: BLE001 - a page we cannot look into is not claimed to be an image
        return False


def _parse(pages: list[list[Line]], roster: set[str] | None, file: str, force_notes: bool,
           strict_roster: bool) -> Parsed:
    page_paras = [_paragraphs(lines) for lines in pages]
    strip_paragraph_numbers(page_paras)
    if not force_notes:
        parsed = (_table_transcript(pages, roster, file, strict_roster)
                  or _transcript(page_paras, roster, file, strict_roster))
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
            if _is_heading(para, text, body):
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
    return Parsed(turns, "pdf", "dokument", _timed_name_warning(pages, file))


def _is_heading(para: list[Line], text: str, body: float) -> bool:
    """A short paragraph in a larger font than the body text, or all in bold, not ending a sentence."""
    return (len(text) <= 120 and len(para) <= 2 and not text.endswith((".", ",", ";"))
            and (max(ln.size for ln in para) > body * 1.15 or all(ln.bold for ln in para)))


def _timed_name_warning(pages: list[list[Line]], file: str) -> list[str]:
    """A warning when lines start with a time and a recurring name ("00:01:05 Ordfører ...") but the
    file was read as a document: a transcript whose speakers were not found."""
    names: Counter[str] = Counter(m.group(1) for lines in pages for ln in lines if (m := TIME_NAME.match(ln.text)))
    total = sum(names.values())
    if total < 3 or names.most_common(1)[0][1] < 2:
        return []
    return [f"{file}: {total} lines start with a time and a name (such as '{names.most_common(1)[0][0]}') but "
            "no speaker turns were found, so the file is read as a document without speakers; ingest the "
            "file it was made from (.docx), or write the turns as 'Name: text'"]


# ------------------------------------------------------------------------------------ transcript

def _transcript(page_paras: list[list[list[Line]]], roster: set[str] | None, file: str,
                strict_roster: bool) -> Parsed | None:
    """Speaker turns when the cleaned lines carry recurring labels that hold most of the text.

    The lines go through the Word reader's :func:`~workbench.ingest.readers.docx.split_paragraphs`: a
    line of its own in a larger or bold font (an interview guide's theme) right above a turn is the
    heading of the turns under it, and a recurring bold label without a colon ("**Kari** Da er ...")
    starts a turn, as in a Word file."""
    sizes = [ln.size for paras in page_paras for para in paras for ln in para if ln.size]
    body = statistics.median(sizes) if sizes else 0.0
    starts = Counter(_start(ln.text) for paras in page_paras for para in paras for ln in para)
    paras_out: list[Para] = []
    page_of: dict[int, int] = {}

    def add(text: str, page_no: int, heading: bool = False, label_line: str = "") -> None:
        number = len(paras_out) + 1
        page_of[number] = page_no
        paras_out.append(Para(text, number, heading, (), label_line))

    for page_no, paras in enumerate(page_paras, start=1):
        for p_index, para in enumerate(paras):
            whole = _join(para)
            before = next((p.text for p in reversed(paras_out) if p.text), "")
            # not a heading: a turn in bold ("Intervjuer: ..." where "Intervjuer:" recurs), the text
            # under a label alone on its line, or a bold label alone
            heading = (bool(whole) and _is_heading(para, whole, body) and not _label_alone(para, body)
                       and not (_start(whole) and starts[_start(whole)] > 1) and not _stands_alone(before))
            chunks = [para] if heading else _chunks(para)
            for c_index, chunk in enumerate(chunks):
                text = _join(chunk)
                if not text:
                    continue
                # the paragraph before the page break (the blank one that ends it aside)
                prev = next((q for q in reversed(paras_out) if q.text), None)
                last = prev.text if prev and not prev.heading else ""
                continues = (p_index == 0 and c_index == 0 and not heading and last and text[:1].islower()
                             and not last.endswith((".", "!", "?", ":")))
                if continues:  # a turn running over the page break: one paragraph, not two
                    prev.text = _join([Line(last, 0, 0, False), Line(text, 0, 0, False)])
                    if prev.label_line:
                        prev.label_line = _join([Line(prev.label_line, 0, 0, False), Line(text, 0, 0, False)])
                    continue
                add(text, page_no, heading, "" if heading else _label_line(chunk, text))
            add("", page_no)
    if not any(p.text for p in paras_out):
        return None
    _keep_recurring_bold_labels(paras_out)
    result = split_paragraphs(paras_out, sorted(roster) if roster else None, file, strict_roster=strict_roster)
    if result is None:
        return None
    turns, preamble, warnings = result
    labelled = sum(len(t.speaker) + len(t.text) for t in turns if t.speaker)  # the labels are on its lines
    total = sum(len(p.text) for p in paras_out)
    speakers = [t for t in turns if t.speaker]
    if not speakers or labelled < 0.5 * total:
        return None
    words = sum(len(t.text.split()) for t in speakers) / len(speakers)
    if not roster and words < 4 and not _conversation(speakers):
        return None  # "Kommune: Fjellvik" / "Telefon: 22 33 44 55" lists, not speech
    for t in turns:
        t.page = page_of.get(t.line or 0)
    return Parsed(turns, "pdf", "transcript", warnings, preamble)


def _conversation(turns: list[Turn]) -> bool:
    """Short turns that are still speech ("Intervjuer: Hvordan startet det?" / "Informant 1: Med et
    møte."): two speakers or more who each speak at least twice, in sentences (most turns end with
    ".", "?" or "!"), not a list of fields and values ("Kommune: Fjellvik", "Telefon: 22 33 44 55")."""
    counts = Counter(t.speaker for t in turns)
    ended = sum(1 for t in turns if SENTENCE_END.search(t.text.strip()))
    return len(counts) >= 2 and min(counts.values()) >= 2 and 2 * ended >= len(turns)


def _start(text: str) -> str:
    """The label-like start of a line ("intervjuer:"), as a key; "" when there is none."""
    m = LABEL_START.match(text)
    return " ".join(m.group(0).casefold().split()) if m else ""


def _stands_alone(text: str) -> bool:
    """A line that stands alone: a label alone ("INTERVJUER", "Kari:"), a time, a name with a time."""
    text = text.strip()
    return bool(CAPS_LABEL.match(text) or TIME_ONLY.match(text) or NAME_TIME.match(text)
                or (text.endswith(":") and len(text.split()) <= 5))


def _caps_heading(text: str, before: str) -> bool:
    """A line in capitals with a heading's shape ("DEL 1 – BAKGRUNN"), or other capitals after the end
    of a sentence ("AVSLUTNING"): what :func:`workbench.ingest.text.split_turns` may take as a heading."""
    shape = heading_shape(text)
    return shape == HEADING or (shape == WEAK_HEADING and before.rstrip().endswith((".", "!", "?", "…")))


def _label_alone(para: list[Line], body: float) -> bool:
    """Bold lines in the body font that start with what may be a speaker label alone on its line
    ("INTERVJUER", "Kari Nordmann 0:03"): not a heading."""
    return max(ln.size for ln in para) <= body * 1.15 and _stands_alone(para[0].text)


def _label_line(chunk: list[Line], text: str) -> str:
    """"Label<tab>text" when a chunk starts with a bold label without a colon (see docx ``_bold_label``)."""
    lead = chunk[0].lead
    if not lead or not text.startswith(lead):
        return ""
    found = _bold_label([(lead + " ", True), (text[len(lead):].lstrip(), False)])
    return f"{found[0]}\t{found[1]}" if found else ""


# ----------------------------------------------------------------------- transcript tables

def _table_transcript(pages: list[list[Line]], roster: set[str] | None, file: str,
                      strict_roster: bool) -> Parsed | None:
    """Turns from a transcript laid out as a table (Tid | Navn | Tekst), read from the columns the
    text is drawn in: the paragraphs and tables of the pages go through the Word reader's
    :func:`~workbench.ingest.readers.docx.blocks_to_parsed`. None when no table holds a transcript."""
    columns = _columns(pages)
    if not columns:
        return None
    sizes = [ln.size for lines in pages for ln in lines if ln.size]
    body = statistics.median(sizes) if sizes else 0.0
    blocks: list[Para | Table] = []
    page_of: dict[int, int] = {}
    rows: list[tuple[int, dict[int, list[Line]]]] = []  # (row number, column -> lines) of the open table
    loose: list[tuple[int, Line]] = []  # lines outside tables, (page, line)
    pending: list[tuple[int, Line]] = []  # lines in the first column only, after a row of the open table
    number = 0

    def close_table() -> None:
        if not rows:
            return
        grid = [[_join(cells.get(c, [])) for c in range(len(columns))] for _, cells in rows]
        # the header row repeated at the top of every page goes (a row like the first inside a page stays)
        kept = [i for i, texts in enumerate(grid)
                if i == 0 or texts != grid[0] or page_of[rows[i][0]] == page_of[rows[i - 1][0]]]
        table = Table([[Cell([Para(grid[i][c], rows[i][0])] if grid[i][c] else []) for c in range(len(columns))]
                       if MERGED not in rows[i][1] else [Cell([Para(_join(rows[i][1][MERGED]), rows[i][0])])]
                       for i in kept], sum(isinstance(b, Table) for b in blocks) + 1)
        blocks.append(table)
        rows.clear()

    def settle(row_follows: bool) -> None:
        """Lines in the first column only between two rows of a table are a row across the table (a
        merged cell, "[Pause i opptaket]"), as in the Word table: a heading for the rows below it; a
        line starting in lower case goes on with the text of the row above. Else the table ends."""
        nonlocal number
        if not pending:
            return
        lines = [ln for _, ln in pending]
        if row_follows and rows and len(_paragraphs(lines)) == 1 and len(lines) <= 3:
            if _join(lines)[:1].islower():
                cells = rows[-1][1]
                cells.setdefault(max(cells), []).extend(lines)
            else:
                number += 1
                page_of[number] = pending[0][0]
                rows.append((number, {MERGED: lines}))
        else:
            close_table()
            loose.extend(pending)
        pending.clear()

    def close_paragraphs() -> None:
        nonlocal number
        for page_no in dict.fromkeys(p for p, _ in loose):
            for para in _paragraphs([ln for p, ln in loose if p == page_no]):
                text = _join(para)
                if text:
                    number += 1
                    page_of[number] = page_no
                    blocks.append(Para(text, number, _is_heading(para, text, body)))
        loose.clear()

    for page_no, lines in enumerate(pages, start=1):
        for ln in lines:
            cells = _cells(ln, columns)
            # a row starts at a line with text in two columns or more; a line with text in later
            # columns only goes on with the cells of the row above (a wrapped text cell)
            if len(cells) > 1 or (rows and 0 not in cells):
                settle(True)
                close_paragraphs()
                if 0 in cells or not rows:
                    number += 1
                    page_of[number] = page_no
                    rows.append((number, {}))
                for c, parts in cells.items():
                    rows[-1][1].setdefault(c, []).append(Line(_span_text(parts), ln.y, ln.size, ln.bold, ln.x))
            elif rows:
                pending.append((page_no, ln))
            else:
                loose.append((page_no, ln))
    settle(False)
    close_paragraphs()
    close_table()
    if not any(isinstance(b, Table) and transcript_layout(b.grid(), roster) for b in blocks):
        return None
    parsed = blocks_to_parsed(blocks, "pdf", roster, file, strict_roster=strict_roster)
    if parsed.kind_hint != "transcript":
        return None
    for t in parsed.turns:
        t.page = page_of.get(t.line or 0)
    return parsed


def _columns(pages: list[list[Line]]) -> list[float]:
    """The left edges of a table's columns: the page margin where its rows start and the places where
    text starts again and again inside a line (not at its start); [] when there is no such table.

    The evidence that these places are columns: wrapped lines of a cell start there, or (rows of one
    line each) text starts at the same place after texts of different widths ("Intervjuer" and
    "Informant"), with few other lines between the rows. A bold label before the text of a turn
    ("**Kari** Da er ...") gives neither: its text starts where the label ends."""
    xs = sorted(x for lines in pages for ln in lines for x, t, m in ln.spans[1:] if not m and t.strip())
    groups: list[list[float]] = []
    for x in xs:
        if groups and x - groups[-1][-1] <= COLUMN_SLACK:
            groups[-1].append(x)
        else:
            groups.append([x])
    inner = [g[0] for g in groups if len(g) >= 3]
    if not inner:
        return []
    wrapped = Counter(e for lines in pages for ln in lines for e in inner if abs(ln.x - e) <= COLUMN_SLACK)
    rows = [ln for lines in pages for ln in lines
            if any(_near(x, inner) for x, t, m in ln.spans[1:] if not m and t.strip())]
    if len(rows) < 3:
        return []
    if not any(n >= 2 for n in wrapped.values()) and not _one_line_rows(pages, rows, inner):
        return []
    left = Counter(round(ln.x) for ln in rows).most_common(1)[0][0]
    left = min(ln.x for ln in rows if round(ln.x) == left)
    return [left] + [x for x in inner if x > left + COLUMN_SLACK]


def _one_line_rows(pages: list[list[Line]], rows: list[Line], inner: list[float]) -> bool:
    """Rows of a table whose cells hold one line each: at one of the inner edges, text starts after
    texts of different widths (digits alike, so "00:00:05" and "00:01:35" do not count), and between
    the first and the last row of a page few lines are not rows (a merged row, not the wrapped lines
    of "Label<tab>text" paragraphs)."""
    before: dict[float, set[str]] = {e: set() for e in inner}
    for ln in rows:
        for k, (x, t, m) in enumerate(ln.spans):
            edge = next((e for e in inner if abs(x - e) <= COLUMN_SLACK), None)
            if k and edge is not None:
                start = max((e for e in inner if e < edge - COLUMN_SLACK), default=float("-inf"))
                text = "".join(tt for xx, tt, mm in ln.spans[:k] if xx >= start - COLUMN_SLACK and not mm)
                before[edge].add(re.sub(r"\d", "0", " ".join(text.split())))
    if not any(len(texts) >= 2 for texts in before.values()):
        return False
    row_ids = {id(ln) for ln in rows}
    other = 0
    for lines in pages:
        marks = [i for i, ln in enumerate(lines) if id(ln) in row_ids]
        if marks:
            other += sum(1 for ln in lines[marks[0]:marks[-1]] if id(ln) not in row_ids)
    return other <= max(2, 0.25 * len(rows))


def _near(x: float, edges: list[float]) -> bool:
    return any(abs(x - e) <= COLUMN_SLACK for e in edges)


def _cells(ln: Line, columns: list[float]) -> dict[int, list[tuple[float, str, bool]]]:
    """A line's text pieces by table column (the last column whose left edge is at or before it)."""
    out: dict[int, list[tuple[float, str, bool]]] = {}
    for span in ln.spans or [(ln.x, ln.text, False)]:
        if not span[1].strip():
            continue
        c = max((i for i, edge in enumerate(columns) if span[0] >= edge - COLUMN_SLACK), default=0)
        out.setdefault(c, []).append(span)
    return out


def _chunks(para: list[Line]) -> list[list[Line]]:
    """Split a paragraph before every line where a speaker turn may start, and after a line that
    stands alone (a label alone, a time, a name with a time, a heading in capitals after the end of a
    sentence, "TEMA 2: SAMARBEID MED STATEN"): over-splitting is harmless, since split_turns joins
    unlabelled chunks to the turn above."""
    chunks: list[list[Line]] = []
    alone_before = False
    for ln in para:
        text = ln.text.strip()
        alone = _stands_alone(text) or _caps_heading(text, chunks[-1][-1].text if chunks else "")
        if not chunks or alone or alone_before or ln.lead or LABEL_START.match(text):
            chunks.append([ln])
        else:
            chunks[-1].append(ln)
        alone_before = alone
    return chunks


# -------------------------------------------------------------------------------- footnotes

def _body_size(pages: list[list[Line]]) -> float:
    """The font size of most of the text."""
    sizes: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            if ln.size:
                sizes[round(ln.size, 1)] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _footnotes(lines: list[Line], body: float) -> tuple[list[Line], list[str], list[str]]:
    """A page's lines without its footnotes and its footer, the footnotes' texts (without their
    numbers) and the footer's lines.

    Footnotes are the lines at the bottom of the page in a smaller font than the body text, under at
    least one line of body text, the first starting with its number (or *, †); each line that starts
    with the next number starts the next note. Below them may stand a page number and up to
    ``EDGE_LINES`` lines of a running footer at any size ("Transkribert av Nordtekst AS" at body size,
    on a page of its own, where it cannot be seen to repeat): lines under the footnotes are the page's
    footer, never speech. The raised markers of the notes go from the text above."""
    if not body or len(lines) < 2:
        return lines, [], []
    order = sorted(range(len(lines)), key=lambda i: -lines[i].y)  # top to bottom
    bottom = len(order)
    while bottom and PAGE_NUMBER.match(lines[order[bottom - 1]].text):
        bottom -= 1
    found = None
    for footer in range(EDGE_LINES + 1):  # footer lines under the notes: none, then one, two
        end = bottom - footer
        if end <= 0 or any(0 < lines[i].size <= 0.9 * body for i in order[end:bottom]):
            break  # a small line would be among the footer lines: that is the notes' place
        start = end
        while start and 0 < lines[order[start - 1]].size <= 0.9 * body:
            start -= 1
        if 0 < start < end:  # small lines with body text above them
            notes = _note_lines(lines, order[start:end])
            if notes:
                found = start, end, notes
                break
    if found is None:
        return lines, [], []
    start, end, notes = found
    marks = {mark for mark, _ in notes}
    taken = set(order[start:bottom])
    kept = []
    for i, ln in enumerate(lines):
        if i in taken:
            continue
        if any(m and t.strip() in marks for _, t, m in ln.spans):
            ln.spans = [sp for sp in ln.spans if not (sp[2] and sp[1].strip() in marks)]
            ln.text = _span_text(ln.spans)
            if not ln.text:
                continue
        kept.append(ln)
    texts = [_join([Line(t, 0, 0, False) for t in parts]) for _, parts in notes]
    return kept, [t for t in texts if t], [lines[i].text for i in order[end:bottom]]


FOOTER_ZONE = 0.1  # a lone footer (header) stands in the bottom (top) tenth of the page
FOOTER_GAP = 3.0  # ... under a gap at least this many times the body's line spacing (one page)
PAGES_GAP = 2.0  # ... on a page of a longer document, where the gap is also clearly the widest of all its pages


def _lone_footer(lines: list[Line], body: float, frame: tuple[float, float]) -> tuple[list[Line], list[str]]:
    """The lines of a single page without a running footer under the body text, and the footer's line
    ("Transkribert av Nordtekst AS" at body size, which cannot be seen to repeat on one page).

    The footer is the lowest line when it stands in the bottom tenth of the page (``FOOTER_ZONE``),
    under a gap at least ``FOOTER_GAP`` times the body's usual line spacing and larger than every
    other gap between the lines of the page, is not in a larger font than the body text, is short
    (one line) and does not start with a speaker label; otherwise nothing is taken, so a last turn
    that runs to the bottom of the page stays whole."""
    if not body or len(lines) < 3:
        return lines, []
    ys = sorted((ln.y for ln in lines), reverse=True)
    gaps = [a - b for a, b in zip(ys, ys[1:])]
    # the usual line spacing: the smallest gap of about a font size or more (as in _paragraphs)
    spacing = _line_spacing([[ln for ln in lines if ln.y != ys[-1]]])
    return _lone_edge(lines, body, frame, spacing, max(gaps[:-1]), FOOTER_GAP)


def _inner_gaps(pages: list[list[Line]]) -> float:
    """The widest gap between two lines of a page, the gaps at the top and bottom of each page aside."""
    widest = 0.0
    for lines in pages:
        ys = sorted((ln.y for ln in lines), reverse=True)
        widest = max([widest] + [a - b for a, b in zip(ys[1:-1], ys[2:-1])])
    return widest


def _lone_edge(lines: list[Line], body: float, frame: tuple[float, float], spacing: float, widest: float,
               factor: float, *, top: bool = False) -> tuple[list[Line], list[str]]:
    """The lines of a page without a footer (``top``: header) that cannot be seen to repeat, and that
    line: the lowest (highest) line when it stands in the outer tenth of the page (``FOOTER_ZONE``),
    under (over) a gap at least ``factor`` times the line spacing and wider than ``widest`` (the
    widest gap between other lines), not in a larger font than the body text, short, and not
    starting with a speaker label or a time. Otherwise nothing is taken, so a turn that runs to the
    bottom (from the top) of a page with the body's spacing stays whole."""
    if not body or len(lines) < 3 or not spacing:
        return lines, []
    bottom, height = frame
    order = sorted(range(len(lines)), key=lambda i: lines[i].y, reverse=not top)  # inner to outer last
    edge, nxt = lines[order[-1]], lines[order[-2]]
    inset = (bottom + height - edge.y) if top else (edge.y - bottom)
    if not height or inset > FOOTER_ZONE * height or edge.size > 1.15 * body:
        return lines, []
    if len(edge.text) > 100 or LABEL_START.match(edge.text) or TIME_ONLY.match(edge.text):
        return lines, []
    if top and (edge.bold or heading_shape(edge.text) == HEADING):
        return lines, []  # a heading over the text of its page
    gap = abs(edge.y - nxt.y)
    if gap < factor * spacing or gap <= widest:
        return lines, []
    return [ln for ln in lines if ln is not edge], [edge.text]


def _note_lines(lines: list[Line], below: list[int]) -> list[tuple[str, list[str]]]:
    """The footnotes (number, lines) that the lines ``below`` (top to bottom) are; [] when they are
    not footnotes (small text that does not start with a number)."""
    notes: list[tuple[str, list[str]]] = []
    for i in below:
        mark, rest = _note_start(lines[i])
        prev = notes[-1][0] if notes else None
        if mark is not None and (prev is None or not (mark.isdigit() and prev.isdigit())
                                 or int(mark) == int(prev) + 1):
            notes.append((mark, [rest]))
        elif notes:
            notes[-1][1].append(lines[i].text)
        else:
            return []
    return notes


def _text_boxes(lines: list[Line]) -> tuple[list[Line], list[str]]:
    """A page's lines without the text drawn apart from the flow of its body text, and that text, one
    string per box.

    PDF makers draw a text box (a frame, a quote in a box) before or after the body text of its page
    (LibreOffice does either), so in the order of drawing it would be read as title lines or as speech
    of the page's last turn. The body text runs down the page: the flow is the longest run of lines,
    in the order of drawing, that never goes back up the page. Lines outside it that lie beside the
    flow's text are a box when they are drawn first or last on the page and pass :func:`_is_box`.
    A one-line box drawn first (last) level with the body's first (last) line is joined to that line
    by the order of drawing; the line is split where the drawing goes back to the left, or where the
    text beside a box at the left margin starts (:func:`_drawn_apart`), and the part is a box only
    when the body text is seen to wrap around it. A box drawn among the body text stays where its
    maker drew it, after the text it is anchored to (a PDF does not tell it from the text). Lines are
    never reordered by position: that would interleave a box with the text it stands beside, or two
    columns. A box is a segment of its own under "Tekstbokser", never text of a speaker's turn; the
    body text never moves."""
    n = len(lines)
    if n < 4:
        return lines, []
    split = _drawn_apart(lines)
    if split is not None:
        new, run = split
        flow = set(range(len(new))) - set(run)
        if _is_box(new, run, flow, forced=True):
            text = _join([new[i] for i in run])
            return [ln for i, ln in enumerate(new) if i not in set(run)], [text] if text else []
    # level: lines on one baseline (a table's cells drawn one after the other); lines closer than half
    # a font size were joined when they were drawn one after the other, so a line a little higher
    # than one drawn before it (a box's line beside the text) goes back up
    tol = [min(max(ln.size, 1.0) * 0.5, LEVEL) for ln in lines]
    if all(lines[i].y <= lines[i - 1].y + tol[i] for i in range(1, n)):
        return lines, []  # the usual page: nothing goes back up
    # the longest sequence of lines that never goes back up the page (a box drawn first or last is outside it)
    best = [1] * n
    prev = [-1] * n
    for i in range(n):
        yi = lines[i].y
        for j in range(max(0, i - 400), i):
            if yi <= lines[j].y + tol[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    k = max(range(n), key=lambda i: best[i])
    flow: set[int] = set()
    while k >= 0:
        flow.add(k)
        k = prev[k]
    runs: list[list[int]] = []
    for i in range(n):
        if i in flow:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    drop: set[int] = set()
    boxes: list[str] = []
    for run in runs:
        if run[0] != 0 and run[-1] != n - 1:
            continue  # drawn among the body text: where its maker put it (nothing tells it from the text)
        if not _is_box(lines, run, flow):
            continue
        drop.update(run)
        text = _join([lines[i] for i in run])
        if text:
            boxes.append(text)
    return [ln for i, ln in enumerate(lines) if i not in drop], boxes


LEVEL = 1.5  # points: lines this close in height are on one baseline
BOX_REACH = 8.0  # font sizes: how far above and below a box the body text is looked at for wrapping


def _is_box(lines: list[Line], run: list[int], flow: set[int], *, forced: bool = False) -> bool:
    """Whether the lines ``run``, drawn first or last on the page, are a text box beside the body
    text (the lines ``flow``): at most 12 lines, not above or below all the text (a header or footer
    drawn apart; a box may reach below the last line when it starts beside the text), and when the
    body text is not seen to wrap around it (:func:`_wrapped`) also few (at most a third of the
    page's other lines: else a second column or a layout of its own), not a table cell drawn after
    the one beside it (text on its line to its left) and not the top of a short second column (level
    with the page's first line, to the right of the text). A line split by :func:`_drawn_apart`
    (``forced``) is a box only when the body text wraps around it."""
    part = [lines[i] for i in run]
    inside = [lines[i] for i in sorted(flow)]
    if not inside or len(run) > 12:
        return False
    top, bottom = max(ln.y for ln in inside), min(ln.y for ln in inside)
    size = max(ln.size for ln in part) or 1.0
    high, low = max(ln.y for ln in part), min(ln.y for ln in part)
    if high > top + size or high < bottom - size:
        return False  # above or below all the text: a header or footer drawn apart, not a box in the text
    band = [ln for ln in inside if low - 1.5 * size <= ln.y <= high + 1.5 * size]
    if low < bottom - size and not band:
        return False
    wrapped = _wrapped(part, inside, band, size)
    if forced or wrapped:
        return wrapped
    if 3 * len(run) > len(inside):
        return False  # as long as the text: a second column or a layout of its own
    x = min(ln.x for ln in part)
    if any(abs(ln.y - part[0].y) < max(ln.size, 1.0) * 0.5 and ln.x < x for ln in inside):
        return False  # to the right of text on its line: a table cell drawn after the one beside it
    left = statistics.median(ln.x for ln in inside)
    if high >= top - 2 * size and x > left + 4 * size:
        return False  # the top of a short second column
    return True


def _right(ln: Line) -> float:
    """Where a line's text ends, estimated (pypdf gives where text starts, not its width)."""
    size = max(ln.size, 1.0)
    spans = [(x, t) for x, t, _ in ln.spans if t.strip()] or [(ln.x, ln.text)]
    return max(x + 0.45 * size * len(t.strip()) for x, t in spans)


def _wrapped(part: list[Line], inside: list[Line], band: list[Line], size: float) -> bool:
    """Whether the body text flows around the place of the lines ``part`` (a text box with wrapping):
    a line beside it has text on both sides of it, or a body line close above or below it runs
    through the place where it stands (the text beside it is cut short for it). A table cell or a
    second column has neither: the text in the column beside it never reaches into its place."""
    x0, x1 = min(ln.x for ln in part), max(_right(ln) for ln in part)
    high, low = max(ln.y for ln in part), min(ln.y for ln in part)
    for ln in band:
        xs = [x for x, t, _ in ln.spans if t.strip()] or [ln.x]
        if min(xs) < x0 - size and max(xs) > x0 + size:
            return True  # text on both sides of the box
    need = min(3 * size, 0.5 * (x1 - x0))
    for ln in inside:
        near = high + 1.5 * size < ln.y <= high + BOX_REACH * size or low - BOX_REACH * size <= ln.y < low - 1.5 * size
        if near and min(_right(ln), x1) - max(ln.x, x0) >= need:
            return True
    return False


def _drawn_apart(lines: list[Line]) -> tuple[list[Line], list[int]] | None:
    """The page's lines with a one-line text box that is joined to a body line split off it, and the
    index of the box's line; None when no line looks joined.

    A box drawn first (last) whose line is level with the body's first (last) line is joined to it
    by the order of drawing. That line is split where the drawing goes back to the left and the part
    drawn apart fits in an empty place of the rest of the line (beside it, or between two of its
    pieces: the text wraps around the box) or lies over its text (a box the text runs through);
    or where text starts after a gap (the first line: where the next line starts too; the last line:
    three font sizes after the text before it), at a place where no other line has text start, after
    a part that is no speaker label: a label with its text at a tab stop, or a hanging indent, recurs
    on the page. Whether the part is a box is then up to :func:`_is_box`."""
    n = len(lines)
    for j, apart in ((0, "first"), (n - 1, "last")):
        ln = lines[j]
        size = max(ln.size, 1.0)
        for k in range(1, len(ln.spans)):
            before, after = ln.spans[:k], ln.spans[k:]
            head = _span_text(before)
            x = ln.spans[k][0]
            box, body = (before, after) if apart == "first" else (after, before)
            if abs(x - ln.spans[k - 1][0]) <= 1.0:
                pass  # drawn over the text before it: a box the text runs through
            elif x < ln.spans[k - 1][0]:  # back to the left: beside the text, or over it (not next to it)
                if not _in_slot(box, body, size) and not _over(box, body, size):
                    continue
            else:
                recurs = any(abs(sx - x) <= COLUMN_SLACK for i, other in enumerate(lines) if i != j
                             for sx, _, _ in other.spans[1:])
                if recurs or LABEL_START.match(head) or _stands_alone(head):
                    continue
                if apart == "first" and abs(lines[1].x - x) > COLUMN_SLACK:
                    continue  # the text beside a box at the left margin starts under itself
                if apart == "last" and x < _right(_part(ln, before)) + 3 * size:
                    continue  # no gap: the line's own text
            parts = [_part(ln, before), _part(ln, after)]
            new = lines[:j] + parts + lines[j + 1:]
            return new, [0] if apart == "first" else [n]
    return None


def _over(box: list[tuple[float, str, bool]], body: list[tuple[float, str, bool]], size: float) -> bool:
    """Whether the pieces ``box`` are drawn over the text of the pieces ``body`` (three font sizes or
    more of it: a box the text runs through, not a piece of the line drawn out of order)."""
    def ends(spans):
        return [(x, x + 0.45 * size * len(t.strip())) for x, t, _ in spans]
    return any(min(b1, c1) - max(b0, c0) >= 3 * size for b0, b1 in ends(box) for c0, c1 in ends(body))


def _in_slot(box: list[tuple[float, str, bool]], body: list[tuple[float, str, bool]], size: float) -> bool:
    """Whether the pieces ``box`` fit in an empty place of a line's pieces ``body``: before, after or
    between them (with one and a half font sizes of slack)."""
    def right(spans):  # a low estimate of where the text ends (4/10 of the font size a character)
        return max(x + 0.4 * size * len(t.strip()) for x, t, _ in spans)
    x0, x1 = min(x for x, _, _ in box), right(box)
    pieces = sorted(body)
    edges = [float("-inf")] + [v for sp in pieces for v in (sp[0], right([sp]))] + [float("inf")]
    return any(x0 >= edges[i] - 1.5 * size and x1 <= edges[i + 1] + 1.5 * size for i in range(0, len(edges), 2))


def _part(ln: Line, spans: list[tuple[float, str, bool]]) -> Line:
    """A line of some of the pieces of ``ln``."""
    text = clean_text(" ".join(_span_text(spans).split()))
    return Line(text, ln.y, ln.size, ln.bold, min(x for x, _, _ in spans), list(spans))


def _note_start(ln: Line) -> tuple[str | None, str]:
    """(the note's number, the rest of the line) when a line starts with a footnote number."""
    if ln.spans and ln.spans[0][2]:
        return ln.spans[0][1].strip(), _span_text(ln.spans[1:])
    m = NOTE_START.match(ln.text)
    return (m.group(1), ln.text[m.end():].strip()) if m else (None, ln.text)


def _span_text(spans: list[tuple[float, str, bool]]) -> str:
    text = ""
    for _, t, _ in spans:
        text = _concat(text, t) if text else t
    return " ".join(text.split())


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
                ln = Line(rest, ln.y, ln.size, ln.bold, ln.x, lead=ln.lead)
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
        page_paras[p][k][0] = Line(PARA_NUMBER.sub("", first.text, count=1), first.y, first.size, first.bold,
                                   first.x, lead=first.lead)


# ------------------------------------------------------------------------------- page layout

def _page_lines(page) -> list[Line]:
    frags: list[tuple[float, float, str, float, bool]] = []

    def visit(text, cm, tm, font_dict, font_size):
        text = clean_text(text, bidi=True) if text else text  # NFC, no zero-width or bidi characters (before labels are looked for)
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
        text = clean_text(page.extract_text() or "", bidi=True)
        return [Line(t, -i * 12.0, 0.0, False) for i, t in enumerate(text.split("\n")) if t.strip()]
    markers = _markers(frags)
    lines: list[Line] = []
    bolds: list[list[bool]] = []  # per line, whether each of its spans is bold
    for i, (x, y, t, s, b) in enumerate(frags):
        marker = i in markers
        reach = max(s, lines[-1].size if marker and lines else 0.0, 1.0) * 0.5
        if lines and abs(lines[-1].y - y) < reach:
            last = lines[-1]
            if not marker and all(m for _, _, m in last.spans):  # the text after a marker that starts a line
                last.y, last.size, last.bold = y, s, b
            elif not marker:
                last.size = max(last.size, s)
                last.bold = last.bold and b
            if x < last.x - 1.0 and _is_number(t) and not _is_number(last.text):
                last.text = _concat(t, last.text)  # a margin number drawn after its line
                last.spans.insert(0, (x, t, marker))
                bolds[-1].insert(0, b)
            else:
                last.text = _concat(last.text, t)
                last.spans.append((x, t, marker))
                bolds[-1].append(b)
            last.x = min(last.x, x)
        else:
            lines.append(Line(t, y, s, b, x, [(x, t, marker)]))
            bolds.append([b])
    for ln, flags in zip(lines, bolds):
        ln.lead = _bold_lead(ln.spans, flags)
    lines = _attach_lone_numbers(lines)
    for ln in lines:
        ln.text = clean_text(" ".join(ln.text.split()))
    return [ln for ln in lines if ln.text]


def _bold_lead(spans: list[tuple[float, str, bool]], flags: list[bool]) -> str:
    """The bold text that starts a line (after a margin number) when plain text follows it."""
    k = 0
    while k < len(spans) and not flags[k] and _is_number(spans[k][1]):
        k += 1  # a margin line number
    lead = []
    while k < len(spans) and (flags[k] or spans[k][2] or not spans[k][1].strip()):
        lead.append(spans[k][1])
        k += 1
    rest = "".join(t for _, t, _ in spans[k:])
    return " ".join("".join(lead).split()) if lead and rest.strip() else ""


def _markers(frags: list[tuple[float, float, str, float, bool]]) -> set[int]:
    """Footnote markers among a page's text pieces: a number (or *, †) in a smaller font beside text
    of its line, raised above it or written onto the word before it ("Nordvik¹": a raise made with
    the text rise operator is not in the positions pypdf gives)."""
    out = set()
    for i, (_, y, t, s, _) in enumerate(frags):
        if not MARKER.match(t):
            continue
        for j in (i - 1, i + 1):
            if not 0 <= j < len(frags):
                continue
            _, ny, nt, ns, _ = frags[j]
            if not ns or s > 0.8 * ns or not -0.3 * ns < y - ny < ns or MARKER.match(nt):
                continue
            glued = j == i - 1 and not nt[-1:].isspace() and not t[:1].isspace()
            if y - ny >= 0.15 * ns or glued:
                out.add(i)
                break
    return out


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
                ln.spans[:0] = n.spans
                ln.x = n.x
                taken.add(i)
                break
    return [ln for i, ln in enumerate(lines) if i not in taken]


def _concat(a: str, b: str) -> str:
    return a + b if a.endswith(" ") or b.startswith(" ") else a + " " + b


MONTHS = ("jan|januar|january|feb|februar|february|mar|mars|march|apr|april|mai|may|jun|juni|june|jul|juli|"
          "july|aug|august|sep|sept|september|okt|oktober|oct|october|nov|november|des|desember|dec|december")
DATE = re.compile(r"\b(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
                  rf"|\d{{1,2}}\.?\s*(?:{MONTHS})\.?(?:\s+\d{{4}})?|(?:{MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}})\b", re.I)
SEPARATORS = re.compile(r"^[\s|·•–—\-/,;:]+|[\s|·•–—\-/,;:]+$")


def _key(text: str) -> str:
    """A line's text with dates and numbers blanked: a running header or footer is the same on every
    page although its page number (and a date written with a month's name) changes."""
    return re.sub(r"\d+", "#", DATE.sub("<dato>", text.casefold())).strip()


def _page_number(text: str) -> bool:
    """A page number in a common form ("3", "3/12", "- 3 -", "Side 3 av 12", "Page 3 of 12"), alone or
    with a date beside it ("12.03.2024 · Side 3 av 12")."""
    if PAGE_NUMBER.match(text):
        return True
    rest = DATE.sub(" ", text)
    if rest == text:
        return False
    parts = [SEPARATORS.sub("", part) for part in re.split(r"\s[|·•–—-]\s|\s{2,}", rest)]
    parts = [part for part in parts if part]
    return len(parts) == 1 and bool(PAGE_NUMBER.match(parts[0]))


def _edges(lines: list[Line]) -> set[int]:
    """Indexes of the EDGE_LINES highest and lowest lines on a page (by position, not order)."""
    order = sorted(range(len(lines)), key=lambda i: -lines[i].y)
    return set(order[:EDGE_LINES]) | set(order[-EDGE_LINES:])


def _line_spacing(pages: list[list[Line]]) -> float:
    """The body's usual line spacing: the smallest gap between lines of a page of about a font size or
    more (smaller gaps are sub- and superscripts or pieces of one line), as in :func:`_paragraphs`."""
    gaps = []
    for lines in pages:
        ys = sorted((ln.y, ln.size) for ln in lines)
        gaps += [b[0] - a[0] for a, b in zip(ys, ys[1:]) if b[0] - a[0] >= 0.8 * max(b[1], 1.0)]
    return min(gaps) if gaps else 0.0


@dataclass
class Furniture:
    """What :func:`_drop_running_lines` found: the lines seen as furniture by their place alone (kept
    as title lines), and whether the document has a running header/footer (then a page's lone edge
    line is judged by the band, not by :func:`_lone_edge`)."""
    moved: list[str] = field(default_factory=list)
    top: bool = False
    bottom: bool = False
    speech_like: list[str] = field(default_factory=list)  # running lines that read like speech: warned about


SENTENCE_END = re.compile(r"[.!?…][\"'»”)\]]*$")


def _label_name(text: str) -> str:
    """The speaker label a line starts with, without a time or brackets ("[00:01:02] Kari:" -> "kari"),
    or the line itself when it is a label alone ("INTERVJUER"); casefolded, "" when there is none."""
    m = LABEL_START.match(text)
    label = m.group(0) if m else (text if CAPS_LABEL.match(text.strip()) else "")
    label = re.sub(r"^\s*[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?", "", label)
    label = re.sub(r"[\[(][\d:.,]+[\])]", "", label)
    return " ".join(label.strip().strip(":[]() ").casefold().split())


def _speaker_lines(pages: list[list[Line]], keys: list[list[tuple[str, int]]], candidates: set[tuple[str, int]],
                   roster: set[str] | None) -> set[str]:
    """The keys (see :func:`_key`) of the lines that start with a speaker label: a label of the roster,
    or one that also starts lines that are not running-header candidates (it starts turns in the
    file: "Intervjuer: Spørsmål 14: ..." at the same place on two pages is speech, not a header; a
    label alone on its line, "INTERVJUER", counts when it also stands elsewhere), and the line right
    under such a label alone (its speech)."""
    names = {" ".join(r.casefold().split()) for r in roster} if roster else set()
    turn_labels = {_label_name(ln.text) for p, lines in enumerate(pages) for i, ln in enumerate(lines)
                   if keys[p][i] not in candidates and LABEL_START.match(ln.text)}
    alone = {keys[p][i][0] for p, lines in enumerate(pages) for i, ln in enumerate(lines)
             if keys[p][i] not in candidates and _stands_alone(ln.text)}
    out = set()
    for p, lines in enumerate(pages):
        for i, ln in enumerate(lines):
            if keys[p][i] not in candidates:
                continue
            name = _label_name(ln.text) or " ".join(ln.lead.strip(":").casefold().split())
            if name and (name in names or (LABEL_START.match(ln.text) and name in turn_labels)
                         or (_stands_alone(ln.text) and keys[p][i][0] in alone)):
                out.add(keys[p][i][0])
            elif i and _stands_alone(lines[i - 1].text) and (keys[p][i - 1][0] in alone
                                                              or _label_name(lines[i - 1].text) in names):
                out.add(keys[p][i][0])  # the speech under a label alone
    return out


def _drop_running_lines(pages: list[list[Line]], roster: set[str] | None = None
                        ) -> tuple[list[list[Line]], Furniture]:
    """Remove page numbers and running headers and footers from the top and bottom of the pages.

    - Page numbers in any common form (:func:`_page_number`) among a page's ``EDGE_LINES`` highest or
      lowest lines.
    - Lines repeated at the same place at the top or bottom of the pages (their numbers and dates
      aside, so "Side 3 av 12" and "12. mars 2024" repeat): on every page of a document of up to three
      pages and on all but one page of a longer one (a header on all pages but the first, a footer on
      all but the last); or on at least two pages and half of them when the line is never anywhere
      else in the document and does not start with a speaker label (a footer on pages 1 and 2 of 3).
      A line that starts with a speaker label (of the roster, or one that starts turns elsewhere in
      the file) is never a running line: "Intervjuer: Spørsmål 14: ..." at the place of
      "Intervjuer: Spørsmål 1: ..." on the page before is speech. A running line that reads like
      speech (a sentence of six words or more) is kept in the title lines and warned about
      (:attr:`Furniture.speech_like`), never dropped in silence.
    - Then by place: the running header and footer lines found so far mark the page's margin bands.
      On a page without them, its lowest (highest) lines are a footer (header) too when they stand in
      that band (at or below the place where the footer starts on each of those pages, or clearly
      below all the body text there) and are set off from the page's text as the footers are (a
      gap at least 0.8 times the smallest gap above a footer there and clearly more than the line
      spacing, or a smaller font under a gap): a different footer on the last page ("Slutt på
      transkripsjonen", also on a page of its own after the text), a header on the first page that
      differs. Body text that runs down to the
      bottom of a full page, with the body's spacing, stays where it is. Those lines go to the title
      lines (they are in the source text), never into a turn."""
    n = len(pages)
    edges = [_edges(lines) for lines in pages]
    keys = [[(_key(ln.text), round(ln.y / 4)) for ln in lines] for lines in pages]
    gone: list[set[int]] = [{i for i in edges[p] if _page_number(pages[p][i].text)} for p in range(n)]
    starts = Counter(_start(ln.text) for lines in pages for ln in lines if LABEL_START.match(ln.text))
    if n >= 2:
        counts: Counter[tuple[str, int]] = Counter()
        for p in range(n):
            counts.update({keys[p][i] for i in edges[p]})
        need = n if n <= 3 else n - 1
        elsewhere = {keys[p][i][0] for p in range(n) for i in range(len(pages[p])) if i not in edges[p]}
        running = {k for k, c in counts.items()
                   if c >= need or (c >= 2 and 2 * c >= n and k[0] not in elsewhere and not LABEL_START.match(k[0]))}
        speech = _speaker_lines(pages, keys, running, roster)
        running = {k for k in running if k[0] not in speech}
        for p in range(n):
            gone[p] |= {i for i in edges[p] if keys[p][i] in running}
    found = Furniture()
    moved: list[set[int]] = [set() for _ in pages]
    for p, lines in enumerate(pages):  # running lines that read like speech: kept as title lines, warned about
        for i in sorted(gone[p], key=lambda i: -lines[i].y):
            text = lines[i].text
            if not _page_number(text) and len(text.split()) >= 6 and SENTENCE_END.search(text):
                moved[p].add(i)
                if text not in found.speech_like:
                    found.speech_like.append(text)
    spacing = _line_spacing(pages)
    body = _body_size(pages)
    roster_names = {" ".join(r.casefold().split()) for r in roster} if roster else set()
    for top in (False, True):
        sign = 1 if top else -1  # y * sign grows towards the page edge
        known = []  # (page, the innermost furniture line's y * sign, the outermost body line's y * sign)
        for p, lines in enumerate(pages):
            if len(lines) < 4:
                continue
            order = sorted(range(len(lines)), key=lambda i: sign * lines[i].y)  # inner to outer
            side = set(order[-EDGE_LINES:])
            furniture = [sign * lines[i].y for i in side & gone[p]]
            rest = [sign * lines[i].y for i in order if i not in gone[p]]
            if furniture and rest and max(rest) < min(furniture):
                known.append((p, min(furniture), max(rest)))
        if not known or not spacing:
            continue
        setattr(found, "top" if top else "bottom", True)
        inner = max(f for _, f, _ in known)  # the innermost furniture line of all pages
        reach = max(b for _, _, b in known)  # how far out the body text goes on those pages
        gap = min(f - b for _, f, b in known)
        if reach >= inner:
            continue
        pages_known = {p for p, _, _ in known}
        for p, lines in enumerate(pages):
            if p in pages_known:
                continue
            order = [i for i in sorted(range(len(lines)), key=lambda i: -sign * lines[i].y) if i not in gone[p]]
            band = []
            for i in order[:EDGE_LINES]:
                y = sign * lines[i].y
                if y >= inner - 0.5 * max(lines[i].size, 1.0) or y > reach + max(body, 1.0):
                    band.append(i)
                else:
                    break
            if not band or (len(band) == len(order) and top):
                continue  # a page of one line at the top: the text starts there where no header stands
            if any((LABEL_START.match(lines[i].text) and starts[_start(lines[i].text)] > 1)
                   or (roster_names and _label_name(lines[i].text) in roster_names) for i in band):
                continue  # a speaker's turn
            if len(band) == len(order):  # a page with a footer and no text (the text ended on the page before)
                moved[p].update(band)
                continue
            room = min(sign * lines[i].y for i in band) - sign * lines[order[len(band)]].y
            smaller = body and all(0 < lines[i].size <= 0.9 * body for i in band)
            if (room >= 0.8 * gap and room >= 1.3 * spacing) or (smaller and room >= 1.15 * spacing):
                moved[p].update(band)
    out = []
    for p, lines in enumerate(pages):
        for i in sorted(moved[p], key=lambda i: -lines[i].y):
            if lines[i].text not in found.moved:
                found.moved.append(lines[i].text)
        out.append([ln for i, ln in enumerate(lines) if i not in gone[p] and i not in moved[p]])
    return out, found


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
            or nxt.bold != prev.bold or _notice(nxt.text) or _notice(prev.text)
        if new:
            paras.append([nxt])
        else:
            paras[-1].append(nxt)
    return paras


def _notice(text: str) -> bool:
    """A meeting tool's notice ("Kari Nordmann stoppet transkripsjon"): a line of its own, never speech."""
    return is_tool_notice(text)


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
        elif re.search(r"\w[-–—]$", text) and (t[:1].isdigit() or t[:1].isupper() or text[-1] != "-"):
            text += t  # a line broken after a dash inside a word or number: "2021–" + "2025", "Nord-" + "Norge"
        else:
            text += " " + t
    return text
