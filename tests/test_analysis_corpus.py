"""A small hand-built database for the analysis and export tests (fictional people).

Codes:  kontrakt (parent, not codable) > kontrakt.hybrid, kontrakt.relasjonell
        styring (parent)               > styring.nettverk
        kapasitet (top level, no children)
Coders: anna, bjorn.

fg_fase1.docx  fokusgruppe, fase 1, Midt-Finnmark (bjorn coded this one too)
  1 Prosjektleder A (prosjektleder) 00:00:00  anna: hybrid, relasjonell   bjorn: hybrid
  2 Rådgiver B (statsforvalter)     00:01:05  anna: nettverk              bjorn: kapasitet
  3 Prosjektleder A (prosjektleder) 00:02:10  anna: kapasitet
  4 Rådgiver B (statsforvalter)     01:02:05  anna: hybrid                bjorn: relasjonell
intervju_fase2.srt  intervju, fase 2, Midt-Finnmark (only anna)
  1 Prosjektleder A (prosjektleder)  hybrid          <- the same person as in fase 1
  2 Prosjektleder A (prosjektleder)  kapasitet, nettverk
  3 Intervjuer (forsker)             -
notat_fase2.txt  dokument, fase 2, no speakers (only anna)
  1 (no actor -> "(ukjent)")         relasjonell
  2                                  -

Segments per actor and phase (the share denominators):
  prosjektleder/fase 1: 2   statsforvalter/fase 1: 2   prosjektleder/fase 2: 2
  forsker/fase 2: 1         (ukjent)/fase 2: 2         all: 9
"""

from __future__ import annotations

from workbench.store import Code, Coding, Segment, Source, Speaker, User

TEXTS = {
    "fg_fase1.docx": [
        ("Prosjektleder A", "Avtalen er både en kontrakt og et samarbeid.", 0.0),
        ("Rådgiver B", "Vi i statsforvalteren koordinerer nettverket.", 65.0),
        ("Prosjektleder A", "Vi mangler folk til å følge opp tiltakene.", 130.0),
        ("Rådgiver B", "Tilliten mellom partene er viktigst.", 3725.0),
    ],
    "intervju_fase2.srt": [
        ("Prosjektleder A", "Handlingsplanen er mer forpliktende nå.", 10.0),
        ("Prosjektleder A", "Kapasiteten i kommunene er fortsatt liten, men nettverket hjelper.", 75.0),
        ("Intervjuer", "Kan du si mer om det?", 120.0),
    ],
    "notat_fase2.txt": [
        (None, "Partene har blitt enige om å møtes hvert kvartal.", None),
        (None, "Neste møte er i juni.", None),
    ],
}
META = {
    "fg_fase1.docx": dict(format="docx", kind="fokusgruppe", phase="fase 1", pilot="Midt-Finnmark", county="Finnmark"),
    "intervju_fase2.srt": dict(format="srt", kind="intervju", phase="fase 2", pilot="Midt-Finnmark", county="Finnmark"),
    "notat_fase2.txt": dict(format="txt", kind="dokument", phase="fase 2", pilot="Midt-Finnmark", county="Finnmark"),
}
ACTORS = {"Prosjektleder A": ("prosjektleder", "Gamvik kommune"),
          "Rådgiver B": ("statsforvalter", "Statsforvalteren i Troms og Finnmark"),
          "Intervjuer": ("forsker", "SINTEF")}
CODES = [  # id, parent, label, codable, sort_order
    ("kontrakt", None, "Kontraktsform", False, 1),
    ("kontrakt.hybrid", "kontrakt", "Hybrid kontrakt", True, 1),
    ("kontrakt.relasjonell", "kontrakt", "Relasjonell kontrakt", True, 2),
    ("styring", None, "Styring", False, 2),
    ("styring.nettverk", "styring", "Nettverksstyring", True, 1),
    ("kapasitet", None, "Kapasitet", True, 3),
]
CODINGS = [  # file, segment index, code, coder
    ("fg_fase1.docx", 1, "kontrakt.hybrid", "anna"),
    ("fg_fase1.docx", 1, "kontrakt.relasjonell", "anna"),
    ("fg_fase1.docx", 1, "kontrakt.hybrid", "bjorn"),
    ("fg_fase1.docx", 2, "styring.nettverk", "anna"),
    ("fg_fase1.docx", 2, "kapasitet", "bjorn"),
    ("fg_fase1.docx", 3, "kapasitet", "anna"),
    ("fg_fase1.docx", 4, "kontrakt.hybrid", "anna"),
    ("fg_fase1.docx", 4, "kontrakt.relasjonell", "bjorn"),
    ("intervju_fase2.srt", 1, "kontrakt.hybrid", "anna"),
    ("intervju_fase2.srt", 2, "kapasitet", "anna"),
    ("intervju_fase2.srt", 2, "styring.nettverk", "anna"),
    ("notat_fase2.txt", 1, "kontrakt.relasjonell", "anna"),
]


def build(db) -> dict:
    """Insert the corpus; returns {(file, index): segment id}."""
    seg_ids: dict[tuple[str, int], int] = {}
    with db.transaction(user="anna") as tx:
        s = tx.session
        users = {"anna": tx.user, "bjorn": User(name="bjorn")}
        s.add(users["bjorn"])
        for cid, parent, label, codable, order in CODES:
            s.add(Code(id=cid, parent_id=parent, label=label, codable=codable, sort_order=order))
        s.flush()
        segs = {}
        for file, turns in TEXTS.items():
            text = "\n".join(t for _, t, _ in turns)
            src = Source(file_name=file, content_hash=file, canonical_text=text, **META[file])
            s.add(src)
            s.flush()
            speakers = {}
            pos = 0
            for i, (label, t, start) in enumerate(turns, 1):
                if label and label not in speakers:
                    actor, org = ACTORS[label]
                    speakers[label] = Speaker(source_id=src.id, label=label, actor=actor, organisation=org)
                    s.add(speakers[label])
                    s.flush()
                seg = Segment(source_id=src.id, index=i, speaker_id=speakers[label].id if label else None,
                              start_char=pos, end_char=pos + len(t), start_time=start,
                              word_count=len(t.split()))
                s.add(seg)
                s.flush()
                segs[(file, i)] = seg
                seg_ids[(file, i)] = seg.id
                pos += len(t) + 1
        for file, index, code, coder in CODINGS:
            seg = segs[(file, index)]
            s.add(Coding(segment_id=seg.id, code_id=code, coder_id=users[coder].id,
                         start_char=seg.start_char, end_char=seg.end_char, origin="manual"))
    return seg_ids
