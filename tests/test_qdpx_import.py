"""QDPX import (workbench.refi.importer): other tools' samples, offsets (code points, UTF-16, CRLF,
BOM), segments and selections across them, codes, coders, memos, cases, errors, round trip."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import func, select

from workbench.errors import InputError
from workbench.refi.importer import import_qdpx
from workbench.store import AuditEvent, Code, Coding, Memo, Segment, Source, Speaker, User

NS = "urn:QDA-XML:project:1.0"
RESEARCHER = "forsker"
SAMPLES = {  # every project among the shared samples -> what it must give
    "atlasti-23.2-win_blank.qdpx": dict(sources=0, codes=0, codings=0),
    "atlasti-23.2-win_codes-only.qdpx": dict(sources=0, codes=3, codings=0),
    "atlasti-8.4-mac_refi-spec-annex-A2_project.qde": dict(sources=0, codes=14, codings=0),
    "nvivo-12.6-win_hu-comments.qdpx": dict(sources=1, codes=60, codings=97),
    "nvivo-15.0-mac_small.qdpx": dict(sources=0, codes=262, codings=0),
    "qc-1.3.2_demo.qdpx": dict(sources=2, codes=262, codings=205),
    "qualcoder-4.0beta_project.qdpx": dict(sources=2, codes=6, codings=5),
}


def G(key: str) -> str:
    """A readable stable GUID for test objects."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


# ------------------------------------------------------------------------------------------ builders

def project(body: str, *, origin: str = "testverktøy", name: str = "test") -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" name="{name}" origin="{origin}">{body}</Project>'


def users(*names: str) -> str:
    return "<Users>" + "".join(f'<User guid="{G("u:" + n)}" name="{n}"/>' for n in names) + "</Users>"


def codebook(*names: str) -> str:
    return "<CodeBook><Codes>" + "".join(f'<Code guid="{G("c:" + n)}" name="{n}" isCodable="true"/>'
                                        for n in names) + "</Codes></CodeBook>"


def selection(key: str, start: int, end: int, code: str | None, coder: str, notes: tuple[str, ...] = (),
              name: str | None = None) -> str:
    attrs = f' name="{name}"' if name is not None else ""
    coding = (f'<Coding guid="{G("coding:" + key)}" creatingUser="{G("u:" + coder)}">'
              f'<CodeRef targetGUID="{G("c:" + code)}"/></Coding>') if code else ""
    refs = "".join(f'<NoteRef targetGUID="{G("n:" + n)}"/>' for n in notes)
    return (f'<PlainTextSelection guid="{G("s:" + key)}" startPosition="{start}" endPosition="{end}"{attrs} '
            f'creatingUser="{G("u:" + coder)}">{coding}{refs}</PlainTextSelection>')


def text_source(key: str, name: str, inner: str, path: str | None = None, rich: str | None = None) -> str:
    attrs = f' plainTextPath="{path}"' if path else ""
    attrs += f' richTextPath="{rich}"' if rich else ""
    return f'<TextSource guid="{G("src:" + key)}" name="{name}"{attrs}>{inner}</TextSource>'


def write_qdpx(path: Path, xml: str | bytes, files: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", xml.encode("utf-8") if isinstance(xml, str) else xml)
        for name, data in (files or {}).items():
            zf.writestr(name, data)
    return path


def tiny_qdpx(path: Path) -> Path:
    """One small source with a memo (the permission test imports it)."""
    text = "Moderator: Velkommen.\n\nDeltaker: Takk.\n\nModerator: Første spørsmål.\n\nDeltaker: Ja.\n"
    body = (users("tester") + "<Sources>" + text_source(
        "tiny", "qdpx_tilgang.txt", f'<NoteRef targetGUID="{G("n:tiny")}"/>', f"internal://{G('src:tiny')}.txt")
        + "</Sources><Notes>" + f'<Note guid="{G("n:tiny")}" name="notat"><PlainTextContent>Et notat'
        "</PlainTextContent></Note></Notes>")
    return write_qdpx(path, project(body), {f"sources/{G('src:tiny')}.txt": text.encode("utf-8")})


def spans_of(db, report, guid_key: str) -> list[tuple[int, int, int]]:
    return report.placements[G("s:" + guid_key)]


def stored_text(db, source: str, pieces) -> str:
    with db.session() as s:
        text = s.scalar(select(Source.canonical_text).where(Source.file_name == source))
    return "".join(text[a:b] for _, a, b in pieces)


def counts(db) -> tuple:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Source, Segment, Code, Coding, Memo,
                                                                             Speaker, AuditEvent))


# ------------------------------------------------------------------------------------------ samples

