"""What a file really is when it is not what its name says: the reason and the fix in one phrase.

Word (.docx) and OpenDocument (.odt) files are zip archives. A password-protected .docx is not: it
is an OLE compound file (``D0 CF 11 E0``) holding the encrypted package (streams ``EncryptionInfo``
and ``EncryptedPackage``), as an old binary Word .doc is an OLE file with a ``WordDocument``
stream; a password-protected .odt is a zip whose ``META-INF/manifest.xml`` has
``manifest:encryption-data`` entries. PDFs, RTF and HTML files, Excel workbooks and other zips may
carry any name, and so may a plain-text transcript, a WebVTT or SubRip file saved as .docx, .odt
or .pdf (no zip, no PDF: text in UTF-8, UTF-16 or Windows-1252 without control characters). The
readers ask :func:`describe` before parsing, so such a file gets a message that says what it is and
how to fix it instead of a parser's exception.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PASSWORD = "the file is password-protected; save a copy without a password and ingest that"

# What to do with a file of a type no reader takes, said after "unknown file type" (on the command
# line and for a file in a folder): formats a transcript is often kept in, and archives.
_WORD_FIX = "open it in Word or LibreOffice and save it as .docx"
UNREAD_FIXES = {
    "rtf": _WORD_FIX, "doc": _WORD_FIX, "wpd": _WORD_FIX, "htm": _WORD_FIX, "html": _WORD_FIX,
    "pages": "export it from Pages as .docx (File > Export To > Word)",
    "xls": "open it in Excel or LibreOffice and save it as .xlsx",
    "ods": "open it in Excel or LibreOffice and save it as .xlsx",
    "zip": "unpack it and ingest the folder", "7z": "unpack it and ingest the folder",
    "rar": "unpack it and ingest the folder",
}


def unknown_type_fix(ext: str) -> str:
    """"; <what to do>" for a file type no reader takes (``ext`` without the dot), or "" when there is
    nothing to say but the list of types read."""
    fix = UNREAD_FIXES.get(ext.lower())
    return f"; {fix}" if fix else ""
MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
ODF_TEXT = "application/vnd.oasis.opendocument.text"
# Zip parts that tell an Office file's kind: (part, what it is, the extension it needs)
# What a file of each binary format is called in a message ("... named .docx, not a Word document").
FORMAT_NAMES = {"docx": "a Word document", "odt": "an OpenDocument text", "pdf": "a PDF"}
# Bytes that never occur in plain text in UTF-8 or Windows-1252 (controls but tab, line feed,
# form feed, carriage return and the DOS end-of-file mark).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26)) + b"\x7f"
ZIP_KINDS = (
    ("word/document.xml", "a Word document", "docx"),
    ("xl/workbook.xml", "an Excel workbook", None),
    ("ppt/presentation.xml", "a PowerPoint presentation", None),
)


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def describe(path: Path, ext: str) -> str | None:
    """Why ``path`` cannot be read as ``ext`` ("docx", "odt" or "pdf") and what to do, or None
    when it looks like such a file (a damaged one included: its reader says what is wrong)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError:
        return None
    if head.startswith(OLE_MAGIC):
        return _ole(path, ext)
    if head.startswith(b"%PDF"):
        return None if ext == "pdf" else f"this is a PDF named .{ext}; rename it to .pdf and ingest that"
    if head.startswith(b"PK"):
        if ext == "pdf" and not zipfile.is_zipfile(path):
            return (f"this is a damaged or incomplete zip file (such as a Word document) named .{ext}, not a "
                    "PDF; copy it again from its source")
        return _zip(path, ext)
    if head.startswith(b"{\\rtf"):
        return f"this is an RTF file named .{ext}; open it in Word and save it as .docx"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype html", b"<meta")) or b"<html" in text[:300]:
        return f"this is a web page (HTML) named .{ext}; open it in Word and save it as .docx"
    if text.startswith(b"<?xml") and b"wordprocessingml" in head:
        return f"this is a Word XML file (Word 2003) named .{ext}; open it in Word and save it as .docx"
    return _plain_text(head, ext)


def _plain_text(head: bytes, ext: str) -> str | None:
    """For a binary format: what to do with a text file named so (a transcript saved as .docx by
    renaming it); None when the bytes are no plain text."""
    from ..text import _wide_encoding

    wide = _wide_encoding(head)
    if wide:
        text = head.decode(wide[0], "ignore")
    elif head.startswith(b"\xef\xbb\xbf") or not any(b in _BINARY_BYTES for b in head):
        text = head.decode("utf-8", "ignore") if _utf8ish(head) else head.decode("cp1252", "replace")
    else:
        return None
    text = text.lstrip("\ufeff")
    if not text.strip() or text.lstrip().startswith("<"):  # white space only, or XML of some kind
        return None
    if any(ch in text for ch in "\x00\x7f") or any(ord(ch) < 32 and ch not in "\t\n\x0c\r\x1a" for ch in text):
        return None
    real = caption_format(text)
    what, needs = (CAPTION_NAMES[real], real) if real else ("a plain-text file", "txt")
    return f"this is {what} named .{ext}, not {FORMAT_NAMES.get(ext, 'a .' + ext + ' file')}; " \
           f"rename it to .{needs} and ingest that"


