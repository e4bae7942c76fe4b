"""The agreement table for a report's method chapter: ``workbench agreement --output FILE``.

:func:`agreement_tables` builds the tables from :func:`workbench.agreement.coding_agreement`'s
computation (the same figures that ``workbench agreement --json`` prints for the same options):
one row per compared code and an overall row "Alle koder", with what the comparison is of
(coders, unit, codebook version, sources included and left out, the interviewer-turn rule, the
date) as the table's preamble; optionally the list of disagreements (researchers only).
:func:`export_agreement` writes them as .xlsx, .docx or .csv with the writers of the other
exports.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from ..access import current, demand, requires
from ..errors import InputError
from ..store import Database
from .tables import H, Table

#: the formats the agreement file is written in (a suffix of another is refused)
AGREEMENT_FORMATS = ("xlsx", "docx", "csv")
DEFAULT_NAME = "enighet"
TITLE = "Enighet mellom kodere"

# Norwegian headings of the agreement table (bokmål), as the Enighet page has them
A = dict(code_id=H["code_id"], code=H["code"], group="Kodegruppe", units="Enheter", coders=H["coders"],
         percent="Prosent enige", kappa="Kappa", alpha="Alfa")
OVERALL = "Alle koder"
NO_VALUE = "–"
KAPPA_TWO = "Cohens kappa beregnes bare for to kodere; bruk alfa for tre eller flere"
UNDEFINED = ("udefinert: koden har samme verdi i alle enheter hos alle koderne (ingen brukte den, eller alle "
             "brukte den overalt)")


def used_heading(coder: str) -> str:
    """The heading of the column that counts a coder's units with the code: "Kodet av mari"."""
    return f"Kodet av {coder}"


def _figure(value: Any) -> Any:
    """A figure as stored in the table: the number itself, "–" when undefined."""
    return NO_VALUE if value is None else value


def _count(n: int, one: str, many: str) -> str:
    from ..ui.format import count_noun

    return count_noun(n, one, many)


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "ingen"


def _version_text(db: Database, version: int | None) -> str:
    """«navn», versjon N (lastet dd.mm.yyyy, fra fil.yaml); the newest version for None."""
    from ..codebook import current_version

    v = current_version(db)
    if version is not None and (v is None or v["id"] != version):
        from ..store import CodebookVersion

        with db.session() as s:
            row = s.get(CodebookVersion, version)
            v = None if row is None else {"id": row.id, "name": row.name, "created_at": row.created_at,
                                          "file_name": row.file_name}
    if v is None:  # (coding_agreement refuses a database without a codebook before this)
        return "ingen kodebok lastet"
    when = v["created_at"].strftime("%d.%m.%Y") if v.get("created_at") else ""
    parts = [f"«{v['name']}», versjon {v['id']}"]
    if when:
        parts.append(f"lastet {when}")
    if v.get("file_name"):
        base = re.split(r"[\\/]", v["file_name"])[-1]
        parts.append(f"fra {base}")
    return ", ".join(parts[:1]) + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


def _codebook_text(db: Database, code_set: dict) -> str:
    """The codebook version the compared codes are of: the pinned one, else the newest version with
    exactly these codes; when none has them (a code merged or retired since the last load), that,
    and how the newest version differs."""
    if code_set.get("version") is not None or not code_set.get("differs"):
        return _version_text(db, code_set.get("version"))
    from ..ui.format import name_list

    d = code_set["differs"]
    how = []
    if d.get("not_compared"):
        how.append(f"har også {name_list(d['not_compared'])} (slått sammen eller pensjonert siden)")
    if d.get("not_in_version"):
        how.append(f"har ikke {name_list(d['not_in_version'])}")
    return (f"ingen lastet versjon har akkurat de sammenlignede kodene: den nyeste, {_version_text(db, d['version'])}, "
            f"{' og '.join(how)}")


def _codes_text(codes: str | Iterable[str] | None, n: int, pinned: bool = False) -> str:
    chosen = ([c.strip() for c in codes.split(",")] if isinstance(codes, str)
              else [str(c).strip() for c in codes]) if codes is not None else []
    chosen = [c for c in chosen if c]
    what = _count(n, "kode", "koder")
    which = ("alle kodbare koder i kodebokversjonen under (låst: koder lagt til senere er ikke med)" if pinned
             else "alle kodbare, aktive koder i kodeboken")
    if not chosen:
        return f"{what}: {which} (overordnede koder sammenlignes gjennom underkodene)"
    return f"{what} med ID som begynner med {', '.join(chosen)}" + (" (fra kodebokversjonen under)" if pinned else "")