def test_every_shared_sample_project_is_covered(shared_dir):
    found = {p.name for p in (shared_dir / "refi-qda" / "samples").iterdir() if p.suffix in (".qdpx", ".qde")}
    assert found == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_project_imports(db, shared_dir, name):
    path = shared_dir / "refi-qda" / "samples" / name
    report = import_qdpx(db, path, user=RESEARCHER)
    want = SAMPLES[name]
    assert (len(report.sources), len(report.codes_added), report.codings) == \
        (want["sources"], want["codes"], want["codings"]), report.summary()
    assert report.summary().startswith(f"Importert fra {name}")
    assert all("\n" not in w for w in report.warnings)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Coding)) == report.codings
        assert set(s.scalars(select(Coding.origin))) <= {"imported"}
        # every piece lies on the segment whose zone holds it, and the pieces of a selection tile it
        for guid, pieces in report.placements.items():
            assert all(a < b for _, a, b in pieces)
            assert all(p[2] == q[1] for p, q in zip(pieces, pieces[1:]))
    for source in report.sources:
        assert source in report.readings
    if name.startswith("qualcoder"):
        assert report.coders == {"alice": 3, "bob": 2} and report.memos == 2  # a note, and interview_01's
        with db.session() as s:                                               # <Description>
            assert "First interview" in set(s.scalars(select(Memo.text).where(Memo.source_id.is_not(None))))
        assert any("refers to source 4eb43792-7c55-4201-a796-71469e4c1a14" in w and "not in the project" in w
                   for w in report.warnings)
        assert report.readings["interview_01.txt"].startswith("kodepunkter")
        with db.session() as s:  # the annotation (a note with its own selection) is a memo on its turn
            memo = s.scalars(select(Memo).where(Memo.source_id.is_(None))).one()
            assert memo.text == "Japanese phrase" and memo.segment_id is not None
    if name.startswith("atlasti-8.4"):
        missing = [w for w in report.warnings if "is not in the folder" in w]
        # 6 text sources and the 2 PDFs' text versions (<Representation plainTextPath>): no files here
        assert len(missing) == 8 and all("skipped" in w for w in missing)
        assert any("Kellogg's Passion for Nutrition.pdf" in w for w in missing)
        assert any("PDFSource" in w for w in report.warnings)
    if name.startswith("nvivo-15"):
        assert sum("has no text" in w for w in report.warnings) == 2
    if name.startswith("qc-"):
        assert report.coders == {"cp": 205}
        assert report.sources == ["board_2017.txt", "admin-1.txt"]
    if name == "atlasti-23.2-win_blank.qdpx":
        assert report.nothing_new and "Ingenting å importere" in report.summary()


def _nvivo_selections(path: Path) -> tuple[str, list[dict]]:
    """The NVivo 12.6 sample read independently: the source text (BOM dropped, CRLF kept) and each
    selection's intended text, reading its offsets as UTF-16 code units on that text."""
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        member = next(n for n in zf.namelist() if n.startswith("Sources/") and n.endswith(".txt"))
        raw = zf.read(member).decode("utf-8-sig")
    local = lambda e: etree.QName(e).localname  # noqa: E731
    codes = {c.get("guid"): c.get("name") for c in root.iter() if local(c) == "Code"}
    people = {u.get("guid"): u.get("name") for u in root.iter() if local(u) == "User"}
    units = raw.encode("utf-16-le")
    out = []
    for sel in root.iter():
        if local(sel) != "PlainTextSelection":
            continue
        s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
        coding = next(c for c in sel if local(c) == "Coding")
        ref = next(c for c in coding if local(c) == "CodeRef")
        out.append({"guid": sel.get("guid"), "text": units[2 * s:2 * e].decode("utf-16-le"), "start": s, "end": e,
                    "code": codes[ref.get("targetGUID")], "coder": people[coding.get("creatingUser")]})
    return raw, out


def test_nvivo_sample_selections_land_on_the_intended_text(db, shared_dir):
    from workbench.coding import list_codings
    from workbench.ingest.chars import clean_text

    path = shared_dir / "refi-qda" / "samples" / "nvivo-12.6-win_hu-comments.qdpx"
    raw, selections = _nvivo_selections(path)
    assert len(selections) == 97
    report = import_qdpx(db, path, user=RESEARCHER)
    assert report.readings["videos_selection"].startswith("UTF-16")
    with db.session() as s:
        text = s.scalar(select(Source.canonical_text))
        # stored as ingest stores text: NFC, without the zero-width spaces the sample holds
        assert "\u200b" in raw and text == clean_text(raw.replace("\r\n", "\n"), bidi=True)
        stored = Counter((c.code.label, c.coder.name, text[c.start_char:c.end_char]) for c in s.scalars(select(Coding)))
    expected = Counter()
    for sel in selections:
        intended = clean_text(sel["text"].replace("\r\n", "\n"), bidi=True)
        assert intended.strip()
        assert stored_text(db, "videos_selection", report.placements[sel["guid"]]) == intended
        expected[(sel["code"], sel["coder"], intended)] += 1
    assert stored == expected
    # the exact text is what `workbench codings --json` shows
    assert Counter(r.text for r in list_codings(db, user=RESEARCHER)) == Counter(t for _, _, t in expected.elements())
    # read as code points, many of these selections would not land on their text
    cp_texts = [raw[int(sel["start"]):int(sel["end"])] for sel in selections]
    assert sum(t != sel["text"] for t, sel in zip(cp_texts, selections)) > 10


# ------------------------------------------------------------------------------------------ offsets

TEXT = ("Blåbær og rømmegrøt 😀 på Ørland.\n"
        "Ærlig talt: 👍🏽 bra!\n"
        "Siste linje med å og ø, 🇳🇴 og æ.")
WORDS = ["Blåbær", "rømmegrøt", "😀 på", "Ørland.\nÆrlig", "👍🏽", "bra", "å og ø", "🇳🇴 og æ", "æ"]


def _position(word: str) -> int:
    """Where ``word`` begins in TEXT (the last "æ" for "æ")."""
    return TEXT.rindex(word) if word == "æ" else TEXT.index(word)


