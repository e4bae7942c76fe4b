"""What a report author found in the exports (probe s6_export): phases compared in alphabetical
order (the report said trust fell when it rose), a phase comparison with invented headings for a
project of one phase, Word columns narrower than their longest word, chart labels broken inside a
word, and workbooks without document properties. Fictional projects throughout."""

from __future__ import annotations

import csv
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from workbench.analysis import filter_values, phase_change, theme_matrix
from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.export import export_tables
from workbench.export.charts import wrap_label
from workbench.sharing import set_setting
from workbench.store import Code, Coding, Segment, Source, Speaker, User


def make(db, sources) -> None:
    """``sources``: (file, phase, date, [(speaker, actor, text, code or None), ...])."""
    with db.transaction(user="anna") as tx:
        s = tx.session
        anna = tx.user
        for i, (cid, label) in enumerate([("tillit", "Tillit"), ("oko", "Økonomi"),
                                           ("oko.medfinansiering", "Tilskudd og medfinansiering")]):
            s.add(Code(id=cid, parent_id="oko" if "." in cid else None, label=label, codable=True, sort_order=i))
        s.flush()
        for file, phase, date, turns in sources:
            text = "\n".join(t for _, _, t, _ in turns)
            src = Source(file_name=file, content_hash=file, canonical_text=text, phase=phase, date=date,
                         kind="fokusgruppe", format="txt")
            s.add(src)
            s.flush()
            speakers, pos = {}, 0
            for n, (label, actor, t, code) in enumerate(turns, 1):
                if label not in speakers:
                    speakers[label] = Speaker(source_id=src.id, label=label, actor=actor)
                    s.add(speakers[label])
                    s.flush()
                seg = Segment(source_id=src.id, index=n, speaker_id=speakers[label].id, start_char=pos,
                              end_char=pos + len(t), word_count=len(t.split()))
                s.add(seg)
                s.flush()
                if code:
                    s.add(Coding(segment_id=seg.id, code_id=code, coder_id=anna.id, start_char=seg.start_char,
                                 end_char=seg.end_char, origin="manual"))
                pos += len(t) + 1


def group(file, phase, date, coded):
    """Three turns of two project leaders, the first ``coded`` of them coded «tillit»."""
    turns = [("Kari Løvås", "prosjektleder", "Tilliten er lav.", None),
             ("Per Ødegård", "prosjektleder", "Midlene er ikke avklart.", None),
             ("Kari Løvås", "prosjektleder", "Vi venter på brevet.", None)]
    return (file, phase, date, [(a, b, c, "tillit" if i < coded else None) for i, (a, b, c, _) in enumerate(turns)])


@pytest.fixture
def start_then_run(db):
    """The probe's case: «Oppstart» (sources of 2023-06 and 2024-01-10), «Gjennomføring» (2024-01-11);
    the project leaders' share of «tillit» rises from 2/6 to 2/3."""
    make(db, [group("fg_oppstart.txt", "Oppstart", "2023-06-01", 1),
              group("intervju_a.txt", "Oppstart", "2024-01-10", 1),
              group("fg_ost.txt", "Gjennomføring", "2024-01-11", 2)])
    return db


def invoke(db, *args):
    return CliRunner().invoke(cli, ["--db", db.url, "--user", "anna", *args], catch_exceptions=False)


