"""OpenDocument text (odfpy): the same reading as Word documents (see ``readers/docx.py``).

Headings, paragraphs, lists, sections and tables in document order; text boxes (``draw:frame``) as
segments at the end under "Tekstbokser" (one per box, before the footnotes), never speech of the
turn beside them, as in Word and PDF files (a document whose only text is in text boxes is read
from them as its body); footnotes and endnotes as segments at the end; page headers and footers in
the preamble. A table laid out as a transcript gives one turn per row, any
other table one paragraph per row; "Label: text" paragraphs give speaker turns; else the file is a
document, one segment per paragraph under its heading. A recurring bold label without a colon
("**Kari** Da er ...", bold by a text style such as LibreOffice's automatic ``T1``) starts a turn, as
in a Word file. Tracked changes not accepted or rejected (``text:tracked-changes``) are read as
accepted, as in a Word file: inserted text kept, the deleted text stored in the change regions left
out, with one warning that counts them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ...errors import InputError
from ..chars import clean_text
from ..model import Parsed, Turn
from .docx import (_PAGE_ONLY, BoxReader, Cell, Para, Table, _bold_label, blocks_to_parsed, body_and_boxes, bold_only,
                   table_paragraphs, tracked_changes_warning)
from .sniff import describe, starts_as_zip

LINE_BREAK = "\u2028"  # text:line-break (a newline in the XML's text is white space, not a break)


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    from odf import opendocument

    problem = describe(path, "odt")  # password-protected, a .docx named .odt ...
    if problem:
        raise InputError(f"{path.name}: {problem}")
    try:
        doc = opendocument.load(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, Exception) as exc:
        if starts_as_zip(path) and not zipfile.is_zipfile(path):  # starts as a zip but ends too soon
            raise InputError(f"{path.name}: not a readable OpenDocument text, the file is damaged or incomplete "
                             "(cut off before the end of its zip archive); copy it again from its source") from None
        raise InputError(f"{path.name}: not a readable OpenDocument text ({type(exc).__name__}); "
                         "open and save it again as .odt") from None
    walker = _Walker(_bold_styles(doc))
    blocks, boxes = body_and_boxes(walker, doc.text)
    parsed = blocks_to_parsed(blocks, "odt", roster, path.name, force_notes=force_notes,
                              strict_roster=strict_roster)
    headers, footers = _headers_and_footers(doc)
    parsed.preamble = headers + parsed.preamble + footers
    parsed.turns.extend(Turn(text=t, heading="Tekstbokser") for t in boxes)
    for heading, texts in (("Fotnoter", walker.footnotes), ("Sluttnoter", walker.endnotes)):
        parsed.turns.extend(Turn(text=t, heading=heading) for t in texts)
    if not any(t.text.strip() for t in parsed.turns) and (headers or footers):
        parsed.turns = ([Turn(text=t, heading="Topptekst") for t in headers]
                        + [Turn(text=t, heading="Bunntekst") for t in footers])
        parsed.preamble = [p for p in parsed.preamble if p not in headers and p not in footers]
    inserted, deleted = _count_tracked_changes(doc)
    if inserted or deleted:
        parsed.warnings.append(tracked_changes_warning(
            path.name, inserted, deleted, "in LibreOffice (Edit > Track Changes > Manage)"))
    return parsed


def _count_tracked_changes(doc) -> tuple[int, int]:
    """(insertions, deletions) of the tracked changes in the body, headers and footers: the
    ``text:insertion`` and ``text:deletion`` change regions of ``text:tracked-changes`` (a deletion
    that removed no text, only a paragraph end, and a change of formatting are not counted)."""
    from odf.namespaces import OFFICENS, TEXTNS

    def has_text(n) -> bool:
        if n.nodeType == n.TEXT_NODE:
            return bool(n.data.strip())
        if n.nodeType != n.ELEMENT_NODE or n.qname == (OFFICENS, "change-info"):  # author and date
            return False
        return any(has_text(c) for c in n.childNodes)

    inserted = deleted = 0

    def visit(n) -> None:
        nonlocal inserted, deleted
        for c in n.childNodes:
            if c.nodeType != c.ELEMENT_NODE:
                continue
            if c.qname == (TEXTNS, "changed-region"):
                for change in c.childNodes:
                    if change.nodeType != change.ELEMENT_NODE:
                        continue
                    if change.qname == (TEXTNS, "insertion"):
                        inserted += 1
                    elif change.qname == (TEXTNS, "deletion") and has_text(change):
                        deleted += 1
            else:
                visit(c)

    for root in (doc.text, doc.masterstyles):
        visit(root)
    return inserted, deleted


def _bold_styles(doc) -> dict[tuple[str, str], bool]:
    """(family, style name) -> whether text in that style is bold (fo:font-weight), following the
    parent styles; styles that do not say are left out."""
    from odf.namespaces import FONS, STYLENS

    own: dict[tuple[str, str], tuple[bool | None, str | None]] = {}
    for container in (doc.styles, doc.automaticstyles):
        for st in container.childNodes:
            if st.nodeType != st.ELEMENT_NODE or st.qname != (STYLENS, "style"):
                continue
            family = st.attributes.get((STYLENS, "family"), "")
            weight = None
            for props in st.childNodes:
                if props.nodeType == props.ELEMENT_NODE and props.qname == (STYLENS, "text-properties"):
                    value = props.attributes.get((FONS, "font-weight"))
                    if value:
                        weight = value == "bold" or (value.isdigit() and int(value) >= 600)
            parent = st.attributes.get((STYLENS, "parent-style-name"))
            own[(family, st.attributes.get((STYLENS, "name"), ""))] = (weight, parent)
    out: dict[tuple[str, str], bool] = {}
    for key in own:
        family, name, seen = key[0], key[1], set()
        while (family, name) in own and name not in seen:
            seen.add(name)
            weight, parent = own[(family, name)]
            if weight is not None:
                out[key] = weight
                break
            name = parent
    return out


class _Walker(BoxReader):
    def __init__(self, bold: dict[tuple[str, str], bool] | None = None):
        from odf.namespaces import DRAWNS, OFFICENS, TABLENS, TEXTNS

        self.ns = (TEXTNS, TABLENS, DRAWNS, OFFICENS)
        self.bold = bold or {}
        self.counter = 0
        self.tables = 0
        self.footnotes: list[str] = []
        self.endnotes: list[str] = []
        self.boxes: list[str] | None = None  # as in the docx walker: text boxes read apart, else in place

    def blocks(self, node) -> list[Para | Table]:
        TEXTNS, TABLENS, DRAWNS, OFFICENS = self.ns
        out: list[Para | Table] = []
        for child in node.childNodes:
            if child.nodeType != child.ELEMENT_NODE:
                continue
            q = child.qname
            if q in ((TEXTNS, "h"), (TEXTNS, "p")):
                self.counter += 1
                boxes: list = []
                parts = self.parts(child, boxes)
                raw = clean_text("".join(part for part, _ in parts))
                text = " ".join(raw.split())
                lines = tuple(" ".join(line.split()) for line in raw.split(LINE_BREAK))
                breaks = lines if sum(1 for line in lines if line) > 1 else ()  # line breaks: see Para.lines
                heading = q == (TEXTNS, "h")
                # a bold label without a colon is offered to the speaker search as "Kari<tab>Da er ..."
                bold = None if heading else _bold_label([(part.replace(LINE_BREAK, "\n"), b) for part, b in parts])
                out.append(Para(text, self.counter, heading, breaks, f"{bold[0]}\t{bold[1]}" if bold else "",
                                not heading and bold_only(text, parts, breaks)))
                out.extend(self._read_boxes(boxes))
            elif q == (TABLENS, "table"):
                out.append(self.table(child))
            elif q == (DRAWNS, "frame"):  # a frame anchored to the page
                out.extend(self._read_boxes(self._boxes(child)))
            elif q in ((TEXTNS, "tracked-changes"), (OFFICENS, "annotation"), (TEXTNS, "sequence-decls"),
                       (OFFICENS, "forms"), (TABLENS, "table-columns"), (TABLENS, "table-column")):
                continue
            else:  # lists, list items, sections, index bodies ...
                out.extend(self.blocks(child))
        return out

    def table(self, node) -> Table:
        TEXTNS, TABLENS, DRAWNS, OFFICENS = self.ns
        self.tables += 1
        table = Table([], self.tables)

        def rows(n):
            for c in n.childNodes:
                if c.nodeType != c.ELEMENT_NODE:
                    continue
                if c.qname == (TABLENS, "table-row"):
                    yield c
                elif c.qname in ((TABLENS, "table-header-rows"), (TABLENS, "table-rows"),
                                 (TABLENS, "table-row-group")):
                    yield from rows(c)

        for tr in rows(node):
            row = []
            for tc in tr.childNodes:
                if tc.nodeType == tc.ELEMENT_NODE and tc.qname == (TABLENS, "table-cell"):
                    paras: list[Para] = []
                    for block in self.blocks(tc):
                        paras.extend(table_paragraphs(block) if isinstance(block, Table) else [block])
                    row.append(Cell(paras))
            table.rows.append(row)
        return table

    def _boxes(self, frame) -> list:
        TEXTNS, TABLENS, DRAWNS, OFFICENS = self.ns
        return [c for c in frame.childNodes if c.nodeType == c.ELEMENT_NODE and c.qname == (DRAWNS, "text-box")]

    def parts(self, node, boxes: list) -> list[tuple[str, bool]]:
        """The pieces of text of a paragraph, each with whether it is bold (paragraph and text styles),
        without its notes and text boxes (collected apart)."""
        TEXTNS, TABLENS, DRAWNS, OFFICENS = self.ns
        parts: list[tuple[str, bool]] = []

        def visit(n, bold: bool):
            for c in n.childNodes:
                if c.nodeType == c.TEXT_NODE:
                    parts.append((clean_text(c.data, bidi=True), bold))  # before labels are looked for
                    continue
                if c.nodeType != c.ELEMENT_NODE:
                    continue
                q = c.qname
                if q == (TEXTNS, "s"):
                    parts.append((" " * int(c.attributes.get((TEXTNS, "c"), 1) or 1), bold))
                elif q == (TEXTNS, "tab"):
                    parts.append(("\t", bold))
                elif q == (TEXTNS, "line-break"):
                    parts.append((LINE_BREAK, bold))
                elif q == (TEXTNS, "note"):
                    self._note(c)
                elif q == (DRAWNS, "frame"):
                    boxes.extend(self._boxes(c))
                elif q in ((OFFICENS, "annotation"), (OFFICENS, "annotation-end"), (TEXTNS, "tracked-changes")):
                    continue
                else:
                    style = c.attributes.get((TEXTNS, "style-name"))
                    visit(c, self.bold.get(("text", style), bold) if style else bold)

        style = node.attributes.get((TEXTNS, "style-name"))
        visit(node, self.bold.get(("paragraph", style), False) if style else False)
        return parts

    def _note(self, note) -> None:
        TEXTNS, TABLENS, DRAWNS, OFFICENS = self.ns
        body = [c for c in note.childNodes if c.nodeType == c.ELEMENT_NODE and c.qname == (TEXTNS, "note-body")]
        texts = []
        for b in body:
            for block in self.blocks(b):
                texts.extend(p.text for p in ([block] if isinstance(block, Para) else table_paragraphs(block)))
        text = " ".join(t for t in texts if t)
        if text:
            cls = note.attributes.get((TEXTNS, "note-class"), "footnote")
            (self.endnotes if cls == "endnote" else self.footnotes).append(text)


def _headers_and_footers(doc) -> tuple[list[str], list[str]]:
    from odf.namespaces import STYLENS

    headers: list[str] = []
    footers: list[str] = []
    walker = _Walker()
    for master in doc.masterstyles.childNodes:
        if master.nodeType != master.ELEMENT_NODE:
            continue
        for part in master.childNodes:
            if part.nodeType != part.ELEMENT_NODE or part.qname[0] != STYLENS:
                continue
            name = part.qname[1]
            if not name.startswith(("header", "footer")) or name.endswith("-style"):
                continue
            target = headers if name.startswith("header") else footers
            for block in walker.blocks(part):
                for p in ([block] if isinstance(block, Para) else table_paragraphs(block)):
                    if p.text and not _PAGE_ONLY.match(p.text) and p.text not in target:
                        target.append(p.text)
    return headers, footers
