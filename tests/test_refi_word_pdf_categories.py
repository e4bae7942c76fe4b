"""REFI-QDA exchange, four gaps a probe found:

1. A source given only as a Word file (``richTextPath``, no plain text) whose offsets NVivo counted
   (UTF-16 units, a paragraph break as two characters, CRLF in its .txt) lands on the words it
   coded; offsets that fit no reading of a text are never stored on the wrong words: the source's
   selections are skipped, named, and the import exits 1.
2. A category (``codable: false``) that still holds codings (a codebook load gave a coded code
   children) is exported codable with a "Kategori: ..." line, so the workbench's own import keeps
   its codings, in a fresh database and in one that has the category; the export says so.
3. A ``PDFSource`` with a ``<Representation plainTextPath=...>`` (its text version, the standard's
   way) is imported as a text source with its selections; one without keeps the old message.
4. A source keeps its ``creatingUser`` and ``creationDateTime`` (a re-export names that user),
   while removing it still treats it as entered when it was imported.

All texts and names are invented."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import select

from tests.test_qdpx_import import G, codebook, project, selection, text_source, users, write_qdpx
from workbench.refi.importer import import_qdpx
from workbench.store import Code, Coding, Database, Source, TrainedModel, User

RESEARCHER = "forsker"
NSMAP = {"q": "urn:QDA-XML:project:1.0"}


def _codings(db) -> list[tuple[str, str, str]]:
    """(source, code, covered text) of every stored coding."""
    from workbench.coding import list_codings

    return sorted((r.source, r.code, r.text) for r in list_codings(db, user=RESEARCHER))


def _cli(db, *args: str):
    from workbench.cli import cli

    return CliRunner().invoke(cli, ["--db", db.url, "--user", RESEARCHER, *args])


# ------------------------------------------------------------------------------- 1. Word-only sources

PARAGRAPHS = ["Referat fra arbeidsmøte i Solvik 👍",          # an emoji: UTF-16 counts it as two units
              "Ordføreren sa at tilliten til fylket har økt.",
              "",                                               # an empty paragraph is a break too
              "Prosjektlederen mente kapasiteten i kommunen er for liten.",
              "Neste møte blir i Fjellby i mars."]
WORDS = ["tilliten til fylket", "kapasiteten", "Fjellby", "arbeidsmøte", "Ordføreren"]


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    doc = docx.Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _offsets(text: str, word: str, *, utf16: bool) -> tuple[int, int]:
    i = text.index(word)
    if not utf16:
        return i, i + len(word)
    units = lambda s: len(s.encode("utf-16-le")) // 2  # noqa: E731
    return units(text[:i]), units(text[:i + len(word)])


def _word_project(tmp_path: Path, *, crlf: bool, utf16: bool, name: str = "word.qdpx") -> Path:
    """notat.docx given only as a Word file, with one selection per word of WORDS, counted as a tool
    that joins paragraphs with CRLF (``crlf``: NVivo) or LF, in UTF-16 units or code points."""
    text = ("\r\n" if crlf else "\n").join(PARAGRAPHS)
    sels = ""
    for n, w in enumerate(WORDS):
        a, b = _offsets(text, w, utf16=utf16)
        sels += selection(f"w{n}", a, b, "tema", "kari")
    body = (users("kari") + codebook("tema") + "<Sources>"
            + text_source("word", "notat.docx", sels, rich=f"internal://{G('src:word')}.docx") + "</Sources>")
    return write_qdpx(tmp_path / name, project(body, origin="NVivo for Windows 12.6"),
                      {f"Sources/{G('src:word')}.docx": _docx(PARAGRAPHS)})


@pytest.mark.parametrize("crlf, utf16, says", [
    (True, True, "UTF-16-kodeenheter, avsnittsskift i Word-teksten telt som to tegn"),   # as NVivo counts
    (True, False, "kodepunkter, avsnittsskift i Word-teksten telt som to tegn"),
    (False, False, "kodepunkter, avsnittsskift i Word-teksten telt som ett tegn"),        # as before
])
def test_a_word_only_source_gets_its_codings_on_the_words_the_other_tool_coded(db, tmp_path, crlf, utf16, says):
    report = import_qdpx(db, _word_project(tmp_path, crlf=crlf, utf16=utf16), user=RESEARCHER)
    assert not report.partial, report.warnings
    assert report.readings["notat.docx"].startswith(says), report.readings
    assert _codings(db) == sorted(("notat.docx", "tema", w) for w in WORDS)
    with db.session() as s:   # stored as ingest stores text: LF line ends
        assert s.scalar(select(Source.canonical_text)) == "\n".join(PARAGRAPHS)


def _misfit_project(tmp_path: Path) -> Path:
    """p.txt whose five selections were counted in another text (shifted by a few characters), and
    q.txt whose selections fit (one of them cuts a word, as a coder may)."""
    p_text = "Kommunen og fylket samarbeider godt om boliger, og tilliten mellom partene vokser hvert år.\n"
    q_text = "Ordføreren i Solvik sier at kapasiteten er for liten, men at viljen er stor.\n"
    bad = ""
    for n, w in enumerate(["fylket", "samarbeider", "boliger", "tilliten", "partene"]):
        i = p_text.index(w) + 3
        bad += selection(f"p{n}", i, i + len(w), "tema", "kari")
    good = ""
    for n, w in enumerate(["Ordføreren", "Solvik", "kapasit", "viljen"]):   # "kapasit" cuts a word
        i = q_text.index(w)
        good += selection(f"q{n}", i, i + len(w), "tema", "kari")
    body = (users("kari") + codebook("tema") + "<Sources>"
            + text_source("p", "p.txt", bad, f"internal://{G('src:p')}.txt")
            + text_source("q", "q.txt", good, f"internal://{G('src:q')}.txt") + "</Sources>")
    return write_qdpx(tmp_path / "skjev.qdpx", project(body),
                      {f"sources/{G('src:p')}.txt": p_text.encode(), f"sources/{G('src:q')}.txt": q_text.encode()})


def test_offsets_that_fit_no_reading_are_skipped_named_and_the_import_is_partial(db, tmp_path):
    path = _misfit_project(tmp_path)
    report = import_qdpx(db, path, user=RESEARCHER)
    assert report.skipped == {"selections": 5, "codings": 5} and report.partial
    warning = next(w for w in report.warnings if "fit no reading" in w)
    assert all(G(f"s:p{n}") in warning for n in range(5)) and "'p.txt'" in warning
    assert "ble ikke importert" in report.readings["p.txt"]
    # nothing of p.txt is coded; q.txt, whose offsets fit, is imported whole
    assert _codings(db) == sorted(("q.txt", "tema", w) for w in ["Ordføreren", "Solvik", "kapasit", "viljen"])
    assert "Ikke importert: 5 utvalg, 5 kodinger (se advarslene)." in report.summary().splitlines()


def test_cli_exits_1_for_offsets_that_fit_no_reading(db, tmp_path):
    result = _cli(db, "import", "qdpx", str(_misfit_project(tmp_path)))
    assert result.exit_code == 1, result.output
    assert "Ikke importert: 5 utvalg, 5 kodinger" in result.output


def test_the_nvivo_sample_given_only_as_word_codes_what_its_text_file_codes(db, tmp_path, shared_dir):
    """The NVivo 12.6 sample without its .txt (the source as the Word file only) gives the same
    97 codings as the sample itself: imported after it, it adds nothing."""
    sample = shared_dir / "refi-qda" / "samples" / "nvivo-12.6-win_hu-comments.qdpx"
    word_only = tmp_path / "bare_word.qdpx"
    with zipfile.ZipFile(sample) as src, zipfile.ZipFile(word_only, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".txt"):
                continue
            if info.filename == "project.qde":
                data = re.sub(rb'\s+plainTextPath="[^"]*"', b"", data)
            dst.writestr(info.filename, data)
    first = import_qdpx(db, sample, user=RESEARCHER, coder_prefix="nv:")
    assert first.codings == 97
    before = _codings(db)
    again = import_qdpx(db, word_only, user=RESEARCHER, coder_prefix="nv:")
    assert not again.partial, again.warnings
    assert again.codings == 0 and again.codings_existing == 97 and again.reused == ["videos_selection"]
    assert "to tegn" in again.readings["videos_selection"]
    assert _codings(db) == before


# ------------------------------------------------------------------------ 2. categories with codings

CODEBOOK = """\
name: kategoribok
title: Kodebok med en kode som blir kategori
language: nb
codes:
  samarbeid:
    label: Samarbeid
    codable: false
    definition: Samarbeid mellom partene.
    children:
      - id: samarbeid.tillit
        label: Tillit
        definition: Tillit mellom partene.
  kapasitet:
    label: Kapasitet
    definition: Mangel på folk.
