"""Codebook exports: CSV (re-importable), Markdown and Word appendix (a table per theme), QDC."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

from ..errors import InputError
from .qdc import CSV_COLUMNS, export_qdc, join_items
from .schema import CodeSpec, clean_text

HEADERS = ["Kode", "Definisjon", "Inkludering", "Ekskludering", "Eksempel"]


def export_csv(specs: list[CodeSpec], path: str | Path, title: str | None = None) -> Path:
    """UTF-8 with BOM (for Excel), text that starts like a formula prefixed with "'" as in the
    table CSVs (``privacy.neutralise_formula``); ``parse_csv`` takes the "'" off again. Lists
    (examples, lexicon, exclusive_with) are one cell each, "|"-separated (``qdc.join_items``)."""
    from ..privacy import neutralise_formula

    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        w.writeheader()
        for s in specs:
            row = {"id": s.id, "label": s.label, "parent": s.parent or "", "definition": s.definition,
                   "inclusion": s.inclusion, "exclusion": s.exclusion,
                   "examples": join_items(s.examples), "theory": s.theory,
                   "lexicon": join_items(s.lexicon), "color": s.color or "",
                   "codable": "true" if s.codable else "false",
                   "exclusive_with": join_items(s.exclusive_with)}
            w.writerow({k: neutralise_formula(v) for k, v in row.items()})
    return path


def add_exclusive(specs: list[CodeSpec], content: dict | None) -> list[CodeSpec]:
    """Give ``specs`` (from the database's codes, which do not hold ``exclusive_with``) the
    ``exclusive_with`` of the codebook version ``content`` as written there, keeping only ids of
    exported codable siblings; so an export of the database carries it like one of the file."""
    written: dict[str, list[str]] = {}

    def walk(cid: str, code: dict) -> None:
        if code.get("exclusive_with"):
            written[cid] = list(code["exclusive_with"])
        for child in code.get("children") or []:
            walk(child.get("id", ""), child)

    for cid, code in ((content or {}).get("codes") or {}).items():
        walk(cid, code)
    by_id = {s.id: s for s in specs}
    for s in specs:
        s.exclusive_with = [x for x in written.get(s.id, []) if x in by_id and x != s.id and s.codable
                            and by_id[x].parent == s.parent and by_id[x].codable]
    return specs


def themes(specs: list[CodeSpec]) -> list[tuple[CodeSpec, list[CodeSpec]]]:
    """(theme, rows) per top-level code; rows are the theme itself if codable, then its descendants."""
    out: list[tuple[CodeSpec, list[CodeSpec]]] = []
    for s in specs:
        if s.depth == 0:
            out.append((s, [s] if s.codable else []))
        elif out:
            out[-1][1].append(s)
    return out


def _md_cell(text: str) -> str:
    return clean_text(text).replace("|", "\\|").replace("\n", " ").strip()


def export_md(specs: list[CodeSpec], path: str | Path, title: str | None = None) -> Path:
    path = Path(path)
    lines = [f"# {title or 'Kodebok'}", ""]
    for theme, rows in themes(specs):
        lines += [f"## {theme.label} (`{theme.id}`)", ""]
        if theme.definition:
            lines += [theme.definition, ""]
        if theme.theory:
            lines += [f"*Teori:* {theme.theory}", ""]
        if not rows:
            continue
        lines.append("| " + " | ".join(HEADERS) + " |")
        lines.append("|" + "---|" * len(HEADERS))
        for s in rows:
            ex = "<br>".join(f"«{_md_cell(e)}»" for e in s.examples)
            indent = "&nbsp;&nbsp;" * max(0, s.depth - 1)
            lines.append(f"| {indent}{_md_cell(s.label)} (`{s.id}`) | {_md_cell(s.definition)} | "
                         f"{_md_cell(s.inclusion)} | {_md_cell(s.exclusion)} | {ex} |")
        lines.append("")
    path.write_text(clean_text("\n".join(lines)), encoding="utf-8")  # no control characters
    return path


# The Word appendix on A4 portrait, 17 cm between the margins: the Kode column as wide as its
# longest word (a code id such as "(kontrakt.transaksjonell)"), at most KODE_MAX_CM; the four
# text columns share the rest.
LINE_CM = 17.0
KODE_MAX_CM = 5.5


def _id_breaks(rows: list[CodeSpec]) -> dict[str, str]:
    """Each code id as written in the Word table: an id too long for KODE_MAX_CM gets a
    zero-width space after each "." so Word and LibreOffice wrap it there, not inside a word."""
    from ..export.writers import _text_cm

    return {s.id: s.id.replace(".", ".\u200b") if _text_cm(len(s.id) + 2) > KODE_MAX_CM else s.id
            for s in rows}


def codebook_widths(first_column: list[str]) -> list[float]:
    """Column widths (cm) of a codebook table whose Kode cells read ``first_column``."""
    from ..export.writers import _HEAD_CHAR_CM, _PAD_CM, _longest_word, _text_cm

    word = max([_longest_word(t) for t in first_column] + [0])
    kode = min(KODE_MAX_CM, max(len(HEADERS[0]) * _HEAD_CHAR_CM + _PAD_CM, _text_cm(word)))
    return [kode] + [(LINE_CM - kode) / (len(HEADERS) - 1)] * (len(HEADERS) - 1)


def export_docx(specs: list[CodeSpec], path: str | Path, title: str | None = None) -> Path:
    from docx.shared import Pt

    from ..export.writers import fix_widths, new_document, set_page

    ids = _id_breaks([s for _, rows in themes(specs) for s in rows])
    widths = codebook_widths([f"{s.label} ({ids[s.id]})" for _, rows in themes(specs) for s in rows])
    path = Path(path)
    x = clean_text  # Word's XML cannot hold control characters (a codebook loaded before validation
    # cleaned them): line breaks become newlines, the rest is left out, never a traceback
    doc = new_document(x(title or "Kodebok"))  # nb-NO, title, author, dates of its own
    set_page(doc.sections[0], landscape=False)  # A4, 2 cm margins, as the table exports
    doc.add_heading(x(title or "Kodebok"), level=0)
    for theme, rows in themes(specs):
        doc.add_heading(x(f"{theme.label} ({theme.id})"), level=1)
        if theme.definition:
            doc.add_paragraph(x(theme.definition))
        if theme.theory:
            p = doc.add_paragraph()
            p.add_run("Teori: ").italic = True
            p.add_run(x(theme.theory))
        if not rows:
            continue
        table = doc.add_table(rows=1, cols=len(HEADERS))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, HEADERS):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for s in rows:
            cells = table.add_row().cells
            cells[0].text = x(f"{s.label}\n({ids[s.id]})")
            cells[1].text = x(s.definition)
            cells[2].text = x(s.inclusion)
            cells[3].text = x(s.exclusion)
            cells[4].text = x("\n".join(f"«{e}»" for e in s.examples))
            for c in cells:
                for par in c.paragraphs:
                    for run in par.runs:
                        run.font.size = Pt(9)
        fix_widths(table, widths)
    doc.save(str(path))
    return path


def _qdc(specs: list[CodeSpec], path: str | Path, title: str | None = None) -> Path:
    return export_qdc(specs, path)


EXPORTERS: dict[str, Callable[..., Path]] = {"qdc": _qdc, "csv": export_csv, "md": export_md,
                                              "docx": export_docx}


def export_codebook(specs: list[CodeSpec], fmt: str, path: str | Path, *, title: str | None = None) -> Path:
    """Write the codes in one of EXPORTERS' formats (qdc, csv, md, docx). Missing folders are
    made; a path that cannot be written is one line (``export.unwritable``/``export.locked``), and
    a write that fails half-way leaves an earlier file at ``path`` as it was (``atomic_output``)."""
    from ..export.writers import atomic_output, check_writable, make_folder

    if fmt not in EXPORTERS:
        raise InputError(f"unknown codebook export format {fmt!r}; use one of {', '.join(EXPORTERS)}")
    if not specs:
        raise InputError("the codebook has no codes to export")
    path = Path(path)
    what = {"qdc": "QDC file", "csv": "CSV file", "md": "Markdown file", "docx": "document"}[fmt]
    make_folder(path.parent, path)
    check_writable(path, what)
    with atomic_output(path, what) as tmp:  # whole or not at all; an earlier file stays on failure
        EXPORTERS[fmt](specs, tmp, title=title)
    return path
