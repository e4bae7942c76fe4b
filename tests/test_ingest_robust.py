"""Ingest as it goes wrong in practice: exit codes, symbolic links, same names in subfolders,
manifest/roster conflicts and dates, size limits and zip bombs, Ctrl-C, large files.

All data is fictional. Where a test needs exact turns it registers a small reader of its own
(``READERS`` is a plain dict), so it does not depend on the details of the built-in readers.
"""

from __future__ import annotations

import json
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from workbench.cli import cli
from workbench.errors import NotFound, WorkbenchError
from workbench.ingest import (READERS, IngestInterrupted, Limits, Parsed, Turn, build_canonical, ingest_paths,
                              list_sources, list_turns, read_file)
from workbench.ingest.limits import check_file
from workbench.ingest.manifest import DATE_FORMS, parse_date, read_manifest
from workbench.store.models import Segment, Source, Speaker

NOTES = "# Gruppe {n}\n\n- Bolig i {place}\n- Arbeidskraft\n"
MANIFEST_HEAD = "file,kind,phase,pilot,county,date,language\n"
PARTICIPANTS_HEAD = "file,speaker,actor,organisation,pilot\n"


def notes(n: int, place: str) -> str:
    return NOTES.format(n=n, place=place)


def run(url: str, *args: str):
    return CliRunner().invoke(cli, ["--db", url, "--user", "tester", *args])


def counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Source, Segment, Speaker))


def turn_reader(turns_by_file: dict[str, list[Turn]], calls: list | None = None):
    """A reader that returns given turns for a file name (a copy each time)."""

    def read(path, roster=None, *, force_notes=False, strict_roster=False):
        if calls is not None:
            calls.append({"file": Path(path).name, "roster": roster, "strict_roster": strict_roster})
        turns = [Turn(t.text, t.speaker, t.start_time, t.end_time, t.heading, t.page, t.line)
                 for t in turns_by_file[Path(path).name]]
        return Parsed(turns, "txt", "transcript")

    return read


# ------------------------------------------------------------------------------------ exit codes

