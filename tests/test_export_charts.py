"""The PNG charts beside the tables as a report author sees them: long code labels and phase names
wrapped and shortened, never cut off at the edge of the image, no matplotlib warning on stderr,
the legend beside the bars (not over them), every heatmap cell saying what it is: a share,
"0", or "<k" for a hidden cell (hatched, with the note in the title), and a bar chart whose bars
are all hidden saying so instead of showing empty axes."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.test_analysis_corpus import build
from workbench.export import export_tables
from workbench.export.charts import wrap_label
from workbench.store import Code, Source

LONG_LABEL = ("Kritiske variabler i samarbeidsdrevet planlegging – særlig tillit, tid, ressurser og "
              "gjensidig avhengighet mellom forvaltningsnivåene i Øst-Finnmark")
# as long as a phase can be (40 characters, the column's length on PostgreSQL)
PHASE_A = "fase 1 – læring i Sør-Varanger og Værøy"
PHASE_B = "fase 2 – læring i Sør-Varanger og Træna"


@pytest.fixture
def corpus(db):
    build(db)
    return db


@pytest.fixture
def edge(corpus):
    """The corpus with a 130-character code label and long phase names with æøå."""
    assert len(LONG_LABEL) >= 130
    with corpus.transaction(user="anna") as tx:
        tx.session.execute(update(Code).where(Code.id == "kapasitet").values(label=LONG_LABEL))
        tx.session.execute(update(Source).where(Source.phase == "fase 1").values(phase=PHASE_A))
        tx.session.execute(update(Source).where(Source.phase == "fase 2").values(phase=PHASE_B))
    return corpus


def _capture(monkeypatch, measure: bool = True) -> list[dict]:
    """Every figure as it is saved: its texts and (``measure``) whether each lies inside the
    figure, and where the legend and bars are; without ``measure`` the figure is not drawn a
    second time to measure it ("outside", "legend" and "bars" are then left out)."""
    import matplotlib.figure

    seen: list[dict] = []
    save = matplotlib.figure.Figure.savefig

    def savefig(fig, target, *args, **kwargs):
        result = save(fig, target, *args, **kwargs)
        ax = fig.axes[0]
        legend = ax.get_legend() or (fig.legends[0] if fig.legends else None)
        chart = {"file": Path(target).name, "kwargs": kwargs,
                 "ticks": [t.get_text() for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]],
                 "texts": [t.get_text() for t in ax.texts], "title": ax.get_title(), "ylim": ax.get_ylim(),
                 "hatched": sum(1 for p in ax.patches if p.get_hatch()),
                 "shape": (len(ax.get_yticks()), len(ax.get_xticks()))}
        seen.append(chart)
        if not measure:
            return result
        fig.canvas.draw()  # the layout at the figure's own dpi, as measured below
        renderer = fig.canvas.get_renderer()
        lo, hi = sorted(ax.get_ylim())
        yticks = [t for t, y in zip(ax.get_yticklabels(), ax.get_yticks()) if lo <= y <= hi]
        texts = [*ax.get_xticklabels(), *yticks, ax.title, ax.yaxis.label, *ax.texts]
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
        box = fig.bbox
        outside = [t.get_text() for t in texts if t.get_text() and t.get_visible()
                   and not (box.x0 - 1 <= t.get_window_extent(renderer).x0
                            and t.get_window_extent(renderer).x1 <= box.x1 + 1
                            and box.y0 - 1 <= t.get_window_extent(renderer).y0
                            and t.get_window_extent(renderer).y1 <= box.y1 + 1)]
        chart.update(outside=outside, legend=legend and legend.get_window_extent(renderer),
                     bars=[p.get_window_extent(renderer) for p in ax.patches if p.get_height() > 0
                           and not p.get_hatch()])
        return result

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    return seen


def test_wrap_label_wraps_and_shortens_with_an_ellipsis():
    assert wrap_label("Tid", 30) == "Tid"
    got = wrap_label(LONG_LABEL, 30, 2)
    lines = got.split("\n")
    assert len(lines) == 2 and all(len(line) <= 30 for line in lines) and lines[-1].endswith("…")
    assert lines[0] == "Kritiske variabler i"
    assert wrap_label("x" * 50, 20, 2).split("\n") == ["x" * 20, "x" * 19 + "…"]


def test_long_labels_are_wrapped_and_never_cut_off_and_the_legend_stands_beside_the_bars(edge, tmp_path,
                                                                                        monkeypatch):
    """One export of the corpus with long labels and phases: nothing warned, every text inside
    its image, and the bar chart's legend beside the bars (not over them)."""
    seen = _capture(monkeypatch)
    gc.collect()  # (an earlier test's unclosed objects are not this export's warnings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files = export_tables(edge, tmp_path / "t.xlsx")
    # no "Tight layout not applied"; a ResourceWarning is the collector finding another test's leftovers
    assert [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)] == []
    pngs = [f for f in files if f.suffix == ".png"]
    assert len(pngs) == 3 and len(seen) == 3
    for chart in seen:
        assert chart["outside"] == [], (chart["file"], chart["outside"])
        assert chart["kwargs"].get("bbox_inches") == "tight"
        for label in chart["ticks"]:
            assert all(len(line) <= 35 for line in label.split("\n")), label
            assert label.count("\n") <= 2, label
    heat = [c for c in seen if "heatmap" in c["file"]]
    assert any(t.startswith("Kritiske variabler i\n") and t.endswith("…") for c in heat for t in c["ticks"])
    titles = [c["title"].replace("\n", " ") for c in heat]
    assert sorted(t.split(", ", 1)[1] for t in titles) == [PHASE_A, PHASE_B]  # wrapped, not cut

    bars = next(c for c in seen if "koder_per_fase.png" in c["file"])  # (a temporary name beside it)
    assert bars["bars"] and bars["legend"] is not None
    assert not any(bars["legend"].overlaps(b) for b in bars["bars"])


