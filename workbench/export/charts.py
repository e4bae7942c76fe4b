"""Charts beside the tables: heatmap actor x code per phase, bars per phase (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..access import requires
from ..analysis import theme_matrix
from ..analysis.aggregate import UNKNOWN, natural_key
from ..store import Database
from .tables import display_label, slug


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


@requires("export")
def heatmaps(db: Database, folder: Path, prefix: str = "", **kw) -> list[Path]:
    """One PNG per phase: codes (rows) x actors (columns), colour and text = share."""
    m = theme_matrix(db, by=("actor", "phase"), fill=True, **kw)
    if m.empty:
        return []
    plt = _pyplot()
    out = []
    for phase in sorted(set(m["phase"]), key=natural_key):
        p = m[m["phase"] == phase]
        actors = sorted(set(p["actor"]), key=natural_key)
        codes = list(pd.unique(p["code"]))
        info = p.drop_duplicates("code").set_index("code")
        grid = (p.pivot_table(index="code", columns="actor", values="share", aggfunc="first",
                              dropna=False).reindex(index=codes, columns=actors).fillna(0.0))
        k = m.attrs.get("suppressed_k")
        hidden = None
        if k is not None and "suppressed" in p.columns:
            hidden = (p.pivot_table(index="code", columns="actor", values="suppressed", aggfunc="first",
                                    dropna=False).reindex(index=codes, columns=actors)
                      .fillna(False).astype(bool))
            grid = grid.mask(hidden, 0.0)
        fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(actors) + 2.5, 1.2 + 0.35 * len(codes)))
        im = ax.imshow(grid.to_numpy(), cmap="Blues", vmin=0, vmax=max(0.01, float(grid.max().max())),
                       aspect="auto")
        ax.set_xticks(range(len(actors)), actors, rotation=35, ha="right")
        ax.set_yticks(range(len(codes)),
                      [display_label(info.at[c, "label"], info.at[c, "level"]) for c in codes])
        for i in range(len(codes)):
            for j in range(len(actors)):
                v = grid.iat[i, j]
                if hidden is not None and hidden.iat[i, j]:
                    ax.text(j, i, f"<{k}", ha="center", va="center", fontsize=7, color="grey")
                elif v > 0:
                    ax.text(j, i, f"{v * 100:.0f} %", ha="center", va="center", fontsize=7,
                            color="white" if v > 0.6 * grid.max().max() else "black")
        ax.set_title(f"Andel av aktørens segmenter med koden, {phase}")
        fig.colorbar(im, ax=ax, label="Andel", format=lambda x, _: f"{x * 100:.0f} %")
        fig.tight_layout()
        name = "uten_fase" if phase == UNKNOWN else slug(str(phase))
        target = Path(folder) / f"{prefix}heatmap_{name}.png"
        fig.savefig(target, dpi=150)
        plt.close(fig)
        out.append(target)
    return out


ALL_HIDDEN = "Alle søylene er skjult (hver bygger på færre enn {k} talere)"
NONE_SHOWN = "Ingen søyler å vise: de skjulte bygger på færre enn {k} talere, de andre er 0"
NOTHING_CODED = "Ingen kodede segmenter å vise"


@requires("export")
def phase_bars(db: Database, folder: Path, prefix: str = "", **kw) -> list[Path]:
    """Grouped bars: for each top-level code, the share of each phase's segments carrying it.

    A bar hidden by suppression is drawn as "<k" at the axis; when every bar is hidden (or
    nothing is coded) the chart says so in Norwegian instead of showing empty axes."""
    m = theme_matrix(db, by=("phase",), fill=True, **kw)
    if m.empty:
        return []
    top = m[m["level"] == m["level"].min()]
    phases = sorted(set(top["phase"]), key=natural_key)
    codes = list(pd.unique(top["code"]))
    labels = top.drop_duplicates("code").set_index("code")["label"]
    k = m.attrs.get("suppressed_k")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.0 + 0.9 * len(codes) * max(1, len(phases)) / 2), 4.5))
    width = 0.8 / max(1, len(phases))
    shown = hidden_bars = 0
    for n, phase in enumerate(phases):
        rows = top[top["phase"] == phase].set_index("code").reindex(codes)
        values = rows["share"].astype(float).fillna(0)  # (a suppressed share is drawn as no bar)
        hidden = (rows["suppressed"].fillna(False).astype(bool) if k is not None and "suppressed" in rows
                  else pd.Series(False, index=rows.index))
        xs = [i + n * width - 0.4 + width / 2 for i in range(len(codes))]
        ax.bar(xs, values * 100, width, label=str(phase))
        for x, is_hidden in zip(xs, hidden):
            if is_hidden:
                ax.text(x, 0, f"<{k}", ha="center", va="bottom", fontsize=7, color="grey", rotation=90)
        shown += int(((values > 0) & ~hidden).sum())
        hidden_bars += int(hidden.sum())
    top_value = float(top["share"].astype(float).fillna(0).max()) * 100 if len(top) else 0.0
    ax.set_ylim(0, max(1.0, top_value * 1.1))  # never a negative axis
    if not shown:
        note = (ALL_HIDDEN if hidden_bars == len(codes) * len(phases) else
                NONE_SHOWN if hidden_bars else NOTHING_CODED).format(k=k)
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", fontsize=11,
                color="dimgrey", wrap=True)
        ax.set_yticks([])
    ax.set_xticks(range(len(codes)), [labels[c] for c in codes], rotation=30, ha="right")
    ax.set_ylabel("Andel av segmentene i fasen (%)")
    ax.set_title("Koder per fase" + (f" (celler med færre enn {k} talere er skjult)" if hidden_bars else ""))
    ax.legend(title="Fase")
    fig.tight_layout()
    target = Path(folder) / f"{prefix}koder_per_fase.png"
    fig.savefig(target, dpi=150)
    plt.close(fig)
    return [target]


@requires("export")
def write_charts(db: Database, folder: Path, prefix: str = "", **kw) -> list[Path]:
    """All charts as PNG in ``folder``, file names starting with ``prefix``."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    return heatmaps(db, folder, prefix, **kw) + phase_bars(db, folder, prefix, **kw)
