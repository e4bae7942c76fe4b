"""Suggestions: suggest, train, evaluate, classify (thin shells over workbench.suggest.service)."""

from __future__ import annotations

from pathlib import Path

import click

from ._util import acting_user, echo_json, echo_table, open_db


@click.command()
@click.option("--method", type=click.Choice(["all", "lexicon", "model"]), default="all", show_default=True,
              help="Leksikon, modell eller begge (all).")
@click.option("--source", help="Bare denne kilden (id eller filnavn).")
@click.option("--include-interviewers", is_flag=True,
              help="Foreslå koder også for intervjuernes ytringer (aktør forsker); standard: ikke.")
@click.pass_context
def suggest(ctx: click.Context, method: str, source: str | None, include_interviewers: bool) -> None:
    """Store pending code suggestions for the turns (review them with `workbench review`)."""
    from ..suggest.service import suggest as run

    db = open_db(ctx)
    n, note = run(db, user=acting_user(ctx), method=method, source=source, include_interviewers=include_interviewers,
                  with_note=True)
    if note:  # e.g. the model's TF-IDF part makes them (no e5 here): said for every method
        click.echo(f"Merk: {note}", err=True)
    click.echo(f"{n} nye forslag lagret (metode {method}). Se dem med `workbench review`.")


def _anchors(anchors: tuple[Path, ...], no_anchors: bool) -> list[Path] | None:
    """``train(anchors=...)`` for --anchors/--no-anchors; both at once is refused."""
    if anchors and no_anchors:
        from ..errors import InputError

        raise InputError("--anchors and --no-anchors contradict each other; give one of them",
                         code="anchor.both")
    return [] if no_anchors else (list(anchors) or None)


INTERVIEWERS_HELP = ("Ta med intervjuerens turer (aktør forsker) i de kodede kildene; standard er å holde dem "
                     "utenfor, som forslagene og oversiktene gjør.")
ANCHORS_HELP = ("Ankerytringer (JSONL-fil eller mappe med *.jsonl); kan gis flere ganger. Standard: mappen "
                "anchors/ ved siden av den innlastede kodebokfila, hvis den finnes.")


@click.command()
@click.option("--anchors", "anchors", multiple=True, type=click.Path(exists=True, path_type=Path),
              help=ANCHORS_HELP)
@click.option("--no-anchors", is_flag=True, help="Tren uten ankerytringer.")
@click.option("--include-interviewers", is_flag=True, help=INTERVIEWERS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def train(ctx: click.Context, anchors: tuple[Path, ...], no_anchors: bool, include_interviewers: bool,
          as_json: bool) -> None:
    """Train the suggestion model on the database's codings, anchor utterances and the codebook's examples."""
    from ..suggest.service import train as run

    report = run(open_db(ctx), user=acting_user(ctx), anchors=_anchors(anchors, no_anchors),
                 include_interviewers=include_interviewers)
    if as_json:
        echo_json(report.to_dict())
        return
    click.echo(report.summary())
    if report.anchor_files:
        click.echo("Ankerfiler: " + ", ".join(report.anchor_files))
    if report.fallback:
        click.echo("Uten modell (for få eksempler): " + ", ".join(report.fallback))


@click.command()
@click.option("--folds", type=int, default=5, show_default=True, help="Antall folder (k), minst 2.")
@click.option("--method", type=click.Choice(["all", "lexicon", "model"]), default="model", show_default=True,
              help="Hvilke forslag som måles.")
@click.option("--anchors", "anchors", multiple=True, type=click.Path(exists=True, path_type=Path),
              help=ANCHORS_HELP)
@click.option("--no-anchors", is_flag=True, help="Mål uten ankerytringer (bare de kodede segmentene).")
@click.option("--include-interviewers", is_flag=True, help=INTERVIEWERS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def evaluate(ctx: click.Context, folds: int, method: str, anchors: tuple[Path, ...], no_anchors: bool,
             include_interviewers: bool, as_json: bool) -> None:
    """Grouped k-fold cross-validated precision, recall and F1 per code and micro/macro over the
    coded segments and anchor utterances."""
    from ..suggest.service import evaluate as run

    result = run(open_db(ctx), user=acting_user(ctx), folds=folds, method=method,
                 anchors=_anchors(anchors, no_anchors), include_interviewers=include_interviewers)
    if as_json:
        echo_json(result)
        return
    rows = [{"kode": c, "P": v["precision"], "R": v["recall"], "F1": v["f1"], "n": v["support"],
             "foreslått": v["predicted"]} for c, v in result["codes"].items()]
    echo_table(rows, ["kode", "P", "R", "F1", "n", "foreslått"])
    mi, ma = result["micro"], result["macro"]
    click.echo(f"\n{result['folds']}-fold kryssvalidering over {result['segments']} segmenter og "
               f"{result['anchors']} ankerytringer (metode {method}): "
               f"mikro P={mi['precision']:.2f} R={mi['recall']:.2f} F1={mi['f1']:.2f}  "
               f"makro P={ma['precision']:.2f} R={ma['recall']:.2f} F1={ma['f1']:.2f}")
    for kind, label in (("segment", "segmenter"), ("anchor", "ankerytringer")):
        part = result.get("by_kind", {}).get(kind)
        if part:
            click.echo(f"  bare {label} ({part['rows']}): mikro P={part['micro']['precision']:.2f} "
                       f"R={part['micro']['recall']:.2f}  makro P={part['macro']['precision']:.2f} "
                       f"R={part['macro']['recall']:.2f}")


@click.command()
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help='JSONL: {"id": ..., "text": ..., "lang": "nb"|"nn" (valgfritt)} per linje.')
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help='JSONL: {"id": ..., "codes": [{"code", "score", "method"}]} per linje.')
@click.option("--method", type=click.Choice(["auto", "all", "lexicon", "model"]), default="auto", show_default=True,
              help="auto: modellen (koder med for få eksempler foreslås ikke), bare leksikon hvis ingen modell er trent.")
@click.option("--fast", is_flag=True,
              help="Bare modellens TF-IDF-del, uten setningsvektorer (e5): mange ganger raskere på ny tekst, "
                   "men med færre treff.")
@click.pass_context
def classify(ctx: click.Context, input_path: Path, output_path: Path, method: str, fast: bool) -> None:
    """Score utterances from a JSONL file without storing them (codes above threshold, best first)."""
    from ..errors import InputError
    from ..suggest.service import classify_file

    try:
        report = classify_file(open_db(ctx), input_path, output_path, user=acting_user(ctx), method=method,
                               fast=fast)
    except InputError as exc:
        if exc.code != "classify.empty":
            raise
        click.echo(f"Advarsel: Fant ingen ytringer i {input_path}; ingenting er klassifisert og {output_path} er "
                   "ikke skrevet.", err=True)
        ctx.exit(1)
    for line in report.warnings:
        click.echo(f"Advarsel: {line}", err=True)
    if report.note:
        click.echo(f"Merk: {report.note}", err=True)
    model = f", modell {report.model_id}" if report.model_id else ""
    click.echo(f"{report.records} ytringer klassifisert (metode {report.method}{model}) -> {output_path}", err=True)


COMMANDS = [suggest, train, evaluate, classify]
