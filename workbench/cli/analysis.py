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
              help="Group by any of actor, phase, pilot, kind, county, speaker, source (comma-separated).")
@click.option("--codes", help="Only codes whose id starts with PREFIX (e.g. kontrakt; comma-separated).")
@click.option("--coder", help="A coder's name, 'all' (default) or 'consensus'.")
@click.option("--codebook-version", help="Only codings made under this codebook version (id or name).")
@click.option("--all-rows", is_flag=True, help="Also rows with zero coded segments.")
@click.option("--exclude-actor", "exclude_actors", multiple=True, metavar="ACTOR",
              help="Leave this actor's segments out of counts and shares (repeatable), e.g. forsker.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of rows).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.pass_context
def dashboard(ctx: click.Context, by: str, codes: str | None, coder: str | None,
              codebook_version: str | None, all_rows: bool, exclude_actors: tuple[str, ...],
              as_json: bool, as_csv: bool) -> None:
    """Themes per group: one row per (group values..., code) with segments, speakers, sources
    and share (coded segments / all segments of the group)."""
    from ..analysis import theme_matrix
    from ..analysis.aggregate import parse_by

    if as_json and as_csv:
        raise click.UsageError("velg enten --json eller --csv")
    groups = parse_by(by)
    db = open_db(ctx)
    try:
        df = theme_matrix(db, by=groups, codes=codes, coder=coder,
                          codebook_version=codebook_version, fill=all_rows,
                          exclude_actors=exclude_actors, user=acting_user(ctx))
    finally:
        db.dispose()
    cols = groups + DASHBOARD_COLUMNS
    df = df[cols] if not df.empty else df.reindex(columns=cols)
    if as_csv:
        buf = io.StringIO()
        df.to_csv(buf, index=False)
        click.echo(buf.getvalue(), nl=False)
        return
    rows = [{c: (None if v != v else v) for c, v in row.items()}  # NaN -> null
            for row in df.astype(object).to_dict(orient="records")]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingen kodede segmenter (sjekk --codes, --coder og om noe er kodet).")
        return
    for r in rows:
        r["share"] = "" if r["share"] is None else f"{r['share'] * 100:.1f} %"
    echo_table(rows, cols)


@click.group()
def export() -> None:
    """Report-ready tables (xlsx, docx, csv, md) with charts, and quote tables."""


@export.command("tables")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "docx", "md"]), default="xlsx",
              help="Table format; charts are written as PNG beside the tables.",
              show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="File (xlsx, docx, md) or folder / base name (csv). Charts are written beside it.")
@click.option("--coder", help="A coder's name, 'all' (default) or 'consensus'.")
@click.option("--codes", help="Only codes whose id starts with PREFIX.")
@click.option("--codebook-version", help="Only codings made under this codebook version.")
@click.option("--no-charts", is_flag=True, help="Tables only, no PNG charts.")
@click.pass_context
def tables(ctx: click.Context, fmt: str, output: Path, coder: str | None, codes: str | None,
           codebook_version: str | None, no_charts: bool) -> None:
    """The actor x code matrix per phase, phase comparison, co-occurrence, code frequencies and
    quotes, with Norwegian headings; heatmap and bar charts as PNG."""
    from ..export import export_tables

    db = open_db(ctx)
    try:
        files = export_tables(db, output, format=fmt, user=acting_user(ctx), coder=coder,
                              codes=codes, codebook_version=codebook_version, charts=not no_charts)
    finally:
        db.dispose()
    for f in files:
        click.echo(f"Skrev {f}")


@export.command("quotes")
@click.option("--code", required=True, help="Code id (children are included).")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx", "csv", "md"]), default="docx",
              help="Format of the quote table.",
              show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="File to write.")
@click.option("--coder", help="A coder's name, 'all' (default) or 'consensus'.")
@click.option("--actor", help="Only this actor.")
@click.option("--phase", help="Only this phase.")
@click.option("--pilot", help="Only this pilot.")
@click.pass_context
def quotes_cmd(ctx: click.Context, code: str, fmt: str, output: Path, coder: str | None,
               actor: str | None, phase: str | None, pilot: str | None) -> None:
    """The quotes behind a code, with source, speaker, actor, phase and time or position."""
    from ..export import export_quotes

    filters = {k: v for k, v in dict(actor=actor, phase=phase, pilot=pilot).items() if v}
    db = open_db(ctx)
    try:
        files = export_quotes(db, output, code=code, format=fmt, user=acting_user(ctx),
                              coder=coder, **filters)
    finally:
        db.dispose()
    for f in files:
        click.echo(f"Skrev {f}")


COMMANDS = [dashboard, export]
