"""Writers: a list of report tables -> files (xlsx, docx, csv, md).

Each writer has the signature ``write(tables, path) -> list[Path]`` and is registered in
``workbench.export.EXPORTERS`` under its format; a third-party writer registers the same way.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Iterator

import pandas as pd

from ..errors import WorkbenchError
from ..privacy import FORMULA_START, neutralise_formula
from ..ui.format import short_of_bounds
from .tables import EMPTY_NOTE, Table, slug  # noqa: F401  (EMPTY_NOTE: kept importable from here)


def owner_only(paths) -> None:
    """Make each written file readable and writable by its owner only (0600, as a backup and a
    ``.qdpx`` export are): a file with real names (``reveal``) must not be left readable to other
    users of the machine. A no-op where file modes mean nothing (Windows)."""
    if os.name != "posix":
        return
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(p, 0o600)


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_cell(table: Table, column: str, value) -> str:
    """Norwegian display text of one cell: 12,5 %, +12,5, 1 234, – for no value."""
    if _missing(value):
        return "–" if (column in table.percent or column in table.signed_percent
                       or column in table.decimals) else ""
    if isinstance(value, str):  # text as is, e.g. "<3" for a suppressed cell
        return value
    if column in table.decimals:  # scores between -1 and 1 (kappa, alpha): never "1,000" short of 1
        return short_of_bounds(value, table.decimals[column], low=-1, high=1)
    if column in table.percent:  # never "100,0 %" short of 1 (nor "0,0 %" above 0)
        return short_of_bounds(value, 1, low=0, high=1, scale=100, unit=" %")
    if column in table.signed_percent:
        text = f"{float(value) * 100:+.1f}".replace(".", ",")
        return "0,0" if text in ("+0,0", "-0,0") else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _file(path: Path, suffix: str, stem: str = "tabeller") -> Path:
    """The file to write: ``path`` itself, ``<folder>/<stem><suffix>`` for a folder, or ``path``
    with the suffix added (the caller says so: ``export.added_suffix``); missing folders made."""
    path = Path(path)
    if path.is_dir():
        path = path / f"{stem}{suffix}"
    elif path.suffix.lower() != suffix:
        path = path.with_name(path.name + suffix)
    make_folder(path.parent, path)
    return path


# errors that mean "someone holds the file" (Excel/Word keep a lock) or "not yours to write"
_LOCKED = (errno.EACCES, errno.EPERM, errno.EBUSY, errno.ETXTBSY)


def _verb(what: str) -> str:
    return "make" if what.startswith("folder") else "write"


def cannot_write(path: Path, what: str, exc: OSError) -> WorkbenchError:
    """One line for a file that cannot be written: close it in Excel/Word only when it is a
    permission or lock error; a missing or impossible folder needs another -o path."""
    reason = exc.strerror or type(exc).__name__
    if isinstance(exc, PermissionError) or exc.errno in _LOCKED:
        return WorkbenchError(f"{path}: cannot {_verb(what)} the {what} ({reason}); close it in Excel/Word or "
                              "choose another -o path", code="export.locked", path=str(path))
    return WorkbenchError(f"{path}: cannot {_verb(what)} the {what} ({reason}); choose another -o path",
                          code="export.unwritable", path=str(path))


def make_folder(folder: Path, path: Path | None = None) -> None:
    """Create ``folder`` and its parents, as ``export tables`` does; an OSError is one line
    naming ``path`` (the file to be written there) and the fix."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(Path(path or folder), f"folder {folder}" if path else "folder", exc) from None