"""
# samarbeid.tillit gets a child and becomes a category while it holds a coding
SPLIT = CODEBOOK.replace("""        definition: Tillit mellom partene.
""", """        definition: Tillit mellom partene.
        codable: false
        children:
          - id: samarbeid.tillit.fylket
            label: Tillit til fylket
            definition: Tillit mellom kommunen og fylket.
""")
TRANSCRIPT = ("Intervjuer: Hvordan går samarbeidet?\n\nOla Fiktiv: Vi har stor tillit til fylket nå.\n\n"
              "Intervjuer: Og kapasiteten?\n\nOla Fiktiv: Vi er for få folk.\n")


def _category_world(db: Database, tmp_path: Path) -> None:
    from workbench.codebook import load_codebook
    from workbench.coding import apply_code
    from workbench.ingest import ingest_paths

    corpus = tmp_path / "korpus"
    corpus.mkdir()
    (corpus / "intervju.txt").write_text(TRANSCRIPT, encoding="utf-8")
    assert not ingest_paths(db, [corpus], user=RESEARCHER).errors
    (tmp_path / "bok.yaml").write_text(CODEBOOK, encoding="utf-8")
    load_codebook(db, tmp_path / "bok.yaml", user=RESEARCHER)
    apply_code(db, "intervju.txt", 2, "samarbeid.tillit", user=RESEARCHER)
    apply_code(db, "intervju.txt", 4, "kapasitet", user=RESEARCHER)
    (tmp_path / "delt.yaml").write_text(SPLIT, encoding="utf-8")
    load_codebook(db, tmp_path / "delt.yaml", user=RESEARCHER)
    with db.session() as s:
        assert s.get(Code, "samarbeid.tillit").codable is False
        assert s.scalar(select(Coding.id).where(Coding.code_id == "samarbeid.tillit")) is not None


def _fresh(tmp_path: Path, name: str) -> Database:
    other = Database(f"sqlite:///{tmp_path / name}")
    other.upgrade()
    return other


def test_a_category_with_codings_is_exported_codable_and_its_codings_come_back(db, tmp_path):
    from workbench.codebook.qdc import CATEGORY_LINE, parse_description
    from workbench.refi import export_qdpx

    _category_world(db, tmp_path)
    path = export_qdpx(db, tmp_path / "ut.qdpx", reveal=True, user=RESEARCHER)
    assert any("samarbeid.tillit (1 koding)" in n and "Kategori" in n for n in path.notes), path.notes
    with zipfile.ZipFile(path) as z:
        doc = etree.fromstring(z.read("project.qde"))
    codes = {parse_description(c.findtext("q:Description", namespaces=NSMAP))["id"]: c
             for c in doc.iterfind(".//q:Code", NSMAP)}
    tillit = codes["samarbeid.tillit"]
    assert tillit.get("isCodable") == "true"
    assert tillit.findtext("q:Description", namespaces=NSMAP).splitlines()[1] == CATEGORY_LINE
    assert codes["samarbeid"].get("isCodable") == "false"    # a category without codings stays one
    fields = parse_description(tillit.findtext("q:Description", namespaces=NSMAP))
    assert fields["category"] is True and fields["definition"] == "Tillit mellom partene."
    expected = _codings(db)

    # a fresh database: every coding, the category's too, and the code is a category there as well
    fresh = _fresh(tmp_path, "ny.db")
    try:
        report = import_qdpx(fresh, path, user=RESEARCHER)
        assert not report.partial and report.codings == 2, report.warnings
        assert _codings(fresh) == expected
        with fresh.session() as s:
            assert s.get(Code, "samarbeid.tillit").codable is False
        again = export_qdpx(fresh, tmp_path / "igjen.qdpx", reveal=True, user=RESEARCHER)
        assert again.notes == path.notes     # the same file again: the category written codable
    finally:
        fresh.dispose()
    # the database it came from: the same codings, nothing skipped, nothing new
    back = import_qdpx(db, path, user=RESEARCHER)
    assert not back.partial and back.codings_existing == 2 and back.codings == 0, back.warnings
    assert _codings(db) == expected


def test_a_teammate_with_the_split_codebook_gets_the_categorys_codings(db, tmp_path):
    from workbench.codebook import load_codebook
    from workbench.refi import export_qdpx

    _category_world(db, tmp_path)
    path = export_qdpx(db, tmp_path / "ut.qdpx", reveal=True, user=RESEARCHER)
    mate = _fresh(tmp_path, "kollega.db")
    try:
        load_codebook(mate, tmp_path / "delt.yaml", user=RESEARCHER)   # the category, without codings
        report = import_qdpx(mate, path, user=RESEARCHER)
        assert not report.partial and report.codings == 2, report.warnings
        assert ("intervju.txt", "samarbeid.tillit", "Vi har stor tillit til fylket nå.") in _codings(mate)
    finally:
        mate.dispose()


def test_cli_export_says_a_category_was_written_codable(db, tmp_path):
    _category_world(db, tmp_path)
    result = _cli(db, "export", "qdpx", "-o", str(tmp_path / "ut.qdpx"))
    assert result.exit_code == 0, result.output
    assert "Merk: 1 kategori som ikke kan kodes har kodinger fra før: samarbeid.tillit (1 koding)" in result.output


def test_an_other_tools_theme_still_gets_no_codings(db, tmp_path):
    """Without the export's line, a theme that cannot be coded here takes no codings (as before)."""
    _category_world(db, tmp_path)
    from workbench.refi.common import code_guid

    text = "Tillit er viktig.\n"
    body = (users("kari") + f'<CodeBook><Codes><Code guid="{code_guid("samarbeid.tillit")}" name="Tillit" '
            'isCodable="true"/></Codes></CodeBook><Sources>'
            + text_source("t", "t.txt", f'<PlainTextSelection guid="{G("s:t")}" startPosition="0" endPosition="6">'
                          f'<Coding guid="{G("coding:t")}" creatingUser="{G("u:kari")}"><CodeRef '
                          f'targetGUID="{code_guid("samarbeid.tillit")}"/></Coding></PlainTextSelection>',
                          f"internal://{G('src:t')}.txt") + "</Sources>")
    report = import_qdpx(db, write_qdpx(tmp_path / "annen.qdpx", project(body), {f"sources/{G('src:t')}.txt":
                                                                              text.encode()}), user=RESEARCHER)
    assert report.skipped.get("codings") == 1 and any("cannot be coded" in w for w in report.warnings)


