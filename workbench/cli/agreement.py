"""Agreement between coders: workbench agreement (figures, reliability tables, disagreements, consensus)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ._util import acting_user, echo_json, echo_table, open_db


def _fmt(value, share: bool = False) -> str:
    """A figure in the text output: three decimals, "–" undefined, never "1.000" short of 1
    ("> 0.999"): the rule of every output (``ui.format.agreement_figure``)."""
    from ..ui.format import agreement_figure

    return agreement_figure(value, decimal=".", share=share)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@click.command()
@click.option("--coders", help="Two or more coders to compare, comma-separated (e.g. mari,jonas).")
@click.option("--codes", help="Only codes whose id starts with these prefixes, comma-separated (e.g. kontrakt).")
@click.option("--unit", type=click.Choice(["segment", "char"]), default="segment", show_default=True,
              help="segment: each turn of the sources every coder coded; char: each character of them.")
@click.option("--table", "table", type=click.Path(dir_okay=False, path_type=Path),
              help="A reliability table (CSV unit,coder,value; empty value = missing) instead of the database.")
@click.option("--level", type=click.Choice(["nominal", "ordinal", "interval", "ratio"]), default=None,
              help="Level of measurement of the --table values (default nominal).")
@click.option("--disagreements", "show_disagreements", is_flag=True,
              help="List the turns where the coders' codes differ (researchers only: shows text).")
@click.option("--consensus", nargs=3, metavar="SOURCE TURN CODES", default=None,
              help="Record the agreed codes of a turn as coder 'konsensus' (CODES comma-separated; '-' = none).")
@click.option("--codebook-version", "codebook_version", default=None, metavar="VERSION",
              help="Compare the codable codes of this codebook version (id, name or hash prefix) instead of the "
                   "codes active now: pins the code set, so codes added later do not change the figures.")
@click.option("--include-interviewers", is_flag=True,
              help="Segment units: count the interviewers' turns (actor forsker) too; left out by default.")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the agreement table for a report instead of printing it: FILE.xlsx, FILE.docx or "
                   "FILE.csv (by the suffix; a name ending in / is a folder holding enighet.xlsx). With "
                   "--disagreements the list of disagreements goes in too (researchers only).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def agreement(ctx: click.Context, coders: str | None, codes: str | None, unit: str, table: Path | None,
              level: str | None, show_disagreements: bool, consensus: tuple[str, str, str] | None,
              include_interviewers: bool, codebook_version: str | None, output: str | None, as_json: bool) -> None:
    """Agreement between coders: percent agreement, Cohen's kappa and Krippendorff's alpha.

    \b
    workbench agreement --coders mari,jonas [--codes kontrakt] [--unit char]
    workbench agreement --coders mari,jonas --codebook-version 3   (the codes of version 3 only)
    workbench agreement --table reliabilitet.csv [--level interval]
    workbench agreement --coders mari,jonas --disagreements
    workbench agreement --coders mari,jonas --output enighet.xlsx   (or .docx, .csv)
    workbench agreement --consensus fil.docx 12 samarbeid.tillit,rolle.rambukk
    """
    from ..agreement import coding_agreement, disagreements, record_consensus, table_agreement

    modes = [name for name, on in (("--table", table is not None), ("--disagreements", show_disagreements),
                                   ("--consensus", consensus is not None)) if on]
    if len(modes) > 1:
        raise InputError(f"{' and '.join(modes)} cannot be combined; give one of them")
    if level is not None and table is None:
        raise InputError("--level applies to --table only; database codings are compared as nominal 0/1")
    if output is not None:
        clash = [name for name, on in (("--table", table is not None), ("--consensus", consensus is not None),
                                       ("--json", as_json)) if on]
        if clash:
            raise InputError(f"--output writes the agreement of --coders to a file; leave out {' and '.join(clash)}")

    if table is not None:
        if coders or codes is not None or unit != "segment" or include_interviewers or codebook_version:
            raise InputError("--table compares the file only; leave out --coders, --codes, --unit, "
                             "--codebook-version and --include-interviewers")
        result = table_agreement(table, level=level or "nominal")
        if as_json:
            echo_json(result)
            return
        from ..ui.format import count_noun

        click.echo(f"{table.name}: {count_noun(result['units'], 'enhet', 'enheter')} "
                   f"({result['pairable_units']} med minst to verdier), "
                   f"{len(result['coders'])} kodere ({', '.join(result['coders'])}), nivå {result['level']}")
        click.echo(f"alfa     {_fmt(result['alpha'])}")
        if "kappa" in result:
            click.echo(f"kappa    {_fmt(result['kappa'])}")
            click.echo(f"prosent  {_fmt(result['percent'], share=True)}")
        for line in undefined_table_lines(result):
            click.echo(line)
        return

    if consensus is not None and (coders or codes is not None or unit != "segment" or include_interviewers
                                  or codebook_version):
        raise InputError("--consensus records the agreed codes of one turn; leave out --coders, --codes, --unit, "
                         "--codebook-version and --include-interviewers")
    db, user = open_db(ctx), acting_user(ctx)
    if consensus is not None:
        source, turn, code_list = consensus
        records = record_consensus(db, source, turn, code_list, user=user)
        if as_json:
            echo_json([r.to_dict() for r in records])
            return
        agreed = ", ".join(r.code for r in records) or "ingen koder"
        click.echo(f"Konsensus lagret for tur {turn} i {records[0].source if records else source}: {agreed}")
        return

    names = _split(coders)
    if not names:
        raise InputError("give the coders to compare: --coders A,B[,C] (or --table FILE.csv)")
    if output is not None:
        from ..export import export_agreement
        from .analysis import _report_written

        if show_disagreements and unit != "segment":
            raise InputError("--disagreements lists turns; leave out --unit")
        files = export_agreement(db, output, names, codes=codes, unit=unit, include_interviewers=include_interviewers,
                                 disagreements=show_disagreements, codebook_version=codebook_version, user=user)
        _report_written(files)
        return
    if show_disagreements:
        if unit != "segment":
            raise InputError("--disagreements lists turns; leave out --unit")
        rows = disagreements(db, names, codes=codes, include_interviewers=include_interviewers,
                             codebook_version=codebook_version, user=user)
        if as_json:
            echo_json(rows)
            return
        if not rows:
            everyone = "de begge" if len(set(names)) == 2 else "alle koderne"
            click.echo(f"Ingen uenighet: koderne har satt de samme kodene på alle turene {everyone} har kodet.")
            return
        for r in rows:
            who = f" {r['speaker']}:" if r["speaker"] else ""
            click.echo(f"{r['source']} tur {r['turn']}{who} {' '.join(r['text'].split())}")
            for coder, ids in r["codes"].items():
                click.echo(f"    {coder}: {', '.join(ids) or '(ingen)'}")
            if r.get("consensus") is not None:
                click.echo(f"    ✓ omforent: {', '.join(r['consensus']) or 'ingen kode'}")
        from ..ui.format import count_noun

        done = sum(r.get("consensus") is not None for r in rows)
        click.echo(f"{count_noun(len(rows), 'tur', 'turer')} med uenighet, {done} av {len(rows)} med registrert "
                   "konsensus (✓ omforent). Registrer enigheten med "
                   "`workbench agreement --consensus KILDE TUR KODER`.")
        return

    result = coding_agreement(db, names, codes=codes, unit=unit, include_interviewers=include_interviewers,
                              codebook_version=codebook_version, user=user)
    if as_json:
        echo_json(result)
        return
    for line in _summary(result):
        click.echo(line)
    rows = [{"kode": r["code"], "navn": r["label"], "enheter": r["units"],
             **{no: _fmt(r[en], share=en == "percent") for en, no in (("percent", "prosent"), ("kappa", "kappa"),
                                                                        ("alpha", "alfa"))}}
            for r in result["codes"]]
    echo_table(rows, ["kode", "navn", "enheter", "prosent", "kappa", "alfa"])
    o = result["overall"]
    click.echo(f"Samlet: enheter {o['units']}  prosent {_fmt(o['percent'], share=True)}  kappa {_fmt(o['kappa'])}  "
               f"alfa {_fmt(o['alpha'])}")
    many = len(result["coders"]) > 2
    if many:  # Cohen's kappa compares two coders: its column is "–" throughout, not undefined
        click.echo("Kappa (Cohens) beregnes bare for to kodere; bruk alfa for tre eller flere.")
    if any(r["alpha"] is None for r in result["codes"]):
        column = " i alfa-kolonnen" if many else ""
        click.echo(f"–{column} = udefinert: koden har samme verdi i alle enheter hos alle koderne.")


TABLE_UNDEFINED = {
    "one_value": "alle verdiene i enhetene som kan sammenlignes, er like (samme verdi hos alle koderne), så det "
                 "er ingen uenighet å forvente (0/0)",
    "no_pairable_units": "ingen enhet har verdier fra minst to kodere, så ingen verdier kan sammenlignes",
}
FIGURE_NAMES = {"alpha": "alfa", "kappa": "kappa", "percent": "prosent"}


def undefined_table_lines(result: dict) -> list[str]:
    """Under the figures of a reliability table: why a "–" is undefined, one line per reason
    ("– (alfa, kappa) = udefinert: alle verdiene ... er like ...")."""
    by_reason: dict[str, list[str]] = {}
    for figure, reason in (result.get("undefined") or {}).items():
        by_reason.setdefault(reason, []).append(FIGURE_NAMES.get(figure, figure))
    return [f"– ({', '.join(figures)}) = udefinert: {TABLE_UNDEFINED.get(reason, reason)}."
            for reason, figures in by_reason.items()]


def _summary(result: dict) -> list[str]:
    """The lines before the table: what was compared, what was left out and why."""
    from ..ui.format import count_noun, name_list

    unit = result["unit"]
    per_code = result["codes"][0]["units"] if result["codes"] else 0
    units = count_noun(per_code, "segment", "segmenter") if unit == "segment" else f"{per_code} tegn"
    lines = [f"Kodere: {', '.join(result['coders'])}; enhet: {unit} ({units} i "
             f"{count_noun(result['sources'], 'kilde', 'kilder')} som alle koderne har kodet)"]
    left_out = result.get("left_out") or []
    if left_out:
        lines.append(f"{count_noun(len(left_out), 'kilde', 'kilder')} er ikke med fordi ikke alle koderne har kodet "
                     f"{'den' if len(left_out) == 1 else 'dem'}: {name_list(left_out)}")
    interviewers = result.get("interviewer_turns_left_out") or 0
    if interviewers:
        lines.append(f"{count_noun(interviewers, 'intervjuertur', 'intervjuerturer')} (aktør forsker) er ikke med: "
                     "intervjuerens spørsmål telles ikke, som i dashbordene (uten koder ville de bare "
                     "gitt enighet om «ingen kode»). Bruk --include-interviewers for å ta dem med.")
    lines += code_set_lines(result)
    if "consensus_turns" in result:
        n = result["consensus_turns"]
        lines.append(f"Konsensus sammenlignes bare på turene der konsensus er registrert ({n}); turer uten "
                     "registrert konsensus telles ikke. Konsensus registreres som regel der koderne var uenige, "
                     "så tallene mot konsensus blir lave av konstruksjon og bygger på bare "
                     f"{count_noun(n, 'tur', 'turer')}.")
    return lines


def code_set_lines(result: dict) -> list[str]:
    """What code set was compared, and the codes of it nobody used (they count as agreement on
    absence in the pooled figure)."""
    from ..ui.agreement import code_set_text, unused_text

    code_set = result["code_set"]
    lines = [code_set_text(code_set, cli=True)]
    unused = unused_text(code_set)
    if unused:
        hint = ""
        if not code_set["pinned"]:
            hint = " Koder som legges til, endrer derfor det samlede tallet"
            hint += (f"; lås kodesettet med --codebook-version {code_set['version']} for å kunne sammenligne med "
                     "tallet senere." if code_set.get("version") is not None else " (se over om å låse kodesettet).")
        lines.append(unused + hint)
    return lines


COMMANDS = [agreement]
