"""REFI-QDA project exchange: `workbench export qdpx` (a subcommand of the `export` group)."""

from __future__ import annotations

from pathlib import Path

import click

from ._util import acting_user, open_db
from .analysis import export


@export.command("qdpx")
@click.option("-o", "--output", type=click.Path(), required=True,
              help="The .qdpx file to write (REFI-QDA project for NVivo, ATLAS.ti, MAXQDA, QualCoder); in a "
                   "folder (ending in /, or one that exists) it is prosjekt.qdpx.")
@click.option("--reveal", is_flag=True,
              help="Researchers: speaker labels, names and organisations as written in the files (audited).")
@click.pass_context
def qdpx(ctx: click.Context, output: str, reveal: bool) -> None:
    """The whole project as a REFI-QDA .qdpx archive: sources as plain text, the codebook, coders,
    every coding, memos as notes, participants as cases with variables. Speakers are pseudonyms
    and names are scrubbed unless --reveal."""
    from ..refi.export import export_qdpx

    db = open_db(ctx)
    try:
        path = export_qdpx(db, output, reveal=reveal, user=acting_user(ctx))
    finally:
        db.dispose()
    click.echo(f"Skrev {path}")
    for line in getattr(path, "notes", ()):
        click.echo(line)


# the export group again: registering it once more is harmless and gives `qdpx` its --user option
COMMANDS = [export]