# ------------------------------------------------------------------------------ 3. PDF with text

PDF_TEXT = "Vi har tilliten til Solvik kommune.\n"


def _pdf_project(tmp_path: Path) -> Path:
    kari = G("u:kari")
    coding = lambda key: (f'<Coding guid="{G("coding:" + key)}" creatingUser="{kari}">'  # noqa: E731
                          f'<CodeRef targetGUID="{G("c:tema")}"/></Coding>')
    start = PDF_TEXT.index("tilliten")
    body = (users("kari") + codebook("tema") + "<Sources>"
            f'<PDFSource guid="{G("pdf:bare")}" name="bare.pdf" path="internal://{G("pdf:bare")}.pdf">'
            f'<PDFSelection guid="{G("s:flate")}" page="0" firstX="1" firstY="1" secondX="9" secondY="9" '
            f'creatingUser="{kari}">{coding("flate")}</PDFSelection></PDFSource>'
            f'<PDFSource guid="{G("pdf:tekst")}" name="med_tekst.pdf" path="internal://{G("pdf:tekst")}.pdf" '
            f'creatingUser="{kari}">'
            f'<PDFSelection guid="{G("s:side")}" page="0" firstX="1" firstY="1" secondX="9" secondY="9" '
            f'creatingUser="{kari}">{coding("side")}</PDFSelection>'
            f'<Representation guid="{G("rep")}" plainTextPath="internal://{G("rep")}.txt" '
            'name="Representation_for_med_tekst.pdf">'
            f'<PlainTextSelection guid="{G("s:pdftekst")}" startPosition="{start}" endPosition="{start + 8}" '
            f'creatingUser="{kari}">{coding("pdftekst")}</PlainTextSelection>'
            "</Representation></PDFSource></Sources>")
    return write_qdpx(tmp_path / "pdf.qdpx", project(body, origin="ATLAS.ti 8.4"),
                      {f"sources/{G('pdf:bare')}.pdf": b"%PDF-1.4 fiktiv", f"sources/{G('pdf:tekst')}.pdf":
                       b"%PDF-1.4 fiktiv", f"sources/{G('rep')}.txt": PDF_TEXT.encode()})


