"""The report tables, built from the analysis frames, with Norwegian headings and code labels."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..access import requires
from ..analysis import (RESEARCHER_ACTORS, UNKNOWN, all_quotes, code_frequencies, cooccurrence_pairs,
                        phase_change, quotes, theme_matrix)
from ..analysis.aggregate import chosen_phase_list, natural_key, phase_sequence
from ..errors import WorkbenchError
from ..store import Database

# Norwegian headings used in every export
H = dict(actor="Aktør", phase="Fase", code="Kode", code_id="Kode-ID", segments="Segmenter",
         speakers="Talere", sources="Kilder", share="Andel", codings="Kodinger", source="Kilde",
         speaker="Taler", position="Tid/posisjon", quote="Sitat", coders="Kodere",
         code_a="Kode A", code_b="Kode B", change="Endring (prosentpoeng)")

# what an empty table says in a workbook or Markdown file, instead of headings alone
EMPTY_NOTE = "(ingen rader: ingen kodede segmenter i utvalget)"
NONE_RELEASED = "(ingen rader: ingen frigitte sitater i utvalget)"


@dataclass
class Table:
    """One report table: a caption title, a frame with final headings, and how to format it."""

    title: str                 # caption text after "Tabell N: "
    frame: pd.DataFrame
    name: str                  # short name: sheet name and file-name stem
    percent: list[str] = field(default_factory=list)         # fractions shown as 12,5 %
    signed_percent: list[str] = field(default_factory=list)  # differences shown as +12,5
    wrap: list[str] = field(default_factory=list)            # long text columns
    heading: str | None = None  # document heading when the file holds this table alone (quotes)
    empty_note: str = EMPTY_NOTE  # why the table is empty, said in the file when it is
    # scores between -1 and 1 shown with n decimals (0,889; short of 1 never "1,000" but "> 0,999")
    decimals: dict[str, int] = field(default_factory=dict)
    # (label, text) lines said above the table in a workbook and a Word document (what the table is
    # of: coders, units, sources ...); a CSV file holds the data alone
    preamble: list[tuple[str, str]] = field(default_factory=list)


def counted_out(include_researchers: bool = False) -> tuple[str, ...]:
    """The one counting rule of reports and dashboards: the interviewers' own turns (actor
    ``forsker``, ``RESEARCHER_ACTORS``) are left out unless ``include_researchers``."""
    return () if include_researchers else tuple(RESEARCHER_ACTORS)


def _without_actors(q: pd.DataFrame, exclude_actors) -> pd.DataFrame:
    """Quote rows of these actors dropped (the same rule as the counts)."""
    if not len(exclude_actors) or q.empty or "actor" not in q.columns:
        return q
    return q[~q["actor"].astype(str).isin([str(a) for a in exclude_actors])].reset_index(drop=True)


def slug(text: str) -> str:
    """ASCII file-name stem: "Matrise fase 1" -> "matrise_fase_1", "Aktør" -> "aktor"."""
    text = text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("Æ", "Ae")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "tabell"


def display_label(label: str, level: int) -> str:
    """Child codes indented with an en dash per level, so the hierarchy survives in a table."""
    return ("– " * int(level)) + str(label)


def _mark_suppressed(out: pd.DataFrame, source: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Suppressed cells (``source["suppressed"]``) read "<k" in these columns of ``out``."""
    k = source.attrs.get("suppressed_k")
    if k is None or "suppressed" not in source.columns:
        return out
    from ..analysis.aggregate import HIDDEN_TEXT, overlap_mask

    by = [b for b in ("actor", "phase", "pilot") if b in source.columns]
    mask = source["suppressed"].to_numpy(dtype=bool)
    parent_only = mask & overlap_mask(source, by)
    for col in columns:
        out[col] = out[col].astype(object)
        out.loc[mask & ~parent_only, col] = f"<{k}"
        out.loc[parent_only, col] = HIDDEN_TEXT
    out.attrs["overlap"] = bool(parent_only.any())
    return out


def _with_hidden_note(title: str, out: pd.DataFrame, source: pd.DataFrame) -> str:
    """The caption, with what «skjult» means when a parent is hidden for its subcodes' overlap."""
    from ..analysis.aggregate import hidden_note

    return f"{title} ({hidden_note(source.attrs['suppressed_k'])})" if out.attrs.get("overlap") else title


#: how a retired code (taken out of the codebook while coded: its codings stand) is marked in a table
RETIRED_MARK = "tatt ut"


