"""Theme dashboards and report exports: dashboard, export tables, export quotes."""

from __future__ import annotations

import io
from pathlib import Path

import click

from ._util import acting_user, echo_json, echo_table, open_db

DASHBOARD_COLUMNS = ["code", "label", "segments", "speakers", "sources", "share"]
FILTERS = ("actor", "phase", "pilot", "kind", "county", "speaker", "source")


@click.command()
@click.option("--by", default="actor,phase", show_default=True,
              help="Group by any of actor, phase, pilot, kind, county, speaker, source (comma-separated). "
                   "The resource group: actor,phase; actor,phase,pilot; phase; or \"\" (per code) only.")
@click.option("--codes", help="Only codes whose id starts with PREFIX (e.g. kontrakt; comma-separated).")
@click.option("--coder", help="A coder's name (konsensus: the recorded consensus), 'all' (default) or 'consensus' "
                             "(the codes the coders agree on).")
@click.option("--codebook-version", help="Only codings made under this codebook version (id or name).")
@click.option("--all-rows", is_flag=True, help="Also rows with zero coded segments (always so with suppression "
                                              "and for the resource group).")
@click.option("--exclude-actor", "exclude_actors", multiple=True, metavar="ACTOR",
              help="Leave this actor's segments out of counts and shares (repeatable); "
                   "the interviewers (forsker) are left out by default. Not for the resource group.")
@click.option("--include-researchers", is_flag=True,
              help="Count the interviewers' own turns (actor forsker), left out by default.")
@click.option("--suppress", "suppress", is_flag=False, flag_value="project", default=None, metavar="[K]",
              help="Hide cells based on fewer than K speakers (default: the project's min_cell_speakers), "
                   "as the resource group sees them (always on for that role); a K below the project's "
                   "prints a warning.")
