"""Search the turns: `workbench search QUERY` (lemma-aware, keyword in context)."""

from __future__ import annotations

import click

from ._util import acting_user, echo_json, open_db


def kwic_lines(hits: list[dict], width: int) -> list[str]:
    """One line per hit, the matches aligned in one column: ``source turn speaker: …left [match] right…``."""
    heads = [f"{h['source']} {h['turn']} {h['speaker'] or '–'}:" for h in hits]
    pad = max((len(x) for x in heads), default=0)
    lines = []
    for head, h in zip(heads, hits):
        left = ("…" if h["start"] > len(h["left"]) else "") + h["left"]
        right = h["right"] + ("…" if len(h["right"]) >= width else "")
        lines.append(f"{head.ljust(pad)} {left.rjust(width + 1)}[{h['match']}]{right}")
    return lines


@click.command()
@click.argument("query")
@click.option("--source", help="Only this source (file name or id).")
@click.option("--actor", help="Only turns of speakers with this actor.")
@click.option("--phase", help="Only sources of this phase.")
@click.option("--code", help="Only turns carrying this code (or one of its subcodes).")
@click.option("--compounds", is_flag=True, help="Also find compounds containing the word (samarbeidsavtalen).")
@click.option("--width", type=int, default=40, show_default=True, help="Characters of context on each side.")
@click.option("--limit", type=int, default=None, help="Show at most this many hits.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@click.pass_context
def search(ctx: click.Context, query: str, source: str | None, actor: str | None, phase: str | None,
           code: str | None, compounds: bool, width: int, limit: int | None, as_json: bool) -> None:
    """Search the turns for QUERY: words match every inflected form (samarbeid finds samarbeidet),
    text in double quotes matches literally ('"mellom partene"'). Speakers are shown as pseudonyms."""
    from ..search import search as run_search

    hits = run_search(open_db(ctx), query, source=source, actor=actor, phase=phase, code=code,
                      compounds=compounds, width=width, limit=limit, user=acting_user(ctx))
    if as_json:
        echo_json(hits)
        return
    if not hits:
        click.echo("Ingen treff.")
        return
    for line in kwic_lines(hits, width):
        click.echo(line)
    click.echo(f"{len(hits)} treff.")


COMMANDS = [search]