@contextlib.contextmanager
def atomic_output(path: Path, what: str, *, private: bool = False) -> Iterator[Path]:
    """Write ``path`` whole or not at all: yields a temporary file beside it (the same folder,
    hidden: ``.<name>.XXXXXXXX.tmp``) for the caller to write, which is moved over ``path``
    (``os.replace``) only when the block ends without an error. Whatever fails on the way (a full
    disk, a writer's exception, Ctrl-C, a target that cannot be replaced), the temporary file is
    removed and an earlier file at ``path`` is left as it was, byte for byte; an ``OSError`` is
    the one line of :func:`cannot_write` naming ``path`` and ``what``.

    The file gets the mode of the file it replaces, else that of a new file (0666 less the
    umask); ``private`` keeps the temporary file's 0600 (a ``.qdpx`` with the transcripts). A
    symbolic link at ``path`` is written through (its target is replaced, the link stays)."""
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    make_folder(target.parent, path)
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        yield tmp
        with open(tmp, "rb+") as fh:  # on the disk before it takes the old file's place
            os.fsync(fh.fileno())
        if not private:
            os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise cannot_write(path, what, exc) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _mode_for(target: Path) -> int:
    """The permission bits a file written at ``target`` in place would have."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (``os.umask`` sets it
    for a moment, which another thread of the app's server could create a file under)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o077)  # elsewhere: for a moment the strictest mask, never a looser one
    os.umask(mask)
    return mask


def check_writable(path: Path, what: str) -> None:
    """Fail early, in one line, when ``path`` cannot be written (a lock, a missing folder). A file
    the check had to create is removed again, so an export that fails later leaves nothing behind."""
    existed = os.path.lexists(path)
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise cannot_write(path, what, exc) from None
    if not existed:
        with contextlib.suppress(OSError):
            os.remove(path)


# ------------------------------------------------------------------------------------ xlsx

#: a difference in percentage points, in a workbook: the number itself (-2.48), shown as -2.5
POINTS_FORMAT = "+0.0;-0.0;0.0"


def _as_points(table: Table) -> pd.DataFrame:
    """The frame with the ``signed_percent`` columns (differences of two shares, stored as a
    fraction: -0.0248) in percentage points (-2.48), as the heading «Endring (prosentpoeng)» and
    the Word and Markdown files say; text cells ("<3") and missing values are left as they are."""
    if not table.signed_percent:
        return table.frame
    out = table.frame.copy()
    for col in table.signed_percent:
        if col in out.columns:
            out[col] = out[col].map(lambda v: v if _missing(v) or isinstance(v, str)
                                    else round(float(v) * 100, 6) + 0.0).astype(object)
    return out


SHEET_MAX = 31  # Excel's limit on a sheet name


def _tail(name: str, start: int) -> str:
    """The end of ``name`` from the word in which it differs (at ``start``) from its rivals, at
    most SHEET_MAX - 6 characters (then the beginning of that end)."""
    space = name.rfind(" ", 0, start + 1)
    tail = name[space if space > 0 else start:]
    return tail[:SHEET_MAX - 6]


def sheet_names(names: list[str]) -> list[str]:
    """One valid, distinct sheet name per table name: characters Excel refuses replaced, and at
    most 31 characters. Names that only differ after the 31st character are shortened in the
    middle, keeping the end that tells them apart ("Matrise dialogkonfera… Midt" and
    "Matrise dialogkonfera… Varanger"), not numbered; what is still equal gets " (2)"."""
    clean = ["".join("_" if ch in '[]:*?/\\' else ch for ch in str(n)).strip() or "Tabell" for n in names]
    cut = [c[:SHEET_MAX].lower() for c in clean]
    out = [c[:SHEET_MAX] for c in clean]
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(cut):
        groups.setdefault(c, []).append(i)
    for members in groups.values():
        long = [i for i in members if len(clean[i]) > SHEET_MAX]
        if len(members) < 2 or not long:
            continue
        tails = {}
        for i in long:
            common = max(len(os.path.commonprefix([clean[i].lower(), clean[j].lower()])) for j in members if j != i)
            tails[i] = _tail(clean[i], common)
        head = SHEET_MAX - 1 - max(len(t) for t in tails.values())  # one head for the whole group
        for i, tail in tails.items():
            out[i] = f"{clean[i][:head].rstrip()}…{tail}"
    used: set[str] = set()
    for i, candidate in enumerate(out):
        base, n = candidate, 2
        while candidate.lower() in used:
            suffix = f" ({n})"
            candidate, n = base[:SHEET_MAX - len(suffix)] + suffix, n + 1
        used.add(candidate.lower())
        out[i] = candidate
    return out


def _append_text_safe(ws, values: list) -> None:
    """Append a row; text that a spreadsheet would read as a formula ("=...", "+...", "-...",
    "@...", tab, CR) stays a plain text cell with exactly that value, never a live formula."""
    ws.append(values)
    for i, value in enumerate(values, 1):
        if isinstance(value, str) and value.startswith(FORMULA_START):
            cell = ws.cell(row=ws.max_row, column=i)
            cell.value = value
            cell.data_type = "s"      # openpyxl makes "=..." a formula; keep it a string
            cell.quotePrefix = True   # Excel keeps it text when the cell is edited


def _quote_file(tables: list[Table]) -> bool:
    """True for a file that holds one table alone under a heading of its own (a quote file)."""
    return len(tables) == 1 and bool(tables[0].heading)


def _preamble_rows(ws, lines: list[tuple[str, str]], columns: int) -> None:
    """The table's preamble under its title: the label in bold in column A, the text beside it
    across the other columns (merged, wrapped), then an empty row before the header."""
    from openpyxl.styles import Alignment, Font

    for label, text in lines:
        _append_text_safe(ws, [label, text])
        row = ws.max_row
        ws.cell(row=row, column=1).font = Font(bold=True)
        ws.cell(row=row, column=1).alignment = Alignment(vertical="top")
        ws.cell(row=row, column=2).alignment = Alignment(vertical="top", wrap_text=True)
        if columns > 2:
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=columns)
    ws.append([])


def _preamble_heights(ws, lines: list[tuple[str, str]], first_row: int, columns: int) -> None:
    """Row heights for the wrapped preamble texts (Excel does not fit merged rows)."""
    from openpyxl.utils import get_column_letter

    across = sum(ws.column_dimensions[get_column_letter(i)].width or 8 for i in range(2, max(columns, 2) + 1))
    for i, (_label, text) in enumerate(lines):
        wrapped = -(-len(str(text)) * 11 // (10 * max(int(across), 1)))
        ws.row_dimensions[first_row + i].height = 15 * max(1, wrapped)


def _title_row(ws, title: str, columns: int) -> None:
    """Row 1: the table's caption (what it is a selection of), bold, merged across the columns."""
    from openpyxl.styles import Alignment, Font

    _append_text_safe(ws, [title])
    cell = ws.cell(row=1, column=1)
    cell.font = Font(bold=True, size=12)
    cell.alignment = Alignment(vertical="top", wrap_text=True)
    if columns > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)


