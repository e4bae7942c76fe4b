"""The demo: a fresh database built from the fictional sample corpus in ``data/sample``.

Steps: ingest the corpus, load the bygdevekst codebook, load the two fictional coders'
reference codings, train the suggestion model. Each step is its own transaction(s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from .access import requires
from .errors import WorkbenchError
from .store import Database, safe_url

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "sample"
CODEBOOK = ROOT / "codebooks" / "bygdevekst.yaml"
DEMO_URL = "sqlite:///data/demo.db"


@dataclass
class DemoReport:
    url: str
    sources: int = 0
    turns: int = 0
    words: int = 0
    speakers_by_actor: dict[str, int] = field(default_factory=dict)
    codes: int = 0
    codings_by_coder: dict[str, int] = field(default_factory=dict)
    model: str = ""
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    logins: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (role, password)
    released: int = 0
    not_released: list[str] = field(default_factory=list)  # demo codes without a quote safe to release
    suggestions: int = 0  # pending suggestions left for the coders
    qdpx: Path | None = None  # the demo project as REFI-QDA, for NVivo, ATLAS.ti, MAXQDA, QualCoder

    def lines(self) -> list[str]:
        """A short Norwegian summary for the terminal."""
        out = [f"Demodatabase: {safe_url(self.url)}",
               f"Kilder: {self.sources}   Segmenter: {self.turns}   Ord: {self.words}",
               "Talere per aktør: " + ", ".join(f"{a} {n}" for a, n in sorted(self.speakers_by_actor.items())),
               f"Koder i kodeboka: {self.codes}",
               "Kodinger per koder: " + ", ".join(f"{c} {n}" for c, n in sorted(self.codings_by_coder.items()))]
        if self.model:
            out.append(self.model)
        if self.suggestions:
            out.append(f"Forslag som venter på en koder: {self.suggestions}")
        if self.released or self.not_released:
            out.append(f"Sitater frigitt for ressursgruppen: {self.released}")
        if self.not_released:
            out.append("Ikke frigitt (ingen sitat der både aktøren har minst k personer og cellen i "
                       "ressursgruppens tabeller minst k talere): " + ", ".join(self.not_released))
        if self.qdpx:
            out.append(f"REFI-QDA-prosjekt (åpnes i NVivo, ATLAS.ti, MAXQDA, QualCoder): {self.qdpx}")
        if self.logins:
            out.append("Brukere for appen (passordene lages på nytt hver gang demoen bygges):")
            out += [f"  {name:<18} {role:<15} passord: {password}"
                    for name, (role, password) in self.logins.items()]
        out.append("Tid: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items()))
        return out


def prepare_database(url: str | None) -> Database:
    """A fresh, empty, migrated database for the demo.

    A SQLite file is replaced; any other database must be empty (nothing is dropped there).
    """
    url = url or DEMO_URL
    db = Database(url)
    parsed = make_url(db.url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db.dispose()
        Path(parsed.database).unlink(missing_ok=True)
        db = Database(url)
    elif db.is_initialised():
        from .ingest import list_sources

        db.upgrade()
        if list_sources(db):
            raise WorkbenchError(f"{db.shown_url} already holds data; give `workbench demo --db` an empty database")
    db.upgrade()
    return db


def build_demo(url: str | None = None, *, user: str | None = "demo", sample_dir: Path = SAMPLE_DIR,
               codebook: Path = CODEBOOK, train: bool = True,
               passwords: dict[str, str] | None = None, qdpx: bool = True) -> tuple[Database, DemoReport]:
    """Build the demo database: ingest, codebook, reference codings, model, three app users
    (one per role, with fresh random passwords unless ``passwords`` gives them) and a few
    quotes released for the resource group."""
    from .codebook.store import load_codebook
    from .coding import code_from_csv, list_codings
    from .ingest import ingest_paths, list_sources

    db = prepare_database(url)
    report = DemoReport(url=db.url)

    t0 = time.perf_counter()
    ingested = ingest_paths(db, [sample_dir], user=user)
    if ingested.errors:
        raise WorkbenchError("demo corpus did not ingest cleanly: " + "; ".join(ingested.errors))
    report.warnings += ingested.warnings
    report.seconds["innlesing"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    load_codebook(db, codebook, user=user)
    report.seconds["kodebok"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    for csv_path in sorted(sample_dir.glob("codings_*.csv")):
        code_from_csv(db, csv_path, user=user)
    report.seconds["kodinger"] = time.perf_counter() - t0

    if train:
        from .suggest.service import suggest, train as train_model

        t0 = time.perf_counter()
        trained = train_model(db, user=user)
        report.model = trained.summary()
        report.seconds["trening"] = time.perf_counter() - t0
        t0 = time.perf_counter()  # pending suggestions, so that Koding shows the model's at once
        report.suggestions = suggest(db, user=user, method="all")
        report.seconds["forslag"] = time.perf_counter() - t0

    sources = list_sources(db, user=user)
    report.sources = len(sources)
    report.turns = sum(s["turns"] for s in sources)
    report.words = sum(s["words"] for s in sources)
    for s in sources:
        for sp in s["speakers"]:
            actor = sp.get("actor") or "ukjent"
            report.speakers_by_actor[actor] = report.speakers_by_actor.get(actor, 0) + 1
    from .codebook.store import current_codes

    report.codes = len(current_codes(db, user=user))
    for c in list_codings(db, user=user):
        report.codings_by_coder[c.coder] = report.codings_by_coder.get(c.coder, 0) + 1
    report.logins = add_demo_users(db, user=user, passwords=passwords)
    report.released = release_demo_quotes(db, user=user, skipped=report.not_released)
    if qdpx:
        from .refi.export import export_qdpx

        report.qdpx = export_qdpx(db, _qdpx_path(db), user=user)
    return db, report


def _qdpx_path(db: Database) -> Path:
    """Beside a SQLite demo file (data/demo.qdpx for the default), else data/demo.qdpx."""
    parsed = make_url(db.url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database).with_suffix(".qdpx")
    Path("data").mkdir(exist_ok=True)
    return Path("data") / "demo.qdpx"


DEMO_USERS = {"forsker": "researcher", "rapportforfatter": "report_author", "ressursgruppe": "resource_group"}


@requires("manage_users")
def add_demo_users(db: Database, *, user: str | None, passwords: dict[str, str] | None = None
                   ) -> dict[str, tuple[str, str]]:
    """One app user per role; returns {name: (role, password)}."""
    import secrets

    from .users import add_user

    out = {}
    for name, role in DEMO_USERS.items():
        password = (passwords or {}).get(name) or secrets.token_urlsafe(12)
        add_user(db, name, role, password=password, user=user)
        out[name] = (role, password)
    return out


@requires("release")
def release_demo_quotes(db: Database, *, user: str | None, per_code: int = 1,
                        codes: tuple[str, ...] = ("styring.vertikal", "samarbeid.ressurser",
                                                  "styring.horisontal", "samarbeid.tid"),
                        skipped: list[str] | None = None) -> int:
    """Release, per code, the first quote both demo coders agreed on (not the interviewers') that
    ``sharing.release_quote`` would not warn about: of a speaker who shares their actor with at
    least k - 1 others in their pilot, or in the whole project for a quote without a pilot (a
    released quote shows actor and pilot, or actor alone: the only mayor of a pilot, one of two
    KDD officials, is known by them; ``sharing.people_shown``), and from a cell of the published
    tables (actor x phase x code, and with a pilot actor x phase x pilot x code) of k speakers or
    more (a quote beside a hidden "<3" cell would show that someone of that actor said it;
    ``sharing.small_cell``). A code without such a quote gets none; its id is added to
    ``skipped`` when given. Returns how many quotes were released."""
    import pandas as pd

    from .analysis import codings_frame
    from .sharing import _published_speakers, people_shown, release_quote, setting, small_cell

    agreed = codings_frame(db, coder="consensus", user=user)
    agreed = agreed[agreed["actor"].notna() & (agreed["actor"] != "forsker")]
    k = int(setting(db, "min_cell_speakers"))
    with db.session() as s:
        pairs = agreed[["actor", "pilot"]].drop_duplicates().itertuples(index=False)
        alone = {(a, p) for a, p in pairs if (people_shown(s, a, p) or 0) < k}
    keep = [(a, p) not in alone for a, p in zip(agreed["actor"], agreed["pilot"])]
    agreed = agreed[pd.Series(keep, index=agreed.index, dtype=bool)]  # (a bare [] would pick columns)
    chosen = list(codes)
    cells = _published_speakers(db, codes=chosen) if chosen else {}
    pilot_cells = _published_speakers(db, by=("actor", "phase", "pilot"), codes=chosen) if chosen else {}
    hidden = [small_cell(cells, pilot_cells, a, ph, p, c, k) is not None
              for a, ph, p, c in zip(agreed["actor"], agreed["phase"], agreed["pilot"], agreed["code"])]
    agreed = agreed[~pd.Series(hidden, index=agreed.index, dtype=bool)]
    n = 0
    for code in codes:
        rows = agreed[agreed["code"] == code].drop_duplicates("segment_id").head(per_code)
        if rows.empty and skipped is not None:
            skipped.append(code)
        for row in rows.itertuples():
            release_quote(db, int(row.source_id), int(row.index), code, user=user)
            n += 1
    return n
