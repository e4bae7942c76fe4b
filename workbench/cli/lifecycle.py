"""Personal data through the project's life: forget, anonymise, retention, remove-source,
backup, restore, inventory."""

from __future__ import annotations

from pathlib import Path

import click

from ._util import acting_user, echo_json, echo_table, open_db


def _confirm(yes: bool, question: str) -> None:
    if not yes and not click.confirm(question, default=False):
        raise click.ClickException("avbrutt; ingenting er endret")


@click.command()
@click.option("--speaker", required=True, help="The speaker label as written in the files, or the pseudonym.")
@click.option("--source", help="Only this source: withdraw the person's turns there and keep them elsewhere.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def forget(ctx: click.Context, speaker: str, source: str | None, yes: bool, as_json: bool) -> None:
    """Withdraw a participant's consent: their turns become "[trukket]", their codings, suggestions,
    memos and released quotes go, and their name, e-mail addresses and phone numbers are scrubbed
    everywhere else. Irreversible."""
    from ..lifecycle import forget as do_forget

    where = f" i {source}" if source else " i hele prosjektet"
    db = open_db(ctx)
    if not yes:  # an unknown or ambiguous name is said before the question, not after it
        found = do_forget(db, speaker, source=source, user=acting_user(ctx), check_only=True)
        _confirm(False, f"Trekke ut {speaker} ({found.pseudonym}){where}? Det kan ikke angres.")
    report = do_forget(db, speaker, source=source, user=acting_user(ctx))
    echo_json(report.to_dict()) if as_json else click.echo(report.summary())


@click.command()
@click.option("--permanent", is_flag=True, help="Required: the anonymisation cannot be undone.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def anonymise(ctx: click.Context, permanent: bool, yes: bool, as_json: bool) -> None:
    """Rewrite the whole database as its scrubbed, pseudonymised version (project end). Irreversible:
    take a backup first (`workbench backup`) if it may be needed."""
    from ..lifecycle import anonymise as do_anonymise

    if not permanent:
        raise click.UsageError("anonymisering kan ikke angres; gi --permanent for å gjøre det")
    _confirm(yes, "Anonymisere hele databasen for godt? Navn, etiketter og opptaksreferanser forsvinner.")
    report = do_anonymise(open_db(ctx), permanent=True, user=acting_user(ctx))
    echo_json(report.to_dict()) if as_json else click.echo(report.summary())


@click.command()
@click.option("--all", "show_all", is_flag=True, help="List every source with a date, also those not due.")
@click.option("--source", help="Set the delete-by date of this source (with --delete-by).")
@click.option("--delete-by", "delete_by", help="The date (2028-12-31); 'none' clears it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def retention(ctx: click.Context, show_all: bool, source: str | None, delete_by: str | None, as_json: bool) -> None:
    """List the sources due for deletion or anonymisation (their delete_by date, from the manifest,
    or the project's: `workbench settings set delete_by 2028-12-31`)."""
    from ..lifecycle import retention as due, set_delete_by

    db, user = open_db(ctx), acting_user(ctx)
    if source or delete_by:
        if not (source and delete_by):
            raise click.UsageError("gi både --source og --delete-by")
        day = set_delete_by(db, source, delete_by, user=user)
        click.echo(f"{source}: slettes innen {day}." if day else f"{source}: ingen slettedato.")
        return
    rows = due(db, due_only=not show_all, user=user)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingenting er forfalt for sletting eller anonymisering." if not show_all
                   else "Ingen kilder har slettedato.")
        return
    echo_table(rows, ["file", "delete_by", "from", "overdue_days"])


@click.command(name="remove-source")
@click.argument("source")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.pass_context
def remove_source(ctx: click.Context, source: str, yes: bool) -> None:
    """Delete SOURCE with its turns, speakers, codings, suggestions, memos and released quotes."""
    from ..lifecycle import remove_source as do_remove
    from ..store.lookup import find_source

    db = open_db(ctx)
    if not yes:  # a misspelt name is said before the question, not after it
        with db.session() as s:
            find_source(s, source)
    _confirm(yes, f"Slette {source} med alle kodinger og notater? Det kan ikke angres.")
    done = do_remove(db, source, user=acting_user(ctx))
    click.echo(f"Slettet {done['file']}: {done['turns']} turer, {done['codings']} kodinger, "
               f"{done['suggestions']} forslag, {done['memos']} notater."
               + (f" {done['models']} trente modeller slettet (de kjente ord fra kilden): modellen må trenes på nytt."
                  if done.get("models") else ""))
    if not done["file_clean"]:
        from ..lifecycle import NOT_CLEAN

        click.echo(NOT_CLEAN, err=True)


@click.command()
@click.pass_context
def compact(ctx: click.Context) -> None:
    """Rewrite the database file without the free pages and write-ahead log that may still hold
    erased text (after forget, anonymise or remove-source ran while the app had the database open)."""
    from ..lifecycle import compact as do_compact

    if do_compact(open_db(ctx), user=acting_user(ctx)):
        click.echo("Databasefilen er skrevet på nytt; slettet tekst ligger ikke igjen i den.")
    else:
        raise click.ClickException("et annet program har fortsatt databasen åpen; lukk det (appen, andre "
                                   "terminaler) og prøv igjen")


@click.command()
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The backup file to write (never overwritten).")
@click.pass_context
def backup(ctx: click.Context, out: Path) -> None:
    """Write a consistent snapshot of the database while others work (SQLite's online backup;
    pg_dump for PostgreSQL)."""
    from ..backup import backup as do_backup

    done = do_backup(open_db(ctx), out, user=acting_user(ctx))
    click.echo(f"Sikkerhetskopi skrevet: {done['file']} ({done['kind']}, {done['bytes'] / 1e6:.1f} MB).")


@click.command()
@click.argument("backup_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.pass_context
def restore(ctx: click.Context, backup_file: Path) -> None:
    """Restore BACKUP_FILE into the (empty) database given by --db / WORKBENCH_DB.

    A SQLite backup (or the SQLite database file itself) restored into an empty PostgreSQL
    database is copied row by row: users, passwords, codings, memos, released quotes, settings and
    the audit trail come along. Create the PostgreSQL database first (createdb)."""
    from ..backup import restore as do_restore
    from ..store import Database

    target = Database(ctx.obj.get("db_url"))
    done = do_restore(target, backup_file, user=acting_user(ctx))
    if "rows" in done:
        click.echo(f"Kopierte {done['file']} (sqlite) til {target.shown_url}: "
                   f"{done['rows']} rader i {sum(1 for n in done['tables'].values() if n)} tabeller. "
                   "Alle må logge inn på nytt.")
    else:
        click.echo(f"Gjenopprettet {done['file']} ({done['kind']}).")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def inventory(ctx: click.Context, as_json: bool) -> None:
    """Where personal data lives in the database, with counts (for the DPIA)."""
    from ..lifecycle import inventory as take

    data = take(open_db(ctx), user=acting_user(ctx))
    if as_json:
        echo_json(data)
        return
    s, sp, m, md = data["sources"], data["speakers"], data["memos"], data["media"]
    click.echo(f"Kilder: {s['count']} ({s['words']} ord), {s['with_speaker_labels']} med taleretiketter, "
               f"{s['with_delete_by']} med slettedato")
    click.echo(f"Talere: {sp['count']}, {sp['labels_that_are_names']} etiketter som er navn, "
               f"{sp['with_real_name']} med fullt navn, {sp['with_organisation']} med organisasjon, "
               f"{sp['withdrawn_people']} personer trukket ut ({sp['withdrawn']} taleretiketter)")
    click.echo(f"Pseudonymer: {data['pseudonyms']}, {data['pseudonym_keys_with_names']} med navn i nøkkelen")
    click.echo(f"Verdier for fase og pilot med navn i (ressursgruppen ser dem): {data['metadata_values_with_names']}")
    rm = data["removed_speakers"]
    click.echo(f"Talere fra slettede kilder (navnene renses fortsatt): {rm['count']}, {rm['names']} med navn; "
               "fjernes av `workbench anonymise --permanent` eller `workbench forget --speaker NAVN`")
    click.echo(f"Notater: {m['count']}, {m['naming_participants']} nevner deltakere ved navn")
    dr = data["memo_drafts"]
    click.echo(f"Ulagrede notatutkast (bare forfatteren ser dem): {dr['count']}, {dr['naming_participants']} "
               "nevner deltakere ved navn")
    click.echo(f"Frigitte sitater: {data['released_quotes']}")
    click.echo(f"Opptak: {md['references']} referanser, {md['missing_files']} filer mangler")
    click.echo(f"Revisjonslogg: {data['audit_events']['count']} oppføringer")
    click.echo(f"Trente modeller: {data['trained_models']}")
    click.echo(f"Lagrede setningsvektorer (fra tekstene): {data['sentence_vectors']}")
    click.echo(f"Brukere: {data['users']['count']}, {data['users']['with_email']} med e-post")
    click.echo(f"Prosjektets slettedato: {data['delete_by'] or 'ikke satt'}; forfalt nå: {data['retention_due']} kilder")


COMMANDS = [forget, anonymise, retention, remove_source, compact, backup, restore, inventory]