def _offset(i: int, variant: str) -> int:
    """Code point index ``i`` of TEXT as the variant's tool writes it."""
    if variant == "nvivo":   # UTF-16 units on the CRLF text
        raw = TEXT[:i].replace("\n", "\r\n")
        return len(raw.encode("utf-16-le")) // 2
    return i                 # code points (the standard; ATLAS.ti-like: on the LF text)


def _word_project(tmp_path: Path, variant: str) -> Path:
    data = {"codepoints": TEXT.encode("utf-8"),                                       # LF, no BOM
            "nvivo": b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode("utf-8"),    # CRLF and BOM
            "atlas": TEXT.replace("\n", "\r\n").encode("utf-8")}[variant]               # CRLF counted as one
    sels = ""
    for n, word in enumerate(WORDS):
        i = _position(word)
        sels += selection(f"{variant}{n}", _offset(i, variant), _offset(i + len(word), variant), "ord", "kari")
    body = users("kari") + codebook("ord") + "<Sources>" + text_source(
        variant, f"ord_{variant}.txt", sels, f"internal://{G('src:' + variant)}.txt") + "</Sources>"
    return write_qdpx(tmp_path / f"{variant}.qdpx", project(body),
                      {f"Sources/{G('src:' + variant).upper()}.txt": data})


@pytest.mark.parametrize("variant,reading", [("codepoints", "kodepunkter"), ("nvivo", "UTF-16"),
                                             ("atlas", "kodepunkter med CRLF telt som ett tegn")])
def test_offsets_around_norwegian_letters_emoji_and_crlf(db, tmp_path, variant, reading):
    report = import_qdpx(db, _word_project(tmp_path, variant), user=RESEARCHER)
    name = f"ord_{variant}.txt"
    assert report.readings[name].startswith(reading), report.readings
    with db.session() as s:
        assert s.scalar(select(Source.canonical_text)) == TEXT   # BOM gone, CRLF -> LF
    for n, word in enumerate(WORDS):
        assert stored_text(db, name, spans_of(db, report, f"{variant}{n}")) == word, word


def test_crlf_offsets_inside_a_surrogate_pair_rule_out_utf16(tmp_path):
    from workbench.refi.importer import SourceText, choose_reading

    st = SourceText("a😀b\r\nc")
    assert st.convert("u16", 2) == (None, False)          # inside the emoji's surrogate pair
    assert st.convert("u16", 3) == (2, False)             # b
    assert st.convert("cp", 4) == (3, True)               # between CR and LF: the stored LF
    reading, why, _ = choose_reading(st, [(3, 4, "b")])
    assert reading == "u16" and why.startswith("UTF-16")


# ------------------------------------------------------------------------------------------ segments

TRANSCRIPT = ("Fokusgruppe i Gamvik, 3. mai 2023\n\n"
              "Kari: Vi har fått til mye sammen.\nDet tok tid.\n\n"
              "Ola: Ja, men kapasiteten er for liten.\n\n"
              "Kari: Enig, vi mangler folk.\n\n"
              "Ola: Og boliger.\n")
PICKS = {  # key -> (selected text, occurrence start hint)
    "label": "Kari: Vi har fått til mye sammen.",
    "cross": "Det tok tid.\n\nOla: Ja, men",
    "preamble": "Gamvik",
    "three": "liten.\n\nKari: Enig, vi mangler folk.\n\nOla: Og",
    "trailing": "folk.\n\n",
    "whole": "Og boliger.",
}


def _transcript_project(tmp_path: Path, *, coder: str = "kari", crlf: bool = False, extra: str = "",
                        notes: str = "", inner_extra: str = "", file_name: str = "gamvik.qdpx",
                        picks: dict[str, str] = PICKS, code: str = "tema") -> Path:
    text = TRANSCRIPT.replace("\n", "\r\n") if crlf else TRANSCRIPT
    sels = ""
    for key, word in picks.items():
        w = word.replace("\n", "\r\n") if crlf else word
        s = text.index(w)
        sels += selection(key, s, s + len(w), code, coder, notes=("sel-note",) if key == "cross" else ())
    body = (users(coder) + codebook(code, "annet") + extra + "<Sources>"
            + text_source("gamvik", "fg_gamvik.txt", sels + inner_extra, f"internal://{G('src:gamvik')}.txt")
            + "</Sources>" + notes)
    return write_qdpx(tmp_path / file_name, project(body),
                      {f"sources/{G('src:gamvik')}.txt": text.encode("utf-8")})


def test_speaker_turns_and_selections_across_them_keep_their_exact_characters(db, tmp_path):
    report = import_qdpx(db, _transcript_project(tmp_path), user=RESEARCHER)
    with db.session() as s:
        segs = [(g.index, g.speaker.label if g.speaker else None, g.text)
                for g in s.scalars(select(Segment).order_by(Segment.index))]
    assert segs == [(1, None, "Fokusgruppe i Gamvik, 3. mai 2023"),
                    (2, "Kari", "Vi har fått til mye sammen.\nDet tok tid."),
                    (3, "Ola", "Ja, men kapasiteten er for liten."),
                    (4, "Kari", "Enig, vi mangler folk."),
                    (5, "Ola", "Og boliger.")]
    for key, word in PICKS.items():
        assert stored_text(db, "fg_gamvik.txt", spans_of(db, report, key)) == word, key
    turns = {key: [t for t, _, _ in spans_of(db, report, key)] for key in PICKS}
    assert turns == {"label": [2], "cross": [2, 3], "preamble": [1], "three": [3, 4, 5], "trailing": [4],
                     "whole": [5]}
    from workbench.coding import list_codings

    records = list_codings(db, user=RESEARCHER)
    by_text = {r.text: r for r in records}
    assert by_text["Kari: Vi har fått til mye sammen."].start == -len("Kari: ")   # starts in its label
    assert by_text["Og boliger."].start is None                                   # the whole turn
    assert by_text["folk.\n\n"].end > len("Enig, vi mangler folk.")                # runs past the turn
    assert report.codings == sum(len(p) for p in report.placements.values())


