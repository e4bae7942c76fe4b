"""The codebook in the database: load (versions, upsert, retire/delete, rename), show, merge, resolve."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..access import requires
from ..errors import NotFound, WorkbenchError
from ..store import AuditEvent, Code, CodebookVersion, Coding, Database, Memo, MemoDraft, ReleasedQuote, Suggestion
from ..store.db import lock_codes
from ..store.models import utcnow
from .schema import Codebook, CodeSpec, iter_codes, read_codebook

CODE_ATTRS = ["label", "definition", "inclusion", "exclusion", "examples", "theory", "lexicon",
              "color", "codable"]


@dataclass
class LoadReport:
    """What ``load_codebook`` did."""

    file: str
    version_id: int
    new_version: bool
    content_hash: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (id, old label, new label)
    retired: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    reinstated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    withdrawn_suggestions: int = 0  # pending suggestions closed because their code was retired

    def summary(self) -> str:
        head = (f"Kodebok lastet som versjon {self.version_id}" if self.new_version
                else f"Kodeboka er uendret (versjon {self.version_id})")
        parts = [f"{len(self.added)} nye", f"{len(self.updated)} endret", f"{len(self.renamed)} omdøpt",
                 f"{len(self.retired)} pensjonert", f"{len(self.deleted)} slettet"]
        if self.reinstated:
            parts.append(f"{len(self.reinstated)} gjeninnsatt")
        tail = (f" {self.withdrawn_suggestions} ventende forslag på pensjonerte koder er trukket tilbake."
                if self.withdrawn_suggestions else "")
        return f"{head}: " + ", ".join(parts) + "." + tail


@dataclass
class MergeReport:
    old: str
    new: str
    moved_codings: int = 0
    dropped_duplicates: int = 0
    moved_suggestions: int = 0
    moved_memos: int = 0
    moved_releases: int = 0       # released quotes moved to NEW
    dropped_releases: int = 0     # released under both codes: the release under NEW is kept

    def summary(self) -> str:
        dropped = (f"; {self.dropped_releases} sitater var frigitt under begge og er nå frigitt én gang, "
                   f"under {self.new}" if self.dropped_releases else "")
        return (f"Slo sammen {self.old} -> {self.new}: {self.moved_codings} kodinger flyttet, "
                f"{self.dropped_duplicates} duplikater fjernet; {self.moved_suggestions} forslag, "
                f"{self.moved_memos} memoer og {self.moved_releases} frigitte sitater flyttet{dropped}; "
                f"{self.old} er pensjonert.")


def resolve_code(session: Session, code_id: str) -> Code:
    """The Code row with this id, or NotFound naming the closest ids (``did you mean``)."""
    code = session.get(Code, code_id)
    if code is not None:
        return code
    ids = list(session.scalars(select(Code.id)))
    close = (difflib.get_close_matches(code_id, ids, n=3, cutoff=0.8)
             or difflib.get_close_matches(code_id, ids, n=3, cutoff=0.6))
    if close:
        hint = "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    elif ids:
        hint = "run `workbench codebook show` to list the codes"
    else:
        hint = "no codebook is loaded; run `workbench codebook load FILE` first"
    raise NotFound(f"unknown code '{code_id}'; {hint}")


def _values(spec: CodeSpec) -> dict[str, Any]:
    return {"label": spec.label, "definition": spec.definition or None,
            "inclusion": spec.inclusion or None, "exclusion": spec.exclusion or None,
            "examples": list(spec.examples), "theory": spec.theory or None,
            "lexicon": list(spec.lexicon), "color": spec.color, "codable": spec.codable}


# Every table with a foreign key to codes.id except codes.parent_id (handled by keeping a kept
# code's ancestors): a code any of them points at is retired, never deleted.
CODE_USERS = (Coding, Suggestion, Memo, MemoDraft, ReleasedQuote)


def _in_use(session: Session, code_id: str) -> bool:
    for model in CODE_USERS:
        if session.scalar(select(func.count()).select_from(model).where(model.code_id == code_id)):
            return True
    return False


def withdraw_suggestions(tx: Any, code_ids: Iterable[str]) -> int:
    """Close the pending suggestions on ``code_ids`` (codes being retired) as ``withdrawn``: a
    retired code cannot be applied, so they could never be accepted. Returns how many; the caller
    audits the count."""
    ids = list(code_ids)
    if not ids:
        return 0
    rows = tx.session.scalars(select(Suggestion).where(Suggestion.code_id.in_(ids),
                                                       Suggestion.status == "pending")).all()
    now = utcnow()
    for sug in rows:
        sug.status, sug.decided_by, sug.decided_at = "withdrawn", tx.user.id, now
    return len(rows)


def _was_merged(session: Session, code_id: str) -> str | None:
    ev = session.scalars(select(AuditEvent).where(AuditEvent.action == "merge_codes",
                                                  AuditEvent.target_type == "code",
                                                  AuditEvent.target_id == code_id)
                         .order_by(AuditEvent.id.desc())).first()
    return (ev.detail or {}).get("new") if ev else None


@requires("edit_codebook")
def load_codebook(db: Database, path: str | Path, *, user: str | None = None) -> LoadReport:
    """Validate ``path`` and load it: a new version when the content changed, codes upserted.

    Codes missing from the file are retired when codings, suggestions, memos or released quotes
    use them (or a retired descendant needs them), deleted otherwise. A code merged away stays retired even if
    the file still lists it (a warning says to remove it). The file's absolute path is stored
    (``CodebookVersion.file_name``), so that the ``anchors/`` folder beside it is found from any
    current directory (``workbench.suggest.anchors``).
    """
    codebook, warnings = read_codebook(path)
    return load_codebook_data(db, codebook, file_name=str(Path(path).resolve()), user=user, warnings=warnings)


@requires("edit_codebook")
def load_codebook_data(db: Database, codebook: Codebook, *, file_name: str | None = None,
                       user: str | None = None, warnings: list[str] | None = None) -> LoadReport:
    """Load an already validated ``Codebook`` (see ``load_codebook``).

    ``file_name`` is stored as given (``load_codebook`` gives an absolute path). When the content
    is unchanged, the current version keeps its id and takes the new ``file_name`` (the same
    codebook loaded from another place: its anchors are looked up beside the new place)."""
    specs = iter_codes(codebook)
    digest = codebook.content_hash()
    with db.transaction(user=user) as tx:
        s = tx.session
        latest = s.scalars(select(CodebookVersion).order_by(CodebookVersion.id.desc())).first()
        if latest is not None and latest.content_hash == digest:
            version, new_version = latest, False
            if file_name and latest.file_name != file_name:
                latest.file_name = file_name
        else:
            version = CodebookVersion(name=codebook.name, content_hash=digest, content=codebook.to_data(),
                                      file_name=file_name, created_by=tx.user.id)
            s.add(version)
            s.flush()
            new_version = True
        report = LoadReport(file=file_name or codebook.name, version_id=version.id,
                            new_version=new_version, content_hash=digest, warnings=list(warnings or []))
        # hold every code until the load commits: a coder applying a code that this load retires
        # or makes a category either commits first (the code is then in use: retired, not deleted)
        # or waits and is refused; never a coding or suggestion on a code retired meanwhile
        existing = lock_codes(s, None, exclusive=True)
        file_ids = {sp.id for sp in specs}
        for sp in specs:  # pre-order: a parent is flushed before its children
            values = _values(sp)
            row = existing.get(sp.id)
            if row is None:
                row = Code(id=sp.id, parent_id=sp.parent, sort_order=sp.order, version_id=version.id,
                           retired=False, **values)
                s.add(row)
                s.flush()
                report.added.append(sp.id)
                continue
            changed = [k for k, v in values.items() if getattr(row, k) != v]
            if row.parent_id != sp.parent:
                changed.append("parent")
            if "label" in changed:
                report.renamed.append((sp.id, row.label, sp.label))
            if changed and changed != ["label"]:
                report.updated.append(sp.id)
            for k, v in values.items():
                setattr(row, k, v)
            row.parent_id = sp.parent
            row.sort_order = sp.order
            row.version_id = version.id
            if row.retired:
                merged_into = _was_merged(s, sp.id)
                if merged_into:
                    report.warnings.append(
                        f"{file_name}: code '{sp.id}' was merged into '{merged_into}' and stays retired; "
                        "remove it from the file")
                else:
                    row.retired = False
                    report.reinstated.append(sp.id)
            s.flush()
        missing = [c for cid, c in existing.items() if cid not in file_ids]
        keep = {c.id for c in missing if _in_use(s, c.id)}
        by_id = {c.id: c for c in missing}
        for cid in list(keep):  # a kept code keeps its missing ancestors too
            p = by_id[cid].parent_id
            while p in by_id and p not in keep:
                keep.add(p)
                p = by_id[p].parent_id
        for c in sorted(missing, key=lambda c: -c.id.count(".")):  # children first
            if c.id in keep:
                if not c.retired:
                    c.retired = True
                    report.retired.append(c.id)
            else:
                s.delete(c)
                s.flush()
                report.deleted.append(c.id)
        report.withdrawn_suggestions = withdraw_suggestions(tx, sorted(keep))  # old ones too
        s.flush()
        tx.audit("load_codebook", "codebook_version", version.id,
                 {"file": file_name, "hash": digest, "new_version": new_version,
                  "added": report.added, "updated": report.updated,
                  "renamed": [list(r) for r in report.renamed], "retired": report.retired,
                  "deleted": report.deleted, "reinstated": report.reinstated,
                  "withdrawn_suggestions": report.withdrawn_suggestions})
    return report


def _row(c: Code) -> dict[str, Any]:
    return {"id": c.id, "label": c.label, "parent": c.parent_id, "definition": c.definition or "",
            "inclusion": c.inclusion or "", "exclusion": c.exclusion or "",
            "examples": list(c.examples or []), "theory": c.theory or "",
            "lexicon": list(c.lexicon or []), "color": c.color, "codable": bool(c.codable),
            "retired": bool(c.retired)}


@requires("view_codebook")
def current_codes(db: Database, *, user: str | None = None, include_retired: bool = False) -> list[dict[str, Any]]:
    """The codes in the database in codebook order (the ``codebook show --json`` shape)."""
    with db.session() as s:
        q = select(Code).order_by(Code.sort_order, Code.id)
        if not include_retired:
            q = q.where(Code.retired.is_(False))
        return [_row(c) for c in s.scalars(q)]


@requires("view_codebook")
def current_version(db: Database, *, user: str | None = None) -> dict[str, Any] | None:
    """The newest codebook version: id, name, hash, file, time, content (None if none loaded).

    ``file_name`` is the path the codebook was loaded from for researchers; other roles get only
    its base name (``bygdevekst.yaml``), never a folder of the server."""
    from ..access import RESEARCHER, current_role

    with db.session() as s:
        v = s.scalars(select(CodebookVersion).order_by(CodebookVersion.id.desc())).first()
        if v is None:
            return None
        file_name = v.file_name
        if file_name and current_role() != RESEARCHER:
            file_name = re.split(r"[\\/]", file_name)[-1] or None
        return {"id": v.id, "name": v.name, "content_hash": v.content_hash, "file_name": file_name,
                "created_at": v.created_at, "content": v.content}


@requires("edit_codebook")
def merge_codes(db: Database, old: str, new: str, *, user: str | None = None) -> MergeReport:
    """Move the codings, suggestions, memos and released quotes of OLD to NEW and retire OLD.

    A coding of OLD that duplicates a coding of NEW (same segment, coder and span) is dropped;
    its memos move to the kept coding. A quote released under OLD moves to NEW; when the same
    turn is already released under NEW, that release is kept and the one under OLD is dropped
    (one release per turn and code).
    """
    if old == new:
        raise WorkbenchError(f"cannot merge code '{old}' into itself; name two different codes")
    with db.transaction(user=user) as tx:
        s = tx.session
        src = resolve_code(s, old)
        dst = resolve_code(s, new)
        # hold both codes: a coder applying OLD now commits first and its coding is moved below, or
        # waits and then finds OLD retired (merged into NEW); a concurrent load or merge waits too
        lock_codes(s, [src.id, dst.id], exclusive=True)
        if dst.retired:
            raise WorkbenchError(f"code '{new}' is retired; merge into an active code")
        if not dst.codable:  # its codings could never be applied, changed or agreed on again
            children = list(s.scalars(select(Code.id).where(Code.parent_id == dst.id, Code.retired.is_(False),
                                                            Code.codable.is_(True), Code.id != src.id)
                                      .order_by(Code.sort_order, Code.id)))
            hint = (f"merge into one of its subcodes: {', '.join(children)}" if children
                    else "merge into a codable code (see `workbench codebook show`)")
            raise WorkbenchError(f"code '{new}' is a category and cannot be applied; {hint}",
                                 code="code.category", code_id=dst.id, label=dst.label, children=children)
        kids = s.scalars(select(Code.id).where(Code.parent_id == old, Code.retired.is_(False))).all()
        if kids:
            raise WorkbenchError(f"code '{old}' has sub-codes ({', '.join(kids)}); merge or move them first")
        if dst.id.startswith(src.id + "."):
            raise WorkbenchError(f"cannot merge '{old}' into its own sub-code '{new}'")
        report = MergeReport(old=old, new=new)
        existing = {(c.segment_id, c.coder_id, c.start_char, c.end_char): c
                    for c in s.scalars(select(Coding).where(Coding.code_id == new))}
        for coding in s.scalars(select(Coding).where(Coding.code_id == old)).all():
            key = (coding.segment_id, coding.coder_id, coding.start_char, coding.end_char)
            if key in existing:
                keeper = existing[key]
                for memo in s.scalars(select(Memo).where(Memo.coding_id == coding.id)).all():
                    memo.coding_id = keeper.id
                    report.moved_memos += 1
                s.flush()
                s.delete(coding)
                report.dropped_duplicates += 1
            else:
                coding.code_id = new
                existing[key] = coding
                report.moved_codings += 1
        for sug in s.scalars(select(Suggestion).where(Suggestion.code_id == old)).all():
            sug.code_id = new
            report.moved_suggestions += 1
        for memo in s.scalars(select(Memo).where(Memo.code_id == old)).all():
            memo.code_id = new
            report.moved_memos += 1
        # unsaved memos on OLD follow it, unless their author has one on NEW already (that one stays)
        taken = set(s.scalars(select(MemoDraft.author_id).where(MemoDraft.code_id == new)))
        for draft in s.scalars(select(MemoDraft).where(MemoDraft.code_id == old)).all():
            if draft.author_id not in taken:
                draft.code_id, draft.target = new, f"code:{new}"
        released = set(s.scalars(select(ReleasedQuote.segment_id).where(ReleasedQuote.code_id == new)))
        dropped_ids: list[int] = []  # releases of turns released under NEW already (audited by id)
        for quote in s.scalars(select(ReleasedQuote).where(ReleasedQuote.code_id == old)
                               .order_by(ReleasedQuote.id)).all():
            if quote.segment_id in released:
                dropped_ids.append(quote.id)
                s.delete(quote)
                report.dropped_releases += 1
            else:
                quote.code_id = new
                released.add(quote.segment_id)
                report.moved_releases += 1
        src.retired = True
        s.flush()
        tx.audit("merge_codes", "code", old, {"old": old, "new": new,
                                              "moved_codings": report.moved_codings,
                                              "dropped_duplicates": report.dropped_duplicates,
                                              "moved_suggestions": report.moved_suggestions,
                                              "moved_memos": report.moved_memos,
                                              "moved_releases": report.moved_releases,
                                              "dropped_releases": report.dropped_releases,
                                              "dropped_release_ids": dropped_ids})
    return report
