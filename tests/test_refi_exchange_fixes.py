"""REFI-QDA import and export problems a probe found: a source in macOS's decomposed form (NFD) and
with hidden characters (turns found as ingest finds them, every selection on its characters), a
coder name in another letter case (refused with "did you mean", or credited with ``coders``),
two sources of one file with one text (said so), labels of ``workbench/segments.json`` (cleaned as
ingest cleans labels; an empty list: turns detected), and exports to a folder or to a path that
cannot be written (one line, no temporary file with the transcripts left behind)."""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.test_qdpx_import import G, codebook, counts, project, selection, text_source, users, write_qdpx
from workbench.errors import InputError, WorkbenchError
from workbench.ingest.chars import clean_text
from workbench.refi.common import SEGMENTS_FILE, SEGMENTS_FORMAT
from workbench.refi.importer import import_qdpx
from workbench.store import Coding, Segment, Source, User

RESEARCHER = "forsker"
LINES = ["Intervjuer: Hvordan gikk møtet på Røros i går?",
         "Åse: Det gikk fint, særlig på tirsdag, så vi får se.",
         "Intervjuer: Og tilliten?",
         "\u200fÅse: Tilliten øker\u200b, men sakte. 😀 Blåbær!"]
WORDS = ["Røros", "tirsdag", "Tilliten øker\u200b, men", "sakte", "Blåbær", "Åse: Det"]


