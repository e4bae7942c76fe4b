"""Exports are written whole or not at all (``workbench.export.writers.atomic_output``).

A writer that fails half-way (a full disk, the process killed) must leave neither a partial file nor
a temporary one, and a failed overwrite must leave the user's previous file exactly as it was; the
command line says so in its one line for an unwritable path, never with a traceback. Each test
writes a good file first, then makes the library's writer put some bytes on the disk and fail with
ENOSPC, as a full disk does.

All names and speech are fictional (the corpus of tests/test_agreement.py)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_agreement import world  # noqa: F401  (the fixture)
from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.export.writers import atomic_output

FULL = "No space left on device"


def full_disk(original):
    """A writer that puts part of a file where it is told to write, then fails as a full disk does
    (a stream given instead of a path, as the app's zip of CSV files or a buffer, is written)."""
    def write(self, target, *args, **kwargs):
        if isinstance(target, (str, os.PathLike)):
            with open(target, "wb") as fh:
                fh.write(b"PK\x03\x04 half a file")
            raise OSError(errno.ENOSPC, FULL)
        return original(self, target, *args, **kwargs)

    return write


def full_disk_text(folder: Path):
    """``Path.write_text`` failing so for the files of ``folder`` (the Markdown writer's call)."""
    original = Path.write_text

    def write_text(self, data, *args, **kwargs):
        if self.parent == folder:
            with open(self, "wb") as fh:
                fh.write(data.encode("utf-8")[:10])
            raise OSError(errno.ENOSPC, FULL)
        return original(self, data, *args, **kwargs)

    return write_text


def leftovers(folder: Path) -> list[str]:
    """Temporary or hidden files an export left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def cli_run(world):  # noqa: F811
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--db", world.url, "--user", "anna", *args], obj={})

    return invoke


def one_line(result, path: Path, what: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, (SystemExit, type(None)))
    assert result.output.strip().splitlines() == [f"Error: {path}: cannot write the {what} ({FULL}); choose another "
                                                  "-o path"], result.output


# ------------------------------------------------------------------------------------ the helper

def test_atomic_output_replaces_only_when_the_block_succeeds(tmp_path):
    target = tmp_path / "rapport.md"
    target.write_bytes(b"den gamle rapporten\n")
    os.chmod(target, 0o640)
    with pytest.raises(WorkbenchError) as err:
        with atomic_output(target, "Markdown file") as tmp:
            assert tmp.parent == tmp_path and tmp.name.startswith(".rapport.md.") and tmp.name.endswith(".tmp")
            tmp.write_bytes(b"halv")
            raise OSError(errno.ENOSPC, FULL)
    assert str(err.value) == f"{target}: cannot write the Markdown file ({FULL}); choose another -o path"
    assert target.read_bytes() == b"den gamle rapporten\n" and leftovers(tmp_path) == []
    with pytest.raises(KeyboardInterrupt):  # not an OSError: passed on as it is, the file untouched
        with atomic_output(target, "Markdown file") as tmp:
            tmp.write_bytes(b"halv")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"den gamle rapporten\n" and leftovers(tmp_path) == []
    with atomic_output(target, "Markdown file") as tmp:
        tmp.write_bytes(b"den nye rapporten\n")
    assert target.read_bytes() == b"den nye rapporten\n" and leftovers(tmp_path) == []
    if os.name == "posix":  # the mode of the file it replaced, as a write in place keeps it
        assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="symbolic links and file modes are POSIX")
def test_atomic_output_writes_through_a_link_and_gives_a_new_file_the_usual_mode(tmp_path):
    real = tmp_path / "delt" / "tabeller.csv"
    real.parent.mkdir()
    real.write_text("gammel\n")
    link = tmp_path / "tabeller.csv"
    link.symlink_to(real)
    with atomic_output(link, "CSV file") as tmp:
        tmp.write_text("ny\n")
    assert link.is_symlink() and real.read_text() == "ny\n"
    mask = os.umask(0)
    os.umask(mask)
    with atomic_output(tmp_path / "ny.csv", "CSV file") as tmp:
        tmp.write_text("x\n")
    assert stat.S_IMODE((tmp_path / "ny.csv").stat().st_mode) == 0o666 & ~mask


# --------------------------------------------------------------------------- exports on a full disk

@pytest.mark.parametrize("fmt, patch, what", [
    ("xlsx", ("openpyxl.workbook.workbook.Workbook", "save"), "workbook"),
    ("docx", ("docx.document.Document", "save"), "document"),
    ("md", None, "Markdown file"),
])
def test_a_table_export_that_fails_half_way_keeps_the_previous_file(cli_run, tmp_path, monkeypatch, fmt, patch,
                                                                   what):
    import importlib

    out = tmp_path / "ut"
    out.mkdir()
    target = out / f"tabeller.{fmt}"
    first = cli_run("export", "tables", "-o", str(target), "--no-charts")
    assert first.exit_code == 0, first.output
    before = snapshot(out)
    if patch is None:
        monkeypatch.setattr(Path, "write_text", full_disk_text(out))
    else:
        module, name = patch[0].rsplit(".", 1)
        cls = getattr(importlib.import_module(module), name)
        monkeypatch.setattr(cls, patch[1], full_disk(getattr(cls, patch[1])))
    one_line(cli_run("export", "tables", "-o", str(target), "--no-charts"), target, what)
    assert snapshot(out) == before and leftovers(out) == []


def test_a_csv_quote_export_that_fails_half_way_keeps_the_previous_file(cli_run, tmp_path, monkeypatch):
    import pandas as pd

    out = tmp_path / "ut"
    out.mkdir()
    target = out / "sitater.csv"
    first = cli_run("export", "quotes", "--code", "kapasitet", "-o", str(target))
    assert first.exit_code == 0, first.output
    before = snapshot(out)
    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk(pd.DataFrame.to_csv))
    one_line(cli_run("export", "quotes", "--code", "kapasitet", "-o", str(target)), target, "CSV file")
    assert snapshot(out) == before and leftovers(out) == []


def test_a_chart_that_fails_half_way_keeps_the_previous_chart(cli_run, tmp_path, monkeypatch):
    import matplotlib.figure

    out = tmp_path / "ut"
    out.mkdir()
    first = cli_run("export", "tables", "-o", str(out / "tabeller.xlsx"))
    assert first.exit_code == 0, first.output
    charts = {name: data for name, data in snapshot(out).items() if name.endswith(".png")}
    assert charts
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", full_disk(matplotlib.figure.Figure.savefig))
    result = cli_run("export", "tables", "-o", str(out / "tabeller.xlsx"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: {out}/tabeller_xlsx_") and line.endswith(
        f".png: cannot write the chart ({FULL}); choose another -o path"), line
    assert {n: d for n, d in snapshot(out).items() if n.endswith(".png")} == charts and leftovers(out) == []


@pytest.mark.parametrize("fmt, patch, what", [
    ("xlsx", ("openpyxl.workbook.workbook.Workbook", "save"), "workbook"),
    ("docx", ("docx.document.Document", "save"), "document"),
    ("csv", ("pandas.DataFrame", "to_csv"), "CSV file"),
])
def test_an_agreement_export_that_fails_half_way_keeps_the_previous_file(cli_run, tmp_path, monkeypatch, fmt,
                                                                         patch, what):
    import importlib

    out = tmp_path / "ut"
    out.mkdir()
    target = out / f"enighet.{fmt}"
    first = cli_run("agreement", "--coders", "mari,jonas", "--disagreements", "--output", str(target))
    assert first.exit_code == 0, first.output
    before = snapshot(out)
    assert target.name in before
    module, name = patch[0].rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    monkeypatch.setattr(cls, patch[1], full_disk(getattr(cls, patch[1])))
    one_line(cli_run("agreement", "--coders", "mari,jonas", "--disagreements", "--output", str(target)), target, what)
    assert snapshot(out) == before and leftovers(out) == []


def test_a_first_export_that_fails_leaves_nothing(cli_run, tmp_path, monkeypatch):
    import openpyxl.workbook.workbook as wbmod

    monkeypatch.setattr(wbmod.Workbook, "save", full_disk(wbmod.Workbook.save))
    out = tmp_path / "ut"
    out.mkdir()
    target = out / "enighet.xlsx"
    one_line(cli_run("agreement", "--coders", "mari,jonas", "--output", str(target)), target, "workbook")
    assert list(out.iterdir()) == []


def test_a_codebook_export_that_fails_half_way_keeps_the_previous_file(cli_run, tmp_path, monkeypatch):
    import docx.document

    out = tmp_path / "ut"
    out.mkdir()
    target = out / "kodebok.docx"
    first = cli_run("codebook", "export", "--format", "docx", "-o", str(target))
    assert first.exit_code == 0, first.output
    before = snapshot(out)
    monkeypatch.setattr(docx.document.Document, "save", full_disk(docx.document.Document.save))
    one_line(cli_run("codebook", "export", "--format", "docx", "-o", str(target)), target, "document")
    assert snapshot(out) == before and leftovers(out) == []


def test_the_app_pages_write_through_the_same_writers(world, tmp_path, monkeypatch):  # noqa: F811
    """The Eksport and Enighet pages build their downloads with export_tables / export_agreement in
    a temporary folder: a full disk there is the library's one-line error (shown in Norwegian)."""
    import openpyxl.workbook.workbook as wbmod

    from workbench.export import export_agreement, export_tables
    from workbench.ui.messages import norwegian

    out = tmp_path / "ut"
    out.mkdir()
    monkeypatch.setattr(wbmod.Workbook, "save", full_disk(wbmod.Workbook.save))
    for make in (lambda: export_tables(world, out / "tabeller.xlsx", user="anna", charts=False),
                 lambda: export_agreement(world, out / "enighet.xlsx", ["mari", "jonas"], user="anna")):
        with pytest.raises(WorkbenchError) as err:
            make()
        assert err.value.code == "export.unwritable" and norwegian(err.value).startswith("Filen «")
    assert list(out.iterdir()) == []