def test_heatmap_cells_and_bars_say_share_zero_or_hidden(corpus, tmp_path, monkeypatch):
    """Every heatmap cell says what it is (a share, "0", or "<k" hatched with the note in the
    title), and the bar chart says so when every bar is hidden, with no note when none is; the
    bars' axis never goes below 0. One export without suppression and one with it."""
    seen = _capture(monkeypatch, measure=False)  # texts and hatching: nothing to measure
    export_tables(corpus, tmp_path / "t.xlsx")
    for chart in (c for c in seen if "heatmap" in c["file"]):
        rows, cols = chart["shape"]
        assert len(chart["texts"]) == rows * cols  # no blank cell
        assert "0" in chart["texts"] and any(t.endswith(" %") for t in chart["texts"])
        assert "skjult" not in chart["title"] and chart["hatched"] == 0
    bars = next(c for c in seen if "koder_per_fase.png" in c["file"])  # (a temporary name beside it)
    assert bars["texts"] == [] and bars["ylim"][0] == 0 and bars["ylim"][1] > 1
    seen.clear()
    files = export_tables(corpus, tmp_path / "skjult.xlsx", suppress=50)
    for chart in (c for c in seen if "heatmap" in c["file"]):
        rows, cols = chart["shape"]
        assert chart["texts"] == ["<50"] * (rows * cols) and chart["hatched"] == rows * cols
        assert "(celler med færre enn 50 talere er skjult)" in chart["title"].replace("\n", " ")
    assert tmp_path / "skjult_xlsx_koder_per_fase.png" in files
    bars = next(c for c in seen if "koder_per_fase.png" in c["file"])
    assert "Alle søylene er skjult (hver bygger på færre enn 50 talere)" in bars["texts"]
    assert bars["ylim"][0] == 0  # no axis from -0.04 to 0.04
    assert "<50" in bars["texts"]