def test_cross_segment_selection_with_crlf_and_bom(db, tmp_path):
    path = _transcript_project(tmp_path, crlf=True)
    report = import_qdpx(db, path, user=RESEARCHER)
    assert report.readings["fg_gamvik.txt"].startswith("kodepunkter (standarden)")
    for key, word in PICKS.items():
        assert stored_text(db, "fg_gamvik.txt", spans_of(db, report, key)) == word, key


# ------------------------------------------------------------------------------------------ coders

def test_two_coders_from_another_tool_can_be_compared(db, tmp_path):
    from workbench.agreement import coding_agreement

    turns = {"t2": "Vi har fått til mye sammen.\nDet tok tid.", "t3": "Ja, men kapasiteten er for liten.",
             "t4": "Enig, vi mangler folk.", "t5": "Og boliger."}
    a = _transcript_project(tmp_path, coder="anna", file_name="anna.qdpx",
                            picks={"t2": turns["t2"], "t3": turns["t3"]})
    b = _transcript_project(tmp_path, coder="bo", file_name="bo.qdpx",
                            picks={"t2": turns["t2"], "t4": turns["t4"]})
    first = import_qdpx(db, a, coder_prefix="nvivo:", user=RESEARCHER)
    second = import_qdpx(db, b, coder_prefix="nvivo:", user=RESEARCHER)
    assert first.coders == {"nvivo:anna": 2} and second.coders == {"nvivo:bo": 2}
    assert second.sources == [] and second.reused == ["fg_gamvik.txt"]   # the same source, coded again
    result = coding_agreement(db, ["nvivo:anna", "nvivo:bo"], codes="tema", user=RESEARCHER)
    tema = result["codes"][0]
    assert result["sources"] == 1 and tema["units"] == 5
    assert tema["percent"] == pytest.approx(3 / 5)   # both on turn 2, neither on 1 and 5
    chars = coding_agreement(db, "nvivo:anna,nvivo:bo", codes="tema", unit="char", user=RESEARCHER)
    assert chars["codes"][0]["units"] == len(TRANSCRIPT)


def test_import_twice_adds_nothing_and_says_so(db, tmp_path):
    path = _transcript_project(tmp_path)
    first = import_qdpx(db, path, user=RESEARCHER)
    before = counts(db)
    again = import_qdpx(db, path, user=RESEARCHER)
    assert counts(db) == before
    assert again.nothing_new and again.reused == ["fg_gamvik.txt"] and again.codings == 0
    assert again.codings_existing == first.codings
    assert "Ingenting nytt" in again.summary()


# ------------------------------------------------------------------------------------------ memos, cases

def test_notes_cases_and_variables(db, tmp_path):
    variables = ("<Variables>" + "".join(
        f'<Variable guid="{G("v:" + n)}" name="{n}" typeOfVariable="Text"/>'
        for n in ("Aktør", "Organisasjon", "Fase", "Type", "Fylke", "Dato", "Språk", "Alder")) + "</Variables>")

    def value(var: str, val: str) -> str:
        return f'<VariableValue><VariableRef targetGUID="{G("v:" + var)}"/><TextValue>{val}</TextValue></VariableValue>'

    cases = ("<Cases>"
             f'<Case guid="{G("case:kari")}" name="kari">{value("Aktør", "prosjektleder")}'
             f'{value("Organisasjon", "Gamvik kommune")}<SourceRef targetGUID="{G("src:gamvik")}"/></Case>'
             f'<Case guid="{G("case:per")}" name="Per">{value("Aktør", "ordfører")}</Case>'
             "</Cases>")
    source_values = (value("Fase", "fase 1") + value("Type", "Fokusgruppe") + value("Fylke", "Finnmark")
                     + value("Dato", "18.04.2023") + value("Språk", "nb") + value("Alder", "44"))
    notes = ("<Notes>" + "".join(
        f'<Note guid="{G("n:" + k)}" name="{k}" creatingUser="{G("u:kari")}"><PlainTextContent>{t}</PlainTextContent></Note>'
        for k, t in (("src-note", "Om kilden"), ("sel-note", "Om utvalget"), ("code-note", "Om koden"),
                     ("turn-note", "Om turen"), ("project-note", "Om prosjektet"), ("link-note", "Via lenke")))
        + "</Notes>"
        + f'<Links><Link guid="{G("link")}" originGUID="{G("n:link-note")}" targetGUID="{G("s:preamble")}"/></Links>'
        + f'<NoteRef targetGUID="{G("n:project-note")}"/>')
    extra = variables + cases
    inner = (selection("turn", TRANSCRIPT.index("Og boliger"), TRANSCRIPT.index("Og boliger") + 2, None, "kari",
                       notes=("turn-note",))
             + f'<NoteRef targetGUID="{G("n:src-note")}"/><NoteRef targetGUID="{G("n:missing")}"/>' + source_values)
    path = _transcript_project(tmp_path, extra=extra, notes=notes, inner_extra=inner)
    xml = zipfile.ZipFile(path).read("project.qde").decode("utf-8")
    # the code's NoteRef goes inside the Code element (before its children)
    xml = xml.replace(f'name="tema" isCodable="true"/>', f'name="tema" isCodable="true"><NoteRef targetGUID="{G("n:code-note")}"/></Code>')
    data = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist() if n != "project.qde"}
    path = write_qdpx(tmp_path / "notater.qdpx", xml, data)
    report = import_qdpx(db, path, coder_prefix="qc:", user=RESEARCHER)
    with db.session() as s:
        src = s.scalars(select(Source)).one()
        assert (src.phase, src.kind, src.county, src.date, src.language) == \
            ("fase 1", "fokusgruppe", "Finnmark", "2023-04-18", "nb")
        kari = s.scalars(select(Speaker).where(Speaker.label == "Kari")).one()
        assert (kari.actor, kari.organisation) == ("prosjektleder", "Gamvik kommune")
        assert s.scalars(select(Speaker).where(Speaker.label == "Ola")).one().actor is None
        memos = {m.text: m for m in s.scalars(select(Memo))}
        assert set(memos) == {"Om kilden", "Om utvalget", "Om koden", "Om turen", "Via lenke"}
        assert memos["Om kilden"].source_id == src.id
        assert memos["Om koden"].code_id == "tema"
        cross = s.get(Coding, memos["Om utvalget"].coding_id)
        assert cross.segment.index == 2 and cross.start_char == TRANSCRIPT.index("Det tok tid.")
        assert s.get(Segment, memos["Om turen"].segment_id).index == 5
        assert s.get(Coding, memos["Via lenke"].coding_id).segment.index == 1
        assert {m.author.name for m in memos.values()} == {"qc:kari"}
    assert report.memos == 5 and report.speakers_updated == 1 and report.fields_set == 5
    warnings = "\n".join(report.warnings)
    assert "Per" in warnings and "Alder" in warnings and "Om prosjektet" not in warnings
    assert "project-note" in warnings and G("n:missing") in warnings


