r"""REFI-QDA codebook exchange: QDC export (valid against Codebook-mrt2019.xsd), QDC/QDPX/CSV import.

Export puts everything a QDC cannot hold into ``Description``, one field per line::

    id: kontrakt.hybrid
    <definition>
    Inkludering: ...
    Ekskludering: ...
    Eksempel: ...            (one line per example)
    Teori: ...
    Leksikon: a | b | c
    Utelukker: kontrakt.relasjonell | kontrakt.transaksjonell    (exclusive_with)

Lists in one line or CSV cell (``Leksikon``, ``Utelukker``; the CSV's examples, lexicon and
exclusive_with) are separated by ``|``; a ``|`` inside an item is written ``\|`` (and a ``\``
right before a ``|`` or another ``\`` is doubled), so any text comes back as it was
(``join_items``/``split_items``).

Import reads that back when present, so export -> import keeps ids and descriptions; files from
other tools (QualCoder, Taguette, NVivo, ATLAS.ti) get ids derived from their names.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from ..errors import InputError
from .schema import (MAX_ID_LENGTH, TEXT_FIELDS, CodeSpec, ID_RE, clean_fields, clean_text, codebook_from_specs,
                     controls_warning, validate_codebook)

NS = "urn:QDA-XML:codebook:1.0"
XSD_PATH = Path(__file__).with_name("Codebook-mrt2019.xsd")
GUID_NAMESPACE = uuid.UUID("6f0c1d1e-3b7a-5c2e-9a51-62796764766b")  # fixed: GUIDs stay stable
ORIGIN = "bygdevekst-workbench"

#: Description line prefixes -> CodeSpec field (Norwegian labels, as a coder reads them).
PREFIXES = {"Inkludering": "inclusion", "Ekskludering": "exclusion", "Eksempel": "examples",
            "Teori": "theory", "Leksikon": "lexicon", "Utelukker": "exclusive_with"}
CSV_COLUMNS = ["id", "label", "parent", "definition", "inclusion", "exclusion", "examples",
               "theory", "lexicon", "color", "codable", "exclusive_with"]
#: Values of the CSV's ``codable`` column (any case); empty means true.
CODABLE_WORDS = {"true": True, "yes": True, "ja": True, "1": True,
                 "false": False, "no": False, "nei": False, "0": False}


#: The name a code without one (or with only spaces) is stored with.
UNNAMED = "uten navn"


def code_guid(code_id: str) -> str:
    """The deterministic GUID of a code id (uuid5)."""
    return str(uuid.uuid5(GUID_NAMESPACE, code_id))


def normalise_color(value: str | None) -> str | None:
    """#RRGGBB (upper case) from #RGB, #RRGGBB, #RRGGBBAA or rgb()/rgba(); None if unreadable."""
    if not value:
        return None
    v = value.strip()
    m = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*[\d.]+\s*)?\)", v, re.I)
    if m:
        return "#" + "".join(f"{min(int(x), 255):02X}" for x in m.groups())
    m = re.fullmatch(r"#?([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})", v)
    if not m:
        return None
    h = m.group(1)
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    return "#" + h[:6].upper()


def join_items(items: list[str]) -> str:
    """A list as one line: items separated by " | ", a "|" inside an item written "\\|" and a "\\"
    right before a "|" or another "\\" doubled; ``split_items`` reads it back unchanged."""
    return " | ".join(re.sub(r"\\(?=[\\|])", r"\\\\", x).replace("|", "\\|") for x in items)


def split_items(text: str) -> list[str]:
    """The items of a ``join_items`` line: split at "|" unless escaped ("\\|" is a "|", "\\\\" a
    "\\", any other "\\" stays as written, so older files read as before); items are stripped and
    empty ones dropped."""
    items: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and text[i + 1:i + 2] in ("\\", "|"):
            cur.append(text[i + 1])
            i += 2
            continue
        if ch == "|":
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    items.append("".join(cur))
    return [x.strip() for x in items if x.strip()]


