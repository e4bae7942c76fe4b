"""Codebook in the database: versions, rename, retire vs delete, merge, resolve (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy

import pytest
import yaml
from sqlalchemy import func, select

from workbench.codebook import current_codes, load_codebook, merge_codes, resolve_code
from workbench.codebook.qdc import NoAliasDumper
from workbench.errors import InputError, NotFound, WorkbenchError
from workbench.store import AuditEvent, Code, CodebookVersion, Coding, Memo, Segment, Source, Suggestion

FULL = {"definition": "d", "inclusion": "i", "exclusion": "e", "examples": ["x"], "theory": "T",
        "lexicon": ["ord"]}
BASE = {"name": "t", "title": "Test", "codes": {
    "kontrakt": {"label": "Kontrakt", "codable": False, "children": [
        {"id": "kontrakt.hybrid", "label": "Hybrid", **FULL},
        {"id": "kontrakt.relasjonell", "label": "Relasjonell", **FULL},
        {"id": "kontrakt.transaksjonell", "label": "Transaksjonell", **FULL},
    ]},
    "rolle": {"label": "Roller", "codable": False, "children": [
        {"id": "rolle.rambukk", "label": "Rambukk", **FULL}]},
}}


def dump(data, **kw):
    """YAML without anchors/aliases (a codebook refuses them; safe_dump writes one for a list
    object used twice, as the **FULL of these tests)."""
    return yaml.dump(data, Dumper=NoAliasDumper, **kw)


def write(tmp_path, data, name="k.yaml"):
    p = tmp_path / name
    p.write_text(dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def add_coding(db, code_id, *, user="kari", start=0, end=5, text="Hei og hå, dette er en tekst."):
    with db.transaction(user=user) as tx:
        s = tx.session
        src = s.scalar(select(Source).where(Source.file_name == "a.txt"))
        if src is None:
            src = Source(file_name="a.txt", content_hash="h", format="txt", canonical_text=text)
            s.add(src)
            s.flush()
            s.add(Segment(source_id=src.id, index=1, start_char=0, end_char=len(text)))
            s.flush()
        seg = s.scalar(select(Segment).where(Segment.source_id == src.id))
        c = Coding(segment_id=seg.id, code_id=code_id, coder_id=tx.user.id, start_char=start, end_char=end)
        s.add(c)
        s.flush()
        return c.id, seg.id


def test_load_creates_codes_and_a_version_once(db, tmp_path):
    p = write(tmp_path, BASE)
    r1 = load_codebook(db, p, user="kari")
    assert r1.new_version and len(r1.added) == 6
    rows = current_codes(db)
    assert [r["id"] for r in rows] == ["kontrakt", "kontrakt.hybrid", "kontrakt.relasjonell",
                                       "kontrakt.transaksjonell", "rolle", "rolle.rambukk"]
    hyb = rows[1]
    assert hyb["parent"] == "kontrakt" and hyb["lexicon"] == ["ord"] and hyb["codable"] and not hyb["retired"]
    assert set(hyb) >= {"id", "label", "parent", "definition", "inclusion", "exclusion", "examples",
                        "theory", "lexicon", "color"}
    # Same content, different formatting: no new version.
    p.write_text(dump(BASE, allow_unicode=True, sort_keys=True, indent=4), encoding="utf-8")
    r2 = load_codebook(db, p, user="kari")
    assert not r2.new_version and r2.version_id == r1.version_id and not r2.added
    assert count(db, CodebookVersion) == 1
    with db.session() as s:
        v = s.scalars(select(CodebookVersion)).one()
        assert v.created_by is not None and len(v.content_hash) == 64
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "load_codebook")) == 2


def test_changed_content_makes_a_new_version_and_rename_keeps_codings(db, tmp_path):
    load_codebook(db, write(tmp_path, BASE), user="kari")
    coding_id, _ = add_coding(db, "kontrakt.hybrid")
    data = copy.deepcopy(BASE)
    data["codes"]["kontrakt"]["children"][0]["label"] = "Hybrid kontrakt"
    r = load_codebook(db, write(tmp_path, data), user="kari")
    assert r.new_version and r.renamed == [("kontrakt.hybrid", "Hybrid", "Hybrid kontrakt")]
    assert count(db, CodebookVersion) == 2
    with db.session() as s:
        assert s.get(Coding, coding_id).code.label == "Hybrid kontrakt"


def test_removed_code_is_retired_when_used_and_deleted_otherwise(db, tmp_path):
    load_codebook(db, write(tmp_path, BASE), user="kari")
    add_coding(db, "kontrakt.hybrid")
    data = copy.deepcopy(BASE)
    data["codes"]["kontrakt"]["children"] = data["codes"]["kontrakt"]["children"][2:]  # drop hybrid, relasjonell
    r = load_codebook(db, write(tmp_path, data), user="kari")
    assert r.retired == ["kontrakt.hybrid"] and r.deleted == ["kontrakt.relasjonell"]
    assert "kontrakt.hybrid" not in [c["id"] for c in current_codes(db)]
    allc = {c["id"]: c for c in current_codes(db, include_retired=True)}
    assert allc["kontrakt.hybrid"]["retired"] and "kontrakt.relasjonell" not in allc
    assert count(db, Coding) == 1
    # Putting it back reinstates it.
    r = load_codebook(db, write(tmp_path, BASE), user="kari")
    assert r.reinstated == ["kontrakt.hybrid"] and r.added == ["kontrakt.relasjonell"]


def test_removed_theme_with_used_child_keeps_its_parent(db, tmp_path):
    load_codebook(db, write(tmp_path, BASE), user="kari")
    add_coding(db, "rolle.rambukk")
    data = copy.deepcopy(BASE)
    del data["codes"]["rolle"]
    r = load_codebook(db, write(tmp_path, data), user="kari")
    assert sorted(r.retired) == ["rolle", "rolle.rambukk"] and r.deleted == []


def test_invalid_file_is_refused_and_nothing_changes(db, tmp_path):
    load_codebook(db, write(tmp_path, BASE), user="kari")
    bad = copy.deepcopy(BASE)
    bad["codes"]["kontrakt"]["children"][1]["id"] = "kontrakt.hybrid"
    with pytest.raises(InputError, match="duplicate id 'kontrakt.hybrid'"):
        load_codebook(db, write(tmp_path, bad), user="kari")
    assert count(db, CodebookVersion) == 1 and len(current_codes(db)) == 6


def test_merge_moves_codings_suggestions_memos_and_drops_duplicates(db, tmp_path):
    load_codebook(db, write(tmp_path, BASE), user="kari")
    dup_id, seg_id = add_coding(db, "kontrakt.hybrid", start=0, end=5)
    keep_id, _ = add_coding(db, "kontrakt.relasjonell", start=0, end=5)
    moved_id, _ = add_coding(db, "kontrakt.hybrid", start=6, end=9)
    other_coder, _ = add_coding(db, "kontrakt.hybrid", user="ola", start=0, end=5)
    with db.transaction(user="kari") as tx:
        tx.session.add(Suggestion(segment_id=seg_id, code_id="kontrakt.hybrid", method="lexicon", score=0.5))
        tx.session.add(Memo(author_id=tx.user.id, text="om koden", code_id="kontrakt.hybrid"))
        tx.session.add(Memo(author_id=tx.user.id, text="om kodingen", coding_id=dup_id))
    r = merge_codes(db, "kontrakt.hybrid", "kontrakt.relasjonell", user="kari")
    assert (r.moved_codings, r.dropped_duplicates, r.moved_suggestions, r.moved_memos) == (2, 1, 1, 2)
    with db.session() as s:
        codes = sorted((c.id, c.code_id) for c in s.scalars(select(Coding)))
        assert codes == sorted([(keep_id, "kontrakt.relasjonell"), (moved_id, "kontrakt.relasjonell"),
                                (other_coder, "kontrakt.relasjonell")])
        assert s.scalars(select(Suggestion)).one().code_id == "kontrakt.relasjonell"
        memos = {m.text: m for m in s.scalars(select(Memo))}
        assert memos["om koden"].code_id == "kontrakt.relasjonell"
        assert memos["om kodingen"].coding_id == keep_id
        assert s.get(Code, "kontrakt.hybrid").retired
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "merge_codes")).target_id == "kontrakt.hybrid"
    # Loading the unchanged file again does not bring the merged code back.
    r2 = load_codebook(db, write(tmp_path, BASE), user="kari")
    assert "kontrakt.hybrid" not in r2.reinstated
    assert any("merged into 'kontrakt.relasjonell'" in w for w in r2.warnings)
    assert "kontrakt.hybrid" not in [c["id"] for c in current_codes(db)]


def test_merge_refuses_bad_requests(db, tmp_path):
    load_codebook(db, write(tmp_path, BASE), user="kari")
    with pytest.raises(WorkbenchError, match="into itself"):
        merge_codes(db, "rolle.rambukk", "rolle.rambukk", user="kari")
    with pytest.raises(WorkbenchError, match="has sub-codes"):
        merge_codes(db, "kontrakt", "rolle.rambukk", user="kari")
    with pytest.raises(NotFound, match="did you mean 'kontrakt.hybrid'"):
        merge_codes(db, "kontrakt.hybird", "rolle.rambukk", user="kari")


def test_merge_into_a_category_is_refused_and_changes_nothing(db, tmp_path):
    """A category (codable: false) cannot be applied: codings moved onto it could never be
    changed, undone or compared again."""
    load_codebook(db, write(tmp_path, BASE), user="kari")
    coding_id, seg_id = add_coding(db, "rolle.rambukk")
    with db.transaction(user="kari") as tx:
        tx.session.add(Suggestion(segment_id=seg_id, code_id="rolle.rambukk", method="lexicon", score=0.5))
    with pytest.raises(WorkbenchError) as exc:
        merge_codes(db, "rolle.rambukk", "kontrakt", user="kari")
    assert exc.value.code == "code.category"
    assert str(exc.value) == ("code 'kontrakt' is a category and cannot be applied; merge into one of its "
                              "subcodes: kontrakt.hybrid, kontrakt.relasjonell, kontrakt.transaksjonell")
    with pytest.raises(WorkbenchError, match="merge into a codable code"):  # its own parent: no other subcode
        merge_codes(db, "rolle.rambukk", "rolle", user="kari")
    with db.session() as s:
        assert s.get(Coding, coding_id).code_id == "rolle.rambukk"
        assert s.scalars(select(Suggestion)).one().code_id == "rolle.rambukk"
        assert not s.get(Code, "rolle.rambukk").retired
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "merge_codes")) is None


def test_resolve_code_suggests_close_ids(db, tmp_path):
    load_codebook(db, write(tmp_path, BASE), user="kari")
    with db.session() as s:
        assert resolve_code(s, "kontrakt.hybrid").label == "Hybrid"
        with pytest.raises(NotFound) as exc:
            resolve_code(s, "kontrakt.hybird")
    assert str(exc.value) == "unknown code 'kontrakt.hybird'; did you mean 'kontrakt.hybrid'?"


def test_retiring_a_code_withdraws_its_pending_suggestions_and_review_no_longer_lists_them(db, tmp_path):
    from workbench.coding import accept_suggestion, list_suggestions
    from workbench.ui.messages import norwegian

    load_codebook(db, write(tmp_path, BASE), user="kari")
    _, seg_id = add_coding(db, "kontrakt.hybrid")
    with db.transaction(user="kari") as tx:
        for code in ("kontrakt.hybrid", "kontrakt.transaksjonell"):
            tx.session.add(Suggestion(segment_id=seg_id, code_id=code, method="lexicon", score=0.5))
    assert len(list_suggestions(db, user="ola")) == 2
    data = copy.deepcopy(BASE)
    data["codes"]["kontrakt"]["children"] = data["codes"]["kontrakt"]["children"][1:]  # drop hybrid
    r = load_codebook(db, write(tmp_path, data), user="kari")
    assert r.retired == ["kontrakt.hybrid"] and r.withdrawn_suggestions == 1
    assert "1 ventende forslag på pensjonerte koder eller nye kategorier er trukket tilbake" in r.summary()
    assert [s.code for s in list_suggestions(db, user="ola")] == ["kontrakt.transaksjonell"]
    withdrawn = list_suggestions(db, user="ola", status="withdrawn")
    assert [s.code for s in withdrawn] == ["kontrakt.hybrid"]
    with pytest.raises(WorkbenchError) as exc:
        accept_suggestion(db, withdrawn[0].id, user="ola")
    assert norwegian(exc.value) == "Forslaget er allerede trukket tilbake av kari."
    with db.session() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "load_codebook")
                       .order_by(AuditEvent.id.desc())).first()
        assert ev.detail["withdrawn_suggestions"] == 1
    # a pending row left on a retired code by an older version is not listed either
    with db.transaction(user="kari") as tx:
        tx.session.add(Suggestion(segment_id=seg_id, code_id="kontrakt.hybrid", method="lexicon", score=0.9))
    assert [s.code for s in list_suggestions(db, user="ola")] == ["kontrakt.transaksjonell"]


def _released(db):
    from workbench.store import ReleasedQuote

    with db.session() as s:
        return sorted((q.segment_id, q.code_id) for q in s.scalars(select(ReleasedQuote)))


def test_removed_code_with_a_released_quote_only_is_retired_not_deleted(db, tmp_path):
    """Code a turn, release it under the code, uncode it, load a file without the code: the
    release still points at the code, so it is retired (it used to crash: FOREIGN KEY constraint
    failed on DELETE FROM codes)."""
    from workbench.coding import remove_code
    from workbench.sharing import release_quote

    load_codebook(db, write(tmp_path, BASE), user="kari")
    _, seg_id = add_coding(db, "kontrakt.hybrid")
    release_quote(db, "a.txt", 1, "kontrakt.hybrid", user="kari")
    remove_code(db, "a.txt", 1, "kontrakt.hybrid", user="kari")
    assert count(db, Coding) == 0
    data = copy.deepcopy(BASE)
    data["codes"]["kontrakt"]["children"] = data["codes"]["kontrakt"]["children"][2:]  # drop hybrid, relasjonell
    r = load_codebook(db, write(tmp_path, data), user="kari")
    assert r.retired == ["kontrakt.hybrid"] and r.deleted == ["kontrakt.relasjonell"]
    assert _released(db) == [(seg_id, "kontrakt.hybrid")]


def test_merge_moves_released_quotes_and_keeps_one_release_per_turn(db, tmp_path):
    """The resource group's released quotes follow the merge (they would stay on a retired code
    no codebook shows), the summary counts them, a turn released under both codes keeps one
    release, and the merged code can then be dropped from the file (it used to crash)."""
    from workbench.sharing import release_quote

    load_codebook(db, write(tmp_path, BASE), user="kari")
    add_coding(db, "kontrakt.hybrid")
    add_coding(db, "kontrakt.relasjonell")
    with db.transaction(user="kari") as tx:  # a second turn, coded hybrid only
        seg2 = Segment(source_id=tx.session.scalar(select(Source.id)), index=2, start_char=0, end_char=5)
        tx.session.add(seg2)
        tx.session.flush()
        seg1_id, seg2_id = tx.session.scalar(select(Segment.id).where(Segment.index == 1)), seg2.id
        tx.session.add(Coding(segment_id=seg2_id, code_id="kontrakt.hybrid", coder_id=tx.user.id,
                              start_char=0, end_char=5))
    release_quote(db, "a.txt", 1, "kontrakt.hybrid", user="kari")
    kept = release_quote(db, "a.txt", 1, "kontrakt.relasjonell", user="kari")
    release_quote(db, "a.txt", 2, "kontrakt.hybrid", user="kari")
    r = merge_codes(db, "kontrakt.hybrid", "kontrakt.relasjonell", user="kari")
    assert (r.moved_releases, r.dropped_releases) == (1, 1)
    assert "1 frigitte sitater flyttet" in r.summary() and "frigitt én gang" in r.summary()
    assert _released(db) == [(seg1_id, "kontrakt.relasjonell"), (seg2_id, "kontrakt.relasjonell")]
    from workbench.sharing import released_quotes

    df = released_quotes(db, user="kari")
    assert set(df["code"]) == {"kontrakt.relasjonell"} and kept.id in set(df["id"])
    with db.session() as s:
        ev = s.scalar(select(AuditEvent).where(AuditEvent.action == "merge_codes"))
        assert (ev.detail["moved_releases"], ev.detail["dropped_releases"]) == (1, 1)
    data = copy.deepcopy(BASE)
    del data["codes"]["kontrakt"]["children"][0]  # remove the merged code, as the merge says
    r2 = load_codebook(db, write(tmp_path, data), user="kari")
    assert r2.deleted == ["kontrakt.hybrid"] and r2.retired == []


def test_a_merged_code_whose_quotes_stayed_behind_is_retired_and_a_second_merge_moves_them(db, tmp_path):
    """A database merged before merges moved released quotes: loading without the code retires
    it (no crash), and merging it again moves the quotes."""
    from workbench.store import ReleasedQuote

    load_codebook(db, write(tmp_path, BASE), user="kari")
    _, seg_id = add_coding(db, "kontrakt.hybrid")
    merge_codes(db, "kontrakt.hybrid", "kontrakt.relasjonell", user="kari")
    with db.transaction(user="kari") as tx:  # what the old merge left behind
        tx.session.add(ReleasedQuote(segment_id=seg_id, code_id="kontrakt.hybrid", text="Hei",
                                     released_by=tx.user.id))
    data = copy.deepcopy(BASE)
    del data["codes"]["kontrakt"]["children"][0]
    r = load_codebook(db, write(tmp_path, data), user="kari")
    assert r.deleted == [] and "kontrakt.hybrid" not in r.retired  # retired already, kept
    assert merge_codes(db, "kontrakt.hybrid", "kontrakt.relasjonell", user="kari").moved_releases == 1
    assert _released(db) == [(seg_id, "kontrakt.relasjonell")]
    assert load_codebook(db, write(tmp_path, data, name="k2.yaml"), user="kari").deleted == ["kontrakt.hybrid"]


@pytest.mark.parametrize("model", ["Coding", "Suggestion", "Memo", "MemoDraft", "ReleasedQuote"])
def test_every_table_pointing_at_a_code_keeps_it_from_being_deleted(db, tmp_path, model):
    """Each table with a foreign key to codes.id counts as use: the code is retired, never
    deleted under a row that points at it."""
    import workbench.codebook.store as cbstore
    from workbench.store import models

    pointing = {m.class_.__name__ for m in models.Base.registry.mappers
                if m.class_ is not Code and any(fk.target_fullname == "codes.id"
                                                for col in m.local_table.columns for fk in col.foreign_keys)}
    assert pointing == {m.__name__ for m in cbstore.CODE_USERS}
    load_codebook(db, write(tmp_path, BASE), user="kari")
    coding_id, seg_id = add_coding(db, "kontrakt.transaksjonell")
    with db.transaction(user="kari") as tx:
        row = {"Coding": lambda: Coding(segment_id=seg_id, code_id="kontrakt.hybrid", coder_id=tx.user.id,
                                        start_char=0, end_char=3),
               "Suggestion": lambda: Suggestion(segment_id=seg_id, code_id="kontrakt.hybrid",
                                                method="lexicon", score=0.5),
               "Memo": lambda: Memo(author_id=tx.user.id, text="m", code_id="kontrakt.hybrid"),
               "MemoDraft": lambda: models.MemoDraft(author_id=tx.user.id, target="code:kontrakt.hybrid",
                                                     text="utkast", code_id="kontrakt.hybrid"),
               "ReleasedQuote": lambda: models.ReleasedQuote(segment_id=seg_id, code_id="kontrakt.hybrid",
                                                             text="Hei", released_by=tx.user.id)}[model]()
        tx.session.add(row)
    data = copy.deepcopy(BASE)
    del data["codes"]["kontrakt"]["children"][0]
    r = load_codebook(db, write(tmp_path, data), user="kari")
    assert r.retired == ["kontrakt.hybrid"] and r.deleted == []
