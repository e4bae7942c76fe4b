"""Charts beside the tables: heatmap actor x code per phase, bars per phase (matplotlib, Agg).

Long labels (a 130-character code label, a phase named after two pilots) are wrapped by
``wrap_label`` (at spaces, a long word after "/" or "-", never inside a word shorter than twice
the line) and shortened with "…" after a few lines; the figure grows with the number and
length of the labels, the layout is matplotlib's constrained layout and the PNG is saved with
``bbox_inches="tight"``, so no text is cut off and matplotlib has nothing to warn about."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..access import requires
from ..analysis import theme_matrix
from ..analysis.aggregate import (HIDDEN_TEXT, UNKNOWN, is_overlap_cell, natural_key,
                                  phase_sequence)
from ..store import Database
from .tables import display_label, slug

# Sizes in inches for a 9 pt tick label: a character is at most this wide (DejaVu Sans averages
# less, so the estimate errs on the roomy side) and a line this high.
_CHAR_IN = 0.075
_LINE_IN = 0.16
CODE_CHARS = 32    # heatmap code labels wrap at this many characters ...
CODE_LINES = 2     # ... over at most this many lines, then end in "…"
ACTOR_CHARS = 22
PHASE_CHARS = 30   # legend entries (phase names)
BAR_LINES = 3      # bar chart category labels and legend entries
TICK_SIZE = 9


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _pieces(word: str, width: int) -> list[str]:
    """A word longer than ``width`` in the pieces it may break into: after "/" or "-"
    ("rådmann/", "kommunedirektør"); a piece still longer than twice the width (nothing else
    would fit beside it) is cut every ``width`` characters, the only break inside a word."""
    out = []
    for piece in re.split(r"(?<=[/\-])(?=.)", word):
        if len(piece) > 2 * width:
            out += [piece[i:i + width] for i in range(0, len(piece), width)]
        elif piece:
            out.append(piece)
    return out


def wrap_label(text: object, width: int, lines: int = CODE_LINES) -> str:
    """``text`` wrapped at ``width`` characters on at most ``lines`` lines; what does not fit is
    cut (at a word where one ends in the second half of the last line) and marked with "…".

    Lines break at spaces; a word longer than the width breaks after a "/" or "-" in it
    ("rådmann/" + "kommunedirektør"), and only a word longer than twice the width is broken
    inside (a word a little too long stands on a line of its own)."""
    text = " ".join(str(text).split())
    parts: list[str] = []
    glue: list[str] = []  # what joined each line to the one before: " " (a space) or "" (inside a word)
    line = ""

    def put(piece: str, sep: str) -> None:
        nonlocal line
        if not line:
            line = piece
        elif len(line) + len(sep) + len(piece) <= width:
            line += sep + piece
        else:
            parts.append(line)
            glue.append(sep)
            line = piece

    for word in text.split(" "):
        if len(word) <= width or (line and len(line) + 1 + len(word) <= width):
            put(word, " ")
            continue
        for i, piece in enumerate(_pieces(word, width)):
            put(piece, " " if i == 0 else "")
    parts.append(line)
    glue = [" "] + glue
    if len(parts) > lines:
        rest = parts[lines - 1] + "".join(g + p for g, p in zip(glue[lines:], parts[lines:]))
        cut = rest[:width - 1]
        space = cut.rfind(" ")
        if space >= width // 2:
            cut = cut[:space]
        parts = parts[:lines - 1] + [cut.rstrip() + "…"]
    return "\n".join(parts)


def _distinct(names: list, width: int, lines: int) -> list[str]:
    """Wrapped names, given more lines when shortening would make two of them look the same."""
    wrapped = [wrap_label(n, width, lines) for n in names]
    if len(set(wrapped)) < len(set(map(str, names))):
        wrapped = [wrap_label(n, width, 12) for n in names]
    return wrapped


def _extent(labels: list[str]) -> tuple[int, int]:
    """(longest line in characters, most lines) of already wrapped labels."""
    lines = [line for label in labels for line in label.split("\n")] or [""]
    return max(len(line) for line in lines), max((label.count("\n") + 1 for label in labels), default=1)


def _title(text: str, fig_width_in: float) -> str:
    """A title wrapped to the figure's width (11 pt: about 0.1 inch a character)."""
    return wrap_label(text, max(30, int(fig_width_in / 0.1)), lines=3)


def _save(fig, target: Path) -> None:
    """The figure as a PNG at ``target``, written whole or not at all (``atomic_output``: a failure
    leaves an earlier chart as it was, in one line); the figure is closed either way."""
    from .writers import atomic_output

    try:
        with atomic_output(target, "chart") as tmp:
            fig.savefig(tmp, format="png", dpi=150, bbox_inches="tight", pad_inches=0.15)
    finally:
        _pyplot().close(fig)


