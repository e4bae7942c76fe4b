"""The `workbench` command line: thin click shells over the library.

Each module in this package defines click commands and a ``COMMANDS`` list; they are registered
here. A library ``WorkbenchError`` becomes a one-line ``Error: ...`` and exit code 1; a
``PermissionDenied`` (the acting user's role may not do this) a one-line Norwegian message and
exit code 3. ``--user NAME`` is accepted before and after the subcommand.
"""

from __future__ import annotations

import importlib
import sys

import click

from ..errors import PermissionDenied, WorkbenchError

MODULES = ["workbench.cli.base", "workbench.cli.coding", "workbench.cli.codebook", "workbench.cli.analysis",
           "workbench.cli.serve", "workbench.cli.suggest", "workbench.cli.admin", "workbench.cli.agreement",
           "workbench.cli.refi", "workbench.cli.refi_import", "workbench.cli.search",
           "workbench.cli.lifecycle"]

EXIT_PERMISSION = 3


class WorkbenchGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PermissionDenied as exc:
            click.echo(str(exc), err=True)
            ctx.exit(EXIT_PERMISSION)
        except WorkbenchError as exc:
            raise click.ClickException(str(exc)) from None


def _set_user(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.find_root().ensure_object(dict)["user"] = value


def accept_user_option(command: click.Command) -> None:
    """Let ``--user NAME`` follow the subcommand too (unless the command has its own --user)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            accept_user_option(sub)
        return
    if any("--user" in getattr(p, "opts", ()) for p in command.params):
        return
    command.params.append(click.Option(["--user"], metavar="NAME", expose_value=False, callback=_set_user,
                                       is_eager=True, help="The acting user (same as the global --user)."))


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
        accept_user_option(_command)
        cli.add_command(_command)


def main() -> None:
    cli(obj={}, prog_name="workbench")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
