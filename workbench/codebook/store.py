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
    withdrawn_suggestions: int = 0  # pending suggestions closed: their code was retired or made a category
    stranded: dict[str, int] = field(default_factory=dict)  # code made a category -> codings left on it

    def summary(self) -> str:
        head = (f"Kodebok lastet som versjon {self.version_id}" if self.new_version
                else f"Kodeboka er uendret (versjon {self.version_id})")
        parts = [f"{len(self.added)} nye", f"{len(self.updated)} endret", f"{len(self.renamed)} omdøpt",
                 f"{len(self.retired)} pensjonert", f"{len(self.deleted)} slettet"]
        if self.reinstated:
            parts.append(f"{len(self.reinstated)} gjeninnsatt")
        tail = (f" {self.withdrawn_suggestions} ventende forslag på pensjonerte koder eller nye kategorier er trukket tilbake."
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
    withdrawn_suggestions: int = 0  # pending twice on a turn and span under NEW: the lower score withdrawn

    def summary(self) -> str:
        dropped = (f"; {self.dropped_releases} sitater var frigitt under begge og er nå frigitt én gang, "
                   f"under {self.new}" if self.dropped_releases else "")
        twice = (f"; {self.withdrawn_suggestions} ventende forslag fantes under begge koder og er nå ett "
                 f"(det med høyest skår)" if self.withdrawn_suggestions else "")
        return (f"Slo sammen {self.old} -> {self.new}: {self.moved_codings} kodinger flyttet, "
                f"{self.dropped_duplicates} duplikater fjernet; {self.moved_suggestions} forslag, "
                f"{self.moved_memos} memoer og {self.moved_releases} frigitte sitater flyttet{dropped}{twice}; "
                f"{self.old} er pensjonert.")


@dataclass
class MoveReport:
    """What ``move_codings`` did."""

    old: str
    new: str
    moved_codings: int = 0
    dropped_duplicates: int = 0   # the coder had NEW on that turn and span already: one coding, not two
    moved_memos: int = 0          # memos of a dropped duplicate, moved to the coding kept

    def summary(self) -> str:
        if not self.moved_codings + self.dropped_duplicates:
            return f"{self.old} har ingen kodinger; ingenting er flyttet."
        dup = (f" ({self.dropped_duplicates} av dem hadde koderen allerede kodet med {self.new} på samme sted; "
               f"de er slått sammen med den kodingen)" if self.dropped_duplicates else "")
        return (f"Flyttet {self.moved_codings + self.dropped_duplicates} kodinger fra {self.old} til "
                f"{self.new}{dup}; {self.old} står i kodeboka som før.")


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
    """Close the pending suggestions on ``code_ids`` (codes being retired or made categories) as
    ``withdrawn``: such a code cannot be applied, so they could never be accepted. Returns how many; the caller
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


def _merged_codes(session: Session) -> dict[str, str]:
    """{OLD: NEW} of every ``codebook merge`` in the audit trail (the newest merge of OLD)."""
    found: dict[str, str] = {}
    for target, detail in session.execute(select(AuditEvent.target_id, AuditEvent.detail).where(
            AuditEvent.action == "merge_codes", AuditEvent.target_type == "code").order_by(AuditEvent.id)):
        if target and (detail or {}).get("new"):
            found[target] = detail["new"]
    return found


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
    the file still lists it (a warning says to remove it), also when a load in between deleted it (merges are
    remembered by id in the audit trail). A used code that the file makes a category gets a warning naming its
    codings (``LoadReport.stranded``; ``move_codings`` moves them). The file's absolute path is stored
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
        merged = _merged_codes(s)  # by id: a merged code whose row a load deleted since is still merged
        became_category: list[str] = []
        for sp in specs:  # pre-order: a parent is flushed before its children
            values = _values(sp)
            row = existing.get(sp.id)
            if row is None:
                gone_into = merged.get(sp.id)
                row = Code(id=sp.id, parent_id=sp.parent, sort_order=sp.order, version_id=version.id,
                           retired=bool(gone_into), **values)
                s.add(row)
                s.flush()
                if gone_into:  # never active again: its codings went to NEW
                    report.warnings.append(
                        f"{file_name}: code '{sp.id}' was merged into '{gone_into}' and stays retired; "
                        "remove it from the file")
                else:
                    report.added.append(sp.id)
                continue
            if row.codable and not sp.codable and not row.retired:
                became_category.append(sp.id)
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
                merged_into = merged.get(sp.id)
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
        # old ones too; and a code made a category cannot be applied, so its pending ones could never be accepted
        report.withdrawn_suggestions = withdraw_suggestions(tx, sorted(keep | set(became_category)))
        s.flush()
        for cid in became_category:  # its codings are stranded: agreement skips them, no coder can apply it
            n = s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == cid)) or 0
            if not n:
                continue
            subs = list(s.scalars(select(Code.id).where(Code.parent_id == cid, Code.retired.is_(False),
                                                        Code.codable.is_(True)).order_by(Code.sort_order, Code.id)))
            to = (f"one of its sub-codes ({', '.join(subs)}) with `workbench codebook move-codings {cid} "
                  f"{subs[0] if len(subs) == 1 else 'SUB'}`" if subs
                  else f"a codable code with `workbench codebook move-codings {cid} CODE`")
            report.warnings.append(
                f"{file_name}: code '{cid}' is a category now (codable: false), but {n} coding"
                f"{'s sit' if n != 1 else ' sits'} on it; they no longer count in agreement and the code cannot "
                f"be applied any more; move them to {to}")
            report.stranded[cid] = n
        tx.audit("load_codebook", "codebook_version", version.id,
                 {"file": file_name, "hash": digest, "new_version": new_version,
                  "added": report.added, "updated": report.updated,
                  "renamed": [list(r) for r in report.renamed], "retired": report.retired,
                  "deleted": report.deleted, "reinstated": report.reinstated,
                  "withdrawn_suggestions": report.withdrawn_suggestions, "stranded": report.stranded})
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


def _applicable_target(s: Session, dst: Code, src: Code, verb: str) -> None:
    """Refuse NEW of a merge or move that no coder could apply (retired, or a category)."""
    if dst.retired:
        raise WorkbenchError(f"code '{dst.id}' is retired; {verb} an active code")
    if not dst.codable:  # its codings could never be applied, changed or agreed on again
        children = list(s.scalars(select(Code.id).where(Code.parent_id == dst.id, Code.retired.is_(False),
                                                        Code.codable.is_(True), Code.id != src.id)
                                  .order_by(Code.sort_order, Code.id)))
        hint = (f"{verb} one of its subcodes: {', '.join(children)}" if children
                else f"{verb} a codable code (see `workbench codebook show`)")
        raise WorkbenchError(f"code '{dst.id}' is a category and cannot be applied; {hint}",
                             code="code.category", code_id=dst.id, label=dst.label, children=children)


def move_draft(s: Session, draft: MemoDraft, at_new, **where) -> None:
    """Move an unsaved memo to the coding or code a merge keeps, or to the turn of a coding taken
    away (``where``: its new foreign keys and ``target``). When its author has a draft there already (``at_new`` finds it), the two texts
    are joined in that one, the moved text last: an unsaved text is never dropped."""
    other = s.scalar(select(MemoDraft).where(MemoDraft.author_id == draft.author_id, at_new,
                                             MemoDraft.id != draft.id))
    if other is not None:
        other.text = f"{other.text.rstrip()}\n\n{draft.text}"
        s.delete(draft)
        s.flush()
        return
    for key, value in where.items():
        setattr(draft, key, value)


def _move_coding_rows(s: Session, old: str, new: str, report: MergeReport | MoveReport) -> list[list[int]]:
    """Put every coding of OLD under NEW. A coding of OLD that duplicates one of NEW (same segment,
    coder and span) is dropped and its memos move to the coding kept. Returns the folds
    ``[[dropped coding id, kept coding id], ...]``, which the audit entry keeps: undo follows a
    coding through them (``coding._follow_moves``)."""
    folded: list[list[int]] = []
    existing = {(c.segment_id, c.coder_id, c.start_char, c.end_char): c
                for c in s.scalars(select(Coding).where(Coding.code_id == new))}
    for coding in s.scalars(select(Coding).where(Coding.code_id == old).order_by(Coding.id)).all():
        key = (coding.segment_id, coding.coder_id, coding.start_char, coding.end_char)
        if key in existing:
            keeper = existing[key]
            for memo in s.scalars(select(Memo).where(Memo.coding_id == coding.id)).all():
                memo.coding_id = keeper.id
                report.moved_memos += 1
            for draft in s.scalars(select(MemoDraft).where(MemoDraft.coding_id == coding.id)).all():
                move_draft(s, draft, MemoDraft.coding_id == keeper.id, coding_id=keeper.id,
                            target=f"coding:{keeper.id}")
            s.flush()
            folded.append([coding.id, keeper.id])
            s.delete(coding)
            report.dropped_duplicates += 1
        else:
            coding.code_id = new
            existing[key] = coding
            report.moved_codings += 1
    s.flush()
    return folded


@requires("edit_codebook")
def merge_codes(db: Database, old: str, new: str, *, user: str | None = None) -> MergeReport:
    """Move the codings, suggestions, memos and released quotes of OLD to NEW and retire OLD.

    A coding of OLD that duplicates a coding of NEW (same segment, coder and span) is dropped;
    its memos move to the kept coding (the audit entry records which coding it was folded into,
    ``folded``, so that undo finds it). A pending suggestion of OLD on a turn and span where NEW
    has one pending too is one suggestion afterwards: the one with the higher score stays
    pending (on a tie the one under NEW), the other is withdrawn. A quote released under OLD
    moves to NEW; when the same turn is already released under NEW, that release is kept and
    the one under OLD is dropped (one release per turn and code).
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
        _applicable_target(s, dst, src, "merge into")
        kids = s.scalars(select(Code.id).where(Code.parent_id == old, Code.retired.is_(False))).all()
        if kids:
            hint = (f"; to move its own codings to one of them and keep it as a category, use "
                    f"`workbench codebook move-codings {old} {new}`" if new in kids and not src.codable else "")
            raise WorkbenchError(f"code '{old}' has sub-codes ({', '.join(kids)}); merge or move them first{hint}")
        if dst.id.startswith(src.id + "."):
            raise WorkbenchError(f"cannot merge '{old}' into its own sub-code '{new}'")
        report = MergeReport(old=old, new=new)
        folded = _move_coding_rows(s, old, new, report)
        pending = {(g.segment_id, g.start_char, g.end_char): g
                   for g in s.scalars(select(Suggestion).where(Suggestion.code_id == new,
                                                               Suggestion.status == "pending"))}
        now = utcnow()
        for sug in s.scalars(select(Suggestion).where(Suggestion.code_id == old).order_by(Suggestion.id)).all():
            sug.code_id = new
            report.moved_suggestions += 1
            if sug.status != "pending":
                continue
            key = (sug.segment_id, sug.start_char, sug.end_char)
            other = pending.get(key)
            if other is None:
                pending[key] = sug
                continue
            # one pending suggestion per turn, span and code: the review queue lists it once
            keep, drop = (sug, other) if (sug.score or 0) > (other.score or 0) else (other, sug)
            drop.status, drop.decided_by, drop.decided_at = "withdrawn", tx.user.id, now
            pending[key] = keep
            report.withdrawn_suggestions += 1
        for memo in s.scalars(select(Memo).where(Memo.code_id == old)).all():
            memo.code_id = new
            report.moved_memos += 1
        # unsaved memos on OLD follow it (joined to their author's draft on NEW, if there is one)
        for draft in s.scalars(select(MemoDraft).where(MemoDraft.code_id == old)).all():
            move_draft(s, draft, MemoDraft.target == f"code:{new}", code_id=new, target=f"code:{new}")
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
                                              "folded": folded,
                                              "moved_suggestions": report.moved_suggestions,
                                              "withdrawn_suggestions": report.withdrawn_suggestions,
                                              "moved_memos": report.moved_memos,
                                              "moved_releases": report.moved_releases,
                                              "dropped_releases": report.dropped_releases,
                                              "dropped_release_ids": dropped_ids})
    return report


