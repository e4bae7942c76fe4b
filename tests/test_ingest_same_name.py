"""Which stored source a file is, when it comes back: two files with one name ingested folder by
folder (``fase1/`` in spring, ``fase2/`` in autumn), the same file edited, a source stored before
the file's path was recorded, and a file saved again with a BOM, CRLF line endings or another
encoding (same text: unchanged, its codings kept).

All data is fictional.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from workbench.cli import cli
from workbench.codebook import load_codebook
from workbench.coding import apply_code, list_codings
from workbench.ingest import ingest_paths, list_turns
from workbench.store.models import AuditEvent, Segment, Source

SPRING = ("Intervjuer: Hvordan startet samarbeidet?\nKari Lid: Med et møte på rådhuset.\n"
          "Intervjuer: Hvem var med?\nKari Lid: Ordføreren og næringssjefen.\n")
AUTUMN = ("Intervjuer: Hva har endret seg siden i vår?\nKari Lid: Nå har vi faste møter med fylket.\n"
          "Intervjuer: Fungerer det?\nKari Lid: Stort sett, ja.\n")
CODEBOOK = """\
name: identitet
title: Kodebok for identitetstesten
language: nb
codes:
  samarbeid:
    label: Samarbeid
    definition: Samarbeid mellom partene.
"""


def write(path: Path, text: str, *, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def counts(db) -> tuple[int, int]:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Source, Segment))


def texts(db, name: str) -> list[str]:
    return [t["text"] for t in list_turns(db, name)]


@pytest.fixture
def phases(db, tmp_path):
    """intervjuer/fase1/intervju.txt ingested on its own and coded; fase2/intervju.txt written."""
    root = tmp_path / "intervjuer"
    write(root / "fase1" / "intervju.txt", SPRING)
    write(root / "fase2" / "intervju.txt", AUTUMN)
    assert ingest_paths(db, [root / "fase1"], user="forsker1").added == ["intervju.txt"]
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    load_codebook(db, tmp_path / "kodebok.yaml", user="forsker1")
    apply_code(db, "intervju.txt", 2, "samarbeid", user="forsker1")
    return root


def coded(db) -> list[tuple]:
    return [(c.source, c.turn, c.code, c.text) for c in list_codings(db)]


# ------------------------------------------------------------------ phase folders one at a time

def test_phase_folders_ingested_one_at_a_time_keep_both_interviews(db, phases):
    before = coded(db)
    autumn = ingest_paths(db, [phases / "fase2"], user="forsker1")
    assert autumn.changed == [] and autumn.errors == [] and not autumn.failed
    assert autumn.added == ["fase2/intervju.txt"]  # named as a run over intervjuer/ names it
    (note,) = [w for w in autumn.warnings if w.startswith("fase2/intervju.txt:")]
    assert "intervju.txt" in note and "fase1" in note and "another file" in note
    assert texts(db, "intervju.txt")[1] == "Med et møte på rådhuset."  # the spring one as it was
    assert texts(db, "fase2/intervju.txt")[1] == "Nå har vi faste møter med fylket."
    assert coded(db) == before
    stored = counts(db)

    # a run of either folder again, or of both at once, finds them unchanged
    for folder, name in ((phases / "fase1", "intervju.txt"), (phases / "fase2", "fase2/intervju.txt")):
        again = ingest_paths(db, [folder])
        assert (again.added, again.unchanged, again.changed, again.duplicates) == ([], [name], [], [])
    both = ingest_paths(db, [phases])
    assert both.added == [] and both.duplicates == [] and not both.failed
    assert sorted(both.unchanged) == ["fase2/intervju.txt", "intervju.txt"]
    single = ingest_paths(db, [phases / "fase2" / "intervju.txt"])  # the file given alone
    assert single.unchanged == ["fase2/intervju.txt"]
    assert counts(db) == stored and coded(db) == before


def test_from_another_machine_the_autumn_interview_is_stored_beside_with_a_line_saying_so(db, phases):
    shutil.move(phases / "fase1", phases.parent / "arkiv")  # the spring folder is not there (a colleague's disk)
    autumn = ingest_paths(db, [phases / "fase2"])
    assert autumn.added == ["fase2/intervju.txt"] and not autumn.failed
    (note,) = [w for w in autumn.warnings if w.startswith("fase2/intervju.txt:")]
    assert "no longer there" in note and 'remove-source "fase2/intervju.txt" or "intervju.txt"' in note


def test_the_cli_stores_the_autumn_interview_and_exits_0(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    root = tmp_path / "intervjuer"
    write(root / "fase1" / "intervju.txt", SPRING)
    write(root / "fase2" / "intervju.txt", AUTUMN)
    run = lambda *a: CliRunner().invoke(cli, ["--db", url, "--user", "forsker1", *a])  # noqa: E731
    assert run("ingest", str(root / "fase1")).exit_code == 0
    result = run("ingest", str(root / "fase2"))
    assert result.exit_code == 0, result.output
    assert "Endret:" not in result.output and "1 lagt til" in result.output
    assert "fase2/intervju.txt" in run("sources").output


def test_an_edited_file_is_changed_under_the_name_its_folder_is_stored_as(db, phases):
    ingest_paths(db, [phases / "fase2"])
    stored = counts(db)
    write(phases / "fase2" / "intervju.txt", AUTUMN + "Kari Lid: Et tillegg.\n")
    edited = ingest_paths(db, [phases / "fase2"])
    assert edited.added == [] and edited.failed
    (line,) = edited.changed
    assert 'workbench remove-source "fase2/intervju.txt"' in line  # not the spring interview
    assert '"intervju.txt"' not in line

    write(phases / "fase1" / "intervju.txt", SPRING + "Kari Lid: Et tillegg.\n")
    for given in (phases / "fase1", phases):  # the folder alone, or the folder above both
        edited = ingest_paths(db, [given])
        assert edited.added == []
        assert any('remove-source "intervju.txt"' in c for c in edited.changed), edited.changed

    # the project moved (another disk, a colleague's machine): a folder of the same name is the same place
    moved = phases.parent / "kopi" / "fase1"
    shutil.copytree(phases / "fase1", moved)
    elsewhere = ingest_paths(db, [moved])
    assert elsewhere.added == [] and len(elsewhere.changed) == 1
    assert 'remove-source "intervju.txt"' in elsewhere.changed[0]
    assert counts(db) == stored


def test_a_source_stored_before_paths_were_recorded_says_both_possibilities(db, phases):
    with db.session() as s:  # as ingested by an older version: the ingest entry names no path
        for ev in s.scalars(select(AuditEvent).where(AuditEvent.action == "ingest")):
            ev.detail = {k: v for k, v in ev.detail.items() if k != "path"}
        s.commit()
    unsure = ingest_paths(db, [phases / "fase2"])
    assert unsure.added == [] and unsure.failed
    (line,) = unsure.changed
    assert "may be a different file with the same name" in line
    assert "ingesting the folder above both" in line and "fase2/intervju.txt" in line
    assert 'remove-source "intervju.txt"' in line
    assert texts(db, "intervju.txt")[1] == "Med et møte på rådhuset."

    both = ingest_paths(db, [phases])  # as the line says
    assert both.added == ["fase2/intervju.txt"] and both.unchanged == ["intervju.txt"]
    assert both.duplicates == [] and not both.failed
    assert ingest_paths(db, [phases / "fase2"]).unchanged == ["fase2/intervju.txt"]


# ------------------------------------------------------------------ same text, other bytes

@pytest.mark.parametrize("encoding,newline", [("utf-8-sig", "\r\n"), ("utf-8-sig", "\n"), ("utf-8", "\r\n"),
                                              ("cp1252", "\n"), ("utf-16", "\r\n")])
def test_a_file_saved_again_with_the_same_text_is_unchanged_and_keeps_its_codings(db, phases, encoding, newline):
    with db.session() as s:
        digest = s.scalar(select(Source.content_hash).where(Source.file_name == "intervju.txt"))
    before, stored = coded(db), counts(db)
    write(phases / "fase1" / "intervju.txt", SPRING, encoding=encoding, newline=newline)
    again = ingest_paths(db, [phases / "fase1"])
    assert (again.added, again.unchanged, again.changed, again.duplicates) == ([], ["intervju.txt"], [], [])
    assert not again.failed
    assert coded(db) == before and counts(db) == stored
    with db.session() as s:  # the stored bytes' hash is kept (what was ingested)
        assert s.scalar(select(Source.content_hash).where(Source.file_name == "intervju.txt")) == digest

    # from another copy of the project too, and with an edit it is changed
    copy = phases.parent / "kopi"
    shutil.copytree(phases, copy)
    assert ingest_paths(db, [copy / "fase1"]).unchanged == ["intervju.txt"]
    write(phases / "fase1" / "intervju.txt", SPRING + "Kari Lid: Et tillegg.\n", encoding=encoding,
          newline=newline)
    edited = ingest_paths(db, [phases / "fase1"])
    assert edited.unchanged == [] and len(edited.changed) == 1


def test_same_text_in_a_folder_ingested_as_a_whole_is_unchanged(db, tmp_path):
    folder = tmp_path / "korpus"
    write(folder / "intervju_ola.txt", AUTUMN)
    write(folder / "notat.md", "# Møte\n\n- Bolig\n- Arbeidskraft\n")
    assert sorted(ingest_paths(db, [folder]).added) == ["intervju_ola.txt", "notat.md"]
    write(folder / "intervju_ola.txt", AUTUMN, encoding="utf-8-sig", newline="\r\n")
    write(folder / "notat.md", "# Møte\n\n- Bolig\n- Arbeidskraft\n", encoding="cp1252", newline="\r\n")
    again = ingest_paths(db, [folder])
    assert sorted(again.unchanged) == ["intervju_ola.txt", "notat.md"] and again.changed == []