@requires("view_codebook")
def code_names(db: Database, *, with_id: bool = False, user: str | None = None) -> dict[str, str]:
    """code id -> the label a table shows: a retired code marked "(tatt ut)"; with ``with_id`` (a
    table without a Kode-ID column) a label that several codes share gets the id too, "Tillit
    mellom parter (samarbeid.tillit, tatt ut)", so that no two rows read the same."""
    from ..analysis import codes_frame

    tree = codes_frame(db)
    shared = tree["label"].astype(str).str.casefold().duplicated(keep=False)
    out = {}
    for code, label, retired, dup in zip(tree["code"], tree["label"], tree["retired"], shared):
        marks = ([str(code)] if with_id and dup else []) + ([RETIRED_MARK] if retired else [])
        out[str(code)] = f"{label} ({', '.join(marks)})" if marks else str(label)
    return out


def _labels(df: pd.DataFrame, names: dict[str, str] | None = None) -> pd.Series:
    """The rows' code labels, indented by level; with ``names`` (:func:`code_names`) as marked there."""
    labels = df["label"] if names is None else [names.get(str(c), l) for c, l in zip(df["code"], df["label"])]
    return pd.Series([display_label(l, v) for l, v in zip(labels, df["level"])], index=df.index, dtype=object)


@requires("export")
def matrix_long(db: Database, **kw) -> Table:
    m = theme_matrix(db, by=("actor", "phase"), **kw)
    out = pd.DataFrame({H["actor"]: m["actor"], H["phase"]: m["phase"], H["code"]: _labels(m, code_names(db)),
                        H["code_id"]: m["code"], H["segments"]: m["segments"],
                        H["speakers"]: m["speakers"], H["sources"]: m["sources"], H["share"]: m["share"]})
    out = _mark_suppressed(out, m, [H["segments"], H["speakers"], H["sources"], H["share"]])
    return Table(_with_hidden_note("Temaer per aktør og fase: kodede segmenter, talere, kilder og andel av "
                                   "aktørens segmenter i fasen", out, m), out, "Tema per aktør og fase",
                 percent=[H["share"]])


@requires("export")
def matrices_per_phase(db: Database, **kw) -> list[Table]:
    m = theme_matrix(db, by=("actor", "phase"), fill=True, **kw)
    tables = []
    if m.empty:
        return tables
    names = code_names(db)
    for phase in phase_sequence(m):  # the project's order (analysis.aggregate.order_phases)
        p = m[m["phase"] == phase]
        actors = sorted(set(p["actor"]), key=natural_key)
        codes = list(pd.unique(p["code"]))
        info = p.drop_duplicates("code").set_index("code")
        wide = p.pivot_table(index="code", columns="actor", values="share", aggfunc="first",
                             dropna=False).reindex(index=codes, columns=actors)
        # the id beside the label: two codes may have the same label (a retired one and its successor)
        out = pd.DataFrame({H["code"]: [display_label(names.get(str(c), info.at[c, "label"]), info.at[c, "level"])
                                        for c in codes], H["code_id"]: codes})
        hidden = None
        if "suppressed" in p.columns and m.attrs.get("suppressed_k") is not None:
            hidden = (p.pivot_table(index="code", columns="actor", values="suppressed", aggfunc="first",
                                    dropna=False).reindex(index=codes, columns=actors)
                      .fillna(False).astype(bool))
        from ..analysis.aggregate import HIDDEN_TEXT, OVERLAP_ATTR

        parent_only = {tuple(c) for c in m.attrs.get(OVERLAP_ATTR) or ()}
        for a in actors:
            out[a] = wide[a].to_numpy()
            if hidden is not None:
                out[a] = out[a].astype(object)
                out.loc[hidden[a].to_numpy(), a] = f"<{m.attrs['suppressed_k']}"
                only = np.array([(str(a), str(phase), c) in parent_only for c in codes], dtype=bool)
                out.loc[only & hidden[a].to_numpy(), a] = HIDDEN_TEXT
        # the sheet's (and a CSV file's) name: the phase as shown (a roster name in it is "[navn]"
        # for all but researchers: analysis.aggregate.SHOWN_COLUMNS)
        name = "Matrise " + str(phase) if phase != UNKNOWN else "Matrise uten fase"
        tables.append(Table(f"Andel av aktørens segmenter med koden, {phase} (aktør × kode)", out,
                            name, percent=actors))  # (the xlsx writer fits it to a sheet name)
    return tables