def test_rich_text_only_source_is_read_from_the_docx(db, tmp_path):
    import docx

    doc = docx.Document()
    for p in ("Notat fra møtet", "Vi snakket om bolig og rekruttering.", "Tiltak: felles boligkoordinator."):
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    text = "Notat fra møtet\nVi snakket om bolig og rekruttering.\nTiltak: felles boligkoordinator."
    s = text.index("bolig og")
    body = (users("kari") + codebook("bolig") + "<Sources>"
            + text_source("word", "notat.docx", selection("bolig", s, s + 5, "bolig", "kari"),
                          rich=f"internal://{G('src:word')}.docx") + "</Sources>")
    report = import_qdpx(db, write_qdpx(tmp_path / "word.qdpx", project(body),
                                        {f"sources/{G('src:word')}.docx": buf.getvalue()}), user=RESEARCHER)
    assert report.sources == ["notat.docx"]
    assert stored_text(db, "notat.docx", spans_of(db, report, "bolig")) == "bolig"
    with db.session() as session:
        assert session.scalar(select(Source.canonical_text)) == text


def test_bare_qde_reads_sources_beside_it_and_warns_per_missing_one(db, tmp_path):
    text = "Et lite notat om samarbeid.\n"
    body = (users("kari") + codebook("samarbeid") + "<Sources>"
            + text_source("her", "her.txt", selection("her", 17, 26, "samarbeid", "kari"), "her.txt")
            + text_source("borte", "borte.txt", selection("borte", 0, 2, "samarbeid", "kari"),
                          f"internal://{G('src:borte')}.txt") + "</Sources>")
    (tmp_path / "prosjekt").mkdir()
    (tmp_path / "prosjekt" / "sources").mkdir()
    (tmp_path / "prosjekt" / "sources" / "her.txt").write_text(text, encoding="utf-8")
    qde = tmp_path / "prosjekt" / "project.qde"
    qde.write_bytes(b"\xef\xbb\xbf" + project(body).encode("utf-8"))
    report = import_qdpx(db, qde, user=RESEARCHER)
    assert report.sources == ["her.txt"] and report.codings == 1
    assert stored_text(db, "her.txt", spans_of(db, report, "her")) == "samarbeid"
    [missing] = [w for w in report.warnings if "borte.txt" in w]
    assert "is not in the folder" in missing and "1 codings" in missing


def test_dangling_code_and_user_references_are_warned_and_skipped(db, tmp_path):
    text = "Kort tekst om tillit og kapasitet.\n"
    bad_code = selection("a", 14, 20, "finnes-ikke", "kari")
    unknown_user = (f'<PlainTextSelection guid="{G("s:b")}" startPosition="24" endPosition="33">'
                    f'<Coding guid="{G("coding:b")}" creatingUser="{G("u:ukjent")}">'
                    f'<CodeRef targetGUID="{{{G("c:tema").upper()}}}"/></Coding></PlainTextSelection>')
    body = (users("kari") + codebook("tema") + "<Sources>"
            + text_source("d", "d.txt", bad_code + unknown_user, f"internal://{G('src:d')}.txt") + "</Sources>")
    report = import_qdpx(db, write_qdpx(tmp_path / "d.qdpx", project(body),
                                        {f"sources/{G('src:d')}.txt": text.encode("utf-8")}), user=RESEARCHER)
    assert report.codings == 1   # the braced upper-case GUID is the same code
    assert any(G("c:finnes-ikke") in w and "not in the project's codebook" in w for w in report.warnings)
    assert any(G("u:ukjent") in w and "not in <Users>" in w for w in report.warnings)
    assert stored_text(db, "d.txt", spans_of(db, report, "b")) == "kapasitet"