def starts_as_zip(path: Path) -> bool:
    """True when the file begins as a zip archive does (a .docx or .odt, whole or cut off)."""
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"PK"
    except OSError:
        return False


def _utf8ish(head: bytes) -> bool:
    """True when the bytes are UTF-8 (a character cut off at the end aside)."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


TEXT_FORMATS = ("txt", "md", "markdown", "vtt", "srt")
CAPTION_NAMES = {"vtt": "a WebVTT subtitle file", "srt": "a SubRip subtitle file"}
WEBVTT_HEAD = re.compile(r"\A[\ufeff\s]*WEBVTT(?:[ \t]|$)", re.M)
# SubRip: a cue number on its own line, then "00:00:01,000 --> 00:00:04,000" (WhisperX, pysrt)
SRT_HEAD = re.compile(r"\A[\ufeff\s]*\d+[ \t]*\r?\n[ \t]*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}[ \t]*-->[ \t]*"
                      r"\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}")


def binary_kind(path: Path, ext: str) -> str | None:
    """For a text format (.txt, .md, .vtt, .srt): what a file that is no plain text really is and
    what to do (a Word document, PDF, old .doc, zip, RTF file or web page named so); None for a
    text file."""
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError:
        return None
    if head.startswith(OLE_MAGIC):
        return _ole(path, ext)
    if head.startswith(b"%PDF"):
        return f"this is a PDF named .{ext}, not text; rename it to .pdf and ingest that"
    if head.startswith(b"PK"):
        if not zipfile.is_zipfile(path):
            return (f"this is a damaged or incomplete zip file (such as a Word document) named .{ext}, not "
                    "text; copy it again from its source")
        return _zip(path, ext)
    # Word's "Rich Text" and "Web page" saved under a text name: read as text, their markup would
    # become the transcript ("{\\rtf1\\ansi ...", "<p class=MsoNormal>").
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{\\rtf"):
        return f"this is an RTF file named .{ext}, not plain text; open it in Word and save it as .docx"
    if text[:15].lower().startswith((b"<!doctype html", b"<html")):
        return f"this is a web page (HTML) named .{ext}, not plain text; open it in Word and save it as .docx"
    return None


def caption_format(head: str) -> str | None:
    """"vtt" or "srt" when the start of a text is a WebVTT or SubRip file, else None."""
    if WEBVTT_HEAD.match(head):
        return "vtt"
    if SRT_HEAD.match(head):
        return "srt"
    return None


def _ole(path: Path, ext: str) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
        return PASSWORD
    for stream, what in (("Workbook", "an old Excel workbook (.xls)"),
                         ("PowerPoint Document", "an old PowerPoint presentation (.ppt)")):
        if _utf16(stream) in data and _utf16("WordDocument") not in data:
            return f"this is {what} named .{ext}; save its text as .docx or .pdf"
    return f"this is an old Word .doc (Word 97-2003), not .{ext}; open it in Word and save it as .docx"


def _zip(path: Path, ext: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            mimetype = z.read("mimetype")[:100].decode("ascii", "replace").strip() if "mimetype" in names else ""
            manifest = z.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError, RuntimeError):
        return None  # a damaged zip: the reader says so
    if manifest and _encrypted_manifest(manifest):
        return PASSWORD
    for part, what, needs in ZIP_KINDS:
        if part in names:
            if needs == ext:
                return None
            fix = f"rename it to .{needs} and ingest that" if needs else "save its text as .docx or .pdf"
            return f"this is {what} named .{ext}; {fix}"
    if mimetype.startswith("application/vnd.oasis.opendocument"):
        if mimetype == ODF_TEXT:
            return None if ext == "odt" else \
                f"this is an OpenDocument text named .{ext}; rename it to .odt and ingest that"
        return f"this is an OpenDocument file of another kind ({mimetype.rsplit('.', 1)[-1]}), not a text; " \
               "save its text as .odt or .docx"
    if ext in ("docx", "odt"):
        needs = "word/document.xml" if ext == "docx" else "content.xml"
        if needs not in names:
            return f"this is a zip archive without a {'Word document' if ext == 'docx' else 'OpenDocument text'} " \
                   f"inside (no {needs}); open the document in its program and save it again as .{ext}"
        return None
    return f"this is a zip archive named .{ext}; unpack it and ingest the files inside"


def _encrypted_manifest(data: bytes) -> bool:
    """True when an OpenDocument manifest says its parts are encrypted (a password-protected file)."""
    from lxml import etree

    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return b"encryption-data" in data
    return next(root.iter(f"{{{MANIFEST_NS}}}encryption-data"), None) is not None