def _unused_text(result: dict) -> str:
    """The codes of the set nobody used: they count as agreement on absence in "Alle koder"."""
    unused = result["code_set"]["unused"]
    if not unused:
        return "ingen: hver kode er brukt av minst én av koderne"
    code_set = result["code_set"]
    pin = ("" if code_set["pinned"] else
           "; koder lagt til i kodeboken endrer derfor tallet, og --codebook-version låser kodesettet"
           + ("" if code_set.get("version") is not None else
              " (når kodebokfila med akkurat disse kodene er lastet inn på nytt)"))
    return (f"{len(unused)} av {result['code_set']['codes']} koder er ikke brukt av noen av koderne "
            f"({', '.join(unused)}): de teller som enighet om at koden ikke er der i «{OVERALL}»{pin}")


def _unit_text(result: dict) -> str:
    per_code = result["codes"][0]["units"] if result["codes"] else 0
    if result["unit"] == "char":
        return (f"tegn: hvert tegn i kildene ({per_code} tegn per kode, hele teksten med taleretiketter, "
                "overskrifter og intervjuerens turer)")
    return f"tur (segment): hver tur i kildene ({_count(per_code, 'tur', 'turer')} per kode)"


def _interviewer_text(result: dict, include_interviewers: bool) -> str:
    if result["unit"] == "char":
        return "tegnenheter tar med hele teksten, også intervjuerens turer"
    left = result["interviewer_turns_left_out"]
    if include_interviewers:
        return "intervjuerens turer (aktør forsker) er med som enheter (--include-interviewers)"
    return (f"{_count(left, 'intervjuertur', 'intervjuerturer')} (aktør forsker) er ikke med: intervjuerens "
            "spørsmål telles ikke, som i dashbordene")


def _preamble(db: Database, result: dict, codes, include_interviewers: bool, scrub) -> list[tuple[str, str]]:
    from ..agreement import CONSENSUS_CODER

    names = result["coders"]
    sources = [scrub(s) for s in result["source_names"]]
    left_out = [scrub(s) for s in result["left_out"]]
    lines = [
        ("Kodere", f"{', '.join(names)} ({_count(len(names), 'koder', 'kodere')})"),
        ("Enhet", _unit_text(result)),
        ("Koder", _codes_text(codes, len(result["codes"]), result["code_set"]["pinned"])),
        ("Kodebok", _codebook_text(db, result["code_set"])),
        ("Ubrukte koder", _unused_text(result)),
        ("Kilder med", f"{_count(len(sources), 'kilde', 'kilder')} som alle koderne har kodet: {_names(sources)}"),
        ("Kilder utelatt", (f"{_count(len(left_out), 'kilde', 'kilder')} som ikke alle koderne har kodet: "
                            f"{_names(left_out)}") if left_out else "ingen"),
        ("Intervjuerturer", _interviewer_text(result, include_interviewers)),
    ]
    if "consensus_turns" in result:
        n = result["consensus_turns"]
        lines.append(("Konsensus", f"«{CONSENSUS_CODER}» sammenlignes bare på turene der konsensus er registrert "
                                   f"({n}); tallene mot konsensus blir lave av konstruksjon og bygger på bare "
                                   f"{_count(n, 'tur', 'turer')}"))
    lines.append(("Mål", "prosent enige (andel enheter der alle ga samme verdi), Cohens kappa (to kodere) og "
                         "Krippendorffs alfa (nominal); «Kodet av» = antall enheter koderen ga koden"))
    if len(names) > 2:
        lines.append(("Kappa", f"{NO_VALUE}: {KAPPA_TWO}"))
    if any(c["alpha"] is None for c in result["codes"]) or result["overall"]["alpha"] is None:
        lines.append((NO_VALUE, UNDEFINED))
    lines.append(("Laget", f"{dt.date.today():%d.%m.%Y} med Bygdevekst workbench"))
    return lines


def _groups(db: Database) -> dict[str, str]:
    """code id -> the label of its parent code ("" for a top-level code)."""
    from ..analysis.frames import codes_frame

    tree = codes_frame(db)
    labels = dict(zip(tree["code"], tree["label"]))
    return {c: labels.get(p, "") if isinstance(p, str) else "" for c, p in zip(tree["code"], tree["parent"])}


