"""The data model: sources and their segments, speakers, codebook, codings, suggestions, audit.

Offsets (`start_char`, `end_char`) are Unicode code points into `Source.canonical_text`,
half-open. Times are seconds from the start of the recording.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Index,
)
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def normal_name(name: Any) -> Any:
    """A person's name as stored and compared: Unicode NFC (a Mac tool's decomposed "Åse", A plus
    a combining ring, is the same user as the composed one). Other values pass unchanged."""
    return unicodedata.normalize("NFC", name) if isinstance(name, str) else name


class UserName(TypeDecorator):
    """A user name column: every value written or compared is NFC (:func:`normal_name`), so
    ``User.name == name`` finds the user whichever Unicode form the name was typed in."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return normal_name(value)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    """A person acting on the database (coder, researcher, resource-group reader)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(UserName(200), unique=True)
    role: Mapped[str] = mapped_column(String(40), default="researcher")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_hash: Mapped[str | None] = mapped_column(String(300))  # argon2id; None = no app login
    email: Mapped[str | None] = mapped_column(String(320), unique=True)  # single sign-on identity
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginToken(Base):
    """A browser's standing log-in (``logins.issue_login_token``): the SHA-256 of the random token
    the browser keeps in its ``workbench_login`` cookie, never the token itself. Deleted when the
    user logs out, when their password, role or state changes, and (opportunistically) once expired."""

    __tablename__ = "login_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """One recorded user action (ingest, code, accept, reject, load codebook ...)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user: Mapped[User] = relationship()


class Source(Base):
    """One ingested file: its metadata and its canonical plain text."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(40))
    phase: Mapped[str | None] = mapped_column(String(40))
    pilot: Mapped[str | None] = mapped_column(String(100))
    county: Mapped[str | None] = mapped_column(String(100))
    date: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    canonical_text: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    # the recording (audio/video) as a path, referenced and never copied into the database
    media: Mapped[str | None] = mapped_column(String(1000))
    # the date by which the source is to be deleted or anonymised (ISO; manifest column delete_by)
    delete_by: Mapped[str | None] = mapped_column(String(10))
    # workbench.nlp.LEMMA_VERSION when its segments' lemmas were stored (NULL: before versioning);
    # workbench.ingest.ensure_lemmas analyses a source of another version again
    lemma_version: Mapped[int | None] = mapped_column(Integer)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ingested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="source", cascade="all, delete-orphan", order_by="Speaker.id"
    )
    segments: Mapped[list[Segment]] = relationship(
        back_populates="source", cascade="all, delete-orphan", order_by="Segment.index"
    )


class Speaker(Base):
    """A participant as labelled in one source, with the actor and organisation they represent."""

    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("source_id", "label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str | None] = mapped_column(String(100))
    organisation: Mapped[str | None] = mapped_column(String(200))
    pilot: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))  # real name from the roster, if given
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)  # consent withdrawn (lifecycle.forget)
    pseudonym_id: Mapped[int | None] = mapped_column(ForeignKey("pseudonyms.id"))
    source: Mapped[Source] = relationship(back_populates="speakers")
    pseudonym: Mapped[Pseudonym | None] = relationship()


class Segment(Base):
    """A speaker turn, a notes item or a document paragraph."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("source_id", "index"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)  # 1-based, file order
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id", ondelete="SET NULL"))
    start_char: Mapped[int] = mapped_column(Integer)
    end_char: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[float | None] = mapped_column(Float)
    end_time: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[str | None] = mapped_column(String(500))
    page: Mapped[int | None] = mapped_column(Integer)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    # The text's analysis, made once at ingest (workbench.nlp.AnalysedText): the word tokens'
    # lemmas space-joined, the lemma tables' language, and the chunks that are several tokens.
    # NULL for segments stored before revision 0005 (workbench.ingest.ensure_lemmas fills them).
    # Loaded only when asked for (undefer_group("analysis")): as large as the text itself.
    lemmas: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_group="analysis")
    lemma_lang: Mapped[str | None] = mapped_column(String(2), deferred=True, deferred_group="analysis")
    token_splits: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_group="analysis")
    source: Mapped[Source] = relationship(back_populates="segments")
    speaker: Mapped[Speaker | None] = relationship()

    @property
    def text(self) -> str:
        return self.source.canonical_text[self.start_char : self.end_char]


class CodebookVersion(Base):
    """One loaded state of the codebook file (a new row each time its content changes)."""

    __tablename__ = "codebook_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_name: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Code(Base):
    """A code of the codebook, identified by its stable dotted id (e.g. ``kontrakt.hybrid``)."""

    __tablename__ = "codes"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("codes.id"))
    label: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str | None] = mapped_column(Text)
    inclusion: Mapped[str | None] = mapped_column(Text)
    exclusion: Mapped[str | None] = mapped_column(Text)
    examples: Mapped[list[Any] | None] = mapped_column(JSON)
    theory: Mapped[str | None] = mapped_column(Text)
    lexicon: Mapped[list[Any] | None] = mapped_column(JSON)
    color: Mapped[str | None] = mapped_column(String(20))
    codable: Mapped[bool] = mapped_column(Boolean, default=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("codebook_versions.id"))
    parent: Mapped[Code | None] = relationship(remote_side="Code.id")