def suppression_note(k, small: bool = True, overlap: bool = False) -> str:
    """The title's note on hidden cells: "<k" cells (``small``) and parents hidden for what their
    subcodes share (``overlap``, reading «skjult»: they rest on k or more speakers)."""
    parts = ([f"celler med færre enn {k} talere er skjult"] if small else []) + (
        [f"«{HIDDEN_TEXT}»: minst {k} talere, skjult av hensyn til underkodene"] if overlap else [])
    return f" ({'; '.join(parts)})" if parts else ""


def _hidden_text(m: pd.DataFrame, row: dict, by: tuple, k) -> str:
    """What a hidden cell reads: «skjult» for a parent hidden for its subcodes' overlap, else "<k"."""
    return HIDDEN_TEXT if is_overlap_cell(m, row, by) else f"<{k}"


@requires("export")
def heatmaps(db: Database, folder: Path, prefix: str = "", **kw) -> list[Path]:
    """One PNG per phase: codes (rows) x actors (columns), colour and text = share.

    A shown zero reads "0"; a cell hidden by suppression is hatched and reads "<k" (and the title
    says which cells are hidden); a cell without data reads "–"."""
    m = theme_matrix(db, by=("actor", "phase"), fill=True, **kw)
    if m.empty:
        return []
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    out = []
    k = m.attrs.get("suppressed_k")
    for phase in phase_sequence(m):  # the project's order (analysis.aggregate.order_phases)
        p = m[m["phase"] == phase]
        actors = sorted(set(p["actor"]), key=natural_key)
        codes = list(pd.unique(p["code"]))
        info = p.drop_duplicates("code").set_index("code")
        raw = (p.pivot_table(index="code", columns="actor", values="share", aggfunc="first",
                             dropna=False).reindex(index=codes, columns=actors).astype(float))
        hidden = pd.DataFrame(False, index=codes, columns=actors)
        if k is not None and "suppressed" in p.columns:
            hidden = (p.pivot_table(index="code", columns="actor", values="suppressed", aggfunc="first",
                                    dropna=False).reindex(index=codes, columns=actors)
                      .fillna(False).astype(bool))
        missing = raw.isna().to_numpy() & ~hidden.to_numpy()
        blank = hidden.to_numpy() | raw.isna().to_numpy()
        grid = np.ma.masked_array(raw.fillna(0.0).to_numpy(), mask=blank)
        top = max(0.01, float(grid.max()) if grid.count() else 0.0)

        ylabels = [wrap_label(display_label(info.at[c, "label"], info.at[c, "level"]), CODE_CHARS)
                   for c in codes]
        xlabels = [wrap_label(a, ACTOR_CHARS) for a in actors]
        y_chars, y_lines = _extent(ylabels)
        x_chars, x_lines = _extent(xlabels)
        row_in = max(0.32, y_lines * _LINE_IN + 0.08)
        col_in = 0.85
        width = y_chars * _CHAR_IN + col_in * max(1, len(actors)) + 1.6
        # rotated 35 degrees, an actor label takes about 0.6 of its length in height
        height = 1.3 + row_in * max(1, len(codes)) + x_chars * _CHAR_IN * 0.6 + x_lines * _LINE_IN
        title = f"Andel av aktørens segmenter med koden, {phase}"
        texts_hidden: set[str] = set()

        fig, ax = plt.subplots(figsize=(max(5.0, width), max(3.0, height)), layout="constrained")
        cmap = plt.get_cmap("Blues").with_extremes(bad="white")
        im = ax.imshow(grid, cmap=cmap, vmin=0, vmax=top, aspect="auto")
        ax.set_xticks(range(len(actors)), xlabels, rotation=35, ha="right", rotation_mode="anchor",
                      fontsize=TICK_SIZE)
        ax.set_yticks(range(len(codes)), ylabels, fontsize=TICK_SIZE)
        for i in range(len(codes)):
            for j in range(len(actors)):
                if hidden.iat[i, j]:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                           edgecolor="lightgrey", linewidth=0))
                    text = _hidden_text(m, {"actor": actors[j], "phase": phase, "code": codes[i]},
                                        ("actor", "phase"), k)
                    texts_hidden.add(text)
                    ax.text(j, i, text, ha="center", va="center", fontsize=7, color="dimgrey")
                elif missing[i, j]:
                    ax.text(j, i, "–", ha="center", va="center", fontsize=7, color="dimgrey")
                else:
                    v = float(grid[i, j])
                    ax.text(j, i, f"{v * 100:.0f} %" if v > 0 else "0", ha="center", va="center",
                            fontsize=7, color="white" if v > 0.6 * top else "black")
        # the title stands centred over the cells, not the figure: wrapped to the cells' width
        # and the colour bar beside them, so that it never reaches past the figure's right edge
        if texts_hidden:
            title += suppression_note(k, small=f"<{k}" in texts_hidden, overlap=HIDDEN_TEXT in texts_hidden)
        ax.set_title(_title(title, col_in * max(1, len(actors)) + 1.8), fontsize=11)
        fig.colorbar(im, ax=ax, label="Andel", format=lambda x, _: f"{x * 100:.0f} %")
        # a file name from the phase as shown ("[navn]" for a roster name but for researchers)
        name = "uten_fase" if phase == UNKNOWN else slug(str(phase))
        target = Path(folder) / f"{prefix}heatmap_{name}.png"
        _save(fig, target)
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
    nothing is coded) the chart says so in Norwegian instead of showing empty axes. The legend
    (phases) stands to the right of the axes, so it never covers a bar."""
    m = theme_matrix(db, by=("phase",), fill=True, **kw)
    if m.empty:
        return []
    top = m[m["level"] == m["level"].min()]
    phases = phase_sequence(m)  # the legend in the project's order (analysis.aggregate.order_phases)
    codes = list(pd.unique(top["code"]))
    labels = top.drop_duplicates("code").set_index("code")["label"]
    k = m.attrs.get("suppressed_k")
    plt = _pyplot()
    group_in = max(1.6, 0.4 * len(phases))
    chars = min(30, max(12, int(group_in / _CHAR_IN)))
    xlabels = _distinct([labels[c] for c in codes], chars, BAR_LINES)
    legend = _distinct(phases, PHASE_CHARS, BAR_LINES)
    _, x_lines = _extent(xlabels)
    legend_chars, _ = _extent(legend + ["Fase"])
    width = 1.2 + group_in * max(1, len(codes)) + legend_chars * _CHAR_IN + 0.8
    fig, ax = plt.subplots(figsize=(max(6.0, width), 4.0 + x_lines * _LINE_IN), layout="constrained")
    bar = 0.8 / max(1, len(phases))
    shown = hidden_bars = 0
    texts_hidden: set[str] = set()
    for n, (phase, name) in enumerate(zip(phases, legend)):
        rows = top[top["phase"] == phase].set_index("code").reindex(codes)
        values = rows["share"].astype(float).fillna(0)  # (a suppressed share is drawn as no bar)
        hidden = (rows["suppressed"].fillna(False).astype(bool) if k is not None and "suppressed" in rows
                  else pd.Series(False, index=rows.index))
        xs = [i + n * bar - 0.4 + bar / 2 for i in range(len(codes))]
        ax.bar(xs, values * 100, bar, label=name)
        for x, code, is_hidden in zip(xs, codes, hidden):
            if is_hidden:
                text = _hidden_text(m, {"phase": phase, "code": code}, ("phase",), k)
                texts_hidden.add(text)
                ax.text(x, 0, text, ha="center", va="bottom", fontsize=7, color="grey", rotation=90)
        shown += int(((values > 0) & ~hidden).sum())
        hidden_bars += int(hidden.sum())
    top_value = float(top["share"].astype(float).fillna(0).max()) * 100 if len(top) else 0.0
    ax.set_ylim(0, max(1.0, top_value * 1.1))  # never a negative axis; headroom over the tallest
    if not shown:
        note = (ALL_HIDDEN if hidden_bars == len(codes) * len(phases) else
                NONE_SHOWN if hidden_bars else NOTHING_CODED).format(k=k)
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", fontsize=11,
                color="dimgrey", wrap=True)
        ax.set_yticks([])
    ax.set_xticks(range(len(codes)), xlabels, fontsize=TICK_SIZE)
    ax.set_ylabel("Andel av segmentene i fasen (%)")
    title = "Koder per fase" + (suppression_note(k, small=f"<{k}" in texts_hidden,
                                                  overlap=HIDDEN_TEXT in texts_hidden) if hidden_bars else "")
    ax.set_title(_title(title, max(6.0, width)))
    fig.legend(title="Fase", loc="outside right upper", fontsize=TICK_SIZE)
    target = Path(folder) / f"{prefix}koder_per_fase.png"
    _save(fig, target)
    plt.close(fig)
    return [target]


@requires("export")
def write_charts(db: Database, folder: Path, prefix: str = "", **kw) -> list[Path]:
    """All charts as PNG in ``folder``, file names starting with ``prefix``."""
    from .writers import make_folder

    make_folder(Path(folder))
    return heatmaps(db, folder, prefix, **kw) + phase_bars(db, folder, prefix, **kw)