def test_unusable_selection_positions_are_named_as_written(db, tmp_path):
    text = "Kort tekst om tillit og kapasitet i Gamvik kommune.\n"
    sels = (selection("ok", 14, 20, "tema", "kari") + selection("ord", "abc", 33, "tema", "kari")
            + selection("snudd", 33, 24, "tema", "kari") + selection("minus", -3, 5, "tema", "kari"))
    body = (users("kari") + codebook("tema") + "<Sources>"
            + text_source("p", "p.txt", sels, f"internal://{G('src:p')}.txt") + "</Sources>")
    report = import_qdpx(db, write_qdpx(tmp_path / "p.qdpx", project(body),
                                        {f"sources/{G('src:p')}.txt": text.encode("utf-8")}), user=RESEARCHER)
    assert report.codings == 1 and stored_text(db, "p.txt", spans_of(db, report, "ok")) == "tillit"
    found = {k: [w for w in report.warnings if G("s:" + k) in w] for k in ("ord", "snudd", "minus")}
    assert found == {
        "ord": [f"p.qdpx: selection {G('s:ord')} in 'p.txt': startPosition 'abc' is not a whole number; "
                "skipped with its 1 codings"],
        "snudd": [f"p.qdpx: selection {G('s:snudd')} in 'p.txt': startPosition 33 is after endPosition 24; "
                  "skipped with its 1 codings"],
        "minus": [f"p.qdpx: selection {G('s:minus')} in 'p.txt': startPosition -3 is below 0; "
                  "skipped with its 1 codings"]}


# ------------------------------------------------------------------------------------------ errors

def _bad_files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    out["bad zip"] = tmp_path / "bad.qdpx"
    out["bad zip"].write_bytes(b"PK\x03\x04 dette er ikke en zip")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sources/a.txt", "tekst")
    out["no project.qde"] = tmp_path / "tom.qdpx"
    out["no project.qde"].write_bytes(buf.getvalue())
    out["invalid XML"] = write_qdpx(tmp_path / "xml.qdpx", "<Project name='x'><Users></Project>")
    out["not a project"] = write_qdpx(tmp_path / "kodebok.qdpx", f'<CodeBook xmlns="{NS}"/>')
    out["not a qdpx"] = tmp_path / "notat.qdpx"
    out["not a qdpx"].write_text("bare tekst", encoding="utf-8")
    out["missing"] = tmp_path / "finnes_ikke.qdpx"
    return out


@pytest.mark.parametrize("case,expect", [("bad zip", "not a readable zip archive"),
                                         ("no project.qde", "holds no project.qde"),
                                         ("invalid XML", "not well-formed XML (line 1"),
                                         ("not a project", "not <Project>"),
                                         ("not a qdpx", "neither a REFI-QDA project archive"),
                                         ("missing", "file not found")])
def test_a_bad_file_is_one_line_and_changes_nothing(db, tmp_path, case, expect):
    from workbench.errors import WorkbenchError

    import_qdpx(db, _transcript_project(tmp_path), user=RESEARCHER)   # something already there
    before = counts(db)
    path = _bad_files(tmp_path)[case]
    with pytest.raises(WorkbenchError) as err:
        import_qdpx(db, path, user=RESEARCHER)
    message = str(err.value)
    assert "\n" not in message and path.name in message and expect in message
    assert counts(db) == before


def test_a_failure_half_way_stores_nothing(db, tmp_path, monkeypatch):
    from workbench.refi import importer

    def boom(self):
        raise InputError("boom")

    monkeypatch.setattr(importer._Importer, "store_memos", boom)
    before = counts(db)
    with pytest.raises(InputError):
        import_qdpx(db, _transcript_project(tmp_path), user=RESEARCHER)
    assert counts(db) == before
    with db.session() as s:
        assert s.scalar(select(User.id).where(User.name == "kari")) is None


def test_resource_group_may_not_import(db, tmp_path):
    from workbench.errors import PermissionDenied
    from workbench.users import add_user

    add_user(db, "rita", "resource_group", password="korrekt-hest-batteri", user=RESEARCHER)
    with pytest.raises(PermissionDenied):
        import_qdpx(db, tiny_qdpx(tmp_path / "t.qdpx"), user="rita")


# ------------------------------------------------------------------------------------------ command line

def test_cli_import_and_codings_json_show_the_exact_text(db, tmp_path):
    from workbench.cli import cli

    runner = CliRunner()
    base = ["--db", db.url, "--user", RESEARCHER]
    result = runner.invoke(cli, base + ["import", "qdpx", str(_transcript_project(tmp_path)),
                                        "--as-coder-prefix", "nvivo:"])
    assert result.exit_code == 0, result.output
    assert "Importert fra gamvik.qdpx" in result.output and "nvivo:kari" in result.output
    assert "Forskyvninger i fg_gamvik.txt: kodepunkter" in result.output
    rows = json.loads(runner.invoke(cli, base + ["codings", "--json"]).output)
    assert {r["coder"] for r in rows} == {"nvivo:kari"} and {r["origin"] for r in rows} == {"imported"}
    assert "Kari: Vi har fått til mye sammen." in {r["text"] for r in rows}
    again = runner.invoke(cli, base + ["import", "qdpx", str(_transcript_project(tmp_path)), "--json"])
    assert json.loads(again.output)["nothing_new"] is False   # no prefix: other coder names
    bad = runner.invoke(cli, base + ["import", "qdpx", str(_bad_files(tmp_path)["invalid XML"])])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1 and bad.output.startswith("Error: xml.qdpx")