@click.option("--reveal", is_flag=True, help="Researchers: speaker labels and file names as written (audited).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of rows).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.pass_context
def dashboard(ctx: click.Context, by: str, codes: str | None, coder: str | None,
              codebook_version: str | None, all_rows: bool, exclude_actors: tuple[str, ...],
              include_researchers: bool, suppress: str | None, reveal: bool, as_json: bool, as_csv: bool) -> None:
    """Themes per group: one row per (group values..., code) with segments, speakers, sources
    and share (coded segments / all segments of the group). The interviewers' own turns
    (actor forsker) are left out unless --include-researchers. The resource group gets the
    published tables only (see docs/privacy.md), suppressed together."""
    from ..analysis import theme_matrix
    from ..export.tables import counted_out
    from ..analysis.aggregate import parse_by

    from ..errors import PermissionDenied

    if as_json and as_csv:
        raise click.UsageError("velg enten --json eller --csv")
    groups = parse_by(by)
    db = open_db(ctx)
    try:
        asked = _suppress_value(suppress)
        df = theme_matrix(db, by=groups, codes=codes, coder=coder,
                          codebook_version=codebook_version, fill=all_rows,
                          exclude_actors=(*counted_out(include_researchers), *exclude_actors),
                          suppress=asked, reveal=reveal, user=acting_user(ctx))
        _warn_below_project_k(db, df.attrs.get("suppressed_k"))
        if df.attrs.get("phase_note"):  # the phases' order may not be the one meant: one line
            click.echo(df.attrs["phase_note"], err=True)
        if include_researchers and df.attrs.get("excluded_actors"):
            click.echo("Merk: ressursgruppen ser tallene uten forskernes egne ytringer; --include-researchers "
                       "gjelder ikke her.", err=True)
    except PermissionDenied as exc:
        hint = PUBLISHED_HINTS.get(getattr(exc, "code", ""))
        if hint:
            raise PermissionDenied(f"{exc} {hint}", code=exc.code, **exc.params) from None
        raise
    finally:
        db.dispose()
    k = df.attrs.get("suppressed_k")
    cols = groups + DASHBOARD_COLUMNS + (["suppressed"] if k is not None else [])
    df = df[cols] if not df.empty else df.reindex(columns=cols)
    if as_csv:
        buf = io.StringIO()
        df.to_csv(buf, index=False)
        click.echo(buf.getvalue(), nl=False)
        return
    import pandas as pd

    rows = [{c: (None if v is None or v is pd.NA or v != v else v) for c, v in row.items()}  # NaN/NA -> null
            for row in df.astype(object).to_dict(orient="records")]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(no_segments("--codes, --coder"))
        return
    from ..analysis.aggregate import HIDDEN_TEXT, hidden_note, overlap_mask

    hidden = f"<{k}"
    overlap = False
    for r, parent_only in zip(rows, overlap_mask(df, groups)):  # a parent hidden for what its subcodes share
        if r.get("suppressed"):
            overlap |= bool(parent_only)
            for c in ("segments", "speakers", "sources", "share"):
                r[c] = HIDDEN_TEXT if parent_only else hidden
        else:
            r["share"] = "" if r["share"] is None else f"{r['share'] * 100:.1f} %"
    echo_table(rows, [c for c in cols if c != "suppressed"])
    if k is not None:
        click.echo(f"({hidden}: færre enn {k} talere bak cellen; skjult sammen med en annen celle "
                   "der det trengs for at tallet ikke skal kunne regnes ut)")
        if overlap:
            click.echo(f"({hidden_note(k)})")


# what the resource group can ask the dashboard for instead (the library's refusal says why)
PUBLISHED_HINTS = {
    "published.grouping": ('Bruk --by actor,phase (standard), --by actor,phase,pilot, --by phase eller '
                           '--by "" (totalt).'),
    "published.exclude": "Ta bort --exclude-actor.",
    "published.coder": "Ta bort --coder: ressursgruppen ser alle koderes kodinger.",
    "published.version": "Ta bort --codebook-version: ressursgruppen ser gjeldende kodebok.",
}


def _warn_below_project_k(db, used) -> None:
    """A k below the project's is a view for the team, never for the resource group: one line."""
    from ..sharing import min_cell_speakers

    if used is not None and used < min_cell_speakers(db):
        click.echo(f"Advarsel: --suppress {used} er lavere enn prosjektets min_cell_speakers "
                   f"({min_cell_speakers(db)}); tabellen er ikke for ressursgruppen.", err=True)


def _suppress_value(value: str | None):
    """--suppress alone = the project's k; --suppress 5 = k 5."""
    if value is None:
        return None
    if value == "project":
        return True
    if not str(value).isdigit() or int(value) < 2:
        raise click.BadParameter(f"{value!r}: give a number of speakers of at least 2", param_hint="--suppress")
    return int(value)


@click.group()
def export() -> None:
    """Report-ready tables (xlsx, docx, csv, md) with charts, and quote tables."""


@export.command("tables")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "docx", "md"]), default=None,
              help="Table format (default: the -o file's suffix, else xlsx); charts are written as PNG "
                   "beside the tables.")
@click.option("-o", "--output", type=click.Path(), required=True,
              help="File (xlsx, docx, md) or folder / base name (csv); a name ending in / is a folder (made if "
                   "missing) holding tabeller.<format>. Charts are written beside it.")
@click.option("--coder", help="A coder's name (konsensus: the recorded consensus), 'all' (default) or 'consensus' "
                             "(the codes the coders agree on).")
@click.option("--codes", help="Only codes whose id starts with PREFIX.")
@click.option("--codebook-version", help="Only codings made under this codebook version.")
@click.option("--no-charts", is_flag=True, help="Tables only, no PNG charts.")
@click.option("--suppress", "suppress", is_flag=False, flag_value="project", default=None, metavar="[K]",
              help="For the resource group: cells of fewer than K speakers read <K (default K: the project's "
                   "min_cell_speakers; a lower K is refused), the same cells hidden as in the group's own "
                   "tables, and only released quotes.")
@click.option("--reveal", is_flag=True, help="Researchers: speaker labels and unscrubbed quotes (audited).")
@click.option("--include-researchers", is_flag=True,
              help="Count the interviewers' own turns (actor forsker), left out by default.")
@click.option("--phases", metavar="A,B[,C]",
              help="The phases to compare, in time order (comma-separated, at least two): one change table "
                   "per consecutive pair, and these phases first in every sheet and chart. Default: the "
                   "project's order (setting phase_order, else the sources' earliest date, else the names).")