def _agreement_frame(result: dict, groups: dict[str, str]) -> pd.DataFrame:
    names = result["coders"]
    rows = []
    for label, code, group, r in ([(OVERALL, "", "", result["overall"])]
                                  + [(c["label"], c["code"], groups.get(c["code"], ""), c) for c in result["codes"]]):
        rows.append({A["code_id"]: code, A["code"]: label, A["group"]: group, A["units"]: r["units"],
                     A["coders"]: len(names), A["percent"]: _figure(r["percent"]),
                     A["kappa"]: _figure(r["kappa"]), A["alpha"]: _figure(r["alpha"]),
                     **{used_heading(n): r["used"][n] for n in names}})
    frame = pd.DataFrame(rows, columns=list(A.values()) + [used_heading(n) for n in names])
    frame.attrs["coders"] = list(names)
    for col in (A["percent"], A["kappa"], A["alpha"]):
        if any(isinstance(v, str) for v in frame[col]):
            frame[col] = frame[col].astype(object)
    return frame


def _disagreement_table(rows: list[dict], names: list[str], about: str) -> Table:
    frame = pd.DataFrame(
        [{H["source"]: r["source"], "Tur": r["turn"],
          **{f"Koder fra {n}": ", ".join(r["codes"].get(n) or []) or "(ingen)" for n in names},
          "Omforent": ("" if r.get("consensus") is None else ", ".join(r["consensus"]) or "ingen kode")}
         for r in rows],
        columns=[H["source"], "Tur"] + [f"Koder fra {n}" for n in names] + ["Omforent"])
    return Table(f"Uenigheter: turene der kodernes koder er ulike ({about})", frame, "Uenigheter",
                 preamble=[("Kodere", ", ".join(names)),
                           ("Turer", f"{_count(len(rows), 'tur', 'turer')} med uenighet, "
                                     f"{sum(r.get('consensus') is not None for r in rows)} med registrert "
                                     "konsensus («Omforent»)")],
                 empty_note="(ingen rader: koderne har satt de samme kodene på alle turene)")


@requires("export")
def agreement_tables(db: Database, coders: Iterable[str] | str, *, codes: str | Iterable[str] | None = None,
                     unit: str = "segment", include_interviewers: bool = False, disagreements: bool = False,
                     codebook_version: int | str | None = None, user: str | None = None) -> list[Table]:
    """The agreement table (and, with ``disagreements``, the list of disagreements) for a report.

    The options are those of :func:`workbench.agreement.coding_agreement`, and so are the figures:
    one row per compared code (Kode-ID, Kode, Kodegruppe: the parent's label, Enheter, Kodere,
    Prosent enige as a share 0-1, Kappa, Alfa, and "Kodet av <coder>": the units the coder gave
    the code) after an overall row "Alle koder" (units x codes). An undefined figure, and kappa
    for three or more coders, is "–"; the preamble says why, with the coders, the unit, the codes,
    the codebook version (the one pinned with ``codebook_version``, else the newest), the codes
    of the set nobody used (agreement on absence in "Alle koder"), the sources included and left
    out, the interviewer-turn rule and the date. Report authors get the file names scrubbed, as in
    their source list.

    ``disagreements``: a second table with the turns where the coders' codes differ (source,
    turn, each coder's codes, the recorded consensus). It names sources and turns, so only
    researchers (``view_transcripts``) may ask for it.
    """
    from ..agreement import _coding_agreement, disagreements as list_disagreements

    if disagreements:
        demand("view_transcripts", "agreement_tables")
        if unit != "segment":
            raise InputError("the list of disagreements is of turns; leave out --unit char (or the disagreements)",
                             code="agreement.disagreements_unit")
    result = _coding_agreement(db, coders, codes=codes, unit=unit, include_interviewers=include_interviewers,
                               codebook_version=codebook_version, details=True)
    who = current()
    if who is None or who.can("view_transcripts"):
        scrub = (lambda name: name)
    else:  # report authors: file names scrubbed, as in their source list
        from ..sharing import roster_scrubber

        scrub = roster_scrubber(db).scrub
    names = result["coders"]
    about = f"{', '.join(names)}; enhet: {'tegn' if unit == 'char' else 'tur'}"
    table = Table(f"{TITLE} per kode: prosent enige, Cohens kappa og Krippendorffs alfa ({about})",
                  _agreement_frame(result, _groups(db)), "Enighet", percent=[A["percent"]],
                  decimals={A["kappa"]: 3, A["alpha"]: 3}, heading=TITLE,
                  preamble=_preamble(db, result, codes, include_interviewers, scrub))
    tables = [table]
    if disagreements:
        rows = list_disagreements(db, names, codes=codes, include_interviewers=include_interviewers,
                                  codebook_version=codebook_version)
        tables.append(_disagreement_table(rows, names, ", ".join(names)))
    return tables