def test_a_pdf_with_its_text_version_is_imported_as_text_with_its_selections(db, tmp_path):
    report = import_qdpx(db, _pdf_project(tmp_path), user=RESEARCHER)
    assert report.sources == ["med_tekst.pdf"]
    assert _codings(db) == [("med_tekst.pdf", "tema", "tilliten")]
    with db.session() as s:
        assert s.scalar(select(Source.canonical_text).where(Source.file_name == "med_tekst.pdf")) == PDF_TEXT
    warnings = "\n".join(report.warnings)
    # the PDF without a text version keeps its message; the areas of pages are named
    assert "PDFSource 'bare.pdf' (PDF) is not supported" in warnings and "workbench ingest" in warnings
    assert G("s:side") in warnings and "PDFSelection" in warnings
    assert report.skipped == {"sources": 1, "selections": 1, "codings": 2}


# ------------------------------------------------------------------------------- 4. provenance

def _dated_project(tmp_path: Path, when: str) -> Path:
    text = "Ordføreren i Solvik snakket om tillit.\n"
    i = text.index("tillit")
    body = (users("kari", "per") + codebook("tema") + "<Sources>"
            f'<TextSource guid="{G("src:d")}" name="d.txt" plainTextPath="internal://{G("src:d")}.txt" '
            f'creatingUser="{G("u:kari")}" creationDateTime="{when}">'
            + selection("d", i, i + 6, "tema", "per") + "</TextSource></Sources>")
    return write_qdpx(tmp_path / "datert.qdpx", project(body), {f"sources/{G('src:d')}.txt": text.encode()})