def test_ingest_exits_1_when_any_file_failed_and_0_when_all_went_in(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    d = tmp_path / "korpus"
    d.mkdir()
    (d / "notat_a.md").write_text(notes(1, "Vadsø"), encoding="utf-8")
    (d / "notat_b.md").write_text(notes(2, "Snåsa"), encoding="utf-8")
    (d / "ødelagt.docx").write_bytes(b"PK\x03\x04 dette er ikke en zip")
    result = run(url, "ingest", str(d))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith("2 lagt til") and "1 feil" in summary
    assert sum(ln.startswith("Feil: ødelagt.docx") for ln in result.output.splitlines()) == 1

    (d / "ødelagt.docx").unlink()
    again = run(url, "ingest", str(d))  # nothing new, nothing wrong
    assert again.exit_code == 0, again.output
    assert "0 lagt til, 2 uendret" in again.output and "0 feil" in again.output
    (d / "notat_c.md").write_text(notes(3, "Lierne"), encoding="utf-8")
    third = run(url, "ingest", str(d))
    assert third.exit_code == 0 and "1 lagt til" in third.output


def test_strict_roster_reaches_the_reader_and_an_unlisted_speaker_fails_the_file(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    d = tmp_path / "korpus"
    d.mkdir()
    (d / "fg.txt").write_text("Moderator: Velkommen.\n\nRådmann Olsen: Takk.\n", encoding="utf-8")
    (d / "participants.csv").write_text(PARTICIPANTS_HEAD + "fg.txt,Moderator,forsker,,\n", encoding="utf-8")
    calls: list = []
    turns = {"fg.txt": [Turn("Velkommen.", "Moderator", line=1), Turn("Takk.", "Rådmann Olsen", line=3)]}
    monkeypatch.setitem(READERS, "txt", turn_reader(turns, calls))

    strict = run(url, "ingest", str(d), "--strict-roster")
    assert calls[-1]["strict_roster"] is True and calls[-1]["roster"] == {"Moderator"}
    assert strict.exit_code == 1, strict.output
    err = [ln for ln in strict.output.splitlines() if ln.startswith("Feil:")]
    assert len(err) == 1 and "fg.txt" in err[0] and "'Rådmann Olsen'" in err[0] and "participants.csv" in err[0]
    assert json.loads(run(url, "sources", "--json").output) == []

    # without the flag the unlisted label is its own speaker with no actor, never merged
    loose = run(url, "ingest", str(d))
    assert calls[-1]["strict_roster"] is False
    assert loose.exit_code == 0, loose.output
    assert "Rådmann Olsen" in loose.output  # reported
    turns_out = json.loads(run(url, "turns", "fg.txt", "--json").output)
    assert [(t["speaker"], t["actor"], t["text"]) for t in turns_out] == [
        ("Moderator", "forsker", "Velkommen."), ("Rådmann Olsen", None, "Takk.")]


def test_read_file_passes_strict_roster_only_to_readers_that_take_it(tmp_path, monkeypatch):
    p = tmp_path / "a.srt"
    p.write_text("x", encoding="utf-8")
    seen = {}

    def old_style(path, roster=None):
        seen["old"] = True
        return Parsed([Turn("Hei.")], "srt")

    monkeypatch.setitem(READERS, "srt", old_style)
    assert read_file(p, {"A"}, strict_roster=True).turns[0].text == "Hei."
    assert seen == {"old": True}


# ------------------------------------------------------------------------------------ symlinks

def _symlink(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target, target_is_directory=target.is_dir())
    except (OSError, NotImplementedError):
        pytest.skip("symbolic links cannot be made here")


def test_symlinks_out_of_the_folder_are_skipped_with_a_warning(db, tmp_path):
    outside = tmp_path / "utenfor"
    outside.mkdir()
    (outside / "hemmelig.txt").write_text("Passord: fiktivt-hemmelig-123\n", encoding="utf-8")
    (outside / "mappe").mkdir()
    (outside / "mappe" / "skjult.md").write_text("# Skjult\n\n- fiktivt-hemmelig-456\n", encoding="utf-8")
    d = tmp_path / "korpus"
    d.mkdir()
    (d / "notat.md").write_text(notes(1, "Vadsø"), encoding="utf-8")
    _symlink(d / "lenke.txt", outside / "hemmelig.txt")
    _symlink(d / "lenkemappe", outside / "mappe")
    _symlink(d / "systemfil.txt", Path("/etc/hostname") if Path("/etc/hostname").exists() else outside / "x")
    _symlink(d / "intern.md", d / "notat.md")  # inside the folder: the same file, read once

    report = ingest_paths(db, [d])
    assert report.added == ["notat.md"] and report.errors == []
    for name in ("lenke.txt", "lenkemappe", "systemfil.txt"):
        assert any(w.startswith(f"{name}: skipped, a symbolic link") and "outside" in w for w in report.warnings), name
    with db.session() as s:
        texts = s.scalars(select(Source.canonical_text)).all()
    assert len(texts) == 1 and not any("hemmelig" in t for t in texts)


# ------------------------------------------------------------------------------------ same names

@pytest.fixture
def phases(tmp_path):
    d = tmp_path / "korpus"
    for n, (sub, place) in enumerate([("fase1", "Vadsø"), ("fase2", "Snåsa")], start=1):
        (d / sub).mkdir(parents=True)
        (d / sub / "intervju.md").write_text(notes(n, place), encoding="utf-8")
    (d / "fase2" / "eneste.md").write_text(notes(9, "Lierne"), encoding="utf-8")
    return d


def test_same_name_in_two_subfolders_both_stored_under_relative_paths(db, phases):
    (phases / "manifest.csv").write_text(
        MANIFEST_HEAD + "fase1/intervju.md,intervju,fase 1,,,,nb\n"
        "fase2\\intervju.md,intervju,fase 2,,,,nn\n"  # a Windows path names the same file
        "eneste.md,dokument,fase 2,,,,nb\n", encoding="utf-8")
    report = ingest_paths(db, [phases])
    assert report.errors == []
    assert sorted(report.added) == ["eneste.md", "fase1/intervju.md", "fase2/intervju.md"]
    rows = {r["file"]: r for r in list_sources(db)}
    assert (rows["fase1/intervju.md"]["phase"], rows["fase1/intervju.md"]["language"]) == ("fase 1", "nb")
    assert (rows["fase2/intervju.md"]["phase"], rows["fase2/intervju.md"]["language"]) == ("fase 2", "nn")
    assert rows["eneste.md"]["kind"] == "dokument"  # a unique name stays the bare name

    assert "Snåsa" in list_turns(db, "fase2/intervju.md")[0]["text"]
    assert "Vadsø" in list_turns(db, "fase1/intervju.md")[0]["text"]
    assert "Lierne" in list_turns(db, "eneste.md")[0]["text"]
    assert "Lierne" in list_turns(db, "korpus/fase2/eneste.md")[0]["text"]  # by its last component
    with pytest.raises(NotFound, match="intervju.md"):
        list_turns(db, "intervju.md")  # two sources end so: the user must say which

    again = ingest_paths(db, [phases])
    assert again.added == [] and sorted(again.unchanged) == ["eneste.md", "fase1/intervju.md", "fase2/intervju.md"]


def test_same_name_given_as_two_files_gets_the_folder_name(db, phases):
    report = ingest_paths(db, [phases / "fase1" / "intervju.md", phases / "fase2" / "intervju.md"])
    assert report.errors == [] and sorted(report.added) == ["fase1/intervju.md", "fase2/intervju.md"]


def test_a_bare_manifest_name_matching_two_files_is_an_error_naming_the_row(db, phases):
    (phases / "manifest.csv").write_text(MANIFEST_HEAD + "eneste.md,dokument,,,,,\n"
                                         "intervju.md,intervju,fase 1,,,,nb\n", encoding="utf-8")
    report = ingest_paths(db, [phases])
    assert report.added == [] and report.stopped
    assert len(report.errors) == 1
    assert report.errors[0].startswith("manifest.csv: row 3 (intervju.md) names 2 files")
    assert "fase1/intervju.md" in report.errors[0] and "relative" in report.errors[0]
    assert counts(db) == (0, 0, 0)


def test_participants_rows_may_name_the_relative_path(db, phases, monkeypatch):
    for sub in ("fase1", "fase2"):
        (phases / sub / "intervju.txt").write_text(f"Informant: fra {sub}\n", encoding="utf-8")
    monkeypatch.setitem(READERS, "txt", lambda path, roster=None, **kw: Parsed(
        [Turn(f"Svar fra {Path(path).parent.name}.", "Informant")], "txt", "transcript"))
    (phases / "participants.csv").write_text(
        PARTICIPANTS_HEAD + "fase1/intervju.txt,Informant,ordfører,Snåsa kommune,\n"
        "fase2/intervju.txt,Informant,rådgiver,Husbanken,\n", encoding="utf-8")
    report = ingest_paths(db, [phases])
    assert report.errors == []
    assert list_turns(db, "fase1/intervju.txt")[0]["actor"] == "ordfører"
    assert list_turns(db, "fase2/intervju.txt")[0]["actor"] == "rådgiver"


# ------------------------------------------------------------------------------------ manifest conflicts

@pytest.fixture
def two(tmp_path):
    d = tmp_path / "korpus"
    d.mkdir()
    (d / "a.md").write_text(notes(1, "Vadsø"), encoding="utf-8")
    (d / "b.md").write_text(notes(2, "Snåsa"), encoding="utf-8")
    return d


def test_duplicate_manifest_rows_with_different_values_stop_the_batch(db, two):
    (two / "manifest.csv").write_text(MANIFEST_HEAD + "a.md,intervju,fase 1,,,,nb\n"
                                      "b.md,intervju,fase 1,,,,nb\n"
                                      "a.md,fokusgruppe,fase 1,,,,nb\n", encoding="utf-8")
    report = ingest_paths(db, [two])
    assert report.added == [] and counts(db) == (0, 0, 0)
    assert report.errors == ["manifest.csv rows 2 and 4 give a.md two different kind values ('intervju' and "
                             "'fokusgruppe'); keep one row, or make them agree"]
    assert "Ingenting lest inn" in report.summary()


def test_agreeing_or_complementary_duplicate_rows_are_merged(db, two):
    (two / "manifest.csv").write_text(MANIFEST_HEAD + "a.md,intervju,fase 1,,,,\n"
                                      "a.md,intervju,,,Finnmark,,nb\n", encoding="utf-8")
    report = ingest_paths(db, [two])
    assert report.errors == []
    row = next(r for r in list_sources(db) if r["file"] == "a.md")
    assert (row["kind"], row["phase"], row["county"], row["language"]) == ("intervju", "fase 1", "Finnmark", "nb")


def test_rows_in_two_folder_manifests_that_disagree_are_an_error(db, two):
    (two / "manifest.csv").write_text(MANIFEST_HEAD + "a.md,intervju,fase 1,,,,nb\n", encoding="utf-8")
    (two / "manifest_b.csv").write_text(MANIFEST_HEAD + "a.md,intervju,fase 2,,,,nb\n", encoding="utf-8")
    report = ingest_paths(db, [two])
    assert report.errors == ["manifest.csv: row 2 and manifest_b.csv: row 2 give a.md two different phase "
                             "values ('fase 1' and 'fase 2'); keep one row, or make them agree"]
    assert counts(db) == (0, 0, 0)
    # an explicit --manifest wins over the folder's for the files it names
    explicit = two.parent / "rettet.csv"
    explicit.write_text(MANIFEST_HEAD + "a.md,intervju,fase 2,,,,nb\n", encoding="utf-8")
    (two / "manifest_b.csv").unlink()
    report = ingest_paths(db, [two], manifest=explicit)
    assert report.errors == []
    assert next(r for r in list_sources(db) if r["file"] == "a.md")["phase"] == "fase 2"


def test_a_label_mapped_to_two_actors_is_an_error_and_a_file_row_wins_over_star(db, tmp_path, monkeypatch):
    d = tmp_path / "korpus"
    d.mkdir()
    for name in ("fg1.txt", "fg2.txt"):
        (d / name).write_text(f"Moderator: Hei, {name}.\n\nPL Midt: Hei.\n", encoding="utf-8")
    turns = [Turn("Velkommen.", "Moderator"), Turn("Vi jobber med bolig.", "PL Midt")]
    monkeypatch.setitem(READERS, "txt", turn_reader({"fg1.txt": turns, "fg2.txt": turns}))
    (d / "participants.csv").write_text(PARTICIPANTS_HEAD + "*,Moderator,forsker,Forskningsinstitutt,\n"
                                        "fg1.txt,PL Midt,prosjektleder,Rindal kommune,Midt\n"
                                        "fg2.txt,PL Midt,prosjektleder,Rindal kommune,Midt\n"
                                        "fg1.txt,PL Midt,ordfører,Rindal kommune,Midt\n", encoding="utf-8")
    report = ingest_paths(db, [d])
    assert report.added == [] and counts(db) == (0, 0, 0)
    assert report.errors == ["participants.csv rows 3 and 5 give speaker 'PL Midt' of fg1.txt two different "
                             "actor values ('prosjektleder' and 'ordfører'); keep one row, or make them agree"]

    (d / "participants.csv").write_text(PARTICIPANTS_HEAD + "*,Moderator,forsker,Forskningsinstitutt,\n"
                                        "*,PL Midt,prosjektleder,,\n"
                                        "fg2.txt,Moderator,ordstyrer,Fylkeskommunen,\n", encoding="utf-8")
    report = ingest_paths(db, [d])
    assert report.errors == [] and sorted(report.added) == ["fg1.txt", "fg2.txt"]
    assert [t["actor"] for t in list_turns(db, "fg1.txt")] == ["forsker", "prosjektleder"]
    assert [t["actor"] for t in list_turns(db, "fg2.txt")] == ["ordstyrer", "prosjektleder"]  # the file row wins


# ------------------------------------------------------------------------------------ dates

@pytest.mark.parametrize("written, stored", [
    ("12.03.2024", "2024-03-12"), ("12/03/2024", "2024-03-12"), ("2024-03-12", "2024-03-12"),
    ("12.3.24", "2024-03-12"), ("1.2.2023", "2023-02-01"), ("2024-03", "2024-03"), ("03.2024", "2024-03"),
    ("2024-03-12 00:00:00", "2024-03-12"), ("2024", "2024"),
])
def test_dates_are_stored_as_iso(written, stored):
    assert parse_date(written) == stored


@pytest.mark.parametrize("written", ["mars 2024", "31.02.2024", "03/13/2024", "2024-13", "12.03", "i fjor"])
def test_unreadable_dates_are_refused(written):
    with pytest.raises(ValueError):
        parse_date(written)


def test_manifest_dates_end_to_end_and_bad_dates_name_file_row_and_forms(db, two, tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    (two / "manifest.csv").write_text(MANIFEST_HEAD + "a.md,intervju,fase 1,,,12.03.2024,nb\n"
                                      "b.md,intervju,fase 1,,,2024-03,nb\n", encoding="utf-8")
    assert read_manifest(two / "manifest.csv")["a.md"]["date"] == "2024-03-12"
    report = ingest_paths(db, [two])
    assert report.errors == []
    assert {r["file"]: r["date"] for r in list_sources(db)} == {"a.md": "2024-03-12", "b.md": "2024-03"}

    (two / "manifest.csv").write_text(MANIFEST_HEAD + "a.md,intervju,fase 1,,,12.13.2024,nb\n"
                                      "b.md,intervju,fase 1,,,mars 2024,nb\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"manifest\.csv: row 2 \(a\.md\): date '12\.13\.2024'"):
        read_manifest(two / "manifest.csv")
    result = run(url, "ingest", str(two))
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Feil:")]
    assert len(errors) == 2  # all of them, not only the first
    assert errors[0].startswith("Feil: manifest.csv: row 2 (a.md): date '12.13.2024' cannot be read")
    assert errors[1].startswith("Feil: manifest.csv: row 3 (b.md): date 'mars 2024' cannot be read")
    assert all(DATE_FORMS in e for e in errors)
    assert json.loads(run(url, "sources", "--json").output) == []  # nothing of the batch was stored


# ------------------------------------------------------------------------------------ limits

DOCX_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
              b'<Default Extension="xml" ContentType="application/xml"/>'
              b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
              b'wordprocessingml.document.main+xml"/></Types>')
DOCX_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             b'officeDocument" Target="word/document.xml"/></Relationships>')


def write_bomb(path: Path, megabytes: int = 200) -> Path:
    """A valid .docx whose document.xml inflates to ``megabytes`` MB of blanks (small on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", DOCX_TYPES)
        zf.writestr("_rels/.rels", DOCX_RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                    b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Moderator: Velkommen.</w:t></w:r></w:p>')
            chunk = b" " * 1_000_000
            for _ in range(megabytes):
                f.write(chunk)
            f.write(b"</w:body></w:document>")
    return path


def small_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("Moderator: Hva betyr avtalen for kommunen?")
    document.add_paragraph("Ordfører: Den gir oss tid til å planlegge.")
    document.save(path)
    return path


def test_a_docx_with_damaged_compressed_data_says_how_to_mend_it(db, tmp_path):
    doc = small_docx(tmp_path / "skadet.docx")
    data = bytearray(doc.read_bytes())
    with zipfile.ZipFile(doc) as zf:
        info = zf.getinfo("word/document.xml")
    name_len, extra_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    data[start:start + 1] = b"\xff"  # a deflate block of the reserved type: cannot be unpacked
    data[middle:middle + 8] = b"\xff" * 8
    doc.write_bytes(bytes(data))
    report = ingest_paths(db, [doc])
    assert report.added == [] and len(report.errors) == 1
    error = report.errors[0]
    assert error.startswith("skadet.docx: the file is damaged (") and "\n" not in error
    assert error.endswith("open it in Word and save it again, or copy it again from where it came")


def test_broken_and_password_protected_pdfs_are_one_line_each_without_pypdf_noise(tmp_path, caplog, recwarn):
    import fpdf
    from pypdf import PdfReader, PdfWriter

    url = f"sqlite:///{tmp_path / 'wb.db'}"
    d = tmp_path / "korpus"
    d.mkdir()
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for i in range(3):
        pdf.set_xy(10, 20 + 8 * i)
        pdf.cell(0, 6, f"Intervjuer: Spørsmål {i} om samarbeidet med fylket.")
    whole = tmp_path / "hel.pdf"
    pdf.output(str(whole))
    data = whole.read_bytes()
    (d / "avkuttet.pdf").write_bytes(data[:len(data) // 2])  # a download that stopped halfway
    writer = PdfWriter(clone_from=PdfReader(str(whole)))
    writer.encrypt(user_password="hemmelig", owner_password="eier", algorithm="RC4-128")
    writer.write(str(d / "passord.pdf"))
    (d / "notat.md").write_text(notes(1, "Vadsø"), encoding="utf-8")
    assert run(url, "init").exit_code == 0
    result = run(url, "ingest", str(d))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert [ln.split(":", 2)[1].strip() for ln in lines if ln.startswith("Feil:")] == ["avkuttet.pdf", "passord.pdf"]
    assert "Feil: passord.pdf: the file is password-protected; save a copy without a password and ingest that" in lines
    assert "EOF marker" not in result.output and "Traceback" not in result.output
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert not [w for w in recwarn if "pypdf" in str(w.filename)]
    assert lines[-1].startswith("1 lagt til")


def test_a_zip_bomb_docx_is_refused_fast_and_with_little_memory(db, tmp_path):
    d = tmp_path / "korpus"
    d.mkdir()
    bomb = write_bomb(d / "bombe.docx")
    assert bomb.stat().st_size < 2_000_000
    (d / "notat.md").write_text(notes(1, "Vadsø"), encoding="utf-8")
    tracemalloc.start()
    began = time.perf_counter()
    try:
        report = ingest_paths(db, [d])
        seconds = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.added == ["notat.md"]
    assert len(report.errors) == 1
    error = report.errors[0]
    assert error.startswith("bombe.docx: part word/document.xml inflates") and "\n" not in error
    assert "200.0 MB" in error and "WORKBENCH_MAX_ZIP_RATIO=" in error
    assert seconds < 5, seconds
    assert peak < 40_000_000, peak  # parsing it would take the whole 200 MB at least


def test_unzipped_size_limit_from_argument_and_environment(db, tmp_path, monkeypatch):
    doc = small_docx(tmp_path / "intervju.docx")
    report = ingest_paths(db, [doc], limits=Limits(max_unzipped_mb=0.001))
    assert report.added == [] and len(report.errors) == 1
    assert report.errors[0].startswith("intervju.docx: unpacks to ")
    assert "above the limit of 0.001 MB unpacked" in report.errors[0]
    assert "WORKBENCH_MAX_UNZIPPED_MB=" in report.errors[0]
    monkeypatch.setenv("WORKBENCH_MAX_UNZIPPED_MB", "0,001")  # a decimal comma is fine
    assert ingest_paths(db, [doc]).errors[0] == report.errors[0]
    monkeypatch.delenv("WORKBENCH_MAX_UNZIPPED_MB")
    assert ingest_paths(db, [doc]).added == ["intervju.docx"]


def test_plain_file_size_limit_and_bad_environment_values(tmp_path, monkeypatch):
    p = tmp_path / "stor.txt"
    p.write_text("Moderator: Velkommen.\n" * 200, encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"^stor\.txt: the file is 4 kB, above the limit of 0\.001 MB; .*"
                                             r"WORKBENCH_MAX_FILE_MB="):
        check_file(p, Limits(max_file_mb=0.001))
    monkeypatch.setenv("WORKBENCH_MAX_FILE_MB", "0.001")
    with pytest.raises(WorkbenchError, match="WORKBENCH_MAX_FILE_MB"):
        read_file(p)
    monkeypatch.setenv("WORKBENCH_MAX_FILE_MB", "mye")
    with pytest.raises(WorkbenchError, match=r"WORKBENCH_MAX_FILE_MB='mye' is not a positive number"):
        read_file(p)


def test_zip_bomb_through_the_command_line_is_one_line_and_exit_1(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    bomb = write_bomb(tmp_path / "bombe.docx", megabytes=120)
    result = run(url, "ingest", str(bomb))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [ln for ln in result.output.splitlines() if ln.startswith("Feil:")] == [
        ln for ln in result.output.splitlines() if ln.startswith("Feil: bombe.docx: part word/document.xml")]


# ------------------------------------------------------------------------------------ Ctrl-C

@pytest.fixture
def five(tmp_path):
    d = tmp_path / "korpus"
    d.mkdir()
    for i in range(1, 6):
        (d / f"intervju_{i}.txt").write_text(f"Informant: svar {i}\n", encoding="utf-8")
    return d


def _interrupting_reader(on_call: int):
    calls = []

    def read(path, roster=None, **kw):
        calls.append(Path(path).name)
        if len(calls) == on_call:
            raise KeyboardInterrupt
        return Parsed([Turn(f"Svar fra {Path(path).stem}.", "Informant")], "txt", "transcript")

    return read


def test_ctrl_c_keeps_the_files_done_and_stores_nothing_of_the_current_one(db, five, monkeypatch):
    monkeypatch.setitem(READERS, "txt", _interrupting_reader(3))
    with pytest.raises(IngestInterrupted) as caught:
        ingest_paths(db, [five])
    report = caught.value.report
    assert isinstance(caught.value, KeyboardInterrupt)
    assert report.added == ["intervju_1.txt", "intervju_2.txt"]
    assert report.interrupted == "intervju_3.txt"
    assert "Avbrutt under intervju_3.txt" in report.summary() and "2 filer ble lagret" in report.summary()
    with db.session() as s:
        assert sorted(s.scalars(select(Source.file_name))) == ["intervju_1.txt", "intervju_2.txt"]
    assert counts(db) == (2, 2, 2)

    monkeypatch.setitem(READERS, "txt", _interrupting_reader(99))
    rest = ingest_paths(db, [five])
    assert sorted(rest.unchanged) == ["intervju_1.txt", "intervju_2.txt"]
    assert rest.added == ["intervju_3.txt", "intervju_4.txt", "intervju_5.txt"]


def test_ctrl_c_inside_the_transaction_rolls_the_current_file_back(db, five, monkeypatch):
    import workbench.ingest as ingest

    monkeypatch.setitem(READERS, "txt", _interrupting_reader(99))
    real = ingest.assign_pseudonyms
    calls = []

    def interrupt_third(session):
        calls.append(1)
        if len(calls) == 3:  # the third file's source, speaker and segment are flushed by now
            raise KeyboardInterrupt
        return real(session)

    monkeypatch.setattr(ingest, "assign_pseudonyms", interrupt_third)
    with pytest.raises(IngestInterrupted) as caught:
        ingest_paths(db, [five])
    assert caught.value.report.added == ["intervju_1.txt", "intervju_2.txt"]
    assert counts(db) == (2, 2, 2)


def test_ctrl_c_on_the_command_line_prints_the_summary_and_exits_130(tmp_path, five, monkeypatch):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    monkeypatch.setitem(READERS, "txt", _interrupting_reader(3))
    result = run(url, "ingest", str(five))
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output and "Aborted" not in result.output
    assert "Avbrutt under intervju_3.txt" in result.output and "2 lagt til" in result.output
    assert [s["file"] for s in json.loads(run(url, "sources", "--json").output)] == ["intervju_1.txt",
                                                                                     "intervju_2.txt"]


# ------------------------------------------------------------------------------------ large files

def test_stored_text_and_offsets_equal_the_canonical_text_across_write_chunks(db, tmp_path, monkeypatch):
    """SQLite gets the text in pieces; every multi-byte character must land where the offsets say."""
    labels = ["Moderator", "Ordfører", "PL Midt"]
    turns = [Turn(f"Innlegg {i}: blåbær – «tillit» ✓ 😀" + " æøå" * (i % 700), labels[i % 3],
                  start_time=float(i), heading=f"Del {i // 500}") for i in range(3000)]
    monkeypatch.setitem(READERS, "txt", turn_reader({"stor.txt": turns}))
    p = tmp_path / "stor.txt"
    p.write_text("fiktiv", encoding="utf-8")
    expected, spans = build_canonical(Parsed([Turn(t.text, t.speaker, t.start_time, heading=t.heading)
                                              for t in turns], "txt"))
    assert len(expected.encode()) > 3_000_000  # several write chunks

    report = ingest_paths(db, [p])
    assert report.errors == [] and report.turns == 3000
    with db.session() as s:
        src = s.scalar(select(Source))
        stored = src.canonical_text
        first_difference = next((i for i, (a, b) in enumerate(zip(stored, expected)) if a != b), None)
        assert (len(stored), first_difference) == (len(expected), None)  # (no multi-megabyte diff on failure)
        segs = s.scalars(select(Segment).where(Segment.source_id == src.id).order_by(Segment.index)).all()
        assert [(g.start_char, g.end_char) for g in segs] == spans
        assert [expected[g.start_char:g.end_char] for g in segs[:3]] == [t.text for t in turns[:3]]
        assert src.word_count == sum(g.word_count for g in segs) > 0
        assert {g.speaker.label for g in segs} == set(labels)
    assert list_turns(db, "stor.txt")[-1]["text"] == turns[-1].text
