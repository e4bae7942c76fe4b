"""Recordings beside transcripts: found at ingest (same name or the manifest's media column),
referenced by path (never copied), readable and changeable through the library and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import InputError
from workbench.ingest import ingest_paths
from workbench.ingest.media import beside, set_media, source_media

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Prosjektleder>Vi startet med et åpent møte i kommunestyresalen.

00:00:05.500 --> 00:00:09.000
<v Forsker>Hvem var med fra fylkeskommunen?
"""


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "materiale"
    folder.mkdir()
    (folder / "intervju1.vtt").write_text(VTT, encoding="utf-8")
    (folder / "intervju1.M4A").write_bytes(b"\x00\x00\x00\x18ftypM4A ")
    (folder / "intervju2.vtt").write_text(VTT.replace("åpent", "lukket"), encoding="utf-8")
    (folder / "lyd").mkdir()
    (folder / "lyd" / "opptak2.mp3").write_bytes(b"ID3")
    (folder / "manifest.csv").write_text("file,kind,phase,media\nintervju1.vtt,intervju,fase1,\n"
                                         "intervju2.vtt,intervju,fase1,lyd/opptak2.mp3\n", encoding="utf-8")
    return folder


def test_ingest_references_the_recording_beside_or_named_in_the_manifest(db, tmp_path):
    folder = _folder(tmp_path)
    report = ingest_paths(db, [folder], user="kari")
    assert report.errors == [] and sorted(report.added) == ["intervju1.vtt", "intervju2.vtt"]
    assert not any("M4A" in w or ".mp3" in w for w in report.warnings)  # recordings are not "unknown files"
    one, two = source_media(db, "intervju1.vtt", user="kari"), source_media(db, "intervju2.vtt", user="kari")
    assert Path(one["path"]) == (folder / "intervju1.M4A").resolve() and one["type"] == "audio/mp4"
    assert Path(two["path"]) == (folder / "lyd" / "opptak2.mp3").resolve() and one["exists"] and not two["video"]


def test_a_missing_manifest_recording_is_a_warning_and_nothing_is_referenced(db, tmp_path):
    folder = _folder(tmp_path)
    (folder / "lyd" / "opptak2.mp3").unlink()
    report = ingest_paths(db, [folder], user="kari")
    assert "intervju2.vtt" in report.added
    assert any(w.startswith("intervju2.vtt: media 'lyd/opptak2.mp3' not found") for w in report.warnings)
    assert source_media(db, "intervju2.vtt", user="kari") is None


def test_set_media_references_checks_and_forgets(db, tmp_path):
    folder = _folder(tmp_path)
    (folder / "manifest.csv").unlink()
    ingest_paths(db, [folder / "intervju2.vtt"], user="kari")
    assert source_media(db, "intervju2.vtt", user="kari") is None  # no manifest row, no same-name file
    video = tmp_path / "opptak.webm"
    video.write_bytes(b"\x1aE\xdf\xa3")
    assert set_media(db, "intervju2.vtt", video, user="kari")["video"] is True
    video.unlink()
    assert source_media(db, "intervju2.vtt", user="kari")["exists"] is False  # moved: the reference stays
    with pytest.raises(InputError) as exc:
        set_media(db, "intervju2.vtt", folder / "manifest.csv", user="kari")
    assert exc.value.code == "media.not_media"
    assert set_media(db, "intervju2.vtt", None, user="kari") is None
    assert source_media(db, "intervju2.vtt", user="kari") is None


def test_beside_prefers_audio_in_a_fixed_order(tmp_path):
    (tmp_path / "x.txt").write_text("a")
    (tmp_path / "x.webm").write_bytes(b"1")
    (tmp_path / "x.wav").write_bytes(b"1")
    assert beside(tmp_path / "x.txt").name == "x.wav"
    assert beside(tmp_path / "y.txt") is None


def test_cli_media_shows_and_sets_the_recording(sqlite_db, tmp_path):
    folder = _folder(tmp_path)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, ["--db", sqlite_db.url, "--user", "kari", *args], obj={})

    assert run("ingest", str(folder)).exit_code == 0
    out = run("media", "intervju1.vtt")
    assert out.exit_code == 0 and "intervju1.M4A" in out.output
    new = tmp_path / "ny.mp3"
    new.write_bytes(b"ID3")
    out = run("media", "intervju1.vtt", str(new))
    assert out.exit_code == 0 and "ny.mp3" in out.output
    out = run("media", "intervju1.vtt", str(tmp_path / "borte.mp3"))
    assert out.exit_code == 1 and "not found" in out.output and "Traceback" not in out.output