def write_xlsx(tables: list[Table], path: Path) -> list[Path]:
    """One sheet per table: bold frozen header row, filters, fitted widths, % formats.

    A quote file (one table with a heading) gets a title row above the header: the caption
    naming the code and the filters, as in the Word file, so a sheet passed on says what it is
    a selection of. An empty table says why in the row below the header (``Table.empty_note``).
    Text that starts like a formula is stored as a text cell, never as a live formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = _file(path, ".xlsx", file_stem(tables))
    check_writable(path, "workbook")
    quote_file = _quote_file(tables)
    wb = Workbook()
    wb.remove(wb.active)
    for table, sheet in zip(tables, sheet_names([t.name for t in tables])):
        ws = wb.create_sheet(sheet)
        cols = list(table.frame.columns)
        titled = quote_file or bool(table.preamble)
        # the header row: after the title row and the preamble (its lines and an empty row)
        head = 1 + int(titled) + (len(table.preamble) + 1 if table.preamble else 0)
        if titled:
            _title_row(ws, table.title, len(cols))
        if table.preamble:
            _preamble_rows(ws, table.preamble, len(cols))
        _append_text_safe(ws, cols)
        for row in _as_points(table).itertuples(index=False):
            _append_text_safe(ws, [None if _missing(v) else (v.item() if hasattr(v, "item") else v)
                                   for v in row])
        if table.frame.empty:  # say so, rather than a sheet of headings alone
            _append_text_safe(ws, [table.empty_note])
            ws.cell(row=head + 1, column=1).font = Font(italic=True)
        for cell in ws[head]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE4EE")
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        ws.freeze_panes = f"A{head + 1}"
        if cols:
            last = head if table.frame.empty else ws.max_row
            ws.auto_filter.ref = f"A{head}:{get_column_letter(len(cols))}{last}"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        for i, col in enumerate(cols, 1):
            letter = get_column_letter(i)
            fmt = ("0.0%" if col in table.percent else
                   POINTS_FORMAT if col in table.signed_percent else
                   "0." + "0" * table.decimals[col] if table.decimals.get(col) else None)
            values = [fmt_cell(table, col, v) for v in table.frame[col]]
            longest = max([len(str(col))] + [len(v) for v in values[:2000]])
            if col in table.wrap:
                ws.column_dimensions[letter].width = 80
            else:
                ws.column_dimensions[letter].width = min(max(8, longest + 2), 50)
            for cell, shown in itertools.zip_longest(ws[letter][head:], values, fillvalue=""):
                if fmt:
                    # a figure short of a bound keeps its number but shows what fmt_cell says ("> 99,9 %"),
                    # never Excel's rounding to 100,0 %
                    cell.number_format = (f'"{shown}"' if shown[:2] in ("> ", "< ")
                                          and isinstance(cell.value, (int, float)) else fmt)
                    if cell.value == "–":  # an undefined figure: aligned with the numbers
                        cell.alignment = Alignment(horizontal="right")
                if col in table.wrap:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        if table.preamble:
            _preamble_heights(ws, table.preamble, 1 + int(titled), len(cols))
        if titled:
            ws.print_title_rows = f"{head}:{head}"  # the header on every printed page
            across = sum(ws.column_dimensions[get_column_letter(i)].width or 8
                         for i in range(1, max(len(cols), 1) + 1))
            lines = -(-len(table.title) * 12 // (10 * max(int(across), 1)))  # 12 pt bold: wider
            ws.row_dimensions[1].height = 18 * max(1, lines)  # Excel does not fit merged rows
    if not tables:
        wb.create_sheet("Tom")
    workbook_properties(wb, docx_heading(tables))
    with atomic_output(path, "workbook") as tmp:
        wb.save(tmp)
    return [path]


def workbook_properties(wb, title: str) -> None:
    """The workbook's document properties, as a Word export's (``new_document``): ``title``, the
    acting workbench user as creator (else "Bygdevekst workbench"), language nb-NO, created and
    modified now; not openpyxl's creator "openpyxl"."""
    import datetime as dt

    from ..access import current

    who = current()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    props = wb.properties
    props.title = str(title)
    props.creator = props.lastModifiedBy = (who.name if who is not None and who.name else DOCUMENT_AUTHOR)
    props.language = DOCUMENT_LANGUAGE
    props.created = props.modified = now


