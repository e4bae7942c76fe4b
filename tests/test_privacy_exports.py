"""What leaves a researcher's hands carries no names: every export format from the demo database,
the dashboard by speaker and by source, the report author's source list and the released quotes.

The demo roster names six people by name (the others are labelled by role, e.g. "PL Midt"), and
one of them mentions a colleague, her e-mail address and a phone number in speech. No part of a
roster name of three or more letters may occur anywhere in what is exported; with ``reveal``
(a researcher's audited choice) the names do occur, which shows the check can fail.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from workbench.analysis import theme_matrix
from workbench.coding import apply_code
from workbench.demo import build_demo
from workbench.errors import PermissionDenied
from workbench.export import EXPORTERS, export_quotes, export_tables
from workbench.ingest import list_sources, list_turns
from workbench.sharing import released_quotes
from workbench.users import list_audit

ROSTER_NAMES = ["Sigrid Aune", "Ingrid Solbakk", "Håvard Lien", "Siri Nergård Holm", "Ingeborg Moen", "Lene Solheim",
                "Terje Bakkevik", "Astrid Moen", "Jostein Karlsen", "Randi Aasheim",
                "Marit Hølaas Vinje", "Tormod Lian Berge"]  # data/sample/participants.csv
PARTS = sorted({p for n in ROSTER_NAMES for p in n.split() if len(p) >= 3})
CONTACT = ["kdd.example.no", "41 23 45 67"]
RESEARCHER, AUTHOR = "forsker", "rapportforfatter"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    db, report = build_demo(f"sqlite:///{folder / 'demo.db'}", train=False,
                            passwords={"forsker": "forsker-passord", "rapportforfatter": "forfatter-passord",
                                       "ressursgruppe": "ressurs-passord"})
    # the turn that names a colleague, her e-mail and phone is coded, so it is quoted
    turn = next(t for t in list_turns(db, "intervju_kdd_fase1.vtt", user=RESEARCHER) if "Ingrids" in t["text"])
    apply_code(db, "intervju_kdd_fase1.vtt", turn["index"], "samarbeid.tillit", user=RESEARCHER)
    yield db, folder
    db.dispose()


def text_of(path: Path) -> str:
    """Every piece of text in an exported file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)  # streamed: the same titles and values
        try:
            return "\n".join([ws.title for ws in wb.worksheets] + [
                str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
                if v is not None])
        finally:
            wb.close()
    if suffix == ".docx":
        with zipfile.ZipFile(path) as z:  # all XML parts: body, tables, headers, properties
            return "\n".join(re.sub(r"<[^>]+>", " ", z.read(n).decode("utf-8", "replace"))
                             for n in z.namelist() if n.endswith(".xml"))
    if suffix == ".png":
        return ""
    return path.read_text(encoding="utf-8-sig")


def leaks(text: str) -> list[str]:
    """Roster name parts in ``text`` as whole words: in any case, except a part that is also an
    ordinary word ("Lene": å lene seg), which leaks only as the capitalised name (docs/privacy.md).
    A part (letters only) stands as a whole word where it is a whole run of letters, so the text
    is split into its runs of letters once rather than searched once per part."""
    from workbench.nlp import is_common_word

    words = set(re.findall(r"[^\W\d_]+", text))
    lowered = {w.lower() for w in words}
    found = [p for p in PARTS if (p in words if is_common_word(p) else p.lower() in lowered)]
    return found + [c for c in CONTACT if c in text]


def test_every_export_format_is_free_of_roster_names(demo, tmp_path, monkeypatch):
    from matplotlib.text import Text

    from workbench.export import charts

    # a chart's text (titles, tick labels, cell texts, legend) is read from the figure as it is
    # saved, not drawn: drawing PNGs is tests/test_export_charts.py's subject, and an image's
    # pixels could not be searched for a name anyway
    chart_text: dict[Path, str] = {}

    def read_chart(fig, target):
        chart_text[Path(target)] = "\n".join(t.get_text() for t in fig.findobj(Text))
        charts._pyplot().close(fig)

    monkeypatch.setattr(charts, "_save", read_chart)
    db, _ = demo
    files: list[Path] = []
    for user in (RESEARCHER, AUTHOR):
        for fmt in EXPORTERS:
            out = tmp_path / user / ("tabeller" if fmt == "csv" else f"tabeller.{fmt}")
            files += export_tables(db, out, format=fmt, user=user, charts=fmt == "xlsx")
            for code in ("samarbeid", "kontrakt", "styring"):
                files += export_quotes(db, tmp_path / user / f"sitater_{code}.{fmt}", code=code, format=fmt,
                                       user=user)
        files += export_tables(db, tmp_path / user / "skjult.xlsx", format="xlsx", suppress=True, user=user)
    assert len(files) > 40
    charted = [f for f in files if f.suffix == ".png"]
    assert charted and set(charted) == set(chart_text)  # every chart was read
    assert any("Andel av aktørens segmenter" in t for t in chart_text.values())
    texts = {f: chart_text[f] if f in chart_text else text_of(f) for f in files}  # each file read once
    quoted = "\n".join(texts.values())
    assert "[navn]" in quoted and "[e-post]" in quoted and "[telefon]" in quoted  # the scrubbed turn is there
    assert "Statsforvalter 1" in quoted or "KDD 1" in quoted  # speakers appear as pseudonyms
    per_file = {str(f.relative_to(tmp_path)): leaks(f.name + "\n" + text) for f, text in texts.items()}
    assert {f: v for f, v in per_file.items() if v} == {}


def test_dashboards_and_lists_are_free_of_roster_names(demo):
    db, _ = demo
    for user in (RESEARCHER, AUTHOR):
        for by in (("speaker",), ("source",), ("actor", "speaker")):
            m = theme_matrix(db, by=by, user=user)
            assert leaks(m.to_csv()) == [], (user, by)
    for by in (("speaker",), ("source",), ("actor", "speaker")):  # not published for the resource group
        with pytest.raises(PermissionDenied, match="ikke publisert"):
            theme_matrix(db, by=by, user="ressursgruppe")
    for by in (("actor", "phase", "pilot"), ("phase",), ()):
        assert leaks(theme_matrix(db, by=by, user="ressursgruppe").to_csv()) == []
    assert leaks(json.dumps(list_sources(db, user=AUTHOR), ensure_ascii=False)) == []
    assert leaks(released_quotes(db, user="ressursgruppe").to_csv()) == []


def test_reveal_shows_names_and_is_audited(demo, tmp_path):
    db, _ = demo
    files = export_tables(db, tmp_path / "navn.md", format="md", charts=False, reveal=True, user=RESEARCHER)
    assert "Håvard" in leaks(text_of(files[0])) and "kdd.example.no" in text_of(files[0])
    assert list_audit(db, user=RESEARCHER, action="reveal", who=RESEARCHER)
    with pytest.raises(Exception, match="Ingen tilgang"):
        export_tables(db, tmp_path / "x.md", format="md", charts=False, reveal=True, user=AUTHOR)