# ------------------------------------------------------------------------------------------ round trip

def _qdpx_content(path: Path) -> dict[str, Counter]:
    """What a .qdpx holds, for comparing two exports: sources, codes, codings by coder, memos,
    variables (GUIDs resolved to names)."""
    zf = zipfile.ZipFile(path)
    root = etree.fromstring(zf.read("project.qde"))
    local = lambda e: etree.QName(e).localname if isinstance(e.tag, str) else ""  # noqa: E731
    people = {u.get("guid"): u.get("name") for u in root.iter() if local(u) == "User"}
    code_path = {}
    for c in root.iter():
        if local(c) == "Code":
            code_path[c.get("guid")] = "/".join([a.get("name") for a in reversed(list(c.iterancestors()))
                                                 if local(a) == "Code"] + [c.get("name")])
    variables = {v.get("guid"): v.get("name") for v in root.iter() if local(v) == "Variable"}
    notes = {n.get("guid"): "".join(n.itertext()).strip() for n in root.iter() if local(n) == "Note"}
    out = {k: Counter() for k in ("sources", "codes", "codings", "memos", "variables", "cases")}
    out["codes"].update(code_path.values())

    def values(el):
        return tuple(sorted((variables[next(r for r in vv if local(r) == "VariableRef").get("targetGUID")],
                             next(x for x in vv if local(x) != "VariableRef").text)
                            for vv in el if local(vv) == "VariableValue"))

    for ts in root.iter():
        if local(ts) == "TextSource":
            name = ts.get("name")
            text = zf.read("sources/" + ts.get("plainTextPath").split("//", 1)[1]).decode("utf-8")
            out["sources"][(name, text)] += 1
            out["variables"][(name, values(ts))] += 1
            for sel in ts:
                if local(sel) == "NoteRef":
                    out["memos"][("source", name, notes[sel.get("targetGUID")])] += 1
                if local(sel) != "PlainTextSelection":
                    continue
                s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
                kind = "coding" if any(local(x) == "Coding" for x in sel) else "turn"
                for c in sel:
                    if local(c) == "Coding":
                        ref = next(r for r in c if local(r) == "CodeRef")
                        out["codings"][(name, code_path[ref.get("targetGUID")], people[c.get("creatingUser")],
                                        text[s:e])] += 1
                    if local(c) == "NoteRef":
                        out["memos"][(kind, name, text[s:e], notes[c.get("targetGUID")])] += 1
        elif local(ts) == "Code":
            for r in ts:
                if local(r) == "NoteRef":
                    out["memos"][("code", code_path[ts.get("guid")], notes[r.get("targetGUID")])] += 1
        elif local(ts) == "Case":
            out["cases"][(ts.get("name"), values(ts))] += 1
    return out


def _turn_texts(db) -> list[tuple]:
    with db.session() as s:
        rows = s.execute(select(Source.file_name, Source.canonical_text, Segment.index, Segment.start_char,
                                Segment.end_char, Segment.heading, Segment.page, Speaker.label)
                         .join(Segment, Segment.source_id == Source.id)
                         .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
                         .order_by(Source.file_name, Segment.index)).all()
    return [(r[0], r[2], r[7], r[1][r[3]:r[4]], r[5], r[6]) for r in rows]


def test_round_trip_export_import_export(db, tmp_path):
    export = pytest.importorskip("workbench.refi.export")
    from workbench.demo import build_demo

    demo, _ = build_demo(f"sqlite:///{tmp_path / 'demo.db'}", train=False,
                         passwords={"forsker": "forsker-passord", "rapportforfatter": "forfatter-passord",
                                    "ressursgruppe": "ressurs-passord"})
    first = export.export_qdpx(demo, tmp_path / "demo.qdpx", reveal=True, user=RESEARCHER)
    turns = _turn_texts(demo)
    demo.dispose()
    report = import_qdpx(db, first, user=RESEARCHER)
    assert _turn_texts(db) == turns        # every turn as it was: number, speaker, text, heading, page
    assert report.sources and report.codings and report.memos
    second = export.export_qdpx(db, tmp_path / "igjen.qdpx", reveal=True, user=RESEARCHER)
    a, b = _qdpx_content(first), _qdpx_content(second)
    for part in ("sources", "codes", "codings", "memos", "variables", "cases"):
        assert a[part] == b[part], (part, list((a[part] - b[part]).items())[:3], list((b[part] - a[part]).items())[:3])
    assert sum(a["codings"].values()) == report.codings
    # the turns came back as they were, so selections, codings and notes keep their GUIDs
    assert _guids(first) == _guids(second) and len(_guids(first)) > report.codings


def _guids(path: Path) -> set[tuple[str, str]]:
    root = etree.fromstring(zipfile.ZipFile(path).read("project.qde"))
    return {(etree.QName(e).localname, e.get("guid")) for e in root.iter()
            if isinstance(e.tag, str) and etree.QName(e).localname in ("PlainTextSelection", "Coding", "Note")}


# ------------------------------------------------------------------------------------------ names and paths