def _nfd_project(tmp_path: Path, *, utf16: bool = False, name: str = "nfd.qdpx") -> tuple[Path, str, list[str]]:
    """A Mac tool's project: the text decomposed (NFD), a right-to-left mark before a label and a
    zero-width space in a selection; offsets in code points, or in UTF-16 units as NVivo writes."""
    text = unicodedata.normalize("NFD", "\n".join(LINES) + "\n")
    sels, selected = "", []
    for k, word in enumerate(WORDS):
        w = unicodedata.normalize("NFD", word)
        i = text.index(w)
        s, e = i, i + len(w)
        if utf16:
            s, e = (len(text[:s].encode("utf-16-le")) // 2, len(text[:e].encode("utf-16-le")) // 2)
        sels += selection(f"w{k}", s, e, "tillit", "kari")
        selected.append(text[i:i + len(w)])
    body = (users("kari") + codebook("tillit") + "<Sources>"
            + text_source("nfd", "intervju.txt", sels, f"internal://{G('src:nfd')}.txt") + "</Sources>")
    origin = "NVivo for Mac 14" if utf16 else "MAXQDA 2022 (Mac)"
    return write_qdpx(tmp_path / name, project(body, origin=origin),
                      {f"sources/{G('src:nfd')}.txt": text.encode("utf-8")}), text, selected


def _turns(db) -> list[tuple[str | None, str]]:
    with db.session() as s:
        return [(g.speaker.label if g.speaker else None, g.text)
                for g in s.scalars(select(Segment).order_by(Segment.source_id, Segment.index))]


def _coded(db) -> list[tuple[str, str]]:
    """(coder, coded text) of every coding, in the order stored."""
    with db.session() as s:
        rows = s.execute(select(User.name, Coding.start_char, Coding.end_char, Source.canonical_text)
                         .join(User, Coding.coder_id == User.id).join(Segment, Coding.segment_id == Segment.id)
                         .join(Source, Segment.source_id == Source.id).order_by(Coding.id)).all()
    return [(name, t[a:b]) for name, a, b, t in rows]


# ------------------------------------------------------------------------------------------ 1: NFD text

@pytest.mark.parametrize("utf16", [False, True], ids=["code-points", "nvivo-utf16"])
def test_a_decomposed_source_gets_its_turns_as_ingest_finds_them_and_keeps_every_selection(db, tmp_path, utf16):
    path, text, selected = _nfd_project(tmp_path, utf16=utf16)
    report = import_qdpx(db, path, user=RESEARCHER)
    assert not report.partial, report.warnings
    # the speakers are right: "Åse:" (decomposed, one behind a right-to-left mark) starts her turns
    assert _turns(db) == [("Intervjuer", "Hvordan gikk møtet på Røros i går?"),
                          ("Åse", "Det gikk fint, særlig på tirsdag, så vi får se."),
                          ("Intervjuer", "Og tilliten?"),
                          ("Åse", "Tilliten øker, men sakte. 😀 Blåbær!")]
    with db.session() as s:
        stored = s.scalar(select(Source.canonical_text))
    assert stored == clean_text(text, bidi=True)     # stored as ingest stores a text: NFC, nothing hidden
    # every selection covers what it covered, in that form: no coding moved
    assert [t for _, t in _coded(db)] == [clean_text(t, bidi=True) for t in selected]
    assert [t for _, t in _coded(db)][:2] == ["Røros", "tirsdag"]
    assert any("1 bidirectional control characters" in w for w in report.warnings)
    if utf16:
        assert report.readings["intervju.txt"].startswith("UTF-16")


def test_the_turns_are_those_ingest_finds_in_the_same_file(db, tmp_path):
    from workbench.ingest import read_file

    path, text, _ = _nfd_project(tmp_path)
    (tmp_path / "intervju.txt").write_text(text, encoding="utf-8")
    parsed = read_file(tmp_path / "intervju.txt")
    import_qdpx(db, path, user=RESEARCHER)
    assert _turns(db) == [(t.speaker, t.text) for t in parsed.turns]


def test_clean_with_map_moves_offsets_inside_a_changed_character_to_its_edges():
    from workbench.refi.importer import clean_with_map

    text = "A\u030ase\u200b: ok"         # Å decomposed, then a zero-width space
    cleaned, m, bidi = clean_with_map(text)
    assert cleaned == "Åse: ok" and bidi == 0
    assert m.span(0, 2) == (0, 1) and m.span(0, 4) == (0, 3)    # "Å", "Åse"
    assert m.span(1, 2) == (0, 1)                                # inside "A" + ring: the whole "Å"
    assert m.span(4, 5) == (3, 3)                                # only the zero-width space: nothing
    assert cleaned[slice(*m.span(5, 9))] == ": ok"


# ------------------------------------------------------------------------------------------ 3: coder case

def _coded_by(tmp_path: Path, coder: str, file: str) -> Path:
    text = "Kari: Vi fikk ikke nok penger.\nOla: Samarbeidet gikk bra.\n"
    word = "ikke nok penger" if coder == "kari" else "Samarbeidet"
    i = text.index(word)
    body = (users(coder) + codebook("tillit") + "<Sources>"
            + text_source("p", "intervju.txt", selection(f"s-{coder}", i, i + len(word), "tillit", coder),
                          f"internal://{G('src:p')}.txt") + "</Sources>")
    return write_qdpx(tmp_path / file, project(body), {f"sources/{G('src:p')}.txt": text.encode("utf-8")})


def test_a_user_named_as_a_coder_in_another_letter_case_is_refused_with_did_you_mean(db, tmp_path):
    import_qdpx(db, _coded_by(tmp_path, "kari", "a.qdpx"), user=RESEARCHER)
    before = counts(db)
    with db.session() as s:
        names = sorted(s.scalars(select(User.name)))
    with pytest.raises(InputError) as err:
        import_qdpx(db, _coded_by(tmp_path, "Kari", "b.qdpx"), user=RESEARCHER)
    assert err.value.code == "qdpx.coder_case" and "did you mean 'kari'" in str(err.value)
    assert "--coder 'Kari=kari'" in str(err.value) and "\n" not in str(err.value)
    assert counts(db) == before
    with db.session() as s:
        assert sorted(s.scalars(select(User.name))) == names     # no second coder "Kari"
    # credited to kari on request: one coder, both codings
    report = import_qdpx(db, _coded_by(tmp_path, "Kari", "b.qdpx"), user=RESEARCHER, coders={"Kari": "kari"})
    assert report.coders == {"kari": 1}
    assert _coded(db) == [("kari", "ikke nok penger"), ("kari", "Samarbeidet")]
    with pytest.raises(InputError, match="no user of that name"):
        import_qdpx(db, _coded_by(tmp_path, "Kari", "b.qdpx"), user=RESEARCHER, coders={"Per": "kari"})


def test_cli_refuses_the_other_letter_case_in_one_line_and_takes_coder(db, tmp_path):
    from workbench.cli import cli

    runner = CliRunner()
    base = ["--db", db.url, "--user", RESEARCHER, "import", "qdpx"]
    assert runner.invoke(cli, base + [str(_coded_by(tmp_path, "kari", "a.qdpx"))]).exit_code == 0
    bad = runner.invoke(cli, base + [str(_coded_by(tmp_path, "Kari", "b.qdpx"))])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1 and "mean 'kari'" in bad.output
    good = runner.invoke(cli, base + [str(tmp_path / "b.qdpx"), "--coder", "Kari=kari"])
    assert good.exit_code == 0, good.output
    assert "Kodere: kari (1 nye kodinger)" in good.output


# ------------------------------------------------------------------------------------------ 4: twins, segments.json

def test_two_sources_of_one_file_with_one_text_are_said_to_be_so(db, tmp_path):
    text = "Kari: Det går bra.\nOla: Ja, det gjør det.\n"
    body = (users("kari") + codebook("tillit") + "<Sources>"
            + text_source("a", "a.txt", selection("a", 6, 18, "tillit", "kari"), f"internal://{G('src:a')}.txt")
            + text_source("b", "b.txt", selection("b", 24, 41, "tillit", "kari"), f"internal://{G('src:b')}.txt")
            + "</Sources>")
    path = write_qdpx(tmp_path / "tvillinger.qdpx", project(body), {f"sources/{G('src:a')}.txt": text.encode(),
                                                                    f"sources/{G('src:b')}.txt": text.encode()})
    report = import_qdpx(db, path, user=RESEARCHER)
    assert report.sources == ["a.txt"] and report.reused == [] and report.same_text == ["b.txt (= a.txt)"]
    summary = report.summary()
    assert "0 fantes fra før" in summary.splitlines()[0] and "i databasen" not in summary
    assert "Samme tekst som en annen kilde i filen" in summary and "b.txt (= a.txt)" in summary
    assert _coded(db) == [("kari", "Det går bra."), ("kari", "Ja, det gjør det.")]


def _with_segments(tmp_path: Path, segments: list, file: str) -> Path:
    text = "Intervjuer: Hva tenker du?\nKari: Det går bra.\nIntervjuer: Takk.\nKari: Hei.\n"
    i = text.index("Det går")
    body = (users("kari") + codebook("tillit") + "<Sources>"
            + text_source("s", "kari.txt", selection("s", i, i + 7, "tillit", "kari"), f"internal://{G('src:s')}.txt")
            + "</Sources>")
    entry = {"sha1": hashlib.sha1(text.encode()).hexdigest(), "segments": segments(text) if callable(segments)
             else segments}
    return write_qdpx(tmp_path / file, project(body, origin="bygdevekst-workbench"), {
        f"sources/{G('src:s')}.txt": text.encode(),
        SEGMENTS_FILE: json.dumps({"format": SEGMENTS_FORMAT, "version": 1, "sources": {G("src:s"): entry}})})


def test_speaker_labels_of_segments_json_are_cleaned_as_ingest_cleans_labels(db, tmp_path):
    def segs(text: str) -> list:
        out = []
        for line, label in zip(text.splitlines(), ["Intervjuer", "Kari\nOla: x", "Inter\u200bvjuer", "Å\u0301sa"]):
            a = text.index(line) + line.index(":") + 2
            out.append([a, text.index(line) + len(line), label, None, None, None, None])
        return out

    report = import_qdpx(db, _with_segments(tmp_path, segs, "etiketter.qdpx"), user=RESEARCHER)
    assert not report.partial
    assert [sp for sp, _ in _turns(db)] == ["Intervjuer", "Kari Ola: x", "Intervjuer", "Ǻsa"]


def test_an_empty_list_of_turns_falls_back_to_detecting_them(db, tmp_path):
    report = import_qdpx(db, _with_segments(tmp_path, [], "tom.qdpx"), user=RESEARCHER)
    assert not report.partial and report.sources == ["kari.txt"]
    assert any("lists no turns for it; the turns are detected" in w for w in report.warnings)
    assert [sp for sp, _ in _turns(db)] == ["Intervjuer", "Kari", "Intervjuer", "Kari"]
    assert _coded(db) == [("kari", "Det går")]


# ------------------------------------------------------------------------------------------ 2: export paths

def _leftovers(*folders: Path) -> list[str]:
    return [p.name for f in folders if f.is_dir() for p in f.rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture
def project_db(db, tmp_path):
    path, _, _ = _nfd_project(tmp_path, name="kilde.qdpx")
    import_qdpx(db, path, user=RESEARCHER)
    return db


def test_export_into_a_folder_writes_prosjekt_qdpx_in_it(project_db, tmp_path):
    from workbench.refi.export import export_qdpx

    folder = tmp_path / "ut.qdpx"
    folder.mkdir()
    assert export_qdpx(project_db, folder, user=RESEARCHER) == folder / "prosjekt.qdpx"
    assert export_qdpx(project_db, f"{tmp_path}/ny/", user=RESEARCHER) == tmp_path / "ny" / "prosjekt.qdpx"
    assert (folder / "prosjekt.qdpx").is_file() and (tmp_path / "ny" / "prosjekt.qdpx").is_file()
    assert not _leftovers(tmp_path)


def test_an_export_that_cannot_be_written_is_one_line_and_leaves_no_temporary_file(project_db, tmp_path,
                                                                                     monkeypatch):
    from workbench.refi import export as refi_export

    blocker = tmp_path / "fil"
    blocker.write_text("x")
    with pytest.raises(WorkbenchError) as err:       # the folder cannot be made: a file is in the way
        refi_export.export_qdpx(project_db, blocker / "x.qdpx", user=RESEARCHER)
    assert str(blocker / "x.qdpx") in str(err.value) and "choose another -o path" in str(err.value)
    # a full disk half-way, and a target that cannot be replaced: the temporary file goes
    for where, exc in (("_build", OSError(28, "No space left on device")),
                       ("os.replace", IsADirectoryError(21, "Is a directory"))):
        if where == "_build":
            monkeypatch.setattr(refi_export, "_build", lambda *a, **k: (_ for _ in ()).throw(exc))
        else:
            monkeypatch.undo()
            monkeypatch.setattr(refi_export.os, "replace", lambda *a, **k: (_ for _ in ()).throw(exc))
        with pytest.raises(WorkbenchError) as err:
            refi_export.export_qdpx(project_db, tmp_path / "p.qdpx", user=RESEARCHER)
        assert "\n" not in str(err.value) and str(tmp_path / "p.qdpx") in str(err.value), where
        assert not _leftovers(tmp_path) and not (tmp_path / "p.qdpx").exists(), where


def test_cli_export_qdpx_to_a_folder_or_nowhere(project_db, tmp_path):
    from workbench.cli import cli

    runner = CliRunner()
    base = ["--db", project_db.url, "--user", RESEARCHER, "export", "qdpx", "-o"]
    (tmp_path / "mappe.qdpx").mkdir()
    ok = runner.invoke(cli, base + [str(tmp_path / "mappe.qdpx")])
    assert ok.exit_code == 0 and "prosjekt.qdpx" in ok.output, ok.output
    (tmp_path / "fil").write_text("x")
    bad = runner.invoke(cli, base + [str(tmp_path / "fil" / "x.qdpx")])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1 and bad.output.startswith("Error: "), bad.output
    assert not _leftovers(tmp_path)


def test_a_backup_that_cannot_be_written_is_one_line_and_leaves_nothing(project_db, tmp_path):
    from workbench.backup import backup

    (tmp_path / "fil").write_text("x")
    target = tmp_path / "fil" / "kopi.db"
    with pytest.raises(WorkbenchError) as err:
        backup(project_db, target, user=RESEARCHER)
    assert str(target) in str(err.value) and "choose another -o path" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("fil", "kopi"))) == ["fil"]
