"""`workbench codebook ...`: validate, load, show, export, import, merge, move-codings."""

from __future__ import annotations

from pathlib import Path

import click

from ._util import acting_user, echo_json, echo_table, open_db


@click.group()
def codebook() -> None:
    """The theory-based codebook: validate, load into the database, show, export, import, merge,
    move codings off a category."""


@codebook.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat empty fields (definition, examples ...) as errors.")
@click.pass_context
def validate(ctx: click.Context, file: Path, strict: bool) -> None:
    """Check a codebook YAML FILE; exit code 1 on errors."""
    from ..codebook import iter_codes, validate_codebook

    result = validate_codebook(file, strict=strict)
    for line in result.errors:
        click.echo(f"Feil: {line}", err=True)
    for line in result.warnings:
        click.echo(f"Advarsel: {line}", err=True)
    if result.errors:
        click.echo(f"{file}: {len(result.errors)} feil, {len(result.warnings)} advarsler.")
        ctx.exit(1)
    n = len(iter_codes(result.codebook))
    click.echo(f"{file}: gyldig ({n} koder, {len(result.warnings)} advarsler).")


@codebook.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def load(ctx: click.Context, file: Path) -> None:
    """Load a codebook YAML FILE into the database (a new version when its content changed)."""
    from ..codebook import load_codebook

    report = load_codebook(open_db(ctx, create=True), file, user=acting_user(ctx))
    for line in report.warnings:
        click.echo(f"Advarsel: {line}", err=True)
    for cid, old, new in report.renamed:
        click.echo(f"Omdøpt: {cid}: «{old}» -> «{new}»")
    for cid in report.retired:
        click.echo(f"Pensjonert (i bruk, fjernet fra fila): {cid}")
    click.echo(report.summary())


@codebook.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON with all fields.")
@click.option("--all", "include_retired", is_flag=True, help="Include retired codes.")
@click.pass_context
def show(ctx: click.Context, as_json: bool, include_retired: bool) -> None:
    """Show the current codes in the database."""
    from ..codebook import current_codes

    rows = current_codes(open_db(ctx), user=acting_user(ctx), include_retired=include_retired)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingen kodebok i databasen; kjør `workbench codebook load FIL`.")
        return
    for r in rows:
        depth = r["id"].count(".")
        r["kode"] = "  " * depth + r["id"]
        r["kodbar"] = "ja" if r["codable"] else "nei"
        r["status"] = "pensjonert" if r["retired"] else ""
    echo_table(rows, ["kode", "label", "kodbar"] + (["status"] if include_retired else []))


@codebook.command("export")
@click.option("--format", "fmt", type=click.Choice(["qdc", "csv", "docx", "md"]), required=True,
              help="qdc: REFI-QDA codebook for other QDA tools; csv; docx/md: a codebook appendix for the report.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write.")
@click.option("--from", "from_file", type=click.Path(path_type=Path),
              help="Export a YAML codebook file instead of the database's current codebook.")
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, output: Path, from_file: Path | None) -> None:
    """Export the codebook as QDC (REFI-QDA), CSV, Word or Markdown."""
    from ..codebook import current_codes, current_version, export_codebook, iter_codes, read_codebook
    from ..codebook.export import add_exclusive
    from ..codebook.schema import specs_from_rows
    from ..errors import WorkbenchError

    if from_file is not None:
        cb, _ = read_codebook(from_file)
        specs, title = iter_codes(cb), cb.title or cb.name
    else:
        db = open_db(ctx)
        specs = specs_from_rows(current_codes(db, user=acting_user(ctx)))
        if not specs:
            raise WorkbenchError("the database has no codebook; run `workbench codebook load FILE` "
                                 "or use --from FILE")
        version = current_version(db) or {}
        content = version.get("content") or {}
        title = content.get("title") or content.get("name")
        add_exclusive(specs, content)
    export_codebook(specs, fmt, output, title=title)
    click.echo(f"Skrev {output} ({fmt}, {len(specs)} koder).")


@codebook.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The YAML codebook to write.")
@click.option("--name", default=None, help="The codebook's name (CSV and QDC do not carry it; default: the file's "
                                           "name). Give the name of its earlier versions to keep it.")
@click.pass_context
def import_cmd(ctx: click.Context, file: Path, output: Path, name: str | None) -> None:
    """Import a REFI-QDA codebook (.qdc, .qdpx, .qde) or CSV FILE as a YAML codebook.

    An Excel sheet: save it as CSV (UTF-8) first."""
    from ..codebook import import_codebook, iter_codes

    out, warnings = import_codebook(file, output, name=name)
    for line in warnings[:20]:
        click.echo(f"Advarsel: {line}", err=True)
    if len(warnings) > 20:
        click.echo(f"... og {len(warnings) - 20} advarsler til; se `workbench codebook validate {out}`", err=True)
    n = len(iter_codes(out))
    click.echo(f"Skrev {out} ({n} koder; {len(warnings)} advarsler).")


@codebook.command()
@click.argument("old")
@click.argument("new")
@click.pass_context
def merge(ctx: click.Context, old: str, new: str) -> None:
    """Merge code OLD into NEW: its codings, suggestions, memos and released quotes move to NEW; OLD is retired."""
    from ..codebook import merge_codes

    report = merge_codes(open_db(ctx), old, new, user=acting_user(ctx))
    click.echo(report.summary())
    click.echo(f"Husk å fjerne {old} fra kodebokfila.")


@codebook.command("move-codings")
@click.argument("old")
@click.argument("new")
@click.pass_context
def move_codings_cmd(ctx: click.Context, old: str, new: str) -> None:
    """Move the codings of OLD, a category (codable: false), to NEW, usually one of its sub-codes.

    For a code that a load has made a category while codings sat on it: they count in no
    agreement until they are on a code one can apply. OLD stays a category; a coding whose coder
    has NEW on the same turn and span already becomes one with it."""
    from ..codebook import move_codings

    report = move_codings(open_db(ctx), old, new, user=acting_user(ctx))
    click.echo(report.summary())


COMMANDS = [codebook]