#: The Description line of a retired code (taken out of the codebook while coded) in a QDPX export;
#: ``parse_description`` reads it as ``retired`` and keeps it out of the definition.
RETIRED_LINE = "Tatt ut: koden er tatt ut av kodeboka; kodingene står, men den brukes ikke lenger"
#: The Description line of a category (``codable: false``) that still holds codings (a codebook load
#: gave a coded code children and made it a category) in a QDPX export, where it is written
#: ``isCodable="true"`` so that its codings are kept; ``parse_description`` reads it as
#: ``category`` and keeps it out of the definition.
CATEGORY_LINE = ("Kategori: koden kan ikke kodes i kodeboka (bruk underkodene); kodingene den fikk før står "
                 "og er med i filen")


def description_text(spec: CodeSpec, *, retired: bool = False, category: bool = False) -> str:
    lines = [f"id: {spec.id}"]
    if retired:
        lines.append(RETIRED_LINE)
    if category:
        lines.append(CATEGORY_LINE)
    if spec.definition:
        lines.append(spec.definition.strip())
    if spec.inclusion:
        lines.append(f"Inkludering: {spec.inclusion.strip()}")
    if spec.exclusion:
        lines.append(f"Ekskludering: {spec.exclusion.strip()}")
    for ex in spec.examples:
        lines.append(f"Eksempel: {ex.strip()}")
    if spec.theory:
        lines.append(f"Teori: {spec.theory.strip()}")
    if spec.lexicon:
        lines.append("Leksikon: " + join_items(spec.lexicon))
    if spec.exclusive_with:
        lines.append("Utelukker: " + join_items(spec.exclusive_with))
    return "\n".join(lines)


def qdc_bytes(specs: list[CodeSpec]) -> bytes:
    """A QDC document for these codes (pre-order specs, e.g. from ``iter_codes``)."""
    if not specs:
        raise InputError("the codebook has no codes; a QDC file needs at least one Code")
    root = etree.Element(f"{{{NS}}}CodeBook", nsmap={None: NS}, origin=ORIGIN)
    codes_el = etree.SubElement(root, f"{{{NS}}}Codes")
    elements: dict[str, Any] = {}
    for sp in specs:
        parent_el = elements.get(sp.parent, codes_el) if sp.parent else codes_el
        attrs = {"guid": code_guid(sp.id), "name": clean_text(sp.label),
                 "isCodable": "true" if sp.codable else "false"}
        color = normalise_color(sp.color)
        if color:
            attrs["color"] = color
        el = etree.SubElement(parent_el, f"{{{NS}}}Code", attrs)
        # Description must come before nested Codes (the XSD sequence); children come later.
        desc = etree.SubElement(el, f"{{{NS}}}Description")
        desc.text = clean_text(description_text(sp))  # what XML cannot hold (a codebook loaded before
        # validation cleaned text, rows of the database) is left out, never a traceback
        elements[sp.id] = el
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def export_qdc(specs: list[CodeSpec], path: str | Path) -> Path:
    path = Path(path)
    path.write_bytes(qdc_bytes(specs))
    return path


def validate_qdc(data: bytes | str | Path) -> list[str]:
    """XSD errors of a QDC document against the bundled Codebook-mrt2019.xsd ([] when valid)."""
    if isinstance(data, (str, Path)):
        data = Path(data).read_bytes()
    schema = etree.XMLSchema(etree.parse(str(XSD_PATH)))
    doc = etree.fromstring(data)
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


# ---------------------------------------------------------------------------------------------
# Import


def slug(name: str) -> str:
    """An ASCII id part from a name: lowercase, æ->ae, ø->o, å->a, others to _ ."""
    s = name.strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return s or "kode"


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


_CONTROLS = re.compile(r"\s*[\x00-\x1f\x7f-\x9f\u2028\u2029]+\s*")


def clean_name(value: str | None) -> tuple[str, bool]:
    """A name from another tool's file (a code, user, source ...) as one line: NFC, and every run of
    line breaks, tabs and other control characters a space, so that a name can never print a
    line of its own ("Error: ..."). Returns (name, whether a control character was replaced)."""
    text = unicodedata.normalize("NFC", value or "").strip()
    cleaned = _CONTROLS.sub(" ", text).strip()
    return cleaned, cleaned != text


