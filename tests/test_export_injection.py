"""Exports never write a live formula: text that starts like a formula stays text (OWASP CSV
injection), while numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from workbench.export.tables import Table
from workbench.export.writers import write_csv, write_xlsx

HOSTILE = ['=HYPERLINK("http://x","klikk")', "+47 99", "-1+2", "@SUM(A1)", "\tx"]


@pytest.fixture
def table():
    frame = pd.DataFrame({"Sitat": HOSTILE + ["vanlig tekst"],
                          "Endring": [-0.5, 0.25, 1.0, -2.0, 0.0, 3.0]})
    return Table("Sitater med farlig innhold", frame, "Sitater", signed_percent=["Endring"])


def test_xlsx_keeps_formula_like_text_as_text(table, tmp_path):
    import openpyxl

    path = write_xlsx([table], tmp_path / "ut.xlsx")[0]
    ws = openpyxl.load_workbook(path)["Sitater"]
    cells = [ws.cell(row=r, column=1) for r in range(2, 2 + len(HOSTILE))]
    assert [c.value for c in cells] == HOSTILE  # exact text, no apostrophe added
    assert all(c.data_type == "s" for c in cells)
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert ws["A7"].value == "vanlig tekst"
    numbers = [ws.cell(row=r, column=2) for r in range(2, 8)]
    # a change in percentage points: the fraction -0.5 is -50 points in the cell
    assert numbers[0].value == -50 and numbers[0].data_type == "n"
    assert [c.value for c in numbers] == [-50, 25, 100, -200, 0, 300]


def test_xlsx_formula_like_heading_is_text(tmp_path):
    import openpyxl

    frame = pd.DataFrame({"Kode": ["Styring"], "=1+1": [0.5]})  # actor names become headings
    path = write_xlsx([Table("Matrise", frame, "Matrise", percent=["=1+1"])], tmp_path / "m.xlsx")[0]
    ws = openpyxl.load_workbook(path)["Matrise"]
    assert ws["B1"].value == "=1+1" and ws["B1"].data_type == "s"


def test_csv_prefixes_formula_like_text_and_keeps_numbers(table, tmp_path):
    path = write_csv([table], tmp_path / "ut.csv")[0]
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Sitat", "Endring"]
    texts = [r[0] for r in rows[1:]]
    assert texts[:5] == ["'" + t for t in HOSTILE]
    assert texts[5] == "vanlig tekst"
    assert float(rows[1][1]) == -50 and rows[1][1].startswith("-")  # a number (points), not text
    assert float(rows[4][1]) == -200.0
    assert table.frame["Sitat"].tolist()[0] == HOSTILE[0]  # the caller's frame is not changed


def test_csv_leaves_clean_text_and_missing_values_alone(tmp_path):
    frame = pd.DataFrame({"Kode": ["– Hybrid kontrakt", None, "a-b"], "Andel": [0.5, None, -1.0]})
    path = write_csv([Table("T", frame, "T", percent=["Andel"])], tmp_path / "t.csv")[0]
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1:] == [["– Hybrid kontrakt", "0.5"], ["", ""], ["a-b", "-1.0"]]


def test_xlsx_quote_file_title_row_and_rows_stay_text(table, tmp_path):
    import openpyxl

    table.heading = "Sitater kodet «x»"  # a file of one table with a heading: a title row above the header
    table.title = '=HYPERLINK("http://x","tittel")'
    ws = openpyxl.load_workbook(write_xlsx([table], tmp_path / "q.xlsx")[0])["Sitater"]
    assert ws["A1"].value == table.title and ws["A1"].data_type == "s"
    assert [ws.cell(row=r, column=1).value for r in range(3, 3 + len(HOSTILE))] == HOSTILE
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert ws["A2"].value == "Sitat" and ws.cell(row=3, column=2).number_format == "+0.0;-0.0;0.0"
