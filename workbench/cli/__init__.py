"""The `workbench` command line: thin click shells over the library.

Each module in this package defines click commands and a ``COMMANDS`` list; they are registered
here. A library ``WorkbenchError`` becomes a one-line ``Error: ...`` and exit code 1.
"""

from __future__ import annotations

import importlib
import sys

import click

from ..errors import WorkbenchError

MODULES = ["workbench.cli.base", "workbench.cli.coding", "workbench.cli.codebook", "workbench.cli.analysis",
           "workbench.cli.serve", "workbench.cli.suggest"]


class WorkbenchGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=WorkbenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", envvar="WORKBENCH_DB", default=None,
              help="Database URL or SQLite path (default: sqlite:///data/workbench.db; env WORKBENCH_DB).")
@click.option("--user", envvar="WORKBENCH_USER", default=None,
              help="The acting user recorded on every change (default: env WORKBENCH_USER, else login name).")
@click.version_option(package_name="bygdevekst-workbench")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, user: str | None) -> None:
    """Workbench for follow-evaluation research of bygdevekstavtaler.

    Ingest transcripts, code them against the theory-based codebook, get suggestions,
    aggregate themes per actor and phase, and export report tables.
    """
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    ctx.obj["user"] = user


for _name in MODULES:
    for _command in importlib.import_module(_name).COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(obj={}, prog_name="workbench")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