@click.pass_context
def tables(ctx: click.Context, fmt: str | None, output: Path, coder: str | None, codes: str | None,
           codebook_version: str | None, no_charts: bool, suppress: str | None, reveal: bool,
           include_researchers: bool, phases: str | None) -> None:
    """The actor x code matrix per phase, phase comparison, co-occurrence, code frequencies and
    quotes, with Norwegian headings; heatmap and bar charts as PNG. The interviewers' own turns
    (actor forsker) are left out unless --include-researchers."""
    from ..export import export_tables

    db = open_db(ctx)
    try:
        files = export_tables(db, output, format=fmt, user=acting_user(ctx), coder=coder,
                              codes=codes, codebook_version=codebook_version, charts=not no_charts,
                              suppress=_suppress_value(suppress), reveal=reveal,
                              include_researchers=include_researchers, phases=phases)
    finally:
        db.dispose()
    _report_written(files)
    for note in getattr(files, "notes", ()):
        click.echo(note, err=True)
    if getattr(files, "empty", False):
        click.echo(no_segments("--codes, --coder"), err=True)


@export.command("quotes")
@click.option("--code", required=True, help="Code id (children are included).")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "csv", "md"]), default=None,
              help="Format of the quote table (default: the -o file's suffix, else docx).")
@click.option("-o", "--output", type=click.Path(), required=True,
              help="File to write; a name ending in / is a folder (made if missing) holding sitater.<format>.")
@click.option("--coder", help="A coder's name (konsensus: the recorded consensus), 'all' (default) or 'consensus' "
                             "(the codes the coders agree on).")
@click.option("--actor", help="Only this actor.")
@click.option("--phase", help="Only this phase.")
@click.option("--pilot", help="Only this pilot.")
@click.option("--suppress", is_flag=True, help="Only the quotes released for the resource group.")
@click.option("--reveal", is_flag=True, help="Researchers: speaker labels and unscrubbed quotes (audited).")
@click.option("--include-researchers", is_flag=True,
              help="Count the interviewers' own turns (actor forsker), left out by default.")
@click.pass_context
def quotes_cmd(ctx: click.Context, code: str, fmt: str | None, output: Path, coder: str | None,
               actor: str | None, phase: str | None, pilot: str | None, suppress: bool, reveal: bool,
               include_researchers: bool) -> None:
    """The quotes behind a code, with source, speaker, actor, phase and time or position."""
    from ..export import export_quotes

    filters = {k: v for k, v in dict(actor=actor, phase=phase, pilot=pilot).items() if v}
    db = open_db(ctx)
    try:
        files = export_quotes(db, output, code=code, format=fmt, user=acting_user(ctx),
                              coder=coder, suppress=suppress, reveal=reveal,
                              include_researchers=include_researchers, **filters)
    finally:
        db.dispose()
    _report_written(files)
    if getattr(files, "empty", False):
        click.echo(no_quotes(files), err=True)


def _report_written(files) -> None:
    """One line per file: "Skrev F", or "Overskrev F" for a file that was there before."""
    replaced = set(getattr(files, "overwritten", ()))
    for f in files:
        click.echo(f"{'Overskrev' if f in replaced else 'Skrev'} {f}")


def no_segments(options: str) -> str:
    """The one line of a dashboard or export with nothing coded in the selection."""
    return f"Ingen kodede segmenter (sjekk {options} og om noe er kodet)."


def no_quotes(files) -> str:
    """The one line of a quote export with no quote in the selection: the code and the filters
    (as in the file's caption), the file written and what it holds, and what to check."""
    selection = files.subject + (f"; {files.filters}" if files.filters else "")
    path = files[0] if files else None
    holds = "har bare overskriftsraden" if str(path).lower().endswith(".csv") else "har ingen sitater"
    if files.released:
        return (f"Ingen frigitte sitater for {selection}. {path} {holds} (sjekk --code, --coder, --actor, "
                "--phase, --pilot og om noe er frigitt med workbench release).")
    return (f"Ingen kodede segmenter for {selection}. {path} {holds} (sjekk --code, --coder, --actor, "
            "--phase, --pilot og om noe er kodet).")


COMMANDS = [dashboard, export]