def test_a_source_keeps_its_creator_and_time_and_a_reexport_names_them(db, tmp_path):
    from workbench.refi import export_qdpx
    from workbench.refi.common import stable_guid

    import_qdpx(db, _dated_project(tmp_path, "2021-03-04T10:15:00Z"), user=RESEARCHER, coder_prefix="nv:")
    with db.session() as s:
        src = s.scalars(select(Source)).one()
        assert s.get(User, src.ingested_by).name == "nv:kari"
        at = src.ingested_at if src.ingested_at.tzinfo else src.ingested_at.replace(tzinfo=dt.timezone.utc)
        assert at == dt.datetime(2021, 3, 4, 10, 15, tzinfo=dt.timezone.utc)
    path = export_qdpx(db, tmp_path / "igjen.qdpx", reveal=True, user=RESEARCHER)
    with zipfile.ZipFile(path) as z:
        doc = etree.fromstring(z.read("project.qde"))
    ts = doc.find(".//q:TextSource", NSMAP)
    assert ts.get("creatingUser") == stable_guid("user", "nv:kari")
    assert ts.get("creationDateTime") == "2021-03-04T10:15:00Z"
    assert "nv:kari" in {u.get("name") for u in doc.iterfind(".//q:User", NSMAP)}


def test_a_time_after_now_is_now(db, tmp_path):
    import_qdpx(db, _dated_project(tmp_path, "2999-01-01T00:00:00Z"), user=RESEARCHER)
    with db.session() as s:
        at = s.scalar(select(Source.ingested_at))
    at = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
    assert at <= dt.datetime.now(dt.timezone.utc)


def test_removing_an_old_imported_source_keeps_models_trained_before_the_import(db, tmp_path):
    """The source was made in 2021 but entered this database today: a model trained before the
    import does not hold its words and stays; one trained after it goes."""
    from workbench.lifecycle import entered_at, remove_source

    hour_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    with db.transaction(RESEARCHER) as tx:
        tx.session.add(TrainedModel(method="tfidf", blob=b"x", created_at=hour_ago))
    import_qdpx(db, _dated_project(tmp_path, "2021-03-04T10:15:00Z"), user=RESEARCHER)
    with db.transaction(RESEARCHER) as tx:
        tx.session.add(TrainedModel(method="tfidf", blob=b"y", created_at=dt.datetime.now(dt.timezone.utc)))
    with db.session() as s:
        src_id = s.scalar(select(Source.id))
        since = entered_at(s, [src_id])
    assert since > hour_ago
    counts = remove_source(db, "d.txt", user=RESEARCHER)
    assert counts["models"] == 1
    with db.session() as s:
        assert list(s.scalars(select(TrainedModel.blob))) == [b"x"]
