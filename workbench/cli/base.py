"""Set-up and reading back: init, ingest, sources, turns, demo."""

from __future__ import annotations

from pathlib import Path

import click

from ._util import acting_user, echo_json, echo_table, open_db


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or upgrade the database schema (safe to run again)."""
    db = open_db(ctx, create=True)
    click.echo(f"Database ready: {db.shown_url}")


EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV/TSV/XLSX with file,kind,phase,pilot,county,date,language (default: the folder's manifest.csv).")
@click.option("--participants", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV/TSV/XLSX with file,speaker,actor,organisation,pilot (default: the folder's participants.csv).")
@click.option("--strict-roster", is_flag=True,
              help="A speaker label that is not in participants.csv is an error for its file (default: a warning).")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], manifest: Path | None, participants: Path | None,
           strict_roster: bool) -> None:
    """Ingest transcripts, notes and documents (files or folders).

    Formats: .docx, .odt, .pdf, .txt, .md, .vtt, .srt, Whisper-family .json (Whisper, NB-Whisper,
    WhisperX, whisper.cpp, faster-whisper), Whisper's .tsv (times in milliseconds) and turn tables
    (.csv, .tsv, .xlsx with speaker and text columns). In a folder, a .csv, .tsv, .xlsx or .json is
    read when it is such a transcript or a manifest row names it; manifest*.csv and
    participants*.csv (or .tsv, .xlsx) are its metadata.

    A file already stored unchanged whose manifest or participants rows now differ gets their
    values (one "Oppdatert:" line each; its text, turns and codings stay; an empty cell keeps the
    stored value).

    Exits 0 when every file went in (or was already there, or is a copy of a stored one), 1 when any
    file or table row failed or a changed file was not read in again (remove-source it first), 130
    when stopped with Ctrl-C (the files stored until then are kept).
    """
    from ..ingest import IngestInterrupted, ingest_paths

    try:
        report = ingest_paths(open_db(ctx, create=True), list(paths), manifest=manifest, participants=participants,
                              strict_roster=strict_roster, user=acting_user(ctx))
    except IngestInterrupted as exc:
        report = exc.report
    except KeyboardInterrupt:
        click.echo("Avbrutt før noen fil ble lest inn; ingenting er lagret.", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    for line in report.warnings:
        click.echo(f"Advarsel: {line}", err=True)
    for line in report.updated:
        click.echo(f"Oppdatert: {line}")
    for line in report.duplicates:
        click.echo(f"Hoppet over: {line}", err=True)
    for line in report.changed:
        click.echo(f"Endret: {line}", err=True)
    for line in report.errors:
        click.echo(f"Feil: {line}", err=True)
    click.echo(report.summary())
    if report.interrupted is not None:
        ctx.exit(EXIT_INTERRUPTED)
    if report.failed:
        ctx.exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """List the ingested sources with their metadata, turns, words and speakers."""
    from ..ingest import list_sources

    rows = list_sources(open_db(ctx), user=acting_user(ctx))
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingen kilder ennå: les inn med `workbench ingest MAPPE` (eller prøv `workbench demo`).")
        return
    for r in rows:
        r["speakers"] = len(r["speakers"])
    echo_table(rows, ["id", "file", "kind", "phase", "pilot", "language", "turns", "words", "speakers"])


@click.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def turns(ctx: click.Context, source: str, as_json: bool) -> None:
    """Show the segments (speaker turns, notes items, paragraphs) of SOURCE (id or file name): each
    with its speaker or heading, if it has one."""
    from ..ingest import list_turns

    rows = list_turns(open_db(ctx), source, user=acting_user(ctx))
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        who = (r["speaker"] or r.get("heading") or "") + (f" ({r['actor']})" if r.get("actor") else "")
        click.echo(f"[{r['index']}] {who}: {r['text']}" if who else f"[{r['index']}] {r['text']}")


@click.command()
@click.option("--no-serve", is_flag=True, help="Build the demo database and stop; do not start the app.")
@click.option("--no-train", is_flag=True, help="Skip training the suggestion model.")
@click.option("--port", default=8501, show_default=True, help="Port for the app.")
@click.pass_context
def demo(ctx: click.Context, no_serve: bool, no_train: bool, port: int) -> None:
    """Build a fresh demo database from data/sample (data/demo.db unless --db) and open the app.

    Ingests the fictional corpus, loads the bygdevekst codebook and the two fictional coders'
    reference codings, and trains the suggestion model.
    """
    from ..demo import DEMO_URL, build_demo

    url = ctx.obj.get("db_url") or DEMO_URL
    if not no_serve:  # before the minutes of building, not after
        from .serve import LOCAL, port_taken_note

        taken = port_taken_note(port, LOCAL, "demo")
        if taken:
            click.echo(taken, err=True)
            ctx.exit(1)
    label = "Bygger demodatabasen" + ("" if no_train else " og trener modellen (første gang et par minutter: "
                                                        "setningsvektorene beregnes og lagres)")
    with click.progressbar(length=1, label=label) as bar:
        db, report = build_demo(url, user=acting_user(ctx, "demo"), train=not no_train)
        bar.update(1)
    for line in report.lines():
        click.echo(line)
    if not no_serve:
        from .serve import run_app

        click.echo(f"Starter appen på http://localhost:{port} (Ctrl+C avslutter); logg inn med en av brukerne over.")
        ctx.exit(run_app(db.url, port=port))


@click.command()
@click.argument("source")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--clear", is_flag=True, help="Forget the source's recording.")
@click.pass_context
def media(ctx: click.Context, source: str, path: Path | None, clear: bool) -> None:
    """Show the recording of SOURCE, or reference PATH (.mp3, .m4a, .wav, .mp4, .webm) as it.

    The file is referenced, never copied; the app plays a turn from its start time."""
    from ..ingest.media import set_media, source_media

    db, user = open_db(ctx), acting_user(ctx)
    if clear or path is not None:
        rec = set_media(db, source, None if clear else path, user=user)
    else:
        rec = source_media(db, source, user=user)
    if rec is None:
        click.echo(f"{source}: ingen opptak.")
    else:
        missing = "" if rec["exists"] else " (FINNES IKKE LENGER: flyttet eller slettet?)"
        click.echo(f"{rec['source']}: {rec['path']} ({rec['type']}){missing}")


_SOURCE_FIELDS = "kind, phase, pilot, county, date, language, delete_by"


@click.group()
def source() -> None:
    """Change a stored source's metadata (manifest fields) or a speaker's roster fields, keeping its
    text, turns and codings. (Re-ingesting the unchanged file with a corrected manifest.csv or
    participants.csv does the same for a whole folder.)"""


def _print_update(update) -> None:
    for line in update.warnings:
        click.echo(f"Advarsel: {line}", err=True)
    click.echo(f"Oppdatert: {update.line()}" if update.changed else f"{update.file}: ingen endring.")


@source.command(name="set")
@click.argument("source_ref", metavar="SOURCE")
@click.option("--kind", help="fokusgruppe, intervju, dialogkonferanse, observasjon or dokument.")
@click.option("--phase", help='The phase, e.g. "fase 1" (Fase 1, fase1 and 1 are fase 1).')
@click.option("--pilot", help="The pilot.")
@click.option("--county", help="The county (fylke).")
@click.option("--date", help="The date (2024-03-12, 12.03.2024, 2024-03, 2024).")
@click.option("--language", help="nb, nn or nb+nn (the turns' lemmas are made again on next use).")
@click.option("--delete-by", "delete_by", help="The date by which the source is deleted or anonymised.")
@click.option("--clear", "clear", multiple=True, metavar="FIELD",
              help=f"Empty a field ({_SOURCE_FIELDS}); may be given several times.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@click.pass_context
def source_set(ctx: click.Context, source_ref: str, kind, phase, pilot, county, date, language, delete_by,
               clear: tuple[str, ...], as_json: bool) -> None:
    """Set the manifest fields of SOURCE (id or file name); the values not given are kept."""
    from ..ingest.metadata import set_source

    update = set_source(open_db(ctx), source_ref, kind=kind, phase=phase, pilot=pilot, county=county, date=date,
                        language=language, delete_by=delete_by, clear=clear, user=acting_user(ctx))
    echo_json(update.to_dict()) if as_json else _print_update(update)


@source.command(name="speaker")
@click.argument("source_ref", metavar="SOURCE")
@click.argument("label")
@click.option("--actor", help="The actor the speaker represents (e.g. ordfører, prosjektleder, forsker).")
@click.option("--organisation", help="The speaker's organisation.")
@click.option("--pilot", help="The speaker's pilot (else the source's).")
@click.option("--name", help="The person's real name, when the label is not one (scrubbed from quotes).")
@click.option("--clear", "clear", multiple=True, metavar="FIELD",
              help="Empty a field (actor, organisation, pilot, name); may be given several times.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@click.pass_context
def source_speaker(ctx: click.Context, source_ref: str, label: str, actor, organisation, pilot, name,
                   clear: tuple[str, ...], as_json: bool) -> None:
    """Set the roster fields of the speaker LABEL (as written in the file) of SOURCE, as a
    participants.csv row would; the pseudonym follows a new actor."""
    from ..ingest.metadata import set_speaker

    update = set_speaker(open_db(ctx), source_ref, label, actor=actor, organisation=organisation, pilot=pilot,
                         name=name, clear=clear, user=acting_user(ctx))
    echo_json(update.to_dict()) if as_json else _print_update(update)


COMMANDS = [init, ingest, sources, turns, demo, media, source]
