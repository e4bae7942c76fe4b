"""Altair chart builders for the pages (pure functions: DataFrame in, chart out)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .format import code_title, count_texts, share_texts, suppressed_text

SELECTION = "celle"
SUPPRESSED_FILL = "#d4d4d4"


def heatmap(matrix: pd.DataFrame, *, facet_phase: bool, height_per_row: int = 26) -> alt.Chart:
    """Actor x code heatmap from a ``theme_matrix`` frame; colour = share, tooltip = counts.

    ``facet_phase``: one panel per phase side by side. Clicking a cell selects its
    (actor, code, phase) in the point selection named ``celle``. A suppressed matrix (column
    ``suppressed``, k in ``attrs["suppressed_k"]``) draws its suppressed cells grey with the
    text "<k"; the chart's data holds only what is shown (no hidden counts).
    """
    from ..analysis.aggregate import natural_key

    k = matrix.attrs.get("suppressed_k", 3)
    hidden = (matrix["suppressed"].fillna(True).astype(bool) if "suppressed" in matrix.columns
              else pd.Series(False, index=matrix.index))
    df = pd.DataFrame({
        "actor": matrix["actor"], "code": matrix["code"],
        "phase": matrix["phase"] if "phase" in matrix.columns else "",
        "kode": [code_title(lbl, lvl) for lbl, lvl in zip(matrix["label"], matrix["level"])],
        "andel": matrix["share"].astype(float).where(~hidden),
        "andel_tekst": share_texts(matrix),
        "segmenter": count_texts(matrix, "segments"), "talere": count_texts(matrix, "speakers"),
        "kilder": count_texts(matrix, "sources"),
        "i_gruppen": [suppressed_text(k) if v is None or pd.isna(v) else str(int(v))
                      for v in matrix["group_segments"]],
        "skjult": hidden,
    }).reset_index(drop=True)
    df.loc[~df["skjult"], "andel"] = df.loc[~df["skjult"], "andel"].fillna(0.0)
    actors = list(dict.fromkeys(df["actor"]))
    codes = list(dict.fromkeys(df["kode"]))

    select = alt.selection_point(name=SELECTION, fields=["actor", "code", "phase"], on="click",
                                 clear="dblclick")
    x = alt.X("actor:N", title=None, sort=actors,
              axis=alt.Axis(labelAngle=-40, labelLimit=160, labelOverlap=False, orient="top"))
    y = alt.Y("kode:N", title=None, sort=codes, axis=alt.Axis(labelLimit=260))
    tooltip = [alt.Tooltip("actor:N", title="Aktør"), alt.Tooltip("phase:N", title="Fase"),
               alt.Tooltip("kode:N", title="Kode"), alt.Tooltip("segmenter:N", title="Segmenter"),
               alt.Tooltip("talere:N", title="Talere"), alt.Tooltip("kilder:N", title="Kilder"),
               alt.Tooltip("i_gruppen:N", title="Segmenter i gruppen"),
               alt.Tooltip("andel_tekst:N", title="Andel")]
    # invalid=None: keep the suppressed cells (share missing) as marks, drawn grey by the condition
    cells = alt.Chart().mark_rect(stroke="white", strokeWidth=1, invalid=None).encode(
        x=x, y=y,
        color=alt.condition("datum.skjult", alt.value(SUPPRESSED_FILL),
                            alt.Color("andel:Q", title="Andel", scale=alt.Scale(scheme="blues", domainMin=0),
                                      legend=alt.Legend(format=".0%"))),
        opacity=alt.condition(select, alt.value(1.0), alt.value(0.45)),
        tooltip=tooltip,
    ).add_params(select)
    layers = [cells]
    if bool(df["skjult"].any()):  # "<k" written in the grey cells
        layers.append(alt.Chart().transform_filter("datum.skjult").mark_text(
            fontSize=11, color="#404040").encode(x=x, y=y, text="andel_tekst:N", tooltip=tooltip))
    chart = alt.layer(*layers, data=df).properties(width=alt.Step(46), height=max(120, height_per_row * len(codes)))
    if facet_phase:  # one panel per phase, stacked, so a wide actor axis still fits the page
        phases = sorted(set(df["phase"]), key=natural_key)
        return chart.facet(row=alt.Row("phase:N", title=None, sort=phases,
                                       header=alt.Header(labelFontSize=15, labelFontWeight="bold",
                                                         labelAngle=0, labelAlign="left", labelOrient="top"))
                           ).resolve_scale(x="independent")
    return chart


def frequency_bars(freq: pd.DataFrame) -> alt.Chart:
    """Horizontal bars: coded segments per code (``code_frequencies`` frame)."""
    df = freq.copy()
    df["kode"] = [code_title(lbl, lvl) for lbl, lvl in zip(df["label"], df["level"])]
    order = list(df["kode"])
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("segments:Q", title="Kodede segmenter"),
        y=alt.Y("kode:N", title=None, sort=order, axis=alt.Axis(labelLimit=300)),
        color=alt.condition("datum.is_parent", alt.value("#1f4e79"), alt.value("#6baed6")),
        tooltip=[alt.Tooltip("code:N", title="Kode-ID"), alt.Tooltip("label:N", title="Kode"),
                 alt.Tooltip("segments:Q", title="Segmenter"), alt.Tooltip("codings:Q", title="Kodinger"),
                 alt.Tooltip("share:Q", title="Andel av alle segmenter", format=".1%")],
    ).properties(height=max(120, 20 * len(df)))


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
