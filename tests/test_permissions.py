"""Every public library function, called by every role: allowed roles get an answer, the others
a PermissionDenied (a one-line Norwegian refusal), and nothing changes for them.

The list of functions is not written by hand: every public function of the workbench package
whose first parameter is ``db`` is found by walking the package, must carry a capability
(``access.requires``), and must have a call below. A new library function without a permission
check, or without a row here, fails the first test.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import tempfile
from pathlib import Path

import pytest

import workbench
from workbench.access import CAPABILITIES, PROTECTED, RESEARCHER, REPORT_AUTHOR, RESOURCE_GROUP
from workbench.errors import PermissionDenied
from workbench.store import AuditEvent, Coding, Database, Memo, MemoDraft, Segment, Source, Suggestion

USERS = {RESEARCHER: "anna", REPORT_AUTHOR: "rolf", RESOURCE_GROUP: "rita"}
PASSWORD = "korrekt-hest-batteri"

CODEBOOK = """\
name: tilgang
title: Kodebok for tilgangstesten
language: nb
codes:
  kontrakt:
    label: Kontraktsform
    codable: false
    definition: Hvordan avtalen forstås.
    children:
      - id: kontrakt.hybrid
        label: Hybrid kontrakt
        definition: Krav og tillit sammen.
        examples: ["Avtalen er både kontrakt og samarbeid.", "Vi har krav, men stoler på hverandre."]
        lexicon: [kontrakt, samarbeid]
      - id: kontrakt.relasjonell
        label: Relasjonell kontrakt
        definition: Avtalen som relasjon.
        examples: ["Det handler om tillit mellom partene.", "Relasjonen er viktigere enn papiret."]
        lexicon: [tillit, relasjon]
  gammel:
    label: Gammel kode
    definition: En kode som slås sammen med kapasitet.
  kapasitet:
    label: Kapasitet
    definition: Mangel på folk.
    examples: ["Vi mangler folk.", "Kapasiteten i kommunen er for liten."]
    lexicon: [folk, kapasitet]