# ------------------------------------------------------------------------------------ docx

def _caption(doc, number: int, title: str):
    """A "Caption" paragraph "Tabell N: title" whose N is a Word SEQ field (renumbers in Word)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = doc.add_paragraph(style="Caption")
    p.add_run("Tabell ")

    def fld(kind: str):
        run = p.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    fld("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " SEQ Tabell \\* ARABIC "
    p.add_run()._r.append(instr)
    fld("separate")
    p.add_run(str(number))
    fld("end")
    p.add_run(f": {title}")
    p.paragraph_format.keep_with_next = True
    return p


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


# A4 with 2 cm margins; wide tables (more than WIDE_COLUMNS columns and no long text column, or
# too wide for the portrait page) get a landscape section of their own.
PAGE_CM = (21.0, 29.7)
MARGIN_CM = 2.0
WIDE_COLUMNS = 6
_CHAR_CM = 0.165   # average width of a 9 pt character (Calibri/Carlito; Arial-like fonts fit)
_PAD_CM = 0.45     # the cell's left and right margins
_MIN_CM = 1.0
_QUOTE_MIN_CM = 5.0  # a quote column narrower than this goes to a landscape page
_TWIPS_PER_CM = 1440 / 2.54


# Headers and numbers must never break, so they are measured for the widest common fallback
# font (DejaVu Sans, which LibreOffice uses where Calibri and Carlito are missing)
_HEAD_CHAR_CM = 0.22  # a bold 9 pt header character
_DIGIT_CM = 0.19      # a 9 pt digit, comma or per cent sign
_TEXT_CAP = 40       # no column is made wider than 40 characters for one word or line
_QUOTE_RATIO = 1.5   # the quote column at least this many times as wide as any other
NBSP = "\u00a0"
_NUMBER = re.compile(r"^[<>≤≥+\-−]?\s?[0-9][0-9 \u00a0.,]*(?:\u00a0?%)?$|^[–-]$")


def _text_cm(chars: int) -> float:
    return chars * _CHAR_CM + _PAD_CM


_FONT_PT = 9
_MEASURE_SLACK = 1.04  # 4 % over the measured width: rounding of the layout, a bold fallback
_ADVANCES: dict[tuple[str, bool], float] = {}


def _advance_cm(ch: str, bold: bool) -> float:
    """The width (cm) of one 9 pt character in the wider of DejaVu Sans and DejaVu Serif (bold or
    not): the fonts LibreOffice falls back to for the document's Cambria and Calibri where those
    are missing (Caladea, Carlito, Liberation and Word's own fonts are narrower). The fonts come
    with matplotlib; without them, the average estimate (``_CHAR_CM``)."""
    key = (ch, bold)
    if key not in _ADVANCES:
        fonts = _measuring_fonts(bold)
        _ADVANCES[key] = (max(f.getlength(ch) for f in fonts) / 1000 * _FONT_PT / 72 * 2.54 if fonts
                          else (_HEAD_CHAR_CM if bold else _CHAR_CM))
    return _ADVANCES[key]


_FONTS: dict[bool, list] = {}


def _measuring_fonts(bold: bool) -> list:
    if bold not in _FONTS:
        try:
            import matplotlib
            from PIL import ImageFont

            folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
            names = ("DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf") if bold else ("DejaVuSans.ttf", "DejaVuSerif.ttf")
            _FONTS[bold] = [ImageFont.truetype(str(folder / n), 1000) for n in names]
        except Exception:  # (no font to measure with: the estimate)
            _FONTS[bold] = []
    return _FONTS[bold]


@functools.lru_cache(maxsize=1 << 16)
def word_cm(word: str, bold: bool = False) -> float:
    """The width a cell needs (cm) to hold ``word`` on one line: its measured width at 9 pt (see
    ``_advance_cm``) with a little slack, plus the cell's margins; never less than the estimate
    by character count."""
    measured = sum(_advance_cm(ch, bold) for ch in str(word)) * _MEASURE_SLACK + _PAD_CM
    return max(measured, _text_cm(len(str(word))) if not bold else 0.0)


_BREAKS = re.compile(r"(?<=[._/\-])(?=\w)")


def _unbreakable(text: str) -> list[str]:
    """The pieces of a cell's words that must stay on one line: a word breaks at spaces, after a
    "-" (Word and LibreOffice break there) and, when too long for its column, after ".", "_" or
    "/" (``break_long_words`` writes a zero-width space there)."""
    return [p for w in _words(text) for p in _BREAKS.split(w) if p]


def _words(text: str) -> list[str]:
    """The words of a cell as Word breaks lines: at spaces and line breaks, never at a no-break
    space (str.split() would split "21,7\u00a0%")."""
    return [w for w in re.split(r"[ \t\r\n\u200b]+", str(text)) if w]


def _longest_word(text: str) -> int:
    return max((len(w) for w in _words(text)), default=0)


def docx_text(text: str) -> str:
    """A cell's text as written to Word: "21,7 %" with a no-break space, so a share never wraps
    between the number and its per cent sign."""
    return text.replace(" %", NBSP + "%")


def break_long_words(text: str, width_cm: float) -> str:
    """``text`` with a zero-width space after each ".", "_" and "/" of a word too long for a
    column ``width_cm`` wide (a file name, a code id), so Word and LibreOffice wrap it there
    instead of at an arbitrary letter; text that fits is left as it is."""
    if not text or all(word_cm(w) <= width_cm for w in _words(text)):
        return text
    return " ".join(re.sub(r"([._/])(?=\w)", "\\1\u200b", w) if word_cm(w) > width_cm else w
                    for w in text.split(" "))


def _is_number_column(table: Table, column, values: list[str]) -> bool:
    if column in table.percent or column in table.signed_percent or column in table.decimals:
        return True
    if column in table.frame.columns and pd.api.types.is_numeric_dtype(table.frame[column]):
        return True
    shown = [v for v in values if v]
    return bool(shown) and all(_NUMBER.match(v) for v in shown)


def _bounds(table: Table, texts: list[list[str]], with_pieces: bool = False) -> tuple[list[float], ...]:
    """Per column (cm): ``hard`` what must never break (the header's longest word; for a column of
    numbers its longest value), ``soft`` the longest word of the column (capped), ``want`` its
    longest text (capped), and with ``with_pieces`` also its longest piece that cannot wrap (a word
    of a label; a file name may wrap after "_", "." and "/"). Words are measured (``word_cm``)."""
    hard, soft, want, pieces = [], [], [], []
    sample = texts[:2000]
    for i, col in enumerate(table.frame.columns):
        values = [row[i] for row in sample]
        head = max([_MIN_CM, _longest_word(str(col)) * _HEAD_CHAR_CM + _PAD_CM]
                   + [word_cm(w, bold=True) for w in _words(str(col))])
        if _is_number_column(table, col, values):
            hard.append(max(head, max((len(v) for v in values), default=0) * _DIGIT_CM + _PAD_CM))
        else:
            hard.append(head)
        # the longest word, measured, at most _TEXT_CAP characters' worth
        word = max((word_cm(w) for w in {w for v in values for w in _words(v)}), default=0.0)
        soft.append(max(hard[-1], min(word, _text_cm(_TEXT_CAP))))
        # the longest piece that cannot break (a label's longest word; a file name's longest part
        # between "_", "." and "/", where it may wrap): what a column needs before any gets more
        piece = max((word_cm(p) for p in {p for v in values for p in _unbreakable(v)}), default=0.0)
        pieces.append(max(hard[-1], min(piece, soft[-1])))
        longest = max((len(line) for v in values for line in str(v).split("\n")), default=0)
        want.append(max(soft[-1], _text_cm(min(longest, _TEXT_CAP))))
    if with_pieces:
        return hard, soft, want, pieces
    return hard, soft, want


def _least_and_wanted(table: Table, texts: list[list[str]]) -> tuple[list[float], list[float]]:
    """Per column: the width of its longest word (header included) and of its longest text."""
    _, soft, want = _bounds(table, [[docx_text(v) for v in row] for row in texts])
    return soft, want


def _capped(low: list[float], high: list[float], test, top: float) -> list[float]:
    """``max(low, min(high, cap))`` per column for the largest cap in [0, top] that passes
    ``test`` (bisection; the widths at cap 0, that is ``low``, when none does)."""
    def at(cap: float) -> list[float]:
        return [max(lo, min(hi, cap)) for lo, hi in zip(low, high)]

    if test(at(top)):
        return at(top)
    lo, hi = 0.0, top
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if test(at(mid)) else (lo, mid)
    return at(lo)


def column_widths(table: Table, texts: list[list[str]], available_cm: float) -> list[float]:
    """Column widths in cm from the content, filling ``available_cm``.

    Never narrower than a header's longest word or a number (so "Segmenter" and "21,7 %" stay on
    one line). With a long text column (``table.wrap``, the quote), the other columns get their
    longest word where the quote can still be the widest column by a margin (``_QUOTE_RATIO``,
    at least ``_QUOTE_MIN_CM``) - a file name longer than that wraps in its cell - then grow
    toward their longest text while the quote keeps half the line; the quote takes the rest.
    Without one, the columns get their longest word (a too long word capped), then grow toward
    their longest text. Only when the headers and numbers alone are too wide for the line is
    every column shrunk in proportion."""
    hard, soft, want, piece = _bounds(table, [[docx_text(v) for v in row] for row in texts], with_pieces=True)
    n = len(hard)
    wrap = [i for i, c in enumerate(table.frame.columns) if c in table.wrap]
    fixed = [i for i in range(n) if i not in wrap]
    if sum(hard[i] for i in fixed) + _MIN_CM * len(wrap) > available_cm:  # cannot fit at all
        low = [hard[i] if i in fixed else _MIN_CM for i in range(n)]
        return [w * available_cm / sum(low) for w in low]

    def widths_with(part: list[float]) -> list[float]:
        out = [0.0] * n
        for i, w in zip(fixed, part):
            out[i] = w
        rest = available_cm - sum(part)
        for i in wrap:
            out[i] = rest / len(wrap)
        return out

    f_hard = [hard[i] for i in fixed]
    f_soft = [soft[i] for i in fixed]
    f_want = [want[i] for i in fixed]
    if wrap:
        def quote(part: list[float]) -> float:
            return (available_cm - sum(part)) / len(wrap)

        def readable(part: list[float]) -> bool:
            q = quote(part)
            return q >= min(_QUOTE_MIN_CM, available_cm / 2) and q >= _QUOTE_RATIO * max(part, default=0)

        part = _capped(f_hard, f_soft, readable, max(f_soft, default=0))
        if part != f_soft:  # not every word whole: first the words that cannot wrap (a label's), then
            f_piece = [piece[i] for i in fixed]  # the rest toward whole (a file name wraps after "_")
            least = _capped(f_hard, f_piece, readable, max(f_piece, default=0))
            part = _capped(least, f_soft, readable, max(f_soft, default=0))
        if part == f_soft:  # every word whole: grow toward the longest text, the quote keeps half
            part = _capped(f_soft, f_want,
                           lambda p: readable(p) and quote(p) * len(wrap) >= available_cm / 2,
                           max(f_want, default=0))
        return widths_with(part)
    if sum(f_soft) > available_cm:  # the longest words do not fit: the unbreakable ones first, cap the rest
        f_piece = [piece[i] for i in fixed]
        fits = lambda p: sum(p) <= available_cm  # noqa: E731
        least = _capped(f_hard, f_piece, fits, max(f_piece))
        return widths_with(_capped(least, f_soft, fits, max(f_soft)))
    spare = available_cm - sum(f_soft)
    need = sum(w - s for w, s in zip(f_want, f_soft))
    return [s + (w - s) * min(1.0, spare / need) if need else s for s, w in zip(f_soft, f_want)]


def _is_wide(table: Table, texts: list[list[str]]) -> bool:
    """A landscape page for a table of more than WIDE_COLUMNS columns or whose words (and a
    quote column of _QUOTE_MIN_CM) do not fit across the portrait page."""
    if len(table.frame.columns) > WIDE_COLUMNS:
        return True
    least, _ = _least_and_wanted(table, texts)
    wrap = [i for i, c in enumerate(table.frame.columns) if c in table.wrap]
    need = sum(w for i, w in enumerate(least) if i not in wrap) + sum(
        max(least[i], _QUOTE_MIN_CM) for i in wrap)
    return need > PAGE_CM[0] - 2 * MARGIN_CM and len(least) > 1


def set_page(section, landscape: bool = False) -> None:
    """A4 (portrait or landscape) with 2 cm margins: the page of every Word export."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    short, long_ = PAGE_CM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Cm(long_), Cm(short)) if landscape else (Cm(short), Cm(long_))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))


