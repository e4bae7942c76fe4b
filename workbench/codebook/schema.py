"""The codebook file format: pydantic models, validation with path-qualified messages, flattening.

A codebook is YAML with a ``codes`` mapping (theme id -> theme) whose codes nest through
``children`` lists; each child carries its full dotted id. A flat list form (``codes:`` as a list,
each code with ``id`` and an optional ``parent``) is accepted too, e.g. for CSV imports.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import InputError

ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
#: Longest code id the database stores (codes.id is VARCHAR(200) on PostgreSQL).
MAX_ID_LENGTH = 200
COLOR_RE = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")

#: Fields of a code, in file order. ``parent`` is only used by the flat list form.
CODE_FIELDS = ["id", "label", "codable", "definition", "inclusion", "exclusion", "examples",
               "theory", "lexicon", "color", "exclusive_with", "children", "parent"]
#: Fields of the codebook itself.
CODEBOOK_FIELDS = ["name", "title", "language", "description", "version", "codes"]
#: Fields that must be written for every codable code (empty: warning, or error under --strict).
CONTENT_FIELDS = ["definition", "inclusion", "exclusion", "examples", "theory", "lexicon"]
#: Text fields of a code that ``clean_text`` normalises (lists: each item).
TEXT_FIELDS = ["label", "definition", "inclusion", "exclusion", "examples", "theory", "lexicon"]

#: Characters that break a line in Word, PDF or Unicode text but that XML (QDC, docx) cannot hold
#: or that read as a line break: Word's manual line break (vertical tab), form feed (page break),
#: NEL and the Unicode line and paragraph separators. CR LF and a lone CR are line breaks too.
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
#: Control characters (C0 except tab and newline, DEL, C1) and the non-characters U+FFFE/U+FFFF
#: that XML 1.0 forbids or that print nothing: removed.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` with line-break characters (``\\v``, ``\\f``, CR, NEL, U+2028, U+2029) as ``\\n``
    and every other control character (C0 but tab and newline, DEL, C1, U+FFFE/U+FFFF, lone
    surrogates) removed: text any export (QDC, Word) can hold."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", value))


def clean_fields(obj: Any, fields: list[str]) -> list[str]:
    """Apply ``clean_text`` in place to the text ``fields`` of ``obj`` (a ``CodeModel``, a
    ``CodeSpec`` or the codebook model; list fields item by item). Returns the changed fields."""
    changed = []
    for f in fields:
        value = getattr(obj, f, None)
        if isinstance(value, str):
            new: Any = clean_text(value)
        elif isinstance(value, list):
            new = [clean_text(v) if isinstance(v, str) else v for v in value]
        else:
            continue
        if new != value:
            setattr(obj, f, new)
            changed.append(f)
    return changed


def controls_warning(fields: list[str], code_id: str | None = None) -> str:
    """The one warning for the fields (of a code) whose control characters ``clean_text`` replaced."""
    what = f"{', '.join(fields)} of code {code_id!r}" if code_id else ", ".join(fields)
    return (f"control characters in {what} were cleaned: line breaks such as Word's manual line "
            "break (\\v) became a newline, other control characters were removed")


class CodeModel(BaseModel):
    """One code. ``children`` nest; a child's id starts with its parent's id + '.'."""

    model_config = ConfigDict(extra="forbid")

    id: str
    label: str
    codable: bool = True
    definition: str | None = None
    inclusion: str | None = None
    exclusion: str | None = None
    examples: list[str] = []
    theory: str | None = None
    lexicon: list[str] = []
    color: str | None = None
    exclusive_with: list[str] = []  # sibling ids that never apply to the same text as this one
    parent: str | None = None
    children: list[CodeModel] = []

    @field_validator("examples", "lexicon", "exclusive_with", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v

    @field_validator("children", mode="before")
    @classmethod
    def _no_children(cls, v: Any) -> Any:
        return [] if v is None else v

    @field_validator("id", "label", mode="before")
    @classmethod
    def _scalar_to_str(cls, v: Any) -> Any:
        # YAML turns `id: 2020` or `label: yes` into numbers/booleans; keep them as text.
        if isinstance(v, (int, float, bool)):
            return str(v)
        return v

    @field_validator("color")
    @classmethod
    def _color(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not COLOR_RE.match(v.strip()):
            raise ValueError(f"bad colour {v!r}; write it as #RRGGBB, e.g. \"#1f77b4\"")
        # One spelling per colour (#rrggbb, lower case), so "#1F77B4" from a QDC file or "#abc" is
        # the same content as "#1f77b4"/"#aabbcc" and reloading it changes nothing.
        h = v.strip()[1:].lower()
        return "#" + (h if len(h) == 6 else "".join(ch * 2 for ch in h))


class ThemeModel(CodeModel):
    """A top-level code in the mapping form: its id is the mapping key."""

    id: str | None = None  # type: ignore[assignment]


class CodebookModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "kodebok"
    title: str | None = None
    language: str | None = "nb"
    description: str | None = None
    version: str | None = None
    codes: dict[str, ThemeModel]


class FlatCodebookModel(CodebookModel):
    codes: list[CodeModel]  # type: ignore[assignment]


@dataclass
class CodeSpec:
    """A flattened code (pre-order): every field, plus parent id, depth (0 = theme) and order."""

    id: str
    label: str
    parent: str | None = None
    depth: int = 0
    order: int = 0
    codable: bool = True
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    examples: list[str] = field(default_factory=list)
    theory: str = ""
    lexicon: list[str] = field(default_factory=list)
    color: str | None = None
    has_children: bool = False
    exclusive_with: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The ``codebook show --json`` shape (without ``retired``)."""
        return {"id": self.id, "label": self.label, "parent": self.parent,
                "definition": self.definition, "inclusion": self.inclusion,
                "exclusion": self.exclusion, "examples": list(self.examples),
                "theory": self.theory, "lexicon": list(self.lexicon), "color": self.color,
                "codable": self.codable}


