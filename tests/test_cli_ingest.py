"""End to end through the command line: ingest the demo corpus and read it back."""

import json

from click.testing import CliRunner

from tests.conftest import SAMPLE
from workbench.cli import cli
from workbench.store import Database, Source


def run(url, *args, ok=True):
    result = CliRunner().invoke(cli, ["--db", url, "--user", "tester", *args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_ingest_sample_corpus_and_read_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    out = run(url, "ingest", str(SAMPLE)).output
    assert "20 lagt til" in out and "0 feil" in out

    sources = json.loads(run(url, "sources", "--json").output)
    assert len(sources) == 20
    assert sum(s["words"] for s in sources) >= 15000
    assert {s["file"].rsplit(".", 1)[1] for s in sources} >= {"docx", "vtt", "srt", "txt", "md", "pdf", "odt"}
    assert {s["phase"] for s in sources} == {"fase 1", "fase 2"}
    pilots = {sp["pilot"] for s in sources for sp in s["speakers"]} | {s["pilot"] for s in sources}
    assert {"Midt-Finnmark", "Vestre Varanger", "Hjerteregionen", "Indre-Namdal", "Midt"} <= pilots
    actors = {sp["actor"] for s in sources for sp in s["speakers"]} - {"forsker"}
    assert len(actors) >= 6

    # PL Midt and PL Midt-Finnmark are told apart by the roster
    fg1 = next(s for s in sources if s["file"] == "fg_prosjektledere_fase1.docx")
    labels = {sp["label"] for sp in fg1["speakers"]}
    assert {"PL Midt", "PL Midt-Finnmark"} <= labels
    turns = json.loads(run(url, "turns", "fg_prosjektledere_fase1.docx", "--json").output)
    assert [t["index"] for t in turns] == list(range(1, len(turns) + 1))
    assert {t["speaker"] for t in turns} == labels
    assert all(not t["text"].startswith(("PL ", "Moderator", "[")) for t in turns)
    assert any(t["start_time"] is not None for t in turns)

    # text is exactly the canonical text between the offsets, for every source
    db = Database(url)
    with db.session() as s:
        for src in s.query(Source):
            for t in json.loads(run(url, "turns", str(src.id), "--json").output):
                assert src.canonical_text[t["start_char"]:t["end_char"]] == t["text"]

    # re-ingesting adds nothing
    again = run(url, "ingest", str(SAMPLE)).output
    assert "0 lagt til, 20 uendret" in again
    assert len(json.loads(run(url, "sources", "--json").output)) == 20


def test_bad_files_give_one_line_errors_and_leave_db_as_it_was(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "broken.docx").write_bytes(b"this is not a zip file")
    (bad / "empty.txt").write_text("")
    (bad / "notes.xyz").write_text("hei")
    (bad / "ok.md").write_text("Intervjuer: Hvordan gikk det?\n\nInformant: Det gikk bra.\n", encoding="utf-8")
    result = run(url, "ingest", str(bad), ok=False)
    assert "Traceback" not in result.output
    err_lines = [ln for ln in result.output.splitlines() if ln.startswith("Feil:")]
    assert len(err_lines) == 2
    assert any("broken.docx" in ln for ln in err_lines)
    assert any("empty.txt" in ln for ln in err_lines)
    assert any(ln.startswith("Advarsel: notes.xyz: skipped, unknown file type") for ln in result.output.splitlines())
    # named explicitly, an unknown type is an error
    explicit = run(url, "ingest", str(bad / "notes.xyz"), ok=False)
    assert explicit.exit_code == 1 and "notes.xyz" in explicit.output and "Traceback" not in explicit.output
    sources = json.loads(run(url, "sources", "--json").output)
    assert [s["file"] for s in sources] == ["ok.md"]


def test_unknown_source_is_a_one_line_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    result = run(url, "turns", "finnes_ikke.docx", ok=False)
    assert result.exit_code == 1
    assert result.output.startswith("Error:") and "Traceback" not in result.output


def test_init_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    assert "Database ready" in run(url, "init").output
    assert "Database ready" in run(url, "init").output


def test_sources_on_an_empty_database_says_what_to_do(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    missing = run(url, "sources", ok=False)  # not created by a command that only reads
    assert missing.exit_code == 1 and "no database at" in missing.output and "workbench init" in missing.output
    run(url, "init")
    out = run(url, "sources").output
    assert "Ingen kilder ennå" in out and "workbench ingest" in out


def test_a_database_file_that_is_not_a_database_is_a_one_line_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not a db\n")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.md").write_text("Et notat om samarbeid.\n", encoding="utf-8")
    for args in (["sources"], ["init"], ["ingest", str(tmp_path / "in")]):
        result = run(str(junk), *args, ok=False)
        assert result.exit_code == 1, args
        assert result.output == (f"Error: {junk} is not a SQLite database (or is damaged); "
                                 "give another --db / WORKBENCH_DB, or move the file away\n")
    assert junk.read_text() == "not a db\n"


def test_a_command_without_db_after_the_demo_points_to_the_demo_database(tmp_path, monkeypatch):
    """`workbench demo` writes data/demo.db, the other commands default to data/workbench.db: a new
    user who runs a README command right after the demo is told where the demo is."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    (tmp_path / "data").mkdir()
    runner = CliRunner()
    before = runner.invoke(cli, ["sources"])
    assert before.exit_code == 1 and "data/demo.db" not in before.output and "workbench init" in before.output
    (tmp_path / "data" / "demo.db").write_bytes(b"")
    after = runner.invoke(cli, ["sources"])
    assert after.exit_code == 1 and "Traceback" not in after.output
    assert "--db sqlite:///data/demo.db" in after.output and not (tmp_path / "data" / "workbench.db").exists()
