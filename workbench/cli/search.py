"""Search the turns: `workbench search QUERY` (lemma-aware, keyword in context)."""

from __future__ import annotations

import re
import shlex

import click

from ._util import acting_user, echo_json, open_db

MAX_WIDTH = 500  # workbench.search.MAX_WIDTH (not imported here: the CLI starts without the store)
_BREAKS = re.compile(r"\s")


class QueryCommand(click.Command):
    """A command whose argument may begin with "-": click reads `search -tillit` as the options
    -t -i -l ...; the error then says how to search for it (`workbench search -- -tillit`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # (the parser consumes ``args``)
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            known = {name for param in self.get_params(ctx) for name in getattr(param, "opts", ())}
            words = [a for a in given if re.match(r"-[^-]", a) and a not in known]
            if not words:
                raise
            raise click.UsageError(f"{exc.format_message()} Et søk som begynner med «-», skrives etter «--»: "
                                   f"workbench {self.name} -- {shlex.quote(words[0])}", ctx) from None


HEADING_CHARS = 60  # characters of a heading shown after a hit, at most


def _short(text: str, n: int = HEADING_CHARS) -> str:
    text = _BREAKS.sub(" ", text)
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


def kwic_lines(hits: list[dict], width: int) -> list[str]:
    """One line per hit, the matches aligned in one column: ``source turn speaker: …left [match] right…``,
    then ``(under «heading»)`` for a turn under a heading, or ``(i overskriften)`` for a hit in the
    heading itself (``search --headings``). A line break in the match or its context reads as a space."""
    heads = [f"{h['source']} {h['turn']} {h['speaker'] or '–'}:" for h in hits]
    pad = max((len(x) for x in heads), default=0)
    lefts = [("…" if (len(h["left"]) >= width > 0 if h["start"] is None else h["start"] > len(h["left"])) else "")
             + h["left"] for h in hits]
    column = max((len(x) for x in lefts), default=0) + 1
    lines = []
    for head, left, h in zip(heads, lefts, hits):
        right = h["right"] + ("…" if len(h["right"]) >= width > 0 else "")
        match = _BREAKS.sub(" ", h["match"])
        line = f"{head.ljust(pad)} {left.rjust(column)}[{match}]{right}"
        if h.get("in_heading"):
            line += "   (i overskriften)"
        elif h.get("heading"):
            line += f"   (under «{_short(h['heading'])}»)"
        lines.append(line)
    return lines


@click.command(cls=QueryCommand)
@click.argument("query")
@click.option("--source", help="Only this source (file name or id).")
@click.option("--actor", help="Only turns of speakers with this actor.")
@click.option("--phase", help="Only sources of this phase.")
@click.option("--code", help="Only turns carrying this code (or one of its subcodes).")
@click.option("--compounds", is_flag=True, help="Also find compounds containing the word (samarbeidsavtalen).")
@click.option("--headings", is_flag=True,
              help="Also list the turns under a heading (an interview guide's theme, a document's section) that "
                   "the query matches, each once, as a hit in its heading.")
@click.option("--width", type=click.IntRange(min=0), default=40, show_default=True,
              help=f"Characters of context on each side (at most {MAX_WIDTH}; more is taken as {MAX_WIDTH}).")
@click.option("--limit", type=int, default=None, help="Show at most this many hits (1 or more; default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@click.pass_context
def search(ctx: click.Context, query: str, source: str | None, actor: str | None, phase: str | None,
           code: str | None, compounds: bool, headings: bool, width: int, limit: int | None, as_json: bool) -> None:
    """Search the turns for QUERY. Speakers are shown as pseudonyms.

    \b
    Words find every inflected form: samarbeid finds samarbeidet, Samarbeidet.
    A word finds the parts of hyphenated words too: Finnmark finds Midt-Finnmark.
    Several words (separated by spaces or commas) find any of them: tillit samarbeid.
    Text in double quotes is a phrase, found exactly as whole words: '"mellom partene"'
    (also in «…», “…”, „…“ or ‘…’).
    A * at the end of a word finds the words that begin so: kommun* (3 letters or more).
    A number is found as written: 2024.
    AND, OR, NOT, a leading "-" and the wildcards ?, ~, ^ are not operators (a notice says so).
    A query that begins with "-" goes after "--": workbench search -- -tillit
    Each hit shows the heading its turn is under, if any.
    """
    from ..search import query_notes
    from ..search import search as run_search

    width = min(width, MAX_WIDTH)
    hits = run_search(open_db(ctx), query, source=source, actor=actor, phase=phase, code=code,
                      compounds=compounds, headings=headings, width=width, limit=limit, user=acting_user(ctx))
    for note in query_notes(query):
        click.echo(f"Merk: {note}", err=True)
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