@dataclass
class Codebook:
    """A validated codebook: its metadata and its codes as a tree of ``CodeModel``."""

    name: str
    title: str | None
    language: str | None
    description: str | None
    codes: list[CodeModel]
    version: str | None = None
    source: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The canonical nested-mapping form (what a YAML file holds)."""
        out: dict[str, Any] = {"name": self.name}
        for key in ("title", "language", "description", "version"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        out["codes"] = {c.id: _code_data(c, top=True) for c in self.codes}
        return out

    def content_hash(self) -> str:
        blob = json.dumps(self.to_data(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _code_data(code: CodeModel, top: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {} if top else {"id": code.id}
    d["label"] = code.label
    if not code.codable:
        d["codable"] = False
    for key in ("definition", "inclusion", "exclusion"):
        if getattr(code, key):
            d[key] = getattr(code, key)
    if code.examples:
        d["examples"] = list(code.examples)
    if code.theory:
        d["theory"] = code.theory
    if code.lexicon:
        d["lexicon"] = list(code.lexicon)
    if code.color:
        d["color"] = code.color
    if code.exclusive_with:
        d["exclusive_with"] = list(code.exclusive_with)
    if code.children:
        d["children"] = [_code_data(c) for c in code.children]
    return d


@dataclass
class ValidationResult:
    errors: list[str]
    warnings: list[str]
    codebook: Codebook | None
    #: Warnings that stay warnings under ``strict`` (the text was cleaned, nothing is missing).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------------------------------
# Reading YAML


class CodebookYAMLError(yaml.YAMLError):
    """A YAML construct a codebook refuses (duplicate key, anchor or alias), at a 1-based line."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line, self.message = line, message


class CodebookLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` for codebooks (see docs/codebook.md, "How the YAML is read").

    * A key that appears twice in one mapping is an error (``safe_load`` keeps the last silently).
    * Anchors (``&name``) and aliases (``*name``) are errors: a codebook has no use for them, and
      nested aliases ("billion laughs") blow a few hundred bytes up into millions of codes.
    * Only ``true``/``false`` (also ``True``, ``TRUE`` ...) are booleans and ``null``/``~``/empty
      is null; every other plain scalar is text as typed (YAML 1.1 reads ``no`` as false,
      ``2017`` as a number and ``2024-05-01`` as a date, and no codebook field is a number or a
      date). ``codable: yes``/``no`` still work: the schema reads those words as booleans.
    """

    yaml_implicit_resolvers: dict = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise CodebookYAMLError(event.start_mark.line + 1, f"YAML aliases (*{event.anchor}) are not allowed "
                                                                "in a codebook; write the codes out")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise CodebookYAMLError(event.start_mark.line + 1,
                                    f"YAML anchors (&{anchor}) and aliases (*{anchor}) are not allowed in a "
                                    "codebook; write the codes out, and put text that starts with '&' in quotes")
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    seen = first.get(key)
                except TypeError:  # an unhashable key: the constructor says so
                    continue
                line = key_node.start_mark.line + 1
                if seen is not None:
                    raise CodebookYAMLError(line, f"the key {key!r} appears twice in the same mapping (first at "
                                                  f"line {seen}); merge the two or rename one")
                first[key] = line
        return super().construct_mapping(node, deep=deep)


CodebookLoader.add_implicit_resolver("tag:yaml.org,2002:bool",
                                     re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
CodebookLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                     ["~", "n", "N", ""])


def load_yaml(text: str) -> Any:
    """Parse codebook YAML with ``CodebookLoader``; raises ``yaml.YAMLError`` (``CodebookYAMLError``
    for a duplicate key, an anchor or an alias)."""
    return yaml.load(text, Loader=CodebookLoader)  # noqa: S506 - a SafeLoader subclass


# ---------------------------------------------------------------------------------------------
# Validation


def validate_codebook(data_or_path: Any, strict: bool = False) -> ValidationResult:
    """Validate a codebook given as a path, YAML text or already-parsed data.

    Errors: malformed YAML, unknown fields, missing id/label, bad ids or colours, duplicate
    ids, child ids not under their parent, unknown parents and cycles (flat form).
    Warnings (errors when ``strict``): empty content fields of codable codes. Text fields are
    cleaned (``clean_text``: Word's manual line break and other line-break characters become a
    newline, other control characters are removed) with one warning per code naming the fields;
    that warning stays a warning under ``strict``. A control character written raw in a YAML file
    (YAML forbids it) is an error naming its line and column.
    """
    source = None
    lines: _LineMap | None = None
    if isinstance(data_or_path, Path) or (isinstance(data_or_path, str) and "\n" not in data_or_path
                                           and data_or_path.endswith((".yaml", ".yml"))):
        source = str(data_or_path)
        try:
            text = Path(data_or_path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return ValidationResult([f"{source}: file not found"], [], None)
        except UnicodeDecodeError as exc:
            return ValidationResult([f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})"], [], None)
        data_or_path = text
    if isinstance(data_or_path, str):
        text = data_or_path
        try:
            data = load_yaml(text)
            lines = _LineMap(text)
        except CodebookYAMLError as exc:
            prefix = f"{source}: " if source else ""
            return ValidationResult([f"{prefix}{exc}"], [], None)
        except yaml.reader.ReaderError as exc:  # a raw control character: YAML forbids it
            prefix = f"{source}: " if source else ""
            return ValidationResult([f"{prefix}{_reader_error(text, exc)}"], [], None)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            prefix = f"{source}: " if source else ""
            tab = _tab_at(text, mark)
            if tab or "'\\t'" in problem or "tab character" in problem:
                at, indent = tab or (where, True)
                fix = ("indent with spaces, not tabs (YAML does not allow tabs for indentation)" if indent
                       else "replace it with a space (YAML reads a tab here as an error)")
                return ValidationResult([f"{prefix}malformed YAML at {at}: a tab character; {fix}"], [], None)
            return ValidationResult([f"{prefix}malformed YAML at {where}: {problem}"], [], None)
    else:
        data = data_or_path
    result = _validate_data(data, lines)
    if source:
        result.errors = [f"{source}: {e}" for e in result.errors]
        result.warnings = [f"{source}: {w}" for w in result.warnings]
        if result.codebook:
            result.codebook.source = source
    if source:
        result.notes = [f"{source}: {w}" for w in result.notes]
    if strict and len(result.warnings) > len(result.notes):
        result.errors.extend(w for w in result.warnings if w not in result.notes)
        result.warnings = list(result.notes)
    if result.errors:
        result.codebook = None
    return result


_CHARACTER_NAMES = {0x0b: "vertical tab: Word's manual line break", 0x0c: "form feed: a page break",
                    0x00: "NUL", 0x1b: "escape", 0x7f: "delete"}


def _reader_error(text: str, exc: Any) -> str:
    """One line for a character YAML does not allow, with its line and column and the fix."""
    pos = getattr(exc, "position", None)
    char = getattr(exc, "character", None)
    code = char if isinstance(char, int) else ord(char) if isinstance(char, str) and char else None
    name = f"U+{code:04X}" if code is not None else "a control character"
    if code in _CHARACTER_NAMES:
        name += f" ({_CHARACTER_NAMES[code]})"
    where = ""
    if isinstance(pos, int) and 0 <= pos <= len(text):
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        where = f" at line {line}, column {column}"
    return (f"character {name}{where} is not allowed in YAML; replace it with a line break (or "
            "write \\n inside a double-quoted string), or delete it")


def _tab_at(text: str, mark: Any) -> tuple[str, bool] | None:
    """("line N, column M", in the indentation?) of the tab that broke the YAML: on the error's
    line, or else in the indentation of a line up to it (a tab that indents a line is often
    reported a line later); None when no tab is to blame."""
    if mark is None:
        return None
    lines = text.splitlines()
    row = mark.line
    if row < len(lines) and "\t" in lines[row][:mark.column + 1]:
        line = lines[row]
        col = line.index("\t")
        return f"line {row + 1}, column {col + 1}", not line[:col].strip()
    for n in range(min(row, len(lines) - 1), -1, -1):
        indent = lines[n][:len(lines[n]) - len(lines[n].lstrip(" \t"))]
        if "\t" in indent:
            return f"line {n + 1}, column {indent.index(chr(9)) + 1}", True
    return None


def ascii_id(code_id: str) -> str:
    """The id as ``codebook import`` makes one from a name, part by part: lower case, æ -> ae,
    ø -> o, å -> a, other letters without their accents, anything else "_" (``økonomi`` ->
    ``okonomi``, ``Bolig og tomter`` -> ``bolig_og_tomter``)."""
    from .qdc import slug

    return ".".join(slug(part) for part in str(code_id).split("."))


def _bad_id(code_id: str) -> str:
    """The error for an id that is not lowercase ASCII, with the ASCII form when there is one."""
    fix = ascii_id(code_id)
    readable = all(re.search(r"\w", part) for part in str(code_id).split("."))  # no part made up
    hint = f"; write it as {fix!r}" if readable and fix != code_id and ID_RE.match(fix) else ""
    return f"bad id {code_id!r}{hint}; use lowercase ASCII letters, digits and _ separated by dots"


def _fmt_loc(loc: tuple[Any, ...]) -> str:
    return " -> ".join(str(p) for p in loc)


def _validate_data(data: Any, lines: "_LineMap | None") -> ValidationResult:
    errors: list[str] = []
    warnings: list[str] = []
    notes: list[str] = []  # warnings that stay warnings under strict (cleaned text)

    def err(loc: tuple[Any, ...], msg: str) -> None:
        at = lines.where(loc) if lines else ""
        errors.append(f"{_fmt_loc(loc)}: {msg}{at}")

    if not isinstance(data, dict):
        return ValidationResult(["the file must be a mapping with a `codes:` key (see docs/codebook.md)"], [], None)
    if "codes" not in data:
        return ValidationResult(["codes: field required (a mapping theme id -> theme)"], [], None)
    flat = isinstance(data.get("codes"), list)
    model_cls = FlatCodebookModel if flat else CodebookModel
    try:
        model = model_cls.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors():
            msg = e["msg"]
            if e["type"] == "extra_forbidden":
                msg = "unknown field (allowed: " + ", ".join(CODE_FIELDS if len(e["loc"]) > 1 else CODEBOOK_FIELDS) + ")"
            elif e["type"] == "value_error":
                msg = msg.removeprefix("Value error, ")
            elif e["type"] == "string_type" and isinstance(e.get("input"), (bool, int, float)):
                msg += "; put the value in quotes if it is text"
            elif e["type"] in ("bool_parsing", "bool_type"):
                msg = f"{msg}; write true or false (yes/no work too)"
            err(tuple(e["loc"]), msg[:1].lower() + msg[1:])
        return ValidationResult(errors, warnings, None)

    # Build the tree: (loc, code) with loc the path into the file.
    roots: list[tuple[tuple[Any, ...], CodeModel]] = []
    # where each code is written in the file: the flat form nests its list by ``parent`` below, so a
    # child's place is its own list item (codes -> 4), never a nested path the file does not have
    places: dict[int, tuple[Any, ...]] = {}
    if flat:
        places = {id(c): ("codes", i) for i, c in enumerate(model.codes)}  # type: ignore[arg-type]
        roots = _tree_from_flat(model.codes, err)  # type: ignore[arg-type]
    else:
        for key, theme in model.codes.items():
            key = str(key)
            if theme.id is not None and theme.id != key:
                err(("codes", key, "id"), f"id {theme.id!r} differs from its key {key!r}; remove the id line or make them equal")
            theme.id = key
            roots.append((("codes", key), theme))
    if errors:
        return ValidationResult(errors, warnings, None)

    seen: dict[str, tuple[Any, ...]] = {}

    def walk(loc: tuple[Any, ...], code: CodeModel, parent: CodeModel | None) -> None:
        if not ID_RE.match(code.id):
            err(loc + ("id",), _bad_id(code.id))
        elif len(code.id) > MAX_ID_LENGTH:
            err(loc + ("id",), f"id {code.id[:40]}... is {len(code.id)} characters long, at most {MAX_ID_LENGTH}; "
                "shorten its name or its parents' names")
        if code.id in seen:
            err(loc + ("id",), f"duplicate id {code.id!r} (first at {_fmt_loc(seen[code.id])})")
        else:
            seen[code.id] = loc
        if parent is not None and not code.id.startswith(parent.id + "."):
            err(loc + ("id",), f"id {code.id!r} is not under its parent; it must start with {parent.id + '.'!r}")
        if parent is not None and code.parent not in (None, parent.id) and not flat:
            err(loc + ("parent",), f"parent {code.parent!r} contradicts the nesting under {parent.id!r}; remove the parent line")
        cleaned = clean_fields(code, TEXT_FIELDS)
        if cleaned:
            where = lines.where(loc + (cleaned[0],)) if lines else ""
            notes.append(f"{_fmt_loc(loc)}: {controls_warning(cleaned, code.id)}{where}")
        if not code.label.strip():
            err(loc + ("label",), "empty label")
        if code.codable:
            for f in CONTENT_FIELDS:
                value = getattr(code, f)
                empty = not value or (isinstance(value, str) and not value.strip()) or (
                    isinstance(value, list) and not any(str(v).strip() for v in value))
                if empty:
                    where = lines.where(loc) if lines else ""
                    warnings.append(f"{_fmt_loc(loc + (f,))}: empty {f} for codable code {code.id!r}{where}")
        for i, child in enumerate(code.children):
            walk(places.get(id(child), loc + ("children", i)), child, code)

    for loc, code in roots:
        walk(loc, code, None)
    if errors:
        return ValidationResult(errors, warnings, None)
    _check_exclusive(roots, err, places)
    if errors:
        return ValidationResult(errors, warnings, None)
    for _, code in roots:
        _clear_parent(code)
    cleaned = clean_fields(model, ["name", "title", "description", "version"])
    if cleaned:
        notes.insert(0, controls_warning(cleaned) + (lines.where((cleaned[0],)) if lines else ""))
    warnings = notes + warnings
    cb = Codebook(name=model.name, title=model.title, language=model.language,
                  description=model.description, version=model.version,
                  codes=[c for _, c in roots])
    return ValidationResult(errors, warnings, cb, notes)


def _check_exclusive(roots: list[tuple[tuple[Any, ...], CodeModel]], err,
                     places: dict[int, tuple[Any, ...]] | None = None) -> None:
    """``exclusive_with`` names existing codable siblings (same parent), never the code itself."""
    siblings: dict[str, list[str]] = {}
    codable: dict[str, bool] = {}
    found: list[tuple[tuple[Any, ...], CodeModel, str | None]] = []

    def walk(loc: tuple[Any, ...], code: CodeModel, parent: str | None) -> None:
        siblings.setdefault(parent or "", []).append(code.id)
        codable[code.id] = code.codable
        found.append((loc, code, parent))
        for i, child in enumerate(code.children):
            walk((places or {}).get(id(child), loc + ("children", i)), child, code.id)

    for loc, code in roots:
        walk(loc, code, None)
    for loc, code, parent in found:
        mine = [c for c in siblings.get(parent or "", []) if c != code.id]
        for i, other in enumerate(code.exclusive_with):
            where = loc + ("exclusive_with", i)
            if other == code.id:
                err(where, f"{code.id!r} cannot exclude itself; list its siblings ({', '.join(mine) or 'none'})")
            elif other not in codable:
                near = difflib.get_close_matches(other, mine, n=1)
                hint = f"did you mean {near[0]!r}?" if near else f"siblings: {', '.join(mine) or 'none'}"
                err(where, f"unknown code {other!r}; {hint}")
            elif other not in mine:
                err(where, f"{other!r} is not a sibling of {code.id!r} (same parent); exclusive codes "
                           f"must share a parent: {', '.join(mine) or 'none'}")
            elif not (code.codable and codable[other]):
                err(where, f"{code.id!r} and {other!r} must both be codable to exclude each other")


def exclusive_groups(specs: list[CodeSpec]) -> dict[str, set[str]]:
    """Code id -> the ids it excludes (``exclusive_with``, made symmetric)."""
    out: dict[str, set[str]] = {}
    for s in specs:
        for other in s.exclusive_with:
            out.setdefault(s.id, set()).add(other)
            out.setdefault(other, set()).add(s.id)
    return out


def _clear_parent(code: CodeModel) -> None:
    code.parent = None
    for c in code.children:
        _clear_parent(c)


def _tree_from_flat(codes: list[CodeModel], err) -> list[tuple[tuple[Any, ...], CodeModel]]:
    """Nest a flat list by ``parent``; reports unknown parents and cycles."""
    by_id: dict[str, int] = {}
    for i, c in enumerate(codes):
        if c.id in by_id:
            err(("codes", i, "id"), f"duplicate id {c.id!r} (first at codes -> {by_id[c.id]})")
        else:
            by_id[c.id] = i
    ok = True
    for i, c in enumerate(codes):
        if c.parent is not None and c.parent not in by_id:
            err(("codes", i, "parent"), f"unknown parent {c.parent!r}; add a code with that id or remove the parent")
            ok = False
    for i, c in enumerate(codes):
        chain, cur = [c.id], c
        while cur.parent is not None and cur.parent in by_id:
            if cur.parent in chain:
                cycle = chain[chain.index(cur.parent):] + [cur.parent]
                err(("codes", i, "parent"), "cycle in parents: " + " -> ".join(cycle))
                ok = False
                break
            chain.append(cur.parent)
            cur = codes[by_id[cur.parent]]
    if not ok:
        return []
    roots = []
    for i, c in enumerate(codes):
        if by_id.get(c.id) != i:
            continue
        if c.parent is None:
            roots.append((("codes", i), c))
        else:
            codes[by_id[c.parent]].children.append(c)
    return roots


class _LineMap:
    """Maps a validation path to ' (line N)' using the YAML node tree."""

    def __init__(self, text: str):
        try:
            self.root = yaml.compose(text, Loader=CodebookLoader)
        except yaml.YAMLError:
            self.root = None

    def where(self, loc: tuple[Any, ...]) -> str:
        """The line of the deepest part of ``loc`` the file has: a key's own line (a theme's id is
        its key, so ``codes -> a b -> id`` is the line of ``a b:``), a list item's first line."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                nxt = None
                for k, v in node.value:
                    if str(k.value) == str(part):
                        nxt = v
                        line = k.start_mark.line + 1
                        break
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
            if node is None:
                break
        return f" (line {line})" if line else ""


# ---------------------------------------------------------------------------------------------
# Loading and flattening


def read_codebook(path: str | Path, strict: bool = False) -> tuple[Codebook, list[str]]:
    """Validate ``path`` and return (codebook, warnings); raises InputError on any error."""
    result = validate_codebook(Path(path), strict=strict)
    if result.errors:
        more = (f" (and {len(result.errors) - 1} more; run `workbench codebook validate {path}` to see all)"
                if len(result.errors) > 1 else "")
        raise InputError(f"{result.errors[0]}{more}")
    assert result.codebook is not None
    return result.codebook, result.warnings


def iter_codes(codebook: Any) -> list[CodeSpec]:
    """All codes of a codebook in pre-order (parents before children), as ``CodeSpec``.

    Accepts a ``Codebook``, a ``ValidationResult``, parsed data or a path.
    """
    if isinstance(codebook, ValidationResult):
        codebook = codebook.codebook
    if not isinstance(codebook, Codebook):
        codebook, _ = read_codebook(codebook) if isinstance(codebook, (str, Path)) else _from_data(codebook)
    out: list[CodeSpec] = []

    def walk(code: CodeModel, parent: str | None, depth: int) -> None:
        out.append(CodeSpec(
            id=code.id, label=code.label, parent=parent, depth=depth, order=len(out),
            codable=code.codable, definition=(code.definition or "").strip(),
            inclusion=(code.inclusion or "").strip(), exclusion=(code.exclusion or "").strip(),
            examples=[str(e).strip() for e in code.examples], theory=(code.theory or "").strip(),
            lexicon=[str(x).strip() for x in code.lexicon], color=code.color,
            has_children=bool(code.children), exclusive_with=list(code.exclusive_with)))
        for c in code.children:
            walk(c, code.id, depth + 1)

    for c in codebook.codes:
        walk(c, None, 0)
    return out


def _from_data(data: Any) -> tuple[Codebook, list[str]]:
    result = validate_codebook(data)
    if result.errors:
        raise InputError(f"codebook: {result.errors[0]}")
    assert result.codebook is not None
    return result.codebook, result.warnings


def specs_from_rows(rows: list[dict[str, Any]]) -> list[CodeSpec]:
    """``CodeSpec`` list (pre-order, depth filled in) from ``current_codes`` rows."""
    by_parent: dict[str | None, list[dict[str, Any]]] = {}
    ids = {r["id"] for r in rows}
    for r in rows:
        parent = r.get("parent") if r.get("parent") in ids else None
        by_parent.setdefault(parent, []).append(r)
    out: list[CodeSpec] = []

    def walk(parent: str | None, depth: int) -> None:
        for r in by_parent.get(parent, []):
            out.append(CodeSpec(
                id=r["id"], label=r["label"], parent=parent, depth=depth, order=len(out),
                codable=r.get("codable", True), definition=r.get("definition") or "",
                inclusion=r.get("inclusion") or "", exclusion=r.get("exclusion") or "",
                examples=list(r.get("examples") or []), theory=r.get("theory") or "",
                lexicon=list(r.get("lexicon") or []), color=r.get("color"),
                has_children=r["id"] in by_parent))
            walk(r["id"], depth + 1)

    walk(None, 0)
    return out


def codebook_from_specs(specs: list[CodeSpec], *, name: str = "kodebok", title: str | None = None,
                        description: str | None = None, language: str | None = "nb") -> Codebook:
    """Rebuild a ``Codebook`` tree from flattened specs (parents must come before children)."""
    models: dict[str, CodeModel] = {}
    roots: list[CodeModel] = []
    for s in specs:
        m = CodeModel(id=s.id, label=s.label, codable=s.codable, definition=s.definition or None,
                      inclusion=s.inclusion or None, exclusion=s.exclusion or None,
                      examples=list(s.examples), theory=s.theory or None, lexicon=list(s.lexicon),
                      color=s.color, exclusive_with=list(s.exclusive_with))
        models[s.id] = m
        if s.parent and s.parent in models:
            models[s.parent].children.append(m)
        else:
            roots.append(m)
    return Codebook(name=name, title=title, language=language, description=description, codes=roots)