def _read_xml_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith((".qde", ".qdc"))]
            if not names:
                raise InputError(f"{path}: the zip archive holds no project.qde or .qdc; is it a REFI-QDA "
                                 f".qdpx file? `codebook import` reads {IMPORT_FORMATS}")
            names.sort(key=lambda n: (n.lower() != "project.qde", n))
            return zf.read(names[0])
    return data


def refuse_entity_syntax_error(exc: Any, data: bytes, name: str, member: str | None = None) -> None:
    """Refuse (one line, ``qdpx.doctype``) a document lxml could not parse because its DOCTYPE
    declares entities (billion laughs and kin: ``exc`` an ``XMLSyntaxError`` about entities and an
    ``<!ENTITY`` near the start of ``data``); does nothing for any other syntax error."""
    if "entit" in (exc.msg or "").lower() and b"<!ENTITY" in data[:1 << 16]:
        raise InputError(f"{name}: {member + ' ' if member else ''}has a DOCTYPE that declares entities (line "
                         f"{exc.lineno}: {exc.msg}); REFI-QDA files never carry one, so the file was refused and "
                         "nothing was imported: export it again from the other tool (or delete the <!DOCTYPE ...> "
                         "declaration)", code="qdpx.doctype", file=name) from None


def refuse_entities(root: Any, name: str, member: str | None = None) -> None:
    """Refuse a document whose DOCTYPE declares entities (``<!ENTITY ...>``): REFI-QDA files never
    carry a DTD, and entities are not expanded here (a text would be cut at the first reference),
    so such a file is refused with one line rather than read wrong."""
    dtd = root.getroottree().docinfo.internalDTD
    entities = [e.name for e in dtd.iterentities()] if dtd is not None else []
    if entities:
        shown = ", ".join(f"&{n};" for n in entities[:3]) + (" ..." if len(entities) > 3 else "")
        raise InputError(f"{name}: {member + ' ' if member else ''}has a DOCTYPE that declares entities ({shown}); "
                         "REFI-QDA files never carry one, so the file was refused and nothing was imported: export "
                         "it again from the other tool (or delete the <!DOCTYPE ...> declaration)",
                         code="qdpx.doctype", file=name)