def fix_widths(t, widths_cm: list[float]) -> None:
    """Fixed layout with the widths in tblW, tblGrid/gridCol and every cell's tcW, so Word and
    LibreOffice keep them (no autofit)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    twips = [str(int(round(w * _TWIPS_PER_CM))) for w in widths_cm]
    t.autofit = False  # <w:tblLayout w:type="fixed"/>
    tbl_pr = t._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(sum(int(x) for x in twips)))
    for grid_col, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), twips):
        grid_col.set(qn("w:w"), w)
    for tr in t._tbl.tr_lst:
        for tc, w in zip(tr.tc_lst, twips):
            tc_w = tc.get_or_add_tcPr().get_or_add_tcW()
            tc_w.set(qn("w:type"), "dxa")
            tc_w.set(qn("w:w"), w)


def add_docx_table(doc, table: Table, number: int, available_cm: float | None = None) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    _caption(doc, number, table.title)
    for label, text in table.preamble:  # what the table is of, between the caption and the table
        par = doc.add_paragraph()
        head = par.add_run(f"{label}: ")
        head.bold, head.font.size = True, Pt(9)
        par.add_run(str(text)).font.size = Pt(9)
        par.paragraph_format.space_after = Pt(2)
        par.paragraph_format.keep_with_next = True
    cols = list(table.frame.columns)
    frame = table.frame
    t = doc.add_table(rows=len(frame) + 1, cols=max(len(cols), 1))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    numeric = [c in table.percent or c in table.signed_percent or c in table.decimals
               or pd.api.types.is_numeric_dtype(frame[c]) for c in cols]
    size = Pt(9)
    rows = iter(t.rows)  # iterate once: indexing t.rows[i] is linear in python-docx
    header = next(rows)
    for cell, col in zip(header.cells, cols):
        run = cell.paragraphs[0].add_run(str(col))
        run.bold, run.font.size = True, size
    _repeat_header(header)
    texts = [[docx_text(fmt_cell(table, c, v)) for c, v in zip(cols, values)]
             for values in frame.itertuples(index=False)]
    if available_cm is None:
        available_cm = PAGE_CM[0] - 2 * MARGIN_CM
    widths = column_widths(table, texts, available_cm) if cols else []
    for row, values in zip(rows, texts):
        for cell, text, right, width in zip(row.cells, values, numeric, widths):
            par = cell.paragraphs[0]
            par.add_run(break_long_words(text, width)).font.size = size
            if right:
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if cols:
        fix_widths(t, widths)
    if not len(table.frame):
        doc.add_paragraph("(ingen rader)")
    doc.add_paragraph()


def file_stem(tables: list[Table]) -> str:
    """The file name written into a folder: "sitater" for a quote file, else "tabeller"."""
    return "sitater" if len(tables) == 1 and tables[0].heading else "tabeller"


def docx_heading(tables: list[Table]) -> str:
    """"Sitater kodet «…»" for a quote file, the first table's heading for a file that starts
    with a table that has one (the agreement file: "Enighet mellom kodere"), else "Tabeller"."""
    if tables and tables[0].heading:
        return tables[0].heading
    return "Tabeller"


DOCUMENT_LANGUAGE = "nb-NO"
DOCUMENT_AUTHOR = "Bygdevekst workbench"


def new_document(title: str):
    """A python-docx ``Document`` for a Norwegian report: language nb-NO in the default run
    properties (spelling and hyphenation in Word), and core properties of its own: ``title``, the
    acting workbench user as author (else "Bygdevekst workbench"), created and modified now, and
    none of the template's ("python-docx", "generated by python-docx", 2013)."""
    import datetime as dt

    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from ..access import current

    doc = Document()
    parent = doc.styles.element
    for tag in ("w:docDefaults", "w:rPrDefault", "w:rPr"):
        child = parent.find(qn(tag))
        if child is None:
            child = OxmlElement(tag)
            parent.insert(0, child) if tag == "w:docDefaults" else parent.append(child)
        parent = child
    rpr = parent
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), DOCUMENT_LANGUAGE)  # (east Asian and right-to-left text keep theirs)
    who = current()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    props = doc.core_properties
    props.title = str(title)
    props.author = props.last_modified_by = (who.name if who is not None and who.name else DOCUMENT_AUTHOR)
    props.comments = props.subject = props.keywords = props.category = ""
    props.language = DOCUMENT_LANGUAGE
    props.created = props.modified = now
    props.revision = 1
    for old in props._element.findall(qn("cp:lastPrinted")):  # the template's, from 2013
        props._element.remove(old)
    return doc


