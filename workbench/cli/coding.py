"""Manual coding, memos and review of suggestions: code, uncode, codings, memo, memos, review."""

from __future__ import annotations

from pathlib import Path

import click

from ._util import acting_user, echo_json, echo_table, open_db


def _parse_span(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        start, end = value.split(":")
        return int(start), int(end)
    except ValueError:
        raise click.BadParameter(f"{value!r} er ikke START:END (f.eks. 0:42), tegn relativt til turens tekst",
                                 param_hint="--span") from None


def _describe(rec) -> str:
    where = f"tur {rec.turn} i {rec.source}"
    if rec.start is not None:
        where += f" (tegn {rec.start}:{rec.end})"
    return f"{rec.code} på {where}, koder {rec.coder} (koding {rec.id})"


@click.command()
@click.argument("source", required=False)
@click.argument("turn", required=False)
@click.argument("code", required=False)
@click.option("--coder", help="The coder recorded (default: the acting user, --user); someone else must be a "
                               "user already (a misspelt name is an error, never a new coder).")
@click.option("--span", help="START:END: code only this part of the turn (characters of the turn text).")
@click.option("--memo", help="A memo attached to the coding.")
@click.option("--from-csv", "from_csv", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with columns source,turn,code[,coder][,start,end][,memo]; all rows or none.")
@click.pass_context
def code(ctx: click.Context, source: str | None, turn: str | None, code: str | None, coder: str | None,
         span: str | None, memo: str | None, from_csv: Path | None) -> None:
    """Apply CODE to turn TURN (1-based) of SOURCE (id or file name), or bulk-code from a CSV file."""
    from ..coding import apply_code, code_from_csv

    user = acting_user(ctx)
    if from_csv is not None:
        if source or turn or code or span or memo:
            raise click.UsageError("--from-csv tar ingen SOURCE TURN CODE, --span eller --memo")
        n = code_from_csv(open_db(ctx), from_csv, user=user, default_coder=coder)
        click.echo(f"{n} nye kodinger lagt inn fra {from_csv.name}.")
        return
    if not (source and turn and code):
        raise click.UsageError("oppgi SOURCE TURN CODE (f.eks. `workbench code intervju.docx 3 "
                               "kontrakt.hybrid`) eller --from-csv FIL")
    rec = apply_code(open_db(ctx), source, turn, code, user=user, coder=coder, span=_parse_span(span),
                     memo=memo)
    if rec.event is None:  # the coder had this coding already: nothing new is stored
        kept = "; notatet står på kodingen" if memo and memo.strip() else ""
        click.echo(f"Allerede kodet, ingenting nytt lagret: {_describe(rec)}{kept}")
        return
    click.echo(f"Kodet: {_describe(rec)}")


@click.command()
@click.argument("source", required=False)
@click.argument("turn", required=False)
@click.argument("code", required=False)
@click.option("--coder", help="Whose coding to remove (default: the acting user, --user).")
@click.option("--span", help="START:END: only the coding of exactly this part of the turn.")
@click.option("--id", "coding_id", type=int, help="Remove the coding with this id (see `workbench codings`).")
@click.pass_context
def uncode(ctx: click.Context, source: str | None, turn: str | None, code: str | None, coder: str | None,
           span: str | None, coding_id: int | None) -> None:
    """Remove a coding: CODE on turn TURN of SOURCE by the coder, or --id N."""
    from ..coding import remove_code, remove_coding

    user = acting_user(ctx)
    if coding_id is not None:
        if source or turn or code or span or coder:
            raise click.UsageError("--id tar ingen SOURCE TURN CODE, --coder eller --span")
        rec = remove_coding(open_db(ctx), coding_id, user=user)
        click.echo(f"Fjernet: {_describe(rec)}")
        return
    if not (source and turn and code):
        raise click.UsageError("oppgi SOURCE TURN CODE eller --id N")
    removed = remove_code(open_db(ctx), source, turn, code, user=user, coder=coder, span=_parse_span(span))
    for rec in removed:
        click.echo(f"Fjernet: {_describe(rec)}")
    if len(removed) > 1:
        click.echo(f"{len(removed)} kodinger fjernet; `workbench undo` henter alle tilbake.")


@click.command()
@click.option("--source", help="Only this source (id or file name).")
@click.option("--coder", help="Only this coder.")
@click.option("--code", help="Only this code (and its subcodes).")
@click.option("--context", is_flag=True,
              help="With --code: each coding's text with the turn before and after (across sources).")
@click.option("--reveal", is_flag=True,
              help="With --context, researchers: speaker labels as written instead of pseudonyms (audited).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def codings(ctx: click.Context, source: str | None, coder: str | None, code: str | None, context: bool,
            reveal: bool, as_json: bool) -> None:
    """List codings (id, source, turn, code, coder, span, origin, time, memo); with --code C
    --context, the coded texts of C (subcodes included) with one turn of context on each side
    (speakers as pseudonyms unless --reveal)."""
    from ..coding import list_codings

    if context:
        if code is None:
            raise click.UsageError("--context krever --code (f.eks. `workbench codings --code kontrakt --context`)")
        _codings_in_context(ctx, code, source, coder, as_json, reveal)
        return
    rows = [r.to_dict() for r in list_codings(open_db(ctx), user=acting_user(ctx), source=source,
                                              coder=coder, code=code)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingen kodinger.")
        return
    for r in rows:
        r["created_at"] = (r["created_at"] or "")[:16].replace("T", " ")
        if r["memo"]:
            r["memo"] = _short(r["memo"], 40)
    echo_table(rows, ["id", "source", "turn", "code", "coder", "start", "end", "origin", "created_at", "memo"])


def _codings_in_context(ctx: click.Context, code: str, source: str | None, coder: str | None,
                        as_json: bool, reveal: bool = False) -> None:
    from ..search import coded_segments

    rows = coded_segments(open_db(ctx), code, source=source, coder=coder, reveal=reveal, user=acting_user(ctx))
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingen kodinger.")
        return

    def turn_line(mark: str, t: dict, text: str) -> str:
        return f"{mark} {t['turn']:>4} {t['speaker'] or '–'}: {' '.join(text.split())}"

    for r in rows:
        click.echo(f"== {r['code']} · {r['source']} tur {r['turn']} · {r['coder']} (koding {r['id']})")
        if r["before"]:
            click.echo(turn_line(" ", r["before"], r["before"]["text"]))
        here = r["turn_text"] or r["text"]
        if r["start"] is not None:  # a span: mark the coded part inside its turn
            here = f"{here[:r['start']]}[{here[r['start']:r['end']]}]{here[r['end']:]}"
        click.echo(turn_line(">", {"turn": r["turn"], "speaker": r["speaker"]}, here))
        if r["after"]:
            click.echo(turn_line(" ", r["after"], r["after"]["text"]))
        if r["memo"]:
            click.echo(f"  memo: {' '.join(r['memo'].split())}")
        click.echo("")
    click.echo(f"{len(rows)} kodinger.")


@click.command()
@click.argument("text")
@click.option("--coding", "coding_id", type=int, help="Memo on the coding with this id.")
@click.option("--source", help="Memo on this source (id or file name); with --turn on one turn.")
@click.option("--turn", help="Memo on this turn (1-based) of --source.")
@click.option("--code", help="Memo on this code.")
@click.pass_context
def memo(ctx: click.Context, text: str, coding_id: int | None, source: str | None, turn: str | None,
         code: str | None) -> None:
    """Write a memo on a coding, a turn (--source S --turn T), a source or a code."""
    from ..coding import add_memo

    if turn is not None and source is None:
        raise click.UsageError("--turn krever --source")
    segment = (source, turn) if turn is not None else None
    rec = add_memo(open_db(ctx), text, user=acting_user(ctx), coding_id=coding_id, segment=segment,
                   source=source if segment is None else None, code=code)
    click.echo(f"Memo {rec.id} lagret på {_target_no(rec.target_type)} {rec.target}.")


def _target_no(kind: str) -> str:
    return {"coding": "koding", "segment": "tur", "source": "kilde", "code": "kode"}.get(kind, kind)


@click.command()
@click.option("--source", help="Memos on this source, its turns and its codings.")
@click.option("--code", help="Memos on this code and its codings, subcodes included (as codings --code).")
@click.option("--coding", "coding_id", type=int, help="Memos on this coding.")
@click.option("--author", help="Only memos written by this user.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def memos(ctx: click.Context, source: str | None, code: str | None, coding_id: int | None, author: str | None,
          as_json: bool) -> None:
    """List memos."""
    from ..coding import list_memos

    rows = [m.to_dict() for m in list_memos(open_db(ctx), user=acting_user(ctx), source=source, code=code,
                                            coding_id=coding_id, author=author)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingen memoer.")
        return
    for r in rows:
        click.echo(f"[{r['id']}] {_target_no(r['target_type'])} {r['target']} – {r['author']}, "
                   f"{(r['created_at'] or '')[:16].replace('T', ' ')}: {r['text']}")


@click.command()
@click.option("--source", help="Only suggestions in this source.")
@click.option("--order", type=click.Choice(["score", "uncertain"]), default="score", show_default=True,
              help="score: most confident first; uncertain: least certain first (most useful to decide).")
@click.option("--status", type=click.Choice(["pending", "accepted", "rejected", "withdrawn", "all"]), default="pending",
              show_default=True, help="Which suggestions to list.")
@click.option("--limit", type=int, default=None, help="List at most this many.")
@click.option("--accept", "accept_ids", type=int, multiple=True, help="Accept the suggestion with this id (repeatable).")
@click.option("--reject", "reject_ids", type=int, multiple=True, help="Reject the suggestion with this id (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def review(ctx: click.Context, source: str | None, order: str, status: str, limit: int | None,
           accept_ids: tuple[int, ...], reject_ids: tuple[int, ...], as_json: bool) -> None:
    """List suggestions for review, or accept/reject them (all decisions in one transaction)."""
    from ..coding import list_suggestions, review_suggestions

    db, user = open_db(ctx), acting_user(ctx)
    if accept_ids or reject_ids:
        accepted, rejected = review_suggestions(db, user=user, accept=accept_ids, reject=reject_ids)
        if as_json:
            echo_json({"accepted": [c.to_dict() for c in accepted], "rejected": [s.to_dict() for s in rejected]})
            return
        for c in accepted:
            click.echo(f"Godtatt: {_describe(c)}")
        for s in rejected:
            click.echo(f"Avvist: forslag {s.id} ({s.code} på tur {s.turn} i {s.source})")
        return
    rows = [s.to_dict() for s in list_suggestions(db, user=user, status=None if status == "all" else status,
                                                  source=source, order=order, limit=limit)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingen forslag å vurdere." if status == "pending" else "Ingen forslag.")
        return
    for r in rows:
        r["evidence"] = _short(", ".join(str(e) for e in r["evidence"] or []), 30)
        r["text"] = _short(r["coded_text"], 60)  # what --accept codes: the span, or the whole turn
        # the code's measured precision/recall (model: cross-validated; lexicon: on the coded texts)
        r["P/R"] = "/".join("–" if v is None else f"{v:.2f}" for v in (r.get("precision"), r.get("recall")))
    echo_table(rows, ["id", "source", "turn", "code", "method", "score", "P/R", "status", "evidence", "text"])
    if status == "pending":
        click.echo("Godta med `workbench review --accept ID`, avvis med `--reject ID`.")


def _short(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command()
@click.option("--since", type=int, default=None, metavar="EVENT",
              help="Undo only actions after this audit event id (see `workbench audit`).")
@click.pass_context
def undo(ctx: click.Context, since: int | None) -> None:
    """Undo your newest coding action not undone yet (a coding applied or removed, a suggestion
    accepted or rejected, a CSV import, a consensus recorded), from any window; a removed coding
    comes back with its id and memos, and all codings one `uncode` removed come back together.
    An action that cannot be taken back (changed by someone since) is skipped, saying why on
    stderr ("Hoppet over: ..."), with exit code 0: it counts as dealt with. Run it again to go
    further back; nothing left to undo is an error (exit code 1)."""
    from ..coding import UndoSkipped, undo_last

    try:
        done = undo_last(open_db(ctx), user=acting_user(ctx), since=since)
    except UndoSkipped as exc:  # the step is used up (audited as skipped): a notice, not a failure
        click.echo(f"Hoppet over: {exc}", err=True)
        return
    kept = ""
    if done.get("kept"):
        merged, other = done.get("merged", 0), done["kept"] - done.get("merged", 0)
        why = ([f"{other} fordi de er fjernet siden eller har notater skrevet etterpå"] if other else []) + \
            ([f"{merged} fordi en sammenslåing av koder har gjort dem til én koding med en annen av samme koder "
              "som ikke er angret"] if merged else [])
        kept = f" ({done['kept']} står, " + "; ".join(why) + ")" if len(why) > 1 else \
            f" ({done['kept']} står, {why[0].split(' ', 1)[1]})"
    if done["action"] == "consensus":
        now = done["consensus"]
        after = ("turen har ingen registrert konsensus igjen" if now is None else
                 "konsensus er igjen at ingen kode passer" if not now else f"konsensus er igjen {', '.join(now)}")
        click.echo(f"Angret konsensusen på tur {done['turn']} i {done['source']}: {after}.")
        return
    if done.get("import"):
        gone = ({0: "", 1: ", med notatet importen la på dem"}.get(done["memos"],
                f", med de {done['memos']} notatene importen la på dem"))
        click.echo(f"Angret importen fra {done['import']}: {done['codings']} kodinger er fjernet{gone}{kept}.")
        return
    what = {"code": "kodingen", "uncode": "fjerningen av", "accept": "godtakingen av forslaget",
            "reject": "avvisningen av forslaget"}[done["action"]]
    if done["action"] == "uncode":  # memos that came back with the codings
        memos = {0: "", 1: ", med notatet"}.get(done["memos"], f", med {done['memos']} notater")
    else:  # memos written with the coding (`code --memo`), gone with it; the audit trail keeps their text
        memos = {0: "", 1: ", sammen med notatet ditt på den"}.get(
            done["memos"], f", sammen med de {done['memos']} notatene dine på den")
    back = f": {done['codings']} kodinger er tilbake" if done["action"] == "uncode" and done["codings"] > 1 else ""
    was = f" (kodet som {done['was']} før kodingene ble flyttet dit)" if done.get("was") else ""
    click.echo(f"Angret {what} {done['code']}{was} på tur {done['turn']} i {done['source']}{back}{memos}.")


COMMANDS = [code, uncode, codings, memo, memos, review, undo]