def parse_qdc(path: str | Path) -> tuple[list[CodeSpec], dict[str, Any]]:
    """Codes (pre-order) and info (origin, warnings) from a .qdc, .qde or .qdpx file."""
    path = Path(path)
    data = _read_xml_bytes(path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data.lstrip(b"\xef\xbb\xbf").lstrip(), parser)
    except etree.XMLSyntaxError as exc:
        refuse_entity_syntax_error(exc, data, str(path))
        known = path.suffix.lower() in (".qdc", ".qde", ".qdpx", ".xml")
        hint = "" if known else f"; `codebook import` reads {IMPORT_FORMATS}"
        raise InputError(f"{path}: not well-formed XML at line {exc.lineno}: {exc.msg}{hint}") from None
    refuse_entities(root, str(path))
    book = root if _local(root) == "CodeBook" else next(
        (el for el in root.iter() if _local(el) == "CodeBook"), None)
    codes_el = None if book is None else next((c for c in book if _local(c) == "Codes"), None)
    if codes_el is None or not any(_local(c) == "Code" for c in codes_el):
        raise InputError(f"{path}: no codes found (no CodeBook/Codes/Code element); "
                         "export the codebook or a project with codes from the other tool")
    origin = book.get("origin") or root.get("origin") or ""
    info: dict[str, Any] = {"origin": origin, "warnings": [], "renamed": []}
    raw: list[dict[str, Any]] = []  # tree of {name, codable, color, desc, children}
    nameless = 0

    def read(el: Any) -> dict[str, Any]:
        nonlocal nameless
        desc_el = next((c for c in el if _local(c) == "Description"), None)
        color = el.get("color")
        norm = normalise_color(color)
        if color and not norm:
            info["warnings"].append(f"code {el.get('name')!r}: colour {color!r} not understood; left out")
        name, changed = clean_name(el.get("name"))
        if changed:
            info["renamed"].append(name)
        if not name:
            nameless += 1
            name = unnamed(nameless)
            info["warnings"].append(f"code with GUID {(el.get('guid') or '').strip('{}').lower() or '?'} (line "
                                    f"{el.sourceline}) has {'a blank' if el.get('name') is not None else 'no'} name; "
                                    f"stored as {name!r}; name it in the other tool and export again")
        return {"name": name,
                "codable": (el.get("isCodable") or "true").strip().lower() in ("true", "1"),
                "color": norm, "desc": (desc_el.text or "") if desc_el is not None else "",
                "guid": (el.get("guid") or "").strip("{}").lower(),
                "children": [read(c) for c in el if _local(c) == "Code"]}

    raw = [read(c) for c in codes_el if _local(c) == "Code"]
    if all(not r["children"] for r in raw):
        raw, split = _split_flat_names(raw, origin)
        if split:
            info["warnings"].append(split_warning(split, origin))
    specs: list[CodeSpec] = []
    used: set[str] = set()

    def below(node: dict[str, Any]) -> tuple[int, int]:  # (levels under it, longest id tail under it)
        kids = [below(c) for c in node["children"]]
        node["below"] = (max((k[0] + 1 for k in kids), default=0),
                         max((1 + len(slug(c["name"])) + k[1] for c, k in zip(node["children"], kids)), default=0))
        return node["below"]

    def walk(node: dict[str, Any], parent: str | None, depth: int, names: tuple[str, ...]) -> None:
        fields = parse_description(node["desc"])
        prefix = f"{parent}." if parent else ""
        names = names + (node["name"],)
        wanted = fields.pop("id", None)
        fields.pop("retired", None)  # (a retired code of a QDPX export: imported as a code like any other)
        # a category a QDPX export wrote codable to keep its codings (CATEGORY_LINE) is a category again
        codable = False if fields.pop("category", None) else node["codable"]
        if wanted and ID_RE.match(wanted) and wanted.startswith(prefix) and wanted not in used and (
                parent or "." not in wanted):
            cid = wanted
        else:
            cid = _unique(fit_id(prefix, slug(node["name"]), node["below"], names), used)
        used.add(cid)
        specs.append(CodeSpec(id=cid, label=node["name"], parent=parent, depth=depth, order=len(specs),
                              codable=codable, color=node["color"],
                              has_children=bool(node["children"]), **fields))
        for c in node["children"]:
            walk(c, cid, depth + 1, names)

    for r in raw:
        below(r)
        walk(r, None, 0, ())
    for sp in specs:  # a Description with Word's line breaks or other control characters
        cleaned = clean_fields(sp, TEXT_FIELDS)
        if cleaned:
            info["warnings"].append(controls_warning(cleaned, sp.id))
    _keep_exclusive(specs, info["warnings"])
    if info["renamed"]:
        info["warnings"].append(renamed_warning([("code", n) for n in info["renamed"]]))
    return specs, info


def _keep_exclusive(specs: list[CodeSpec], warnings: list[str]) -> None:
    """Keep the ``Utelukker:`` ids that name a codable sibling (the file was edited in another tool,
    or ids were derived anew): the others are left out with a warning."""
    siblings: dict[str | None, set[str]] = {}
    for s in specs:
        if s.codable:
            siblings.setdefault(s.parent, set()).add(s.id)
    for s in specs:
        mine = siblings.get(s.parent, set()) - {s.id} if s.codable else set()
        dropped = [x for x in s.exclusive_with if x not in mine]
        if dropped:
            warnings.append(f"code {s.id!r}: Utelukker {', '.join(dropped)} left out; only codable sibling "
                            "codes can exclude each other (exclusive_with)")
            s.exclusive_with = [x for x in s.exclusive_with if x in mine]