def write_docx(tables: list[Table], path: Path) -> list[Path]:
    """Real Word tables, each after a "Tabell N: ..." caption, ready to paste into a report.

    A4 portrait with 2 cm margins; a wide matrix gets a landscape section. Column widths follow
    the content (the quote column the widest) and are fixed, and the header row repeats on
    every page."""
    from docx.enum.section import WD_SECTION

    path = _file(path, ".docx", file_stem(tables))
    check_writable(path, "document")
    doc = new_document(docx_heading(tables))
    wide = [_is_wide(t, [[fmt_cell(t, c, v) for c, v in zip(t.frame.columns, values)]
                         for values in t.frame.head(2000).itertuples(index=False)]) for t in tables]
    landscape = bool(wide and wide[0])
    set_page(doc.sections[0], landscape)
    doc.add_heading(docx_heading(tables), level=1)
    for n, (table, is_wide) in enumerate(zip(tables, wide), 1):
        if is_wide != landscape:
            landscape = is_wide
            set_page(doc.add_section(WD_SECTION.NEW_PAGE), landscape)
        width = (PAGE_CM[1] if landscape else PAGE_CM[0]) - 2 * MARGIN_CM
        add_docx_table(doc, table, n, width)
    with atomic_output(path, "document") as tmp:
        doc.save(tmp)
    return [path]