@requires("edit_codebook")
def move_codings(db: Database, old: str, new: str, *, user: str | None = None) -> MoveReport:
    """Move the codings of OLD, a category (``codable: false``), to NEW, a code one can apply
    (usually one of OLD's sub-codes): the way out when a codebook load has made a code that
    codings use into a category (its sub-codes split it up); the load warns about such codings.
    OLD stays in the codebook as the category it is; its memos, suggestions and released quotes
    stay on it. A coding of OLD whose coder has NEW on the same turn and span already is one coding
    with that one afterwards (its memos move to it): nothing is counted twice. Audited as
    ``move_codings`` (with ``folded``, as a merge); like a merge it is not undone by
    ``undo_last``, and undoing a coding action from before it follows the coding to NEW.
    """
    if old == new:
        raise WorkbenchError(f"cannot move the codings of '{old}' to itself; name two different codes")
    with db.transaction(user=user) as tx:
        s = tx.session
        src = resolve_code(s, old)
        dst = resolve_code(s, new)
        lock_codes(s, [src.id, dst.id], exclusive=True)  # as a merge: a coder applying NEW waits or comes first
        _applicable_target(s, dst, src, "move them to")
        if src.codable:
            raise WorkbenchError(f"code '{old}' can be applied (it is not a category); to move its codings to "
                                 f"'{new}' and retire it, use `workbench codebook merge {old} {new}`")
        report = MoveReport(old=old, new=new)
        folded = _move_coding_rows(s, old, new, report)
        tx.audit("move_codings", "code", old, {"old": old, "new": new, "moved_codings": report.moved_codings,
                                               "dropped_duplicates": report.dropped_duplicates,
                                               "folded": folded, "moved_memos": report.moved_memos})
    return report