def renamed_warning(renamed: list[tuple[str, str]]) -> str:
    """One warning for the names whose line breaks or control characters became a space."""
    shown = ", ".join(f"{kind} {name!r}" for kind, name in renamed[:10])
    more = f" and {len(renamed) - 10} more" if len(renamed) > 10 else ""
    return (f"line breaks or control characters in {len(renamed)} name{'s' if len(renamed) > 1 else ''} were "
            f"replaced by a space: {shown}{more}")


def fit_id(prefix: str, part: str, below: tuple[int, int], names: tuple[str, ...]) -> str:
    """``prefix + part``, with ``part`` shortened when the deepest code under it would otherwise get
    an id longer than MAX_ID_LENGTH (``below``: levels under it, longest id tail under it).

    The room left is shared evenly by this level and the levels under it; a shortened part is cut
    at a word boundary and ends in a short hash of the full path of ``names``, so it stays unique
    and the same file gives the same ids again (the full name stays the code's label)."""
    levels, tail = below
    if len(prefix) + len(part) + tail <= MAX_ID_LENGTH:
        return prefix + part
    room = max(1, (MAX_ID_LENGTH - len(prefix) - levels) // (levels + 1))
    if len(part) <= room:
        return prefix + part
    if room < 8:  # too little room for a hash: the start of the name
        return prefix + part[:room].rstrip("_")
    cut = part[:room - 5]
    if "_" in cut.strip("_"):
        cut = cut[:cut.rstrip("_").rindex("_")]
    mark = hashlib.sha1("\x1f".join(names).encode("utf-8")).hexdigest()[:4]
    return f"{prefix}{cut.rstrip('_')}_{mark}"


def _unique(cid: str, used: set[str]) -> str:
    if cid not in used:
        return cid
    n = 2
    while f"{cid}_{n}" in used:
        n += 1
    return f"{cid}_{n}"


#: Writers that put a code's path into a flat code list's names, by the start of the ``origin``
#: attribute (lower case) -> the separators they use. Taguette has no nesting: a tag "people.rich"
#: (or "émotion/joie") is its way to write a sub-tag. ATLAS.ti 8 writes its "Coke::diet Coke"
#: convention flat (the ATLAS.ti sample of the REFI-QDA spec). NVivo, QualCoder, MAXQDA and the
#: workbench write a hierarchy as nested ``Code`` elements, so there a "/" is part of the name
#: ("Covid/vaksine", "ja/nei-spørsmål") and is kept as typed.
FLAT_PATH_WRITERS = {"taguette": ("/", "::", "."), "atlas.ti": ("::",)}


def flat_separators(origin: str) -> tuple[str, ...]:
    """The separators that mark a path in the flat code names of a file written by ``origin``."""
    low = (origin or "").strip().lower()
    return next((seps for writer, seps in FLAT_PATH_WRITERS.items() if low.startswith(writer)), ())


def unnamed(n: int) -> str:
    """The label of the n-th code without a name in a file: "uten navn", "uten navn (2)" ..."""
    return UNNAMED if n == 1 else f"{UNNAMED} ({n})"


def split_warning(split: list[str], origin: str) -> str:
    """One line saying which flat code names were read as a path of codes."""
    shown = ", ".join(repr(n) for n in split[:5]) + (f" and {len(split) - 5} more" if len(split) > 5 else "")
    return (f"{len(split)} code name{'s' if len(split) > 1 else ''} from {origin.strip() or 'the other tool'} "
            f"{'were' if len(split) > 1 else 'was'} read as a path of codes (parent and child), as that tool "
            f"writes sub-codes in a flat list: {shown}")


def _split_flat_names(raw: list[dict[str, Any]], origin: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Flat names that hold a path as a hierarchy, for the writers that write one so (Taguette "a.b"
    and "a/b", ATLAS.ti "a::b"; ``flat_separators``); other files' names are kept as typed.

    Returns (the tree, the names that were split). Two codes with one name (or one path) stay two
    codes; only a group made for a path's parent takes up a later code of that name."""
    seps = flat_separators(origin)
    if not seps:
        return raw, []
    pattern = "|".join(re.escape(x) for x in seps)
    out: list[dict[str, Any]] = []
    index: dict[tuple[str, ...], dict[str, Any]] = {}
    split: list[str] = []
    for r in raw:
        parts = tuple(p.strip() for p in re.split(pattern, r["name"]))
        if len(parts) < 2 or not all(parts):
            parts = (r["name"],)
        else:
            split.append(r["name"])
        path: tuple[str, ...] = ()
        siblings = out
        for i, part in enumerate(parts):
            path = path + (part,)
            last = i == len(parts) - 1
            node = index.get(path)
            if last and node is not None and node.get("group"):  # a group made earlier is a code of its own
                node.update({k: v for k, v in r.items() if k not in ("name", "children")})
                node.pop("group")
            elif last:  # a new code, also when a code of this name is there already (two codes stay two)
                node = dict(r, name=part, children=[])
                index.setdefault(path, node)
                siblings.append(node)
            elif node is None:
                node = {"name": part, "codable": False, "color": None, "desc": "", "guid": "", "children": [],
                        "group": True}
                index[path] = node
                siblings.append(node)
            siblings = node["children"]
    return out, split


def parse_description(text: str) -> dict[str, Any]:
    """Split an exported Description back into fields (definition, inclusion, ... and id)."""
    out: dict[str, Any] = {"definition": "", "inclusion": "", "exclusion": "", "examples": [],
                           "theory": "", "lexicon": [], "exclusive_with": []}
    lines = (text or "").strip().splitlines()
    if lines and lines[0].startswith("id: "):
        out["id"] = lines.pop(0)[4:].strip()
    if lines and lines[0] == RETIRED_LINE:
        lines.pop(0)
        out["retired"] = True
    if lines and lines[0] == CATEGORY_LINE:
        lines.pop(0)
        out["category"] = True
    current = "definition"
    for line in lines:
        head, sep, rest = line.partition(": ")
        if sep and head in PREFIXES:
            current = PREFIXES[head]
            if current == "examples":
                out["examples"].append(rest.strip())
            elif current in ("lexicon", "exclusive_with"):
                out[current] = split_items(rest)
            else:
                out[current] = rest.strip()
            continue
        if current == "examples" and out["examples"]:
            out["examples"][-1] += "\n" + line
        elif current in ("lexicon", "exclusive_with"):
            out[current].extend(split_items(line))
        else:  # lines as written: blank lines (paragraphs) and spaces stay
            out[current] = out[current] + "\n" + line if out[current] else line.lstrip()
    for key in ("definition", "inclusion", "exclusion", "theory"):
        out[key] = out[key].strip()
    out["examples"] = [x.strip() for x in out["examples"]]
    return out


def _unquote(value: str) -> str:
    """The export's "'" before text that starts like a formula ("'=1+2 Tillit") taken off again."""
    from ..privacy import FORMULA_START

    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def parse_csv(path: str | Path, warnings: list[str] | None = None) -> list[CodeSpec]:
    """Codes from a CSV with columns id,label,parent,definition,inclusion,exclusion,examples,theory,
    lexicon,color,codable,exclusive_with (lists separated by '|', see ``split_items``; codable
    true/false, empty: true); ids are derived from labels when empty.

    Text with Word's manual line break (``\\v``) or other control characters is cleaned
    (``schema.clean_text``); one warning per row naming the code and the fields is appended to
    ``warnings`` when given."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    cols = [c.strip().lower() for c in (reader.fieldnames or [])]
    if "label" not in cols:
        raise InputError(f"{path}: no 'label' column (found: {', '.join(cols) or 'none'}); "
                         f"use the columns {','.join(CSV_COLUMNS)}")
    unknown = [c for c in cols if c not in CSV_COLUMNS]
    if unknown:
        raise InputError(f"{path}: unknown column(s) {', '.join(unknown)}; use {','.join(CSV_COLUMNS)}")
    rows = []
    cleaned: list[tuple[int, list[str]]] = []
    for n, row in enumerate(reader, start=2):
        r = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        changed = [k for k, v in r.items() if k in TEXT_FIELDS and clean_text(v) != v]
        r = {k: _unquote(clean_text(v).strip() if k in TEXT_FIELDS else v) for k, v in r.items()}
        if not any(r.values()):
            continue
        if changed:
            cleaned.append((n, changed))
        if not r.get("label"):
            raise InputError(f"{path}: row {n}: empty label; every code needs a label")
        codable = (r.get("codable") or "true").lower()
        if codable not in CODABLE_WORDS:
            raise InputError(f"{path}: row {n}: codable {r['codable']!r} is not true or false; write true, "
                             "false or nothing (true)")
        r["codable"] = CODABLE_WORDS[codable]
        rows.append((n, r))
    # Derive missing ids; labels of parents may be used as parent reference too.
    used: set[str] = {r["id"] for _, r in rows if r.get("id")}
    label_to_id: dict[str, str] = {}
    pending = list(rows)
    for _ in range(len(rows) + 1):
        rest = []
        for n, r in pending:
            if not r.get("id"):
                parent = r.get("parent") or ""
                if parent and parent not in used and parent not in label_to_id:
                    rest.append((n, r))  # parent not seen yet
                    continue
                pid = label_to_id.get(parent, parent)
                r["id"] = _unique((pid + "." if pid else "") + slug(r["label"]), used)
                used.add(r["id"])
            label_to_id.setdefault(r["label"], r["id"])
        if len(rest) == len(pending):
            break
        pending = rest
    for n, r in pending:
        if not r.get("id"):
            raise InputError(f"{path}: row {n}: unknown parent {r.get('parent')!r}; "
                             "give the id or label of a code in the file")
    flat = []
    for n, r in rows:
        parent = r.get("parent") or None
        if parent and parent not in used and parent in label_to_id:
            parent = label_to_id[parent]
        flat.append({"id": r["id"], "label": r["label"], "parent": parent, "codable": r["codable"],
                     "definition": r.get("definition") or None, "inclusion": r.get("inclusion") or None,
                     "exclusion": r.get("exclusion") or None,
                     "examples": split_items(r.get("examples") or ""),
                     "theory": r.get("theory") or None,
                     "lexicon": split_items(r.get("lexicon") or ""),
                     "color": normalise_color(r.get("color")) if r.get("color") else None,
                     "exclusive_with": split_items(r.get("exclusive_with") or "")})
    result = validate_codebook({"name": slug(path.stem), "codes": flat})
    if result.errors:
        # "codes -> 3 -> id: ..." is the fourth code: the row it is on (each code is its own list
        # item, also a child) and the column, as the file's reader sees them
        first = result.errors[0]
        m = re.match(r"codes -> (\d+)(?: -> (\w+))?: (.*)", first)
        if m and int(m.group(1)) < len(rows):
            column = f", column {m.group(2)}" if m.group(2) in CSV_COLUMNS else ""
            raise InputError(f"{path}: row {rows[int(m.group(1))][0]}{column}: {m.group(3)}")
        raise InputError(f"{path}: {first}")
    from .schema import iter_codes

    if warnings is not None:
        ids = dict(rows)
        warnings.extend(f"{path}: row {n}: {controls_warning(fields, ids[n]['id'])}" for n, fields in cleaned)
    return iter_codes(result.codebook)


#: What ``codebook import`` reads, for the messages that name it.
IMPORT_FORMATS = "CSV (.csv) and REFI-QDA .qdc, .qdpx and .qde files"


def _office_file(path: Path) -> str | None:
    """The one-line error for an Excel, Word or LibreOffice file given to ``codebook import``
    (it reads CSV and REFI-QDA only), None for anything else."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: Excel or Word 97-2003
            kind = ("sheet", "an Excel 97-2003 workbook") if path.suffix.lower() in (".xls", ".xlt") else (
                ("text", "a Word 97-2003 document") if path.suffix.lower() in (".doc", ".dot") else None)
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                mimetype = zf.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
            if any(n.lower().endswith((".qde", ".qdc")) for n in names):
                return None
            kind = (("sheet", "an Excel workbook") if "xl/workbook.xml" in names else
                    ("text", "a Word document") if "word/document.xml" in names else
                    ("sheet", "a LibreOffice spreadsheet") if "opendocument.spreadsheet" in mimetype else
                    ("text", "a LibreOffice text document") if "opendocument.text" in mimetype else None)
        else:
            return None
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    if kind is None:
        return None
    if kind[0] == "sheet":
        return (f"{path} is {kind[1]}; save the sheet as CSV (UTF-8) and import that; "
                f"`codebook import` reads {IMPORT_FORMATS}")
    return (f"{path} is {kind[1]}; put the codes in a spreadsheet with the columns "
            f"{','.join(CSV_COLUMNS)}, save it as CSV (UTF-8) and import that; "
            f"`codebook import` reads {IMPORT_FORMATS}")


def import_codebook(path: str | Path, out: str | Path, *, name: str | None = None) -> tuple[Path, list[str]]:
    """Import a QDC/QDPX/QDE or CSV codebook and write it as YAML; returns (out, warnings).

    The YAML passes ``validate`` (not strict); its warnings list the fields still to write.
    ``name``: the codebook's ``name`` (what ``--codebook-version NAME`` finds). CSV and QDC do
    not carry it, so without ``name`` the codebook is named after the file (``cb.csv`` -> ``cb``)
    and the first warning says so.
    """
    path, out = Path(path), Path(out)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    office = _office_file(path)
    if office:
        raise InputError(office)
    info: dict[str, Any] = {"origin": "CSV", "warnings": []}
    if path.suffix.lower() in (".csv", ".txt"):
        specs = parse_csv(path, info["warnings"])
    else:
        specs, info = parse_qdc(path)
    if name is not None and not str(name).strip():
        raise InputError("--name is empty; give the codebook's name (e.g. the name of its earlier versions)",
                         code="codebook.name_empty")
    named = str(name).strip() if name is not None else slug(path.stem)
    if name is None:
        info["warnings"].insert(0, f"{path.name}: a {'CSV' if path.suffix.lower() in ('.csv', '.txt') else 'REFI-QDA'} "
                                   f"file does not carry the codebook's name, so it is named {named!r} after the "
                                   "file; give --name NAME (the name of its earlier versions) to keep the name, or "
                                   "edit `name:` in the YAML before loading it")
    cb = codebook_from_specs(specs, name=named,
                             title=f"Kodebok importert fra {path.name}",
                             description=f"Importert fra {path.name}"
                                         + (f" ({info['origin']})" if info.get("origin") else "")
                                         + ". Fyll ut feltene som validate varsler om.")
    data = cb.to_data()
    _fill_empty(list(data["codes"].values()))
    header = (f"# Kodebok importert fra {path.name}. Sjekk med: workbench codebook validate {out.name}\n"
              "# Felt: se docs/codebook.md\n")
    from ..export.writers import atomic_output

    with atomic_output(out, "codebook file") as tmp:  # whole or not at all: an earlier file stays on failure
        tmp.write_text(header + yaml.dump(data, Dumper=NoAliasDumper, allow_unicode=True, sort_keys=False,
                                          width=100), encoding="utf-8")
    result = validate_codebook(out)
    if result.errors:  # should not happen; a bug if it does
        raise InputError(f"{out}: the imported codebook does not validate: {result.errors[0]}")
    return out, info["warnings"] + result.warnings


class NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _fill_empty(codes: Any) -> list[dict[str, Any]]:
    """Show the fields still to write as empty keys in codable codes (in file order)."""
    order = ["id", "label", "codable", "definition", "inclusion", "exclusion", "examples", "theory",
             "lexicon", "color", "exclusive_with", "children"]
    empties = {"definition": "", "inclusion": "", "exclusion": "", "examples": [], "theory": "",
               "lexicon": []}
    out = []
    for c in codes:
        if c.get("codable", True):
            for key, empty in empties.items():
                c.setdefault(key, list(empty) if isinstance(empty, list) else empty)
        if c.get("children"):
            c["children"] = _fill_empty(c["children"])
        ordered = {k: c[k] for k in order if k in c}
        c.clear()
        c.update(ordered)
        out.append(c)
    return out
