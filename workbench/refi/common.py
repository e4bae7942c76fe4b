"""What the QDPX export and import share: namespace, file layout, GUIDs and XSD validation.

GUIDs. Every object the workbench writes gets ``uuid5(GUID_NAMESPACE, "<kind>:<key>")`` with a
stable key (:func:`stable_guid`), so the same object has the same GUID on every export; codes use
:func:`workbench.codebook.qdc.code_guid` (``uuid5(GUID_NAMESPACE, code_id)``), the GUIDs of the QDC
codebook export, so a codebook and a project from the workbench agree. The kinds and keys:

=============  ===================================================================
kind           key
=============  ===================================================================
``user``       the user's name
``source``     the source's file name (as stored, before any scrubbing)
``case``       the person's pseudonym row: ``actor_key|number`` (no name in it)
``variable``   ``source:<name>`` or ``case:<name>`` (``pilot`` is shared: ``pilot``)
``selection``  ``file name|turn index|code|coder|start|end`` (source offsets)
``coding``     the same key as its selection
``memo``       ``<target>|author|created-at``; target ``coding:<selection key>``,
               ``segment:<file name>|<index>``, ``source:<file name>``, ``code:<id>``
``segment``    ``file name|index`` (the selection a segment memo annotates)
=============  ===================================================================

A key that occurs twice in one export (two identical memos at the same instant) gets ``#2``,
``#3`` ... appended, in a fixed order, so GUIDs stay unique and stable.

Other tools write GUIDs in upper case and with braces; compare with :func:`normalise_guid`.
"""

from __future__ import annotations

import functools
import uuid
from pathlib import Path

from lxml import etree

from ..codebook.qdc import GUID_NAMESPACE, NS as CODEBOOK_NS, ORIGIN, code_guid

__all__ = ["CODEBOOK_NS", "GUID_NAMESPACE", "INTERNAL", "NS", "ORIGIN", "PROJECT_FILE", "SOURCES_DIR",
           "XSD_PATH", "code_guid", "internal_path", "normalise_guid", "q", "source_member",
           "stable_guid", "xml_safe", "xsd_errors"]

NS = "urn:QDA-XML:project:1.0"
XSD_PATH = Path(__file__).with_name("Project-mrt2019.xsd")
PROJECT_FILE = "project.qde"
SOURCES_DIR = "sources"   # spec §8.1 (ATLAS.ti is said to refuse "Sources"); read either on import
INTERNAL = "internal://"
# The workbench's own turns, beside the standard's files: other tools ignore it, our import reads
# it back so that a source keeps its segments (see workbench.refi.importer).
SEGMENTS_FILE = "workbench/segments.json"
SEGMENTS_FORMAT = "bygdevekst-workbench segments"


def q(tag: str) -> str:
    """The qualified (Clark) name of a project element: ``q("Code")`` -> ``{urn:...}Code``."""
    return f"{{{NS}}}{tag}"


def stable_guid(kind: str, key: str) -> str:
    """The GUID of an object of ``kind`` ("source", "user", ...) with a stable ``key``:
    ``uuid5(GUID_NAMESPACE, f"{kind}:{key}")``, lower case, no braces."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


def normalise_guid(value: str | None) -> str:
    """A GUID as written by any tool, for comparison: braces and spaces removed, lower case."""
    return (value or "").strip().strip("{}").strip().lower()


def internal_path(guid: str, suffix: str = ".txt") -> str:
    """``plainTextPath`` of a source stored in the archive: ``internal://<guid>.txt``."""
    return f"{INTERNAL}{guid}{suffix}"


def source_member(guid: str, suffix: str = ".txt") -> str:
    """The zip member that holds it: ``sources/<guid>.txt``."""
    return f"{SOURCES_DIR}/{guid}{suffix}"


def xml_safe(text: str | None) -> str:
    """``text`` with the characters XML 1.0 cannot hold (most C0 controls, lone surrogates,
    U+FFFE/U+FFFF) replaced by U+FFFD, so any stored string can go into an element or attribute."""
    if not text:
        return ""
    if _all_xml(text):
        return text
    return "".join(ch if _xml_char(ch) else "\ufffd" for ch in text)


def _xml_char(ch: str) -> bool:
    o = ord(ch)
    return (o in (0x9, 0xA, 0xD) or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF)


def _all_xml(text: str) -> bool:
    return all(_xml_char(ch) for ch in text)


@functools.lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD_PATH), parser))


def xsd_errors(data: bytes) -> list[str]:
    """Errors of a ``project.qde`` document against the bundled Project-mrt2019.xsd, one line each
    ("line 12: ..."); [] when it is valid. Not well-formed XML is one error, not an exception.
    Validate what a tool wrote before trusting its structure (the namespace must be exactly
    ``urn:QDA-XML:project:1.0``; normalise variants first)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        doc = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return [f"line {exc.lineno}: not well-formed XML: {exc.msg}"]
    schema = _schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
