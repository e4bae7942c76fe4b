"""Report-ready exports: tables (xlsx, docx, csv, md) with Norwegian headings, and charts (PNG).

``EXPORTERS`` maps a format to a writer ``write(tables, path) -> list[Path]``; register a new
format by adding to it. ``export_tables`` and ``export_quotes`` are the entry points;
``export_agreement`` (``export.agreement``) writes the agreement between coders for a report.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from ..access import requires
from ..analysis.aggregate import chosen_phases, shared_reads
from ..errors import InputError, WorkbenchError
from ..store import Database
from .charts import write_charts
from .tables import (H, Table, _code_label, code_quote_table, counted_out, _filter_caption,
                     released_quote_table, report_tables, slug)
from .writers import owner_only, write_csv, write_docx, write_md, write_xlsx

EXPORTERS: dict[str, Callable[[list[Table], Path], list[Path]]] = {
    "xlsx": write_xlsx,
    "docx": write_docx,
    "csv": write_csv,
    "md": write_md,
}


class Written(list):
    """The files an export wrote (tables first); ``empty`` is True when the selection held no
    coded segment, so that a shell can warn instead of reporting an empty file as done.

    A quote export also says what it selected, for that warning: ``subject`` (the code,
    "«Kapasitet» (kapasitet)"), ``filters`` (as in the caption, "aktør: prosjektleder"; "" for
    none) and ``released`` (only quotes released for the resource group)."""

    empty: bool = False
    overwritten: tuple = ()  # the files of the list that were there before (and are replaced)
    subject: str = ""
    filters: str = ""
    released: bool = False
    notes: tuple = ()  # Norwegian lines for the person exporting (a table left out, the phase order)


def _written(files: list[Path], empty: bool, **about) -> Written:
    out = Written(files)
    out.empty = bool(empty)
    for key, value in about.items():
        setattr(out, key, value)
    return out


def _writer(format: str):
    try:
        return EXPORTERS[format.lower().lstrip(".")]
    except KeyError:
        raise WorkbenchError(f"export format {format!r} is not known; use one of "
                             f"{', '.join(sorted(EXPORTERS))}") from None


def resolve_format(path: str | Path, format: str | None, default: str) -> str:
    """The format to write ``path`` in: ``format`` when given, else the one its suffix names
    (``-o tabeller.docx`` -> docx), else ``default``. A suffix naming another export format than
    ``format`` (``--format docx -o x.xlsx``) is an error, never a file ``x.xlsx.docx``, and so is
    a suffix of no export format (``-o t.txt``), never a file ``t.txt.xlsx``."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if format is not None and str(format).strip() != "":
        _writer(str(format))
    if re.fullmatch(r"[a-z][a-z0-9]{0,4}", suffix) and suffix not in EXPORTERS and not Path(path).is_dir():
        given = str(format or "").lower().lstrip(".")
        names = [f"{Path(path).stem}.{f}" for f in ([given] if given in EXPORTERS else EXPORTERS)]
        choice = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise WorkbenchError(f"{path}: the name ends in .{suffix}, which is not an export format; name the file "
                             f"{choice}",
                             code="export.unknown_suffix", path=str(path), suffix=suffix)
    if format is None or str(format).strip() == "":
        return suffix if suffix in EXPORTERS else default
    fmt = str(format).lower().lstrip(".")
    _writer(fmt)
    if suffix in EXPORTERS and suffix != fmt:
        raise WorkbenchError(f"{path}: the name ends in .{suffix} but the format is {fmt}; name the file "
                             f"{Path(path).with_suffix('.' + fmt).name}, or give --format {suffix} (or leave "
                             "--format out: the suffix decides)", code="export.format_mismatch",
                             path=str(path), suffix=suffix, format=fmt)
    return fmt


def output_path(path: str | Path) -> Path:
    """The ``-o`` path as the writers take it: an empty one is refused; one that ends in "/" (or
    the system's separator) names a folder, which is made (the file in it gets its default name:
    tabeller.xlsx, sitater.docx), never a file named after the folder."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path if path is not None else "")
    if not text.strip():
        raise InputError("no output path: give a file such as tabeller.xlsx, or a folder ending in /",
                         code="export.no_output")
    if text.endswith(("/", os.sep) + ((os.altsep,) if os.altsep else ())):
        from .writers import make_folder

        make_folder(Path(text))
    return Path(text)


def _existing(path: Path) -> set[Path]:
    """Files already in the folder an export writes to (to tell "Overskrev" from "Skrev")."""
    folder = path if path.is_dir() else path.parent
    try:
        return {folder / name for name in os.listdir(folder)}
    except OSError:
        return set()


def _chart_place(path: Path, format: str) -> tuple[Path, str]:
    """Charts go beside the tables: (folder, file-name prefix). The prefix names the table file and
    its format ("rapport_docx_"), so that rapport.xlsx and rapport.docx (perhaps one with
    suppression and one without) never overwrite each other's charts."""
    path = Path(path)
    if format == "csv" and path.suffix.lower() != ".csv":
        return path, ""  # a folder of CSV files: charts inside it
    if path.is_dir():
        return path, f"tabeller_{format}_"
    base = path.name[: -len(path.suffix)] if path.suffix.lower() == f".{format}" else path.name
    return path.parent, f"{base}_{format}_"