class Tables(list):
    """Report tables, with ``notes``: Norwegian lines for the person exporting (a table left out
    and why, a phase order that may not be the one meant), said by the command line and the app."""

    def __init__(self, tables=(), notes=()):
        super().__init__(tables)
        self.notes = list(notes)


def _phase_notes(present: list[str], note: str) -> list[str]:
    if len(present) == 1:
        return [f"Bare én fase («{present[0]}»): ingen endring mellom faser å vise, så tabellen «Endring "
                "mellom faser» er utelatt."]
    if not present:
        return ["Ingen kilde har fase: ingen endring mellom faser å vise, så tabellen «Endring mellom faser» "
                "er utelatt (fasen står i manifest.csv, kolonnen phase)."]
    return [note] if note else []


@requires("export")
def phase_tables(db: Database, **kw) -> Tables:
    """The phase comparison: one table per pair of consecutive phases in the project's order
    (``analysis.aggregate.order_phases``: fase 1 → fase 2, fase 2 → fase 3, ...; in an export
    with ``--phases A,B,C`` those, in that order), each saying in its caption which two phases it
    compares; with two phases the one table «Endring mellom faser». With fewer than two phases
    there is nothing to compare: no table, and a note saying so (``Tables.notes``), never a
    table with made-up phase names."""
    first = phase_change(db, **kw)
    present = list(first.attrs.get("phases", []))
    chosen = chosen_phase_list()
    sequence = [p for p in chosen if p in present] if chosen else present
    notes = _phase_notes(present, "" if chosen else first.attrs.get("phase_note", ""))
    if len(sequence) < 2:
        return Tables([], notes)
    pairs = list(zip(sequence, sequence[1:]))
    tables = [_phase_table(db, first if (p1, p2) == tuple(present[:2])
                           else phase_change(db, phases=(p1, p2), **kw), (p1, p2), **kw) for p1, p2 in pairs]
    if len(tables) > 1:
        for t, (p1, p2) in zip(tables, pairs):  # the phases as shown (phase_change): "[navn]" for a roster name
            t.name = f"Endring {p1} til {p2}"  # (the xlsx writer fits it to a sheet name)
    return Tables(tables, notes)


@requires("export")
def phase_table(db: Database, **kw) -> Table | None:
    """The comparison of the first two phases (``phase_tables`` makes one per consecutive pair);
    None with fewer than two phases."""
    pc = phase_change(db, **kw)
    phases = list(pc.attrs.get("phases", []))
    return None if len(phases) < 2 else _phase_table(db, pc, (phases[0], phases[1]), **kw)


def _phase_table(db: Database, pc: pd.DataFrame, pair: tuple[str, str], **kw) -> Table:
    p1, p2 = pair
    # rows with something in either phase; with suppression every row (a zero reads 0 and is
    # listed: leaving it out beside a kept "<3" would tell a hidden cell from a zero)
    if pc.attrs.get("suppressed_k") is None:
        pc = pc[(pc["segments_from"] != 0) | (pc["segments_to"] != 0)]
    a1, a2 = f"{H['share']} {p1}", f"{H['share']} {p2}"
    # the id last: the columns before it stay where report templates expect them
    out = pd.DataFrame({H["actor"]: pc["actor"], H["code"]: _labels(pc, code_names(db)), a1: pc["share_from"],
                        a2: pc["share_to"], H["change"]: pc["difference"], H["code_id"]: pc["code"]})
    k = kw.get("suppress")
    if pc["segments_from"].isna().any() or pc["segments_to"].isna().any():
        label = f"<{k if isinstance(k, int) and not isinstance(k, bool) else _project_k(db)}"
        for col, seg in ((a1, "segments_from"), (a2, "segments_to")):
            out[col] = out[col].astype(object)
            out.loc[pc[seg].isna().to_numpy(), col] = label
    return Table(f"Endring mellom {p1} og {p2} per aktør: andel av aktørens segmenter med koden",
                 out.reset_index(drop=True), "Endring mellom faser", percent=[a1, a2],
                 signed_percent=[H["change"]])


