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


@requires("export")
def phase_bars(db: Database, folder: Path, prefix: str = "", **kw) -> list[Path]:
    """Grouped bars: for each top-level code, the share of each phase's segments carrying it."""
    m = theme_matrix(db, by=("phase",), fill=True, **kw)
    if m.empty:
        return []
    top = m[m["level"] == m["level"].min()]
    phases = sorted(set(top["phase"]), key=natural_key)
    codes = list(pd.unique(top["code"]))
    labels = top.drop_duplicates("code").set_index("code")["label"]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.0 + 0.9 * len(codes) * max(1, len(phases)) / 2), 4.5))
    width = 0.8 / max(1, len(phases))
    for k, phase in enumerate(phases):
        values = (top[top["phase"] == phase].set_index("code")["share"].reindex(codes)
                  .astype(float).fillna(0))  # (a suppressed share is drawn as no bar)
        ax.bar([i + k * width - 0.4 + width / 2 for i in range(len(codes))], values * 100, width,
               label=str(phase))
    ax.set_xticks(range(len(codes)), [labels[c] for c in codes], rotation=30, ha="right")
    ax.set_ylabel("Andel av segmentene i fasen (%)")
    ax.set_title("Koder per fase")
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