class Coding(Base):
    """A code applied by a coder to a segment, or to a span inside it."""

    __tablename__ = "codings"
    __table_args__ = (Index("ix_codings_segment_code", "segment_id", "code_id"),
                      # the aggregations' roll-up and quote drill-down read codings by code (0006)
                      Index("ix_codings_code_segment", "code_id", "segment_id", "coder_id"),
                      # one coding per (segment, code, coder, span): a double click or a second
                      # window can never store the same coding twice
                      UniqueConstraint("segment_id", "code_id", "coder_id", "start_char", "end_char",
                                       name="uq_codings_unit"))
    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    code_id: Mapped[str] = mapped_column(ForeignKey("codes.id"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    start_char: Mapped[int] = mapped_column(Integer)  # source offsets; whole segment by default
    end_char: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(20), default="manual")  # manual|lexicon|model|imported
    codebook_version_id: Mapped[int | None] = mapped_column(ForeignKey("codebook_versions.id"))
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    segment: Mapped[Segment] = relationship()
    code: Mapped[Code] = relationship()
    coder: Mapped[User] = relationship()


class Memo(Base):
    """A researcher's note on a coding, a segment, a source or a code (exactly one target)."""

    __tablename__ = "memos"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("codings.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    code_id: Mapped[str | None] = mapped_column(ForeignKey("codes.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author: Mapped[User] = relationship()


class MemoDraft(Base):
    """A memo being written and not saved yet (``coding.save_draft``): one per author and target,
    kept so that a reload of the app page or a dropped session loses nothing. Private to its
    author: only ``get_draft``/``list_drafts`` as that user read it. ``target`` is ``coding:ID``,
    ``segment:ID``, ``source:ID`` or ``code:ID``; the foreign key of that target is set too, so a
    removed turn or source takes its drafts with it (a coding removed or undone leaves its drafts
    on its turn: ``coding._delete_coding``). Saving the memo (``add_memo``) or
    discarding the draft deletes the row."""

    __tablename__ = "memo_drafts"
    __table_args__ = (UniqueConstraint("author_id", "target", name="uq_memo_drafts_target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("codings.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    code_id: Mapped[str | None] = mapped_column(ForeignKey("codes.id"))  # keeps its code (retired, never deleted)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Suggestion(Base):
    """A machine suggestion waiting for a coder's decision (pending, accepted, rejected)."""

    __tablename__ = "suggestions"
    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[str] = mapped_column(ForeignKey("codes.id"))
    method: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    start_char: Mapped[int | None] = mapped_column(Integer)
    end_char: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    segment: Mapped[Segment] = relationship()
    code: Mapped[Code] = relationship()


class TrainedModel(Base):
    """A fitted suggestion model, serialised, with the figures it was trained and evaluated with."""

    __tablename__ = "trained_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(40))
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    info: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    codebook_version_id: Mapped[int | None] = mapped_column(ForeignKey("codebook_versions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SegmentEmbedding(Base):
    """A dense vector (float32 bytes) of a segment or of a span in it (a sentence), per encoder:
    computed once on first need by the model suggester (``workbench.suggest.embed``)."""

    __tablename__ = "segment_embeddings"
    __table_args__ = (UniqueConstraint("segment_id", "model", "start_char", "end_char",
                                       name="uq_segment_embeddings_unit"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(100))  # encoder, version and prefix
    start_char: Mapped[int] = mapped_column(Integer)  # source offsets of the embedded text
    end_char: Mapped[int] = mapped_column(Integer)
    text_hash: Mapped[str] = mapped_column(String(40))  # SHA-1 of the embedded text
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Pseudonym(Base):
    """The stable pseudonym of a person across sources ("Prosjektleder 2"), by speaker key
    (label, actor, organisation, pilot); numbered per actor in order of first appearance."""

    __tablename__ = "pseudonyms"
    __table_args__ = (UniqueConstraint("actor_key", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_key: Mapped[str] = mapped_column(String(800), unique=True)
    actor_key: Mapped[str] = mapped_column(String(100))  # the actor ("" when unknown)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RemovedSpeaker(Base):
    """The roster row of a speaker whose source was removed (``lifecycle.remove_source``): their
    name may still stand in other people's speech, so the scrubber keeps knowing it
    (``sharing.roster_scrubber``) until ``anonymise`` has replaced it everywhere or ``forget``
    has erased the person; both then delete the row."""

    __tablename__ = "removed_speakers"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str | None] = mapped_column(String(100))
    organisation: Mapped[str | None] = mapped_column(String(200))
    pilot: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    pseudonym_id: Mapped[int | None] = mapped_column(ForeignKey("pseudonyms.id"))
    removed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReleasedQuote(Base):
    """A quote a researcher released for the resource group: the scrubbed, pseudonymised text as
    it was approved, shown on their overview page only."""

    __tablename__ = "released_quotes"
    __table_args__ = (UniqueConstraint("segment_id", "code_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[str] = mapped_column(ForeignKey("codes.id"))
    text: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(200))  # the pseudonym
    actor: Mapped[str | None] = mapped_column(String(100))
    phase: Mapped[str | None] = mapped_column(String(40))
    pilot: Mapped[str | None] = mapped_column(String(100))
    released_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Setting(Base):
    """A project setting (e.g. ``min_cell_speakers``), changed by researchers and audited."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