@requires("export")
def export_tables(db: Database, path: str | Path, *, format: str | None = None, user: str | None = None,
                  coder: str | None = None, codes=None, codebook_version=None,
                  charts: bool = True, suppress: bool | int | None = None,
                  reveal: bool = False, include_researchers: bool = False,
                  phases: str | list[str] | None = None, via: str | None = None) -> list[Path]:
    """Write the report tables (theme matrix per actor and phase, one actor x code matrix per
    phase, phase comparison, co-occurrence, code frequencies, quotes) and the charts.

    Speakers are pseudonyms and quote texts are scrubbed unless a researcher asks ``reveal``
    (audited). ``suppress`` (True = the project's k, or k) makes a file fit for the resource
    group: cells based on fewer than k speakers read "<k", with complementary suppression, and
    the only quotes are those released for the group. The interviewers' own turns (actor
    ``forsker``) are left out of counts, charts and quotes unless ``include_researchers``.
    ``format``: xlsx, docx, csv or md; without it the suffix of ``path`` decides (else xlsx),
    and a suffix of another format is an error (``resolve_format``).
    ``phases`` ("Oppstart,Gjennomføring" or a list; at least two): the phases the comparison
    compares, in this order (consecutive pairs), and first in every sheet and chart; without it
    the project's order (``analysis.aggregate.order_phases``). ``.notes`` holds what the person
    exporting should know: the comparison left out for want of two phases, an uncertain order.
    Returns the files written, tables first (``Written``: ``.empty`` when nothing is coded in
    the selection; the files are written all the same, an empty sheet saying so).

    A file with suppression is for the resource group, so it is made as the group's own tables
    are (``analysis.aggregate.PUBLISHED_GROUPINGS``), or refused: at the project's k or above
    (``min_cell_speakers``), all coders, the current codebook, the interviewers left out; that
    way each count in it is one the group gets, or is hidden there too (its co-occurrence sheet,
    which the app does not show, is suppressed by the same rule).

    ``via="app"``: the files are written to a temporary folder and offered for download (the
    Eksport page): the audit records their names only and that they were downloaded from the app,
    since the folder is gone when ``forget`` lists the copies. The audit also records whether the
    phase and pilot values were written as stored (``values_as_stored``: researchers,
    ``sharing.shown_values``), which ``forget`` needs when a value held the person's name."""
    if via not in (None, "app"):
        raise InputError(f"via={via!r}: give via='app' (downloaded from the app) or leave it out", code="export.via")
    path = output_path(path)
    format = resolve_format(path, format, "xlsx")
    writer = _writer(format)
    before = _existing(path)
    if suppress:
        _check_for_resource_group(db, suppress, coder=coder, codebook_version=codebook_version,
                                  include_researchers=include_researchers)
    chosen = _check_phases(db, phases)
    with shared_reads(), chosen_phases(chosen):
        tables = report_tables(db, coder=coder, codes=codes, codebook_version=codebook_version,
                               suppress=suppress, reveal=reveal, include_researchers=include_researchers)
        files = writer(tables, Path(path))
        table_files = list(files)
        if charts:
            folder, prefix = _chart_place(Path(path), format.lower().lstrip("."))
            files += write_charts(db, folder, prefix, coder=coder, codes=codes,
                                  codebook_version=codebook_version, suppress=suppress or None,
                                  exclude_actors=counted_out(include_researchers))
    if reveal:  # real names: owner-only, as a backup
        owner_only(files)
    # the quote table is the last table (``report_tables``), so the last file of the tables holds it:
    # ``forget`` lists an earlier table export holding quotes (``quotes``: how many, even 0) by that file
    quote_rows = len(tables[-1].frame)
    from ..sharing import shown_values

    named = (lambda f: Path(f).name) if via == "app" else str
    _audit_export(db, user, "export_tables", [named(f) for f in files],
                  dict(format=format, suppress=suppress, reveal=reveal, include_researchers=include_researchers,
                       phases=list(chosen) if chosen else None, via=via,
                       quote_file=named(table_files[-1]) if quote_rows else None),
                  counts=dict(quotes=quote_rows, values_as_stored=shown_values(db).as_stored))
    return _written(files, empty=tables[0].frame.empty,  # the theme matrix: coded segments only
                    overwritten=tuple(f for f in files if Path(f) in before),
                    notes=tuple(getattr(tables, "notes", ())))