"""
TRANSCRIPT = ("Moderator: Velkommen.\n\n"
              "Sigrid Aune: Avtalen er både en kontrakt og et samarbeid, sa Håvard.\n\n"
              "Håvard Lien: Tilliten mellom partene er viktigst.\n\n"
              "Sigrid Aune: Vi mangler folk til å følge opp tiltakene.\n")
PARTICIPANTS = ("file,speaker,actor,organisation,pilot\n"
                "fg_tilgang.txt,Moderator,forsker,SINTEF,\n"
                "fg_tilgang.txt,Sigrid Aune,prosjektleder,Gamvik kommune,Midt-Finnmark\n"
                "fg_tilgang.txt,Håvard Lien,statsforvalter,Statsforvalteren,Midt-Finnmark\n")
MANIFEST = ("file,kind,phase,pilot,county,date,language\n"
            "fg_tilgang.txt,fokusgruppe,fase 1,Midt-Finnmark,Finnmark,2023-04-18,nb\n")
SOURCE = "fg_tilgang.txt"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A small database with every kind of row, three users (one per role) and a folder."""
    from workbench.codebook import load_codebook
    from workbench.coding import add_memo, apply_code
    from workbench.ingest import ingest_paths
    from workbench.sharing import release_quote
    from workbench.users import add_user

    tmp = tmp_path_factory.mktemp("tilgang")
    corpus = tmp / "korpus"
    corpus.mkdir()
    (corpus / SOURCE).write_text(TRANSCRIPT, encoding="utf-8")
    (corpus / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (corpus / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (tmp / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp / "koder.csv").write_text(f"source,turn,code\n{SOURCE},4,kapasitet\n", encoding="utf-8")
    (tmp / "inn.jsonl").write_text(json.dumps({"id": "1", "text": "Vi mangler folk."}) + "\n", encoding="utf-8")
    (tmp / "extra").mkdir()
    (tmp / "extra" / "notat.md").write_text("# Notat\n\nEt avsnitt om samarbeid.\n", encoding="utf-8")
    db = Database(f"sqlite:///{tmp / 'tilgang.db'}")
    db.upgrade()
    a = USERS[RESEARCHER]
    assert not ingest_paths(db, [corpus], user=a).errors
    load_codebook(db, tmp / "kodebok.yaml", user=a)
    for turn, code in ((2, "kontrakt.hybrid"), (3, "kontrakt.relasjonell"), (4, "kapasitet")):
        apply_code(db, SOURCE, turn, code, user=a)
    add_memo(db, "Notat med Sigrid Aune i teksten.", segment=(SOURCE, 2), user=a)
    release_quote(db, SOURCE, 2, "kontrakt.hybrid", user=a)
    for role, name in USERS.items():
        add_user(db, name, role, password=PASSWORD, user=a)
    yield db, tmp
    db.dispose()


def _pending(db: Database, code: str = "kontrakt.relasjonell") -> int:
    with db.transaction("anna") as tx:
        seg = tx.session.query(Segment).join(Source).filter(Source.file_name == SOURCE, Segment.index == 2).one()
        s = Suggestion(segment_id=seg.id, code_id=code, method="lexicon", score=0.9, evidence=["x"],
                       status="pending")
        tx.session.add(s)
        tx.session.flush()
        return s.id


def _fresh_coding(db: Database) -> int:
    from workbench.coding import apply_code

    return apply_code(db, SOURCE, 3, "kontrakt.hybrid", user="anna").id


def _recording(db: Database) -> str:
    """A recording file to reference (an empty .mp3 beside the database)."""
    path = Path(db.url.removeprefix("sqlite:///")).parent / "opptak.mp3" if db.url.startswith("sqlite") \
        else Path(tempfile.mkdtemp()) / "opptak.mp3"
    path.write_bytes(b"ID3")
    return str(path)


def _extra_source(db: Database) -> str:
    """A source of its own to remove (the others are needed by the calls after it)."""
    from workbench.ingest import ingest_paths

    folder = Path(tempfile.mkdtemp())
    (folder / "slettes.txt").write_text("Moderator: Dette notatet skal slettes.\n", encoding="utf-8")
    ingest_paths(db, [folder / "slettes.txt"], user="anna")
    return "slettes.txt"


def _consensus(db: Database) -> None:
    """A second coder ("konsensus") in the fixture's source, so agreement has two coders."""
    from workbench.agreement import record_consensus

    record_consensus(db, SOURCE, 2, ["kontrakt.hybrid"], user="anna")


def _release_id(db: Database) -> int:
    from workbench.sharing import release_quote

    return release_quote(db, SOURCE, 4, "kapasitet", user="anna").id


# name -> function(db, tmp, user) making the call; prerequisites are made by the researcher
CALLS = {
    "workbench.ingest.ingest_paths": lambda db, tmp, u, m, p: m(db, [tmp / "extra"], user=u),
    "workbench.ingest.list_sources": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.ingest.list_turns": lambda db, tmp, u, m, p: m(db, SOURCE, user=u),
    "workbench.codebook.store.load_codebook": lambda db, tmp, u, m, p: m(db, tmp / "kodebok.yaml", user=u),
    "workbench.codebook.store.load_codebook_data": lambda db, tmp, u, m, p: m(
        db, __import__("workbench.codebook.schema", fromlist=["read_codebook"]).read_codebook(tmp / "kodebok.yaml")[0],
        user=u),
    "workbench.codebook.store.current_codes": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.codebook.store.current_version": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.codebook.store.merge_codes": lambda db, tmp, u, m, p: m(db, "gammel", "kapasitet", user=u),
    "workbench.codebook.store.move_codings": lambda db, tmp, u, m, p: m(db, "kontrakt", "kontrakt.hybrid", user=u),
    "workbench.coding.apply_code": lambda db, tmp, u, m, p: m(db, SOURCE, 2, "kapasitet", user=u),
    "workbench.coding.remove_code": lambda db, tmp, u, m, p: m(db, SOURCE, 2, "kapasitet", user=u, coder="anna"),
    "workbench.coding.remove_coding": lambda db, tmp, u, m, p: m(db, p, user=u),
    "workbench.coding.list_codings": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.coding.add_memo": lambda db, tmp, u, m, p: m(db, "notat", source=SOURCE, user=u),
    "workbench.coding.list_memos": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.coding.save_draft": lambda db, tmp, u, m, p: m(db, "utkast om Sigrid Aune", source=SOURCE, user=u),
    "workbench.coding.get_draft": lambda db, tmp, u, m, p: m(db, source=SOURCE, user=u),
    "workbench.coding.list_drafts": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.coding.discard_draft": lambda db, tmp, u, m, p: m(db, source=SOURCE, user=u),
    "workbench.coding.code_from_csv": lambda db, tmp, u, m, p: m(db, tmp / "koder.csv", user=u),
    "workbench.coding.list_suggestions": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.coding.accept_suggestion": lambda db, tmp, u, m, p: m(db, p, user=u),
    "workbench.coding.reject_suggestion": lambda db, tmp, u, m, p: m(db, p, user=u),
    "workbench.coding.review_suggestions": lambda db, tmp, u, m, p: m(db, reject=[p], user=u),
    "workbench.suggest.service.current_code_infos": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.service.anchor_paths": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.service.training_data": lambda db, tmp, u, m, p: m(db, anchors=[], user=u),
    "workbench.suggest.service.train": lambda db, tmp, u, m, p: m(db, anchors=[], user=u),
    "workbench.suggest.service.load_model": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.service.newest_model_e5": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.service.cannot_compute_e5": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.service.rescore_pending": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.service.build_suggester": lambda db, tmp, u, m, p: m(db, "lexicon", user=u),
    "workbench.suggest.service.suggest": lambda db, tmp, u, m, p: m(db, method="lexicon", user=u),
    "workbench.suggest.service.evaluate": lambda db, tmp, u, m, p: m(db, method="lexicon", folds=2, user=u),
    "workbench.suggest.service.classify": lambda db, tmp, u, m, p: m(db, [{"id": "1", "text": "Vi mangler folk."}],
                                                                   method="lexicon", user=u),
    "workbench.suggest.service.classify_file": lambda db, tmp, u, m, p: m(db, tmp / "inn.jsonl", tmp / f"ut_{u}.jsonl",
                                                                        method="lexicon", user=u),
    "workbench.analysis.frames.segments_frame": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.frames.coder_names": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.frames.resolve_codebook_version": lambda db, tmp, u, m, p: m(db, 1, user=u),
    # (a coder's name is refused for the resource group, which sees all coders' codings only:
    # tests/test_published.py)
    "workbench.analysis.frames.check_coder": lambda db, tmp, u, m, p: m(db, "all", user=u),
    "workbench.analysis.frames.codings_frame": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.frames.codes_frame": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.aggregate.theme_matrix": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.aggregate.filter_values": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.aggregate.order_phases": lambda db, tmp, u, m, p: m(db, ["fase 2", "fase 1"], user=u),
    "workbench.analysis.aggregate.data_status": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.aggregate.check_filters": lambda db, tmp, u, m, p: m(db, {"phase": None}, user=u),
    "workbench.analysis.aggregate.code_frequencies": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.aggregate.phase_change": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.aggregate.cooccurrence": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.aggregate.cooccurrence_pairs": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.analysis.aggregate.quotes": lambda db, tmp, u, m, p: m(db, code="kontrakt", user=u),
    "workbench.analysis.aggregate.all_quotes": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.export_tables": lambda db, tmp, u, m, p: m(db, tmp / f"t_{u}.md", format="md", charts=False, user=u),
    "workbench.export.export_quotes": lambda db, tmp, u, m, p: m(db, tmp / f"q_{u}.md", code="kontrakt", format="md", user=u),
    "workbench.refi.export.export_qdpx": lambda db, tmp, u, m, p: m(db, tmp / f"p_{u}.qdpx", user=u),
    "workbench.refi.importer.import_qdpx": lambda db, tmp, u, m, p: m(
        db, __import__("tests.test_qdpx_import", fromlist=["tiny_qdpx"]).tiny_qdpx(tmp / f"i_{u}.qdpx"), user=u),
    "workbench.export.tables.matrix_long": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.tables.matrices_per_phase": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.tables.phase_table": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.tables.phase_tables": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.tables.cooccurrence_table": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.tables.frequency_table": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.tables.code_names": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.tables.quote_table": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.tables.code_quote_table": lambda db, tmp, u, m, p: m(db, "kontrakt", user=u),
    "workbench.export.tables.released_quote_table": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.tables.report_tables": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.export.charts.heatmaps": lambda db, tmp, u, m, p: m(db, tmp / f"c_{u}", user=u),
    "workbench.export.charts.phase_bars": lambda db, tmp, u, m, p: m(db, tmp / f"c_{u}", user=u),
    "workbench.export.charts.write_charts": lambda db, tmp, u, m, p: m(db, tmp / f"c_{u}", user=u),
    "workbench.users.add_user": lambda db, tmp, u, m, p: m(db, f"ny_{u}", "resource_group", password=PASSWORD, user=u),
    "workbench.users.list_users": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.users.set_role": lambda db, tmp, u, m, p: m(db, "rita", RESOURCE_GROUP, user=u),
    "workbench.users.set_password": lambda db, tmp, u, m, p: m(db, "anna", PASSWORD, user=u),
    "workbench.users.set_email": lambda db, tmp, u, m, p: m(db, "rolf", None, user=u),
    "workbench.users.disable_user": lambda db, tmp, u, m, p: m(db, "ny_anna", user=u),
    "workbench.users.enable_user": lambda db, tmp, u, m, p: m(db, "ny_anna", user=u),
    "workbench.users.list_audit": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.logins.revoke_login_tokens": lambda db, tmp, u, m, p: m(db, "rolf", user=u),
    "workbench.sharing.set_setting": lambda db, tmp, u, m, p: m(db, "min_cell_speakers", 3, user=u),
    "workbench.sharing.list_settings": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.sharing.release_quote": lambda db, tmp, u, m, p: m(db, SOURCE, 3, "kontrakt.relasjonell", user=u),
    "workbench.sharing.withdraw_release": lambda db, tmp, u, m, p: m(db, p, user=u),
    "workbench.sharing.released_quotes": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.demo.add_demo_users": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.demo.release_demo_quotes": lambda db, tmp, u, m, p: m(db, codes=("kapasitet",), user=u),
    "workbench.agreement.coding_agreement": lambda db, tmp, u, m, p: m(db, ["anna", "konsensus"], user=u),
    "workbench.agreement.disagreements": lambda db, tmp, u, m, p: m(db, ["anna", "konsensus"], user=u),
    "workbench.export.agreement.agreement_tables": lambda db, tmp, u, m, p: m(db, ["anna", "konsensus"], user=u),
    "workbench.export.agreement.export_agreement": lambda db, tmp, u, m, p: m(db, tmp / f"e_{u}.xlsx",
                                                                             ["anna", "konsensus"], user=u),
    "workbench.agreement.default_coders": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.agreement.agreement_coders": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.agreement.agreement_code_sets": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.search.search": lambda db, tmp, u, m, p: m(db, "tillit", user=u),
    "workbench.search.coded_segments": lambda db, tmp, u, m, p: m(db, "kontrakt", user=u),
    "workbench.agreement.record_consensus": lambda db, tmp, u, m, p: m(db, SOURCE, 3, ["kontrakt.relasjonell"],
                                                                       user=u),
    "workbench.coding.undo_mark": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.coding.code_hit": lambda db, tmp, u, m, p: m(db, SOURCE, 2, "kapasitet", 0, 3, user=u),
    "workbench.coding.undo_last": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.ingest.media.source_media": lambda db, tmp, u, m, p: m(db, SOURCE, user=u),
    # the values stored already: allowed roles change nothing the later calls rely on
    "workbench.ingest.metadata.set_source": lambda db, tmp, u, m, p: m(db, SOURCE, county="Finnmark", user=u),
    "workbench.ingest.metadata.set_speaker": lambda db, tmp, u, m, p: m(db, SOURCE, "Sigrid Aune",
                                                                         organisation="Gamvik kommune", user=u),
    "workbench.ingest.metadata.set_metadata": lambda db, tmp, u, m, p: m(
        db, SOURCE, fields={"county": "Finnmark"}, speakers={"Sigrid Aune": {"organisation": "Gamvik kommune"}}, user=u),
    "workbench.ingest.metadata.metadata_choices": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.sharing.value_warnings": lambda db, tmp, u, m, p: m(db, {"phase": "fase 1 med Sigrid Aune"}, user=u),
    "workbench.lifecycle.forget": lambda db, tmp, u, m, p: m(db, "Forsker 1", user=u),
    "workbench.lifecycle.anonymise": lambda db, tmp, u, m, p: m(db, permanent=True, user=u),
    "workbench.lifecycle.retention": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.lifecycle.set_delete_by": lambda db, tmp, u, m, p: m(db, SOURCE, "2030-01-01", user=u),
    "workbench.lifecycle.remove_source": lambda db, tmp, u, m, p: m(db, p, user=u),
    "workbench.lifecycle.compact": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.lifecycle.inventory": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.backup.backup": lambda db, tmp, u, m, p: m(db, Path(tempfile.mkdtemp()) / "kopi.bak", user=u),
    "workbench.backup.copy_database": lambda db, tmp, u, m, p: m(db, f"sqlite:///{tempfile.mkdtemp()}/kopi.db", user=u),
    "workbench.ingest.media.set_media": lambda db, tmp, u, m, p: m(db, SOURCE, p, user=u),
    "workbench.suggest.embed.segment_vectors": lambda db, tmp, u, m, p: m(db, [], user=u),
    "workbench.suggest.embed.prepare": lambda db, tmp, u, m, p: m(db, [], [], [], user=u),
    "workbench.suggest.embed.prepare_training": lambda db, tmp, u, m, p: m(
        db, __import__("workbench.suggest.service", fromlist=["TrainingData"]).TrainingData(), user=u),
    "workbench.suggest.structure.codebook_exclusive": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.active.decisions_since_training": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.active.maybe_retrain": lambda db, tmp, u, m, p: m(db, every=10_000, user=u),
    "workbench.suggest.active.retraining": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.active.running": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.active.retrain_blocked": lambda db, tmp, u, m, p: m(db, user=u),
    "workbench.suggest.active.train_now": lambda db, tmp, u, m, p: m(db, anchors=[], user=u),
}
# What a call needs made first (by the researcher), outside the counted change
PREP = {
    "workbench.coding.remove_coding": _fresh_coding,
    "workbench.coding.undo_last": _fresh_coding,
    "workbench.ingest.media.set_media": _recording,
    "workbench.lifecycle.remove_source": _extra_source,
    "workbench.coding.accept_suggestion": _pending,
    "workbench.coding.reject_suggestion": _pending,
    "workbench.coding.review_suggestions": _pending,
    "workbench.sharing.withdraw_release": _release_id,
    "workbench.agreement.coding_agreement": _consensus,
    "workbench.agreement.disagreements": _consensus,
    "workbench.export.agreement.agreement_tables": _consensus,
    "workbench.export.agreement.export_agreement": _consensus,
}
# Functions of a database that are not called by a user with a role (they build or identify one).
UNCHECKED = {
    "workbench.ingest.ensure_lemmas",   # fills derived data (lemmas) inside authorised calls
    "workbench.analysis.sql.reading",   # a read session for the aggregations, used inside them
    "workbench.backup.restore",         # into an empty database: no user in it to ask
    "workbench.access.authorise",       # the check itself
    "workbench.access.principal",
    "workbench.users.authenticate",     # the log-in itself (audited)
    "workbench.users.login_identity",   # single sign-on log-in (audited)
    "workbench.users.has_login_users",  # says only whether anyone can log in
    "workbench.users.ensure_user",
    "workbench.logins.issue_login_token",     # right after the log-in (a browser stays logged in)
    "workbench.logins.user_for_login_token",  # the log-in by the browser's cookie itself
    "workbench.logins.login_token_valid",     # is this session's token still good (read-only, every run)
    "workbench.logins.revoke_login_token",    # log-out: whoever holds a token may end it (audited)
    "workbench.sharing.pseudonym_map",  # internal: called inside authorised calls
    "workbench.sharing.ensure_pseudonyms",  # internal: gives speaker rows their person before counting
    "workbench.sharing.pseudonymise",
    "workbench.sharing.roster_scrubber",
    "workbench.sharing.shown_values",   # internal: how the acting user sees phases and pilots (inside authorised calls)
    "workbench.sharing.audit_reveal",   # demands the reveal right itself
    "workbench.sharing.setting",        # a threshold, not research data
    "workbench.sharing.min_cell_speakers",
    "workbench.analysis.aggregate.suppression_k",
    "workbench.analysis.aggregate.check_reveal",
}


def public_db_functions() -> dict[str, object]:
    """Every public function in the workbench package whose first parameter is ``db``."""
    found = {}
    for info in pkgutil.walk_packages(workbench.__path__, "workbench."):
        if info.name.startswith(("workbench.cli", "workbench.ui", "workbench.store.migrations", "workbench.__main__")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != info.name:
                continue
            params = list(inspect.signature(obj).parameters)
            if params and params[0] == "db":
                found[f"{info.name}.{name}"] = obj
    return found


def test_every_public_function_of_a_database_checks_the_role():
    found = public_db_functions()
    unchecked = sorted(n for n, f in found.items() if not hasattr(f, "__capability__") and n not in UNCHECKED)
    assert unchecked == [], f"library functions without @requires: {unchecked}"
    missing = sorted(n for n, f in found.items() if hasattr(f, "__capability__") and n not in CALLS)
    assert missing == [], f"add a call to CALLS for: {missing}"
    assert set(CALLS) <= set(found), sorted(set(CALLS) - set(found))
    assert set(CALLS) == {n for n in PROTECTED if n in found}


def _counts(db: Database) -> tuple:
    with db.session() as s:
        return tuple(s.query(m).count() for m in (Coding, Memo, MemoDraft, Suggestion, Source, AuditEvent))


ORDER = [RESOURCE_GROUP, REPORT_AUTHOR, RESEARCHER]  # refusals first, so a write happens once


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_role_gets_exactly_what_its_capability_allows(world, name):
    db, tmp = world
    fn = public_db_functions()[name]
    allowed = CAPABILITIES[fn.__capability__][0]
    for role in ORDER:
        user = USERS[role]
        prep = PREP[name](db) if name in PREP else None
        (tmp / f"c_{user}").mkdir(exist_ok=True)
        if role in allowed:
            CALLS[name](db, tmp, user, fn, prep)  # must not raise
            continue
        before = _counts(db)
        with pytest.raises(PermissionDenied) as refused:
            CALLS[name](db, tmp, user, fn, prep)
        message = str(refused.value)
        assert "\n" not in message and message.startswith("Ingen tilgang") and "rollen" in message
        assert _counts(db) == before, f"{name} changed the database for {role}"


def test_resource_group_gets_aggregates_and_released_quotes_only(world):
    """The role split the issue names: no transcripts, no quotes, no memos, no sources."""
    db, _ = world
    expect = {
        "view_aggregates": True, "view_codebook": True, "view_released_quotes": True,
        "view_quotes": False, "view_sources": False, "export": False, "view_transcripts": False,
        "code": False, "reveal": False, "release": False, "manage_users": False, "view_audit": False,
    }
    assert {c: RESOURCE_GROUP in CAPABILITIES[c][0] for c in expect} == expect
    assert {c: REPORT_AUTHOR in CAPABILITIES[c][0] for c in ("view_quotes", "export", "view_transcripts",
                                                               "code", "reveal")} == {
        "view_quotes": True, "export": True, "view_transcripts": False, "code": False, "reveal": False}


def test_only_researchers_get_the_server_path_of_the_codebook(world):
    """The Kodebok page showed the base name, but the library gave every role the folder the
    codebook was loaded from on the server (/srv/.../kodebok.yaml)."""
    from workbench.codebook import current_version

    db, tmp = world
    assert current_version(db, user=USERS[RESEARCHER])["file_name"] == str((tmp / "kodebok.yaml").resolve())
    for role in (REPORT_AUTHOR, RESOURCE_GROUP):
        version = current_version(db, user=USERS[role])
        assert version["file_name"] == "kodebok.yaml" and str(tmp) not in repr(version)


def test_disabled_user_and_unknown_user_in_the_app_are_refused(world):
    from workbench.access import login_required
    from workbench.analysis import theme_matrix
    from workbench.users import add_user, disable_user, enable_user

    db, _ = world
    add_user(db, "dora", "researcher", password=PASSWORD, user="anna")
    theme_matrix(db, user="dora")
    disable_user(db, "dora", user="anna")
    with pytest.raises(PermissionDenied, match="deaktivert"):
        theme_matrix(db, user="dora")
    enable_user(db, "dora", user="anna")
    theme_matrix(db, user="dora")
    # on the command line an unknown name is an (implicit) researcher ...
    theme_matrix(db, user="laptop-login")
    # ... but where the web app requires a login it is refused, and so is no user at all
    import threading

    outcome = {}

    def app_thread():
        login_required(True)
        for who in ("laptop-login", None):
            try:
                theme_matrix(db, user=who)
                outcome[who] = "answered"
            except PermissionDenied as exc:
                outcome[who] = str(exc)

    t = threading.Thread(target=app_thread)
    t.start()
    t.join()
    assert "Ukjent bruker" in outcome["laptop-login"] and "Ikke innlogget" in outcome[None]