def agreement_format(path: str | Path, format: str | None = None) -> str:
    """The format of the agreement file: ``format``, else the suffix of ``path``, else xlsx. A
    suffix or format other than xlsx, docx and csv is refused in one line."""
    path = Path(path)
    choices = ", ".join(f".{f}" for f in AGREEMENT_FORMATS[:-1]) + f" or .{AGREEMENT_FORMATS[-1]}"
    suffix = path.suffix.lower().lstrip(".")
    given = str(format or "").strip().lower().lstrip(".")
    if given and given not in AGREEMENT_FORMATS:
        raise InputError(f"the agreement table is written as {choices}, not .{given}",
                         code="agreement.export_format", format=given)
    if re.fullmatch(r"[a-z][a-z0-9]{0,4}", suffix) and not path.is_dir():
        if suffix not in AGREEMENT_FORMATS:
            stem = path.stem
            raise InputError(f"{path}: the agreement table is written as {choices}, not .{suffix}; name the file "
                             f"{stem}.xlsx, {stem}.docx or {stem}.csv", code="agreement.export_format",
                             path=str(path), format=suffix)
        if given and given != suffix:
            raise InputError(f"{path}: the name ends in .{suffix} but the format is {given}; name the file "
                             f"{path.with_suffix('.' + given).name}", code="export.format_mismatch",
                             path=str(path), suffix=suffix, format=given)
        return suffix
    return given or "xlsx"


def _target(path: Path, fmt: str) -> Path:
    """The file to write: a folder (or a name ending in /) holds enighet.<fmt>; a name without the
    suffix gets it."""
    text = os.fspath(path)
    if path.is_dir() or text.endswith(("/", os.sep) + ((os.altsep,) if os.altsep else ())):
        return path / f"{DEFAULT_NAME}.{fmt}"
    if path.suffix.lower() != f".{fmt}":
        return path.with_name(f"{path.name}.{fmt}")
    return path


@requires("export")
def export_agreement(db: Database, path: str | Path, coders: Iterable[str] | str, *,
                     codes: str | Iterable[str] | None = None, unit: str = "segment",
                     include_interviewers: bool = False, disagreements: bool = False,
                     codebook_version: int | str | None = None, format: str | None = None,
                     user: str | None = None) -> list[Path]:
    """Write the agreement table (:func:`agreement_tables`) to ``path`` as .xlsx, .docx or .csv
    (``format``, else the suffix, else xlsx; another suffix is refused in one line).

    A workbook has a sheet "Enighet" (the title, the preamble, then the table; shares as
    percentages, kappa and alpha with three decimals, the numbers themselves in the cells) and,
    with ``disagreements``, a sheet "Uenigheter"; a Word document (nb-NO) has them as captioned
    tables. A CSV file holds the table alone (numbers as ``--json`` has them, "–" for an
    undefined figure); the preamble goes beside it as ``<stem>_om_utvalget.csv`` (columns
    Opplysning, Verdi) and the disagreements as ``<stem>_uenigheter.csv``. Audited as
    ``export_agreement``. Returns the files written (``Written``, with ``overwritten``)."""
    from . import _audit_export, _existing, _written, output_path
    from .writers import write_csv, write_docx, write_xlsx

    path = output_path(path)
    fmt = agreement_format(path, format)
    target = _target(path, fmt)
    before = _existing(target)
    tables = agreement_tables(db, coders, codes=codes, unit=unit, include_interviewers=include_interviewers,
                              disagreements=disagreements, codebook_version=codebook_version)
    if fmt == "csv":
        main = tables[0]
        about = Table(f"Om sammenligningen: {main.title}",
                      pd.DataFrame(main.preamble, columns=["Opplysning", "Verdi"]), "Om utvalget")
        files = write_csv([main], target)
        files += write_csv([about], target.with_name(f"{target.stem}_om_utvalget.csv"))
        for extra in tables[1:]:
            files += write_csv([extra], target.with_name(f"{target.stem}_uenigheter.csv"))
    else:
        files = (write_xlsx if fmt == "xlsx" else write_docx)(tables, target)
    _audit_export(db, user, "export_agreement", files,
                  dict(format=fmt, coders=tables[0].frame.attrs.get("coders"),
                       codes=codes if isinstance(codes, (str, type(None))) else list(codes), unit=unit,
                       include_interviewers=include_interviewers, disagreements=disagreements,
                       codebook_version=None if codebook_version in (None, "") else str(codebook_version)))
    return _written(files, empty=False, overwritten=tuple(f for f in files if Path(f) in before))


__all__ = ["AGREEMENT_FORMATS", "agreement_format", "agreement_tables", "export_agreement", "used_heading"]