@requires("export")
def cooccurrence_table(db: Database, **kw) -> Table:
    p = cooccurrence_pairs(db, window=0, **kw)
    names = code_names(db, with_id=True)
    out = pd.DataFrame({H["code_a"]: [names.get(str(c), l) for c, l in zip(p["code_a"], p["label_a"])],
                        H["code_b"]: [names.get(str(c), l) for c, l in zip(p["code_b"], p["label_b"])],
                        H["segments"]: p["segments"]})
    if p.attrs.get("suppressed_k") is not None:
        out[H["segments"]] = out[H["segments"]].astype(object)
        out.loc[p["segments"].isna().to_numpy(), H["segments"]] = f"<{p.attrs['suppressed_k']}"
    return Table("Samforekomst av koder: segmenter der begge kodene er brukt", out, "Samforekomst")


@requires("export")
def frequency_table(db: Database, **kw) -> Table:
    f = code_frequencies(db, **kw)
    out = pd.DataFrame({H["code"]: _labels(f, code_names(db)) if not f.empty else [], H["code_id"]: f["code"],
                        H["segments"]: f["segments"], H["speakers"]: f["speakers"],
                        H["sources"]: f["sources"], H["codings"]: f["codings"],
                        H["share"]: f["share"]})
    out = _mark_suppressed(out, f, [H["segments"], H["speakers"], H["sources"], H["codings"], H["share"]])
    return Table(_with_hidden_note("Kodefrekvenser: segmenter, talere, kilder, kodinger og andel av alle "
                                   "segmenter", out, f), out, "Kodefrekvenser", percent=[H["share"]])


def _quote_frame(q: pd.DataFrame, with_code: bool, labels: pd.Series | None = None) -> pd.DataFrame:
    cols = {}
    if with_code:
        cols[H["code"]] = q["label"] if labels is None else labels
    cols.update({H["source"]: q["source"], H["speaker"]: q["speaker"], H["actor"]: q["actor"],
                 H["phase"]: q["phase"], H["position"]: q["position"], H["coders"]: q["coders"],
                 H["quote"]: q["text"]})
    return pd.DataFrame(cols)


@requires("export")
def quote_table(db: Database, exclude_actors=(), **kw) -> Table:
    q = _without_actors(all_quotes(db, **kw), exclude_actors)
    return Table("Sitater med referanse (kilde, taler, aktør, fase, tid eller posisjon)",
                 _quote_frame(q, True), "Sitater", wrap=[H["quote"]])


@requires("export")
def code_quote_table(db: Database, code: str, exclude_actors=(), **kw) -> Table:
    q = quotes(db, code=code, **kw)
    if kw.get("actor") is None:  # an actor asked for by name is shown
        q = _without_actors(q, exclude_actors)
    label = _code_label(db, code)
    # a code with subcodes: which of them each quote is coded with (the labels of the codes applied)
    names = _code_labels(db)
    applied = [[c.strip() for c in str(a).split(",") if c.strip()] if isinstance(a, str) else [code]
               for a in q["applied"]]
    several = any(c != code and c.startswith(code + ".") for c in names) or len({c for a in applied for c in a}) > 1
    labels = pd.Series([", ".join(names.get(c, c) for c in a) for a in applied], index=q.index, dtype=object)
    return Table(f"Sitater kodet «{label}» ({code})", _quote_frame(q, several, labels), "Sitater",
                 wrap=[H["quote"]], heading=f"Sitater kodet «{label}»")


def _code_labels(db: Database) -> dict[str, str]:
    from ..analysis import codes_frame

    tree = codes_frame(db)
    return {str(c): str(l) for c, l in zip(tree["code"], tree["label"])}


# speaker and source are left out: as typed they may be a real name or file name (not pseudonymised)
FILTER_NAMES = dict(actor="aktør", phase="fase", pilot="pilot", kind="type", county="fylke", coder="koder")


def _filter_caption(db: Database, coder: str | None = None, **filters) -> str:
    """"aktør: prosjektleder, fase: fase 2" for the filters given (values as stored, "Fase 2" is
    "fase 2"), for a quote file's caption; "" without filters. Speaker and source are not named."""
    from ..analysis.aggregate import check_filters

    plain = {k: v for k, v in filters.items() if v is not None and k in ("actor", "phase", "pilot", "kind", "county")}
    shown = check_filters(db, plain) if plain else {}
    if coder not in (None, "", "all"):
        shown["coder"] = coder
    parts = []
    for key, name in FILTER_NAMES.items():
        value = shown.get(key)
        if value is None:
            continue
        values = [value] if isinstance(value, (str, int)) else list(value)
        parts.append(f"{name}: {', '.join(str(v) for v in values)}")
    return ", ".join(parts)