def test_line_breaks_in_names_cannot_forge_lines_of_the_summary(db, tmp_path):
    """A user, source and code name with "&#10;Error: ..." in it was stored and printed raw: the
    import summary and `workbench user list` showed a line of its own."""
    from workbench.cli import cli

    body = (f'<Users><User guid="{G("u:kari")}" name="kari&#10;Error: fake"/></Users>'
            f'<CodeBook><Codes><Code guid="{G("c:k")}" name="kode&#13;&#10;Error: x" isCodable="true"/></Codes>'
            f'</CodeBook><Sources>'
            + text_source("a", "a&#10;Error: forged line.txt", selection("a1", 0, 5, "k", "kari"), "internal://a.txt")
            + "</Sources>")
    path = write_qdpx(tmp_path / "navn.qdpx", project(body), {"sources/a.txt": "Hei og hå.\n".encode()})
    result = CliRunner().invoke(cli, ["--db", db.url, "--user", RESEARCHER, "import", "qdpx", str(path)])
    assert result.exit_code == 0, result.output
    assert not [line for line in result.output.splitlines() if line.startswith("Error")]
    said = [line for line in result.output.splitlines() if "control characters" in line]
    assert len(said) == 1 and "'kari Error: fake'" in said[0] and "'a Error: forged line.txt'" in said[0]
    assert "'kode Error: x'" in said[0]
    with db.session() as s:
        assert s.scalar(select(Source.file_name)) == "a Error: forged line.txt"
        assert "kari Error: fake" in set(s.scalars(select(User.name)))
        assert s.scalar(select(Code.label).where(Code.label.like("kode%"))) == "kode Error: x"


def _one_source(tmp_path: Path, files: dict[str, bytes], ref: str = "internal://a.txt") -> Path:
    body = users("kari") + codebook("k") + "<Sources>" + text_source(
        "a", "a.txt", selection("a1", 0, 3, "k", "kari"), ref) + "</Sources>"
    return write_qdpx(tmp_path / "sti.qdpx", project(body), files)


def test_a_text_found_elsewhere_in_the_archive_is_named_in_a_warning(db, tmp_path):
    report = import_qdpx(db, _one_source(tmp_path, {"other/a.txt": b"Hei der.\n"}), user=RESEARCHER)
    assert report.sources == ["a.txt"]
    said = [w for w in report.warnings if "other/a.txt" in w]
    assert len(said) == 1 and "internal://a.txt is not in the archive" in said[0]


def test_archive_entries_with_dot_dot_are_never_read(db, tmp_path):
    path = _one_source(tmp_path, {"sources/../a.txt": b"Fra utsiden.\n"})
    report = import_qdpx(db, path, user=RESEARCHER)
    assert report.sources == [] and report.codings == 0
    assert any("'..'" in w and "sources/../a.txt" in w for w in report.warnings)
    report = import_qdpx(db, _one_source(tmp_path, {"sources/a.txt": b"Hei.\n"}, "internal://../a.txt"),
                         user=RESEARCHER)
    assert report.sources == [] and any("'..' part" in w for w in report.warnings)


def test_two_files_differing_only_in_case_are_not_picked_silently(db, tmp_path):
    path = _one_source(tmp_path, {"sources/a.txt": b"Den ene.\n", "Sources/a.txt": b"Den andre.\n"})
    report = import_qdpx(db, path, user=RESEARCHER)
    assert report.sources == []
    said = [w for w in report.warnings if "a.txt" in w]
    assert len(said) == 1 and "'sources/a.txt'" in said[0] and "'Sources/a.txt'" in said[0], said


def test_a_source_description_becomes_a_memo_and_users_without_codings_stay_coders(db, tmp_path):
    """QualCoder's interview_01.txt carries <Description>First interview</Description>, and NVivo
    lists users who coded nothing: both were dropped without a word."""
    body = (users("kari", "ola") + codebook("k") + "<Sources>" + text_source(
        "a", "a.txt", "<Description>First interview</Description>" + selection("a1", 0, 3, "k", "kari"),
        "internal://a.txt") + "</Sources>")
    report = import_qdpx(db, write_qdpx(tmp_path / "d.qdpx", project(body), {"sources/a.txt": b"Hei der.\n"}),
                         user=RESEARCHER)
    assert report.memos == 1 and report.coders == {"kari": 1} and report.other_coders == ["ola"]
    assert "uten nye kodinger, som også er kodere: ola." in report.summary()
    with db.session() as s:
        memo = s.scalars(select(Memo)).one()
        assert memo.text == "First interview" and memo.source_id is not None
        assert "ola" in set(s.scalars(select(User.name)))


def test_a_guid_shared_by_a_source_and_a_code_is_refused(db, tmp_path):
    body = users("kari") + codebook("k") + "<Sources>" + text_source("a", "a.txt", "", "internal://a.txt") + "</Sources>"
    body = body.replace(G("src:a"), G("c:k"))
    before = counts(db)
    with pytest.raises(InputError, match="used by the code 'k' and by the source 'a.txt'") as e:
        import_qdpx(db, write_qdpx(tmp_path / "g.qdpx", project(body), {"sources/a.txt": b"Hei.\n"}), user=RESEARCHER)
    assert e.value.code == "qdpx.duplicate_guid" and counts(db) == before


def test_a_bare_codebook_given_to_import_qdpx_is_named(db, tmp_path):
    qdc = tmp_path / "kodebok.qdc"
    qdc.write_text('<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>',
                   encoding="utf-8")
    with pytest.raises(InputError) as e:
        import_qdpx(db, qdc, user=RESEARCHER)
    assert "the root element of kodebok.qdc is <CodeBook>" in str(e.value) and "project.qde" not in str(e.value)
