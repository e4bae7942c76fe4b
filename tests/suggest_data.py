"""A tiny inline codebook and labelled utterances shared by the suggester tests (all fictional)."""

CODEBOOK = {
    "name": "mini",
    "codes": {
        "legitimitet": {
            "label": "Legitimitet",
            "codable": False,
            "children": [
                {"id": "legitimitet.demokratisk", "label": "Demokratisk legitimitet",
                 "lexicon": ["kommunestyrevedtak", "politisk forankring", "folkevalgt"],
                 "examples": ["Kommunestyret behandlet avtalen og vedtok den enstemmig.",
                              "Saken ble lagt fram for de folkevalgte før vi skrev under."]},
                {"id": "legitimitet.ovenfra", "label": "Legitimitet ovenfra",
                 "lexicon": ["tilskuddsbrev", "bevilgning", "statsbudsjett"],
                 "examples": ["Pengene i statsbudsjettet viste at departementet mente alvor."]},
                {"id": "legitimitet.nedenfra", "label": "Legitimitet nedenfra",
                 "lexicon": ["folkemøte", "medvirkning", "medverknad"],
                 "examples": ["Vi inviterte hele bygda til møte på samfunnshuset."]},
            ],
        },
    },
}

DEMOKRATISK = [
    "Kommunestyret vedtok planen i går kveld etter en lang debatt.",
    "Avtalen må gjennom kommunestyret før vi kan signere den.",
    "Formannskapet og kommunestyret behandlet saken to ganger.",
    "Det var viktig at kommunestyret fikk si sitt om prioriteringene.",
    "Kommunestyret vedtok å bli med i piloten med stort flertall.",
    "Politikerne i kommunestyret ville ha saken opp igjen i høst.",
    "Vi la fram saken for kommunestyret i juni, og den ble vedtatt.",
    "Kommunestyret må vedta handlingsplanen hvert år.",
]
OVENFRA = [
    "Departementet sendte penger og et tydelig signal om at dette var viktig.",
    "Pengene fra staten kom i tilskuddsbrevet i mars.",
    "Staten satte av penger på budsjettet til bygdevekst.",
    "Når departementet gir penger, forstår alle at staten mener alvor.",
    "Midlene fra staten kom med et brev om hva pengene skulle brukes til.",
    "Statsråden kom på besøk og lovet mer penger fra staten.",
    "Det betyr mye at staten har satt av egne penger til dette.",
    "Budsjettet fra departementet ga oss penger til en prosjektleder.",
]
NEDENFRA = [
    "Vi hadde folkemøte på samfunnshuset, og over hundre kom.",
    "Ungdommene fikk være med og bestemme hva bygda trenger.",
]
NOTHING = [
    "Kaffen er klar, vi tar en pause nå.",
    "Hører dere meg? Lyden forsvant et øyeblikk.",
    "Vi starter igjen klokka ti.",
    "Det regnet hele uka her oppe.",
    "Takk for i dag, alle sammen.",
    "Jeg må gå litt tidligere i dag.",
]


def labelled():
    """(texts, labels) for fitting: two codes with 8 examples, one with 2 (too few for a model)."""
    texts, labels = [], []
    for group, code in ((DEMOKRATISK, "legitimitet.demokratisk"), (OVENFRA, "legitimitet.ovenfra"),
                        (NEDENFRA, "legitimitet.nedenfra"), (NOTHING, None)):
        for t in group:
            texts.append(t)
            labels.append({code} if code else set())
    return texts, labels


def codes():
    from workbench.codebook import iter_codes

    return iter_codes(CODEBOOK)


def add_turns(tx, name: str, rows) -> None:
    """Store a .txt source ``name`` whose turns are ``rows`` of (text, speaker label, actor), one
    "Label: text" line each, inside the open transaction ``tx`` (no ingest: fast and exact)."""
    from workbench.store import Segment, Source, Speaker

    text, spans = "", []
    for said, who, _ in rows:
        text += f"{who}: "
        spans.append((len(text), len(text) + len(said), who))
        text += said + "\n"
    src = Source(file_name=name, content_hash=name, format="txt", canonical_text=text, language="nb")
    tx.session.add(src)
    tx.session.flush()
    speakers = {}
    for _, who, actor in rows:
        if who not in speakers:
            speakers[who] = Speaker(source_id=src.id, label=who, actor=actor)
            tx.session.add(speakers[who])
    tx.session.flush()
    for i, (a, b, who) in enumerate(spans, 1):
        tx.session.add(Segment(source_id=src.id, index=i, start_char=a, end_char=b, speaker_id=speakers[who].id))