def test_phases_are_compared_in_time_order_not_alphabetically(start_then_run, tmp_path):
    db = start_then_run
    pc = phase_change(db, user="anna")
    row = pc[(pc["actor"] == "prosjektleder") & (pc["code"] == "tillit")].iloc[0]
    assert (row["phase_from"], row["phase_to"]) == ("Oppstart", "Gjennomføring")
    assert row["difference"] == pytest.approx(1 / 3)  # trust rose
    export_tables(db, tmp_path / "t.xlsx", charts=False, user="anna")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["Endring mellom faser"]
    assert [c.value for c in ws[1]][2:4] == ["Andel Oppstart", "Andel Gjennomføring"]
    assert [c.value for c in ws[1]][-1] == "Kode-ID"  # the id last: the columns before it keep their places
    values = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "Tillit"]
    assert values[0][4] == pytest.approx(33.333333) and values[0][-1] == "tillit"
    # the same order in the dashboards, per-phase sheets, charts and the app's phase filter
    assert filter_values(db, user="anna")["phase"] == ["Oppstart", "Gjennomføring"]
    m = theme_matrix(db, by="phase", user="anna")
    assert list(dict.fromkeys(m["phase"])) == ["Oppstart", "Gjennomføring"]
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert [n for n in wb.sheetnames if n.startswith("Matrise")] == ["Matrise Oppstart", "Matrise Gjennomføring"]
    assert wb.properties.title == "Tabeller" and wb.properties.language == "nb-NO"
    assert wb.properties.creator == "anna"  # as in a Word export, not "openpyxl"
    out = invoke(db, "dashboard", "--by", "phase", "--codes", "tillit")
    lines = [line.split()[0] for line in out.output.splitlines()[1:] if line.strip()]
    assert lines == ["Oppstart", "Gjennomføring"]


def test_numbered_phases_keep_their_order_without_a_warning(db, tmp_path):
    make(db, [group("a.txt", "fase 10", None, 1), group("b.txt", "fase 2", None, 1),
              group("c.txt", "fase 1", None, 2)])
    assert filter_values(db, user="anna")["phase"] == ["fase 1", "fase 2", "fase 10"]
    assert phase_change(db, user="anna").attrs["phases"] == ["fase 1", "fase 2", "fase 10"]
    out = invoke(db, "export", "tables", "-o", str(tmp_path / "t.md"), "--no-charts")
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "Endring mellom fase 1 og fase 2" in text and "Endring mellom fase 2 og fase 10" in text
    assert "Merk" not in out.output


def test_names_without_numbers_or_dates_warn_and_the_setting_decides(db, tmp_path):
    make(db, [group("a.txt", "Oppstart", None, 1), group("b.txt", "Gjennomføring", None, 2)])
    out = invoke(db, "export", "tables", "-o", str(tmp_path / "t.md"), "--no-charts")
    warning = [line for line in out.output.splitlines() if line.startswith("Merk")]
    assert len(warning) == 1 and "alfabetisk" in warning[0] and "phase_order" in warning[0]
    from workbench.ui.format import phase_note  # the app's wording: the page to use, not the command
    in_app = phase_note(warning[0])
    assert "på siden Kilder" in in_app and "workbench settings" not in in_app and "alfabetisk" in in_app
    assert "be en forsker" in phase_note(warning[0], researcher=False)
    out = invoke(db, "settings", "set", "phase_order", "oppstart, Gjennomføring")
    assert out.output.strip() == "phase_order = Oppstart, Gjennomføring"  # as the sources have them
    out = invoke(db, "export", "tables", "-o", str(tmp_path / "t.md"), "--no-charts")
    assert "Merk" not in out.output
    assert "Endring mellom Oppstart og Gjennomføring" in (tmp_path / "t.md").read_text(encoding="utf-8")
    with pytest.raises(WorkbenchError, match="Avslutning.*Gjennomføring|not the phase"):
        set_setting(db, "phase_order", "Oppstart, Avslutning", user="anna")
    set_setting(db, "phase_order", "", user="anna")  # unset: by name again
    assert filter_values(db, user="anna")["phase"] == ["Gjennomføring", "Oppstart"]


