"""Altair chart builders for the pages (pure functions: DataFrame in, chart out)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .format import NOT_CODED, actor_label, cell_texts, code_title, count_texts, share_texts, suppressed_text

SELECTION = "celle"
SUPPRESSED_FILL = "#d4d4d4"


ROW_STEP = 24      # px per code row, whatever the number of phases or codes
COLUMN_STEP = 92   # px per actor column: room for "12,5 % (n=10)"
DARK_CELL = 0.6    # fraction of the colour scale above which a cell is dark: white text


def empty_codes(matrix: pd.DataFrame) -> set[str]:
    """Codes with no coded segment anywhere in ``matrix`` (and no hidden cell that might have one)."""
    hidden = (matrix["suppressed"].fillna(True).astype(bool) if "suppressed" in matrix.columns
              else pd.Series(False, index=matrix.index))
    seg = pd.to_numeric(matrix["segments"], errors="coerce").fillna(0)
    frame = pd.DataFrame({"code": matrix["code"], "seg": seg, "hidden": hidden})
    by = frame.groupby("code", sort=False).agg(seg=("seg", "sum"), hidden=("hidden", "any"))
    return set(by.index[(by["seg"] == 0) & ~by["hidden"]])


def heatmap(matrix: pd.DataFrame, *, facet_phase: bool, row_step: int = ROW_STEP) -> alt.Chart:
    """Actor x code heatmap from a ``theme_matrix`` frame; colour = share, text = share and n.

    Rows have a fixed height (``row_step`` px) and every code and actor label is drawn, however
    many phases or codes are shown. Each cell reads "12,5 % (n=1)" (n = coded segments; dark text
    on light cells, white on dark). A code with no codings in the matrix reads "Kode (ikke kodet
    ennå)"; the actor "(ukjent)" (text without a speaker) reads "Dokument / notater".
    ``facet_phase``: one panel per phase, stacked. Clicking a cell selects its (actor, code,
    phase) in the point selection named ``celle`` (the library's values, not the labels). A
    suppressed matrix (column ``suppressed``, k in ``attrs["suppressed_k"]``) draws its suppressed
    cells grey with the text "<k"; the chart's data holds only what is shown (no hidden counts).
    """
    from ..analysis.aggregate import phase_sequence

    k = matrix.attrs.get("suppressed_k", 3)
    hidden = (matrix["suppressed"].fillna(True).astype(bool) if "suppressed" in matrix.columns
              else pd.Series(False, index=matrix.index))
    uncoded = empty_codes(matrix)
    df = pd.DataFrame({
        "actor": matrix["actor"], "code": matrix["code"],
        "phase": matrix["phase"] if "phase" in matrix.columns else "",
        "aktør": [actor_label(a) for a in matrix["actor"]],
        "kode": [code_title(lbl, lvl) + (f" ({NOT_CODED})" if c in uncoded else "")
                 for c, lbl, lvl in zip(matrix["code"], matrix["label"], matrix["level"])],
        "andel": matrix["share"].astype(float).where(~hidden),
        "andel_tekst": cell_texts(matrix),
        "andel_pst": share_texts(matrix),
        "segmenter": count_texts(matrix, "segments"), "talere": count_texts(matrix, "speakers"),
        "kilder": count_texts(matrix, "sources"),
        "i_gruppen": [suppressed_text(k) if v is None or pd.isna(v) else str(int(v))
                      for v in matrix["group_segments"]],
        "skjult": hidden,
    }).reset_index(drop=True)
    df.loc[~df["skjult"], "andel"] = df.loc[~df["skjult"], "andel"].fillna(0.0)
    actors = list(dict.fromkeys(df["aktør"]))
    codes = list(dict.fromkeys(df["kode"]))
    longest = max((len(c) for c in codes), default=10)
    top = float(df["andel"].max()) if df["andel"].notna().any() else 0.0  # the colour scale's top
    dark = round(DARK_CELL * top, 4) if top > 0 else 1.0
    legend_length = max(40, min(200, row_step * len(codes) - 30))  # never taller than the rows
    # no share shown (every cell hidden): no colour legend, which would read "NaN%" with no values
    legend = (alt.Legend(format=".0%", gradientLength=legend_length) if df["andel"].notna().any() else None)

    select = alt.selection_point(name=SELECTION, fields=["actor", "code", "phase"], on="click",
                                 clear="dblclick")
    x = alt.X("aktør:N", title=None, sort=actors,
              axis=alt.Axis(labelAngle=-40, labelLimit=220, labelOverlap=False, orient="top",
                            labelFontSize=11))
    y = alt.Y("kode:N", title=None, sort=codes,
              axis=alt.Axis(labelLimit=max(300, 8 * longest), labelOverlap=False, labelFontSize=12))
    tooltip = [alt.Tooltip("aktør:N", title="Aktør"), alt.Tooltip("phase:N", title="Fase"),
               alt.Tooltip("kode:N", title="Kode"), alt.Tooltip("segmenter:N", title="Segmenter"),
               alt.Tooltip("talere:N", title="Talere"), alt.Tooltip("kilder:N", title="Kilder"),
               alt.Tooltip("i_gruppen:N", title="Segmenter i gruppen"),
               alt.Tooltip("andel_pst:N", title="Andel")]
    # invalid=None: keep the suppressed cells (share missing) as marks, drawn grey by the condition
    cells = alt.Chart().mark_rect(stroke="white", strokeWidth=1, invalid=None).encode(
        x=x, y=y,
        color=alt.condition("datum.skjult", alt.value(SUPPRESSED_FILL),
                            alt.Color("andel:Q", title="Andel", scale=alt.Scale(scheme="blues", domainMin=0),
                                      legend=legend)),
        opacity=alt.condition(select, alt.value(1.0), alt.value(0.45)),
        tooltip=tooltip,
    ).add_params(select)
    # every cell's share and n ("<k" in the grey suppressed cells); white on dark cells
    text = alt.Chart().mark_text(fontSize=11).encode(
        x=x, y=y, text="andel_tekst:N", tooltip=tooltip,
        color=alt.condition(f"datum.andel > {dark}", alt.value("white"), alt.value("#1f1f1f")))
    chart = alt.layer(cells, text, data=df).properties(width=alt.Step(COLUMN_STEP), height=alt.Step(row_step))
    if facet_phase:  # one panel per phase, stacked, so a wide actor axis still fits the page
        phases = phase_sequence(matrix)  # the project's order (analysis.aggregate.order_phases)
        return chart.facet(row=alt.Row("phase:N", title=None, sort=phases,
                                       header=alt.Header(labelFontSize=15, labelFontWeight="bold",
                                                         labelAngle=0, labelAlign="left", labelOrient="top"))
                           ).resolve_scale(x="independent")
    return chart


def frequency_bars(freq: pd.DataFrame, *, row_step: int = ROW_STEP) -> alt.Chart:
    """Horizontal bars: coded segments per code (``code_frequencies`` frame).

    Every bar has its code label on the y axis: each bar gets ``row_step`` px, and labels are
    never hidden for overlap (Streamlit's chart theme turns Vega-Lite's ``labelOverlap`` on,
    which drops every other label of a long list)."""
    df = freq.copy()
    df["kode"] = [code_title(lbl, lvl) for lbl, lvl in zip(df["label"], df["level"])]
    order = list(df["kode"])
    longest = max((len(c) for c in order), default=10)
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("segments:Q", title="Kodede segmenter"),
        y=alt.Y("kode:N", title=None, sort=order,
                axis=alt.Axis(labelLimit=max(300, 8 * longest), labelOverlap=False, labelFontSize=12)),
        color=alt.condition("datum.is_parent", alt.value("#1f4e79"), alt.value("#6baed6")),
        tooltip=[alt.Tooltip("code:N", title="Kode-ID"), alt.Tooltip("label:N", title="Kode"),
                 alt.Tooltip("segments:Q", title="Segmenter"), alt.Tooltip("codings:Q", title="Kodinger"),
                 alt.Tooltip("share:Q", title="Andel av alle segmenter", format=".1%")],
    ).properties(height=alt.Step(row_step))


def selected_cell(event) -> dict | None:
    """The (actor, code, phase) clicked in the heatmap, from ``st.altair_chart(on_select=...)``."""
    if not event:
        return None
    try:
        points = event["selection"][SELECTION]
    except (KeyError, TypeError):
        points = getattr(getattr(event, "selection", None), SELECTION, None)
    if not points:
        return None
    point = points[0] if isinstance(points, list) else points
    if not isinstance(point, dict) or "actor" not in point or "code" not in point:
        return None
    return {"actor": point["actor"], "code": point["code"], "phase": point.get("phase")}
