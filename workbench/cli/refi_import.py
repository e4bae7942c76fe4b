"""Import of other tools' projects: workbench import qdpx."""

from __future__ import annotations

from pathlib import Path

import click

from ._util import acting_user, echo_json, open_db


@click.group(name="import")
def import_group() -> None:
    """Import a project from another tool (REFI-QDA .qdpx from NVivo, ATLAS.ti, MAXQDA, QualCoder)."""


@import_group.command(name="qdpx")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as-coder-prefix", "coder_prefix", metavar="P",
              help="Put P before every imported user name, e.g. 'nvivo:' (the coders become nvivo:kari ...).")
@click.option("--coder", "coder_pairs", metavar="NAME=USER", multiple=True,
              help="Credit the work of the file's user NAME to the coder USER here (e.g. Kari=kari); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@click.pass_context
def qdpx(ctx: click.Context, file: Path, coder_prefix: str | None, coder_pairs: tuple[str, ...],
         as_json: bool) -> None:
    """Import FILE.qdpx (or a bare project.qde): sources, codes, coders, codings and memos.

    A file that cannot be read changes nothing (exit 1, one line). Exits 1 when a source,
    selection, coding or note of the file was left out: the summary's line "Ikke importert: ..."
    counts it and the warnings name each item (with --json: "partial" and "skipped"); what could
    be imported is stored all the same. Variables, cases and sets left out are counted in the
    same line but leave the exit status 0. A user of the file whose name is a coder's here in
    another letter case (Kari beside kari) is refused with "did you mean"; --coder Kari=kari
    credits that work to kari.
    """
    from ..refi.importer import import_qdpx

    coders: dict[str, str] = {}
    for pair in coder_pairs:
        name, sep, user = pair.partition("=")
        if not sep or not name.strip() or not user.strip():
            raise click.UsageError(f"--coder {pair!r}: write NAME=USER, the user's name in the file and the coder "
                                   "here (e.g. --coder Kari=kari)")
        coders[name.strip()] = user.strip()
    report = import_qdpx(open_db(ctx, create=True), file, coder_prefix=coder_prefix, user=acting_user(ctx),
                         coders=coders or None)
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(report.summary())
        for warning in report.warnings:
            click.echo(f"Advarsel: {warning}", err=True)
    if report.partial:
        ctx.exit(1)


COMMANDS = [import_group]