def test_phases_option_picks_the_phases_compared(db, tmp_path):
    make(db, [group("a.txt", "fase 1", "2024-01-01", 0), group("b.txt", "fase 2", "2024-06-01", 1),
              group("c.txt", "fase 3", "2025-01-01", 2)])
    invoke(db, "export", "tables", "-o", str(tmp_path / "t.md"), "--no-charts", "--phases", "Fase 3,fase 1")
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "Endring mellom fase 3 og fase 1" in text and "Endring mellom fase 1 og fase 2" not in text
    assert text.index("fase 3 (aktør × kode)") < text.index("fase 1 (aktør × kode)")
    from sqlalchemy import select

    from workbench.store import AuditEvent
    with db.session() as s:  # the audit trail says which phases the file compares
        detail = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "export_tables")).all()[-1]
    assert detail["phases"] == ["fase 3", "fase 1"]
    with pytest.raises(WorkbenchError, match="two or more"):
        export_tables(db, tmp_path / "x.md", charts=False, phases="fase 2", user="anna")


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "csv", "md"])
def test_one_phase_leaves_the_comparison_out_without_invented_phases(db, tmp_path, fmt):
    make(db, [group("a.txt", "fase ø1", "2024-01-10", 1), group("b.txt", "fase ø1", "2024-01-11", 2)])
    out = invoke(db, "export", "tables", "-o", str(tmp_path / f"t.{fmt}" if fmt != "csv" else tmp_path / "t"),
                 "--format", fmt)
    assert "Bare én fase («fase ø1»): ingen endring mellom faser å vise" in out.output
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
        text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row) + " ".join(wb.sheetnames)
    elif fmt == "docx":
        d = docx.Document(tmp_path / "t.docx")
        text = " ".join(p.text for p in d.paragraphs) + " ".join(c.text for t in d.tables for r in t.rows
                                                                  for c in r.cells)
    elif fmt == "csv":
        files = sorted((tmp_path / "t").glob("*.csv"))
        assert not any("endring" in f.name for f in files)
        text = " ".join(f.read_text(encoding="utf-8-sig") for f in files)
    else:
        text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "Endring" not in text and "Andel fase 1" not in text and "fase 2" not in text
    assert (tmp_path / (f"t_{fmt}_heatmap_fase_o1.png" if fmt != "csv" else "t/heatmap_fase_o1.png")).exists()


def test_chart_labels_break_after_a_slash_or_hyphen_never_inside_a_word():
    assert wrap_label("rådmann/kommunedirektør", 22) == "rådmann/\nkommunedirektør"
    assert wrap_label("ordfører rådmann/kommunedirektør", 22) == "ordfører rådmann/\nkommunedirektør"
    assert wrap_label("prosjektleder-kommune-fylkeskommunalt", 22, 3) == "prosjektleder-kommune-\nfylkeskommunalt"
    # a word a little longer than the line stands whole on its own line
    assert wrap_label("kontakt kommunedirektørene", 22) == "kontakt\nkommunedirektørene"
    # only a word longer than twice the width is broken inside
    assert wrap_label("a" * 50, 20, 3).split("\n")[0] == "a" * 20


def _measured_cm(word: str) -> float:
    """The word at 9 pt in DejaVu Serif (LibreOffice's stand-in for the document's Cambria here)."""
    import matplotlib
    from PIL import ImageFont

    font = ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSerif.ttf"), 90)
    return font.getlength(word) / 10 / 72 * 2.54


def test_word_quote_table_gives_each_column_its_longest_word(db, tmp_path):
    make(db, [("intervju_a.txt", "Gjennomføring", "2024-01-10",
               [("Åse Bråtveit", "rådmann/kommunedirektør", "Tilskuddet fra fylket kom for sent, sa hun.",
                 "oko.medfinansiering"),
                ("Åse Bråtveit", "rådmann/kommunedirektør", "Staten må stille opp.", "oko.medfinansiering")])])
    export_tables(db, tmp_path / "t.docx", charts=False, user="anna")
    d = docx.Document(tmp_path / "t.docx")
    table = d.tables[-1]
    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    widths = [int(g.get(W + "w")) / 1440 * 2.54 for g in table._tbl.tblGrid.iter(W + "gridCol")]
    heads = [c.text for c in table.rows[0].cells]
    margins = 2 * 0.19  # the Table Grid style's cell margins, left and right
    for column, word in (("Kode", "medfinansiering"), ("Fase", "Gjennomføring"), ("Aktør", "kommunedirektør")):
        assert widths[heads.index(column)] - margins >= _measured_cm(word), (column, word)
    assert widths[heads.index("Sitat")] == max(widths)