def _check_phases(db: Database, phases) -> list[str] | None:
    """``--phases A,B``: the phases as stored ("Fase 2" is "fase 2"), at least two, each once; a
    phase no segment has is an error naming the known phases (``check_filters``)."""
    if phases is None or (isinstance(phases, str) and not phases.strip()):
        return None
    from ..analysis.aggregate import check_filters

    from ..sharing import split_phases

    names = split_phases(phases) if isinstance(phases, str) else [str(p).strip() for p in phases if str(p).strip()]
    names = list(check_filters(db, {"phase": names})["phase"])
    if len(names) < 2 or len(set(names)) != len(names):
        raise InputError(f"--phases {','.join(names)}: give two or more different phases to compare, in time "
                         "order (--phases \"fase 1,fase 2\")", code="export.phases")
    return names


def _check_for_resource_group(db: Database, suppress, *, coder, codebook_version, include_researchers) -> None:
    """An export with suppression is for the resource group: refuse one that would show more than
    the group's published tables (a lower k, one coder, an old codebook, the interviewers' turns)."""
    from ..sharing import min_cell_speakers

    project_k = min_cell_speakers(db)
    if not isinstance(suppress, bool) and int(suppress) < project_k:
        raise InputError(f"--suppress {int(suppress)} is below the project's min_cell_speakers ({project_k}): a file "
                         f"with suppression is for the resource group, which never sees cells of fewer than "
                         f"{project_k} speakers; give --suppress {project_k} or more, or --suppress alone",
                         code="export.suppress_below_k", k=int(suppress), project_k=project_k)
    for what, given in (("--coder", coder not in (None, "", "all")),
                        ("--codebook-version", codebook_version not in (None, "")),
                        ("--include-researchers", bool(include_researchers))):
        if given:
            raise InputError(f"{what} with --suppress: a file for the resource group is made from the same "
                             "tables the group sees (all coders, the current codebook, the interviewers' own turns "
                             f"left out), so that it cannot be set against them; leave {what} out",
                             code="export.not_published", option=what)


def _audit_export(db: Database, user: str | None, action: str, files: list[Path], detail: dict,
                  counts: dict[str, int] | None = None) -> None:
    """Audit an export: ``detail`` without its empty values (None, False), ``counts`` as they are
    (a 0 says something), and the files written."""
    with db.transaction(user) as tx:
        tx.audit(action, "file", str(files[0]) if files else None,
                 {**{k: v for k, v in detail.items() if v not in (None, False)}, **(counts or {}),
                  "files": [str(f) for f in files]})


@requires("export")
def export_quotes(db: Database, path: str | Path, *, code: str, format: str | None = None,
                  user: str | None = None, coder: str | None = None, reveal: bool = False,
                  suppress: bool | int | None = None, include_researchers: bool = False,
                  **filters) -> list[Path]:
    """Write the quotes of one code (children included) with references. ``filters``: actor,
    phase, pilot, kind, county, speaker, source (see ``analysis.quotes``). Pseudonymised and
    scrubbed unless a researcher asks ``reveal`` (audited); with ``suppress`` only the quotes
    released for the resource group. The interviewers' own turns (actor ``forsker``) are left
    out unless ``include_researchers`` or asked for by ``actor``. ``format`` as in
    ``export_tables`` (default docx). A filter value that is not in the database is an error
    naming the known values. Returns ``Written`` (``.empty`` when no quote was selected, with
    what was selected). The caption names the code and the filters (``_filter_caption``): in
    Word and Markdown above the table, in a workbook as a title row above the header; a CSV
    file holds the data alone (its header first, only the header when empty), so that programs
    can read it."""
    path = output_path(path)
    format = resolve_format(path, format, "docx")
    writer = _writer(format)
    before = _existing(path)
    out = counted_out(include_researchers)
    from ..analysis import codes_frame
    from ..analysis.aggregate import resolve_code_id

    code = resolve_code_id(codes_frame(db), code)  # "Samarbeid.Tillit", "Tillit": the code; a typo: did you mean
    label = _code_label(db, code)
    if suppress:
        table = released_quote_table(db, code=code, coder=coder, exclude_actors=out, **filters)
        table.heading = f"Sitater kodet «{label}»"
        table.title = (f"Frigitte sitater kodet «{label}» ({code}), pseudonymisert og renset for navn og "
                       "kontaktopplysninger")
    else:
        table = code_quote_table(db, code, coder=coder, reveal=reveal, exclude_actors=out, **filters)
    chosen = _filter_caption(db, coder=coder, **filters)
    if chosen:
        table.title = f"{table.title}; {chosen}"
    files = writer([table], Path(path))
    if reveal:  # real names: owner-only, as a backup
        owner_only(files)
    _audit_export(db, user, "export_quotes", files, dict(format=format, code=code, reveal=reveal,
                                                         suppress=suppress,
                                                         include_researchers=include_researchers))
    return _written(files, empty=table.frame.empty, subject=f"«{label}» ({code})", filters=chosen,
                    released=bool(suppress), overwritten=tuple(f for f in files if Path(f) in before))


from .agreement import agreement_tables, export_agreement  # noqa: E402  (uses the helpers above)

__all__ = ["EXPORTERS", "H", "Table", "Written", "agreement_tables", "export_agreement", "export_quotes",
           "export_tables", "output_path", "resolve_format", "slug", "write_csv", "write_docx", "write_md",
           "write_xlsx", "write_charts"]