# ------------------------------------------------------------------------------------- csv

def _csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every str cell (and heading) that starts like a formula prefixed with "'"
    (OWASP CSV injection); numbers, negative ones included, are left as numbers."""
    out = None
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
            continue
        if not any(isinstance(v, str) and v.startswith(FORMULA_START) for v in values):
            continue
        if out is None:
            out = frame.copy()
        out.isetitem(i, values.map(neutralise_formula).astype(object))
    columns = [neutralise_formula(c) for c in frame.columns]
    if columns != list(frame.columns):
        out = (frame.copy() if out is None else out)
        out.columns = columns
    return frame if out is None else out


def write_csv(tables: list[Table], path: Path) -> list[Path]:
    """One UTF-8 (with BOM, for Excel) comma-separated file per table; shares as fractions,
    changes (``signed_percent``) in percentage points (-2.48), as their heading says.

    ``path`` is a folder (files named after the tables), a base name ``x.csv`` (files
    ``x_<table>.csv`` beside it), or, for a single table, the file itself. Text cells that start
    like a formula get a leading apostrophe (CSV injection); numbers stay numbers."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        make_folder(path.parent, path)
        targets = ([path] if len(tables) == 1 else
                   [path.with_name(f"{path.stem}_{slug(t.name)}.csv") for t in tables])
    else:
        make_folder(path)
        targets = [path / f"{slug(t.name)}.csv" for t in tables]
    seen: dict[Path, int] = {}
    out = []
    for table, target in zip(tables, targets):
        if target in seen:
            seen[target] += 1
            target = target.with_name(f"{target.stem}_{seen[target]}.csv")
        seen.setdefault(target, 1)
        check_writable(target, "CSV file")
        with atomic_output(target, "CSV file") as tmp:
            _csv_safe(_as_points(table)).to_csv(tmp, index=False, encoding="utf-8-sig")
        out.append(target)
    return out


# -------------------------------------------------------------------------------------- md

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def markdown_table(table: Table) -> str:
    cols = list(table.frame.columns)
    lines = ["| " + " | ".join(_md_cell(str(c)) for c in cols) + " |",
             "| " + " | ".join("---:" if (c in table.percent or c in table.signed_percent or
                                          pd.api.types.is_numeric_dtype(table.frame[c])) else "---"
                               for c in cols) + " |"]
    for row in table.frame.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(fmt_cell(table, c, v)) for c, v in zip(cols, row)) + " |")
    return "\n".join(lines)


def write_md(tables: list[Table], path: Path) -> list[Path]:
    """One Markdown file with a caption line and a pipe table per table (for a quote file the
    caption names the code and the filters); an empty table is followed by a line saying why
    (``Table.empty_note``, as in the workbook)."""
    path = _file(path, ".md", file_stem(tables))
    check_writable(path, "Markdown file")
    parts = [f"# {docx_heading(tables)}", ""]
    for n, table in enumerate(tables, 1):
        parts += [f"**Tabell {n}: {table.title}**", "", markdown_table(table), ""]
        if table.frame.empty:
            parts += [f"*{table.empty_note}*", ""]
    with atomic_output(path, "Markdown file") as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    return [path]