def test_csv_change_is_the_number_to_six_decimals(start_then_run, tmp_path):
    export_tables(start_then_run, tmp_path / "t", format="csv", charts=False, user="anna")
    with open(tmp_path / "t" / "endring_mellom_faser.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    tillit = next(r for r in rows if r["Kode"] == "Tillit")
    assert tillit["Endring (prosentpoeng)"] == "33.333333"


def test_numbered_phases_keep_their_numbers_order_when_dates_disagree():
    """A background document dated early in «fase 2» must not put fase 2 before fase 1: the numbers
    are the team's order, and the note says the dates disagree."""
    from workbench.analysis import aggregate

    class FakeDb:  # order_phases reads the setting and the dates only through these helpers
        pass

    orig_dates, orig_setting = aggregate._phase_dates, aggregate._setting_phase_order
    aggregate._phase_dates = lambda db: {"fase 1": "2023-05-01", "fase 2": "2023-01-10", "fase 10": "2025-01-01"}
    aggregate._setting_phase_order = lambda db: []
    try:
        order = aggregate.order_phases.__wrapped__(FakeDb(), ["fase 10", "fase 2", "fase 1"]) \
            if hasattr(aggregate.order_phases, "__wrapped__") else None
    finally:
        aggregate._phase_dates, aggregate._setting_phase_order = orig_dates, orig_setting
    assert order is not None
    assert list(order) == ["fase 1", "fase 2", "fase 10"]
    assert "etter tallene i navnene" in order.note and "«fase 2» → «fase 1»" in order.note


def test_a_phase_whose_name_holds_a_comma_is_ordered_with_semicolons(db, tmp_path):
    """«Oppstart, planlegging» could not be named in phase_order or --phases (split at its comma),
    and the note suggested a command that failed."""
    make(db, [group("a.txt", "Oppstart, planlegging", None, 1), group("b.txt", "Gjennomføring", None, 2),
              group("c.txt", "Avslutning", None, 0)])
    out = invoke(db, "export", "tables", "-o", str(tmp_path / "t.md"), "--no-charts")
    note = [line for line in out.output.splitlines() if line.startswith("Merk")][0]
    suggested = note.split('phase_order "', 1)[1].split('"', 1)[0]
    assert suggested == "Avslutning; Gjennomføring; Oppstart, planlegging"  # a command that works as given
    out = invoke(db, "settings", "set", "phase_order", "oppstart, planlegging; gjennomføring; avslutning")
    assert out.output.strip() == "phase_order = Oppstart, planlegging; Gjennomføring; Avslutning"
    assert filter_values(db, user="anna")["phase"] == ["Oppstart, planlegging", "Gjennomføring", "Avslutning"]
    invoke(db, "export", "tables", "-o", str(tmp_path / "p.md"), "--no-charts",
           "--phases", "Oppstart, planlegging;Avslutning")
    assert "Endring mellom Oppstart, planlegging og Avslutning" in (tmp_path / "p.md").read_text(encoding="utf-8")


def test_the_known_phases_in_an_error_are_told_apart_when_a_name_holds_a_comma(db):
    """«known phases: Oppstart, planlegging, Gjennomføring» read as three phases."""
    make(db, [group("a.txt", "Oppstart, planlegging", None, 1), group("b.txt", "Gjennomføring", None, 2)])
    out = invoke(db, "settings", "set", "phase_order", "Avslutning; Gjennomføring")
    assert out.exit_code != 0
    listed = out.output.strip().split("known phases: ", 1)[1].split("; ")
    assert sorted(listed) == ["Gjennomføring", "Oppstart, planlegging"]
    out = invoke(db, "search", "samarbeid", "--phase", "fase 9")
    listed = out.output.strip().split("known phases: ", 1)[1].split("; ")
    assert sorted(listed) == ["Gjennomføring", "Oppstart, planlegging"]
