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