def _code_label(db: Database, code: str) -> str:
    from ..analysis import codes_frame

    tree = codes_frame(db)
    return dict(zip(tree["code"], tree["label"])).get(code, code)


@requires("export")
def released_quote_table(db: Database, *, code: str | None = None, codes=None, coder: str | None = None,
                         codebook_version=None, user: str | None = None, exclude_actors=(),
                         **filters) -> Table:
    """The quotes released for the resource group (pseudonym, actor, phase, scrubbed text):
    the only quotes an export made with suppression carries, restricted as the other tables
    are: ``code`` (with its subcodes) or ``codes`` (id prefixes, as ``theme_matrix``), the
    released quote's actor, phase and pilot (``filters``, checked as ``quotes`` checks them),
    and with ``coder`` or ``codebook_version`` only quotes whose coding that coder made or that
    version holds."""
    from sqlalchemy import select

    from ..analysis import codes_frame
    from ..analysis.aggregate import _coded_pairs, check_filters, select_codes
    from ..sharing import released_quotes
    from ..store import ReleasedQuote

    unsupported = sorted(k for k, v in filters.items() if v is not None and k not in ("actor", "phase", "pilot"))
    if unsupported:
        raise WorkbenchError(f"released quotes can be chosen by actor, phase and pilot, not by "
                             f"{', '.join(unsupported)}; leave that filter out of an export with suppression")
    wanted = check_filters(db, {k: v for k, v in filters.items() if v is not None})
    chosen = select_codes(codes_frame(db), codes)
    q = released_quotes(db, code=code, **wanted)
    if chosen is not None:
        q = q[q["code"].isin(chosen)]
    if (coder not in (None, "", "all") or codebook_version not in (None, "")) and not q.empty:
        pairs = _coded_pairs(db, coder=coder, codes=codes, codebook_version=codebook_version,
                             exclude_actors=exclude_actors)
        with db.session() as s:
            segment = dict(s.execute(select(ReleasedQuote.id, ReleasedQuote.segment_id)
                                     .where(ReleasedQuote.id.in_([int(i) for i in q["id"]]))).all())
        q = q[[(segment.get(int(i)), str(c)) in pairs for i, c in zip(q["id"], q["code"])]]
    q = q.reset_index(drop=True)
    if wanted.get("actor") is None:  # an actor asked for by name is shown
        q = _without_actors(q, exclude_actors)
    out = pd.DataFrame({H["code"]: q["label"], H["speaker"]: q["speaker"], H["actor"]: q["actor"],
                        H["phase"]: q["phase"], H["quote"]: q["text"]})
    return Table("Frigitte sitater (pseudonymisert og renset for navn og kontaktopplysninger)", out,
                 "Frigitte sitater", wrap=[H["quote"]], empty_note=NONE_RELEASED)


def _project_k(db: Database) -> int:
    from ..sharing import min_cell_speakers

    return min_cell_speakers(db)


@requires("export")
def report_tables(db: Database, *, coder: str | None = None, codes=None, codebook_version=None,
                  suppress: bool | int | None = None, reveal: bool = False,
                  include_researchers: bool = False, user: str | None = None) -> Tables:
    """Every table of ``workbench export tables``, in report order (``Tables``: with ``notes``).

    Speakers are pseudonyms and quotes are scrubbed unless a researcher asks ``reveal``.
    ``suppress`` (True = the project's k, or k) blanks small cells as "<k" and replaces the quote
    table by the quotes released for the resource group (under the same codes, coder and
    codebook version as the other tables). The interviewers' own turns (actor
    ``forsker``) are left out of every count, share and quote table unless
    ``include_researchers`` (the rule of the dashboards and Oversikt)."""
    out = counted_out(include_researchers)
    kw = dict(coder=coder, codes=codes, codebook_version=codebook_version)
    agg = dict(kw, suppress=suppress or None)
    quotes_table = (released_quote_table(db, exclude_actors=out, **kw) if suppress
                    else quote_table(db, reveal=reveal, exclude_actors=out, **kw))
    phases = phase_tables(db, exclude_actors=out, **agg)
    return Tables([matrix_long(db, exclude_actors=out, **agg), *matrices_per_phase(db, exclude_actors=out, **agg),
                   *phases, cooccurrence_table(db, exclude_actors=out, **agg),
                   frequency_table(db, exclude_actors=out, **agg), quotes_table], phases.notes)
