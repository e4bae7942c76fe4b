"""Suggestions on long turns and awkward sentences (a probe's findings): every sentence of a turn of
more than 40 sentences can carry a suggestion, a sentence ends after a number with its period
("januar 2023. Kommunestyret ..."), lexicon hits keep the at-most-3-codes rule and point at the
sentence holding their words (also after a retraining), and the train summary counts decisions.
All texts fictional."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from workbench.codebook import validate_codebook
from workbench.codebook.store import load_codebook_data
from workbench.coding import apply_code, list_suggestions, reject_suggestion
from workbench.nlp import sentence_spans
from workbench.store import Segment, Source, Suggestion
from workbench.suggest import LexiconSuggester, ModelSuggester
from workbench.suggest.sentences import MAX_UNITS, Units
from workbench.suggest.service import build_suggester, suggest, train

from .suggest_data import CODEBOOK, DEMOKRATISK, NOTHING, OVENFRA, add_turns, codes, labelled

FILLER = ["Vi snakket om mange ting den dagen og drakk kaffe sammen etterpå.",
          "Været var fint, og vi gikk en lang tur langs elva etter lunsj.",
          "Noen av oss tok bussen hjem, andre ble igjen til middag på hotellet."]
KEY = "Kommunestyret vedtok avtalen enstemmig etter en lang debatt i juni."


@pytest.fixture(scope="module")
def model():
    return ModelSuggester(embeddings=False).fit(*labelled(), codes=codes())


def _long(at: int, n: int = 60) -> str:
    sents = [FILLER[k % 3] for k in range(n)]
    sents.insert(at, KEY)
    return " ".join(sents)


# -- 1. a turn of more than MAX_UNITS sentences ------------------------------------------------

def test_every_sentence_of_a_long_turn_is_in_one_of_at_most_max_units_units():
    text = _long(55, 120)
    units = Units.build([text], ["nb"])
    spans = units.spans[1:]
    assert len(spans) == MAX_UNITS
    assert spans[0][0] == 0 and spans[-1][1] == len(text)  # from the first sentence to the last ...
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))  # ... in order, none overlapping
    assert all(text[a[1]:b[0]].isspace() for a, b in zip(spans, spans[1:]))  # and no sentence left out
    assert any(KEY in text[a:b] for a, b in spans)
    sizes = [len(text[a:b].split()) for a, b in spans]
    assert max(sizes) <= 2 * min(sizes) + 15  # neighbours joined evenly, not the tail lumped together


@pytest.mark.parametrize("at", [0, 39, 44, 60])
def test_a_key_sentence_anywhere_in_a_long_turn_is_suggested_with_a_span_holding_it(model, at):
    text = _long(at)
    [hit] = [h for h in model.suggest([text])[0] if h.code == "legitimitet.demokratisk"]
    assert hit.start is not None and KEY in text[hit.start:hit.end]
    assert hit.end - hit.start < 3 * len(KEY)  # that sentence and at most a neighbour, not the turn


# -- 2. a sentence ends after a number with its period -----------------------------------------

@pytest.mark.parametrize("text, sentences", [
    ("Vi startet opp i januar 2023. Kommunestyret vedtok planen.",
     ["Vi startet opp i januar 2023.", "Kommunestyret vedtok planen."]),
    ("Møtet begynte kl. 10. Ordføreren ønsket velkommen.", ["Møtet begynte kl. 10.", "Ordføreren ønsket velkommen."]),
    ("Det sto i sak 12/24. Vi fikk den i posten.", ["Det sto i sak 12/24.", "Vi fikk den i posten."]),
    ("Det kostet 200 000. «Det er mye», sa hun.", ["Det kostet 200 000.", "«Det er mye», sa hun."]),
    # not sentence ends: an ordinal before a lower-case word, abbreviations, numbered lists
    ("Den 3. mars kom de til bygda.", ["Den 3. mars kom de til bygda."]),
    ("Vi startet i 2023. da var alle med.", ["Vi startet i 2023. da var alle med."]),
    ("Det var bl.a. snakk om f.eks. veier, jf. avtalen.", ["Det var bl.a. snakk om f.eks. veier, jf. avtalen."]),
    ("Vi har tre mål: 1. Bedre samarbeid. 2. Mer tillit.", ["Vi har tre mål: 1. Bedre samarbeid.", "2. Mer tillit."]),
    ("Målene\n1. Bedre samarbeid\n2. Mer tillit", ["Målene\n1. Bedre samarbeid\n2. Mer tillit"]),
])
def test_sentences_end_after_a_number_with_its_period_before_a_capital(text, sentences):
    assert [text[a:b] for a, b in sentence_spans(text)] == sentences


def test_the_sentence_after_a_year_is_suggested_on_its_own(model):
    text = f"Vi startet opp i januar 2023. {KEY} Ellers har vi hatt en fin sommer med mye sol og bading."
    [hit] = [h for h in model.suggest([text])[0] if h.code == "legitimitet.demokratisk"]
    assert text[hit.start:hit.end] == KEY


def test_a_model_trained_on_older_units_says_so(trainable_db):
    train(trainable_db, user="kari", anchors=[])
    _, note = build_suggester(trainable_db, "model", user="kari")
    assert note is None
    from workbench.store import TrainedModel
    import pickle

    with trainable_db.transaction(user="kari") as tx:  # as stored before units were versioned
        row = tx.session.scalars(select(TrainedModel)).one()
        old = pickle.loads(row.blob)
        del old.units_version_
        row.blob = pickle.dumps(old)
    _, note = build_suggester(trainable_db, "model", user="kari")
    assert "eldre inndeling i setninger" in note and "workbench train" in note


# -- 3. lexicon hits: at most 3 codes, the sentence holding the words ---------------------------

BOOK = {"name": "fem", "codes": {"tema": {"label": "Tema", "codable": False, "children": [
    {"id": f"tema.{word.replace('å', 'aa')}", "label": word.capitalize(), "lexicon": [word]}
    for word in ("bredbånd", "ferje", "barnehage", "brannstasjon", "legekontor")]}}}
TURN = ("Vi snakket lenge om bredbånd ute i grendene. Ferja går bare to ganger om dagen nå. "
        "Barnehagen har fått nye lokaler i sentrum. Brannstasjonen trenger flere folk på vakt. "
        "Legekontoret har hatt vikarer hele året.")


def test_the_lexicon_suggests_at_most_three_codes_each_with_the_sentence_of_its_word():
    from workbench.codebook import iter_codes

    lexicon = LexiconSuggester().fit(codes=iter_codes(BOOK))
    hits = lexicon.suggest([TURN], ["nb"])[0]
    assert len(hits) == 3
    for h in hits:
        word = h.evidence[0]
        sentence = next(TURN[a:b] for a, b in sentence_spans(TURN) if word in TURN[a:b])
        assert TURN[h.start:h.end] == sentence
    assert len(lexicon.suggest_all([TURN], ["nb"])[0]) == 5  # uncapped, for merging with the model


@pytest.fixture
def trainable_db(db):
    load_codebook_data(db, validate_codebook(CODEBOOK).codebook, file_name="mini.yaml", user="oppsett")
    with db.transaction(user="oppsett") as tx:
        add_turns(tx, "fg_trening.txt", [(t, "Sigrid", "prosjektleder") for t in DEMOKRATISK + OVENFRA + NOTHING])
        add_turns(tx, "fg_ny.txt", [("Kommunestyret skal behandle saken neste uke.", "Sigrid", "prosjektleder"),
                                    ("Staten ga oss mer penger i år.", "Sigrid", "prosjektleder")])
    for turn in range(1, len(DEMOKRATISK) + 1):
        apply_code(db, "fg_trening.txt", turn, "legitimitet.demokratisk", user="kari")
    for turn in range(len(DEMOKRATISK) + 1, len(DEMOKRATISK) + len(OVENFRA) + 1):
        apply_code(db, "fg_trening.txt", turn, "legitimitet.ovenfra", user="kari")
    return db


@pytest.fixture
def five_codes(db):
    """The mini codebook plus five topic codes with a lexicon word each, a coded source to train
    on, and a new source whose one turn names all five words, one a sentence."""
    book = {"name": "mini+fem", "codes": {**CODEBOOK["codes"], **BOOK["codes"]}}
    load_codebook_data(db, validate_codebook(book).codebook, file_name="mini.yaml", user="oppsett")
    with db.transaction(user="oppsett") as tx:
        add_turns(tx, "fg_trening.txt", [(t, "Sigrid", "prosjektleder") for t in DEMOKRATISK + OVENFRA + NOTHING])
        add_turns(tx, "fg_lang.txt", [(TURN, "Sigrid", "prosjektleder")])
    for turn in range(1, len(DEMOKRATISK) + 1):
        apply_code(db, "fg_trening.txt", turn, "legitimitet.demokratisk", user="kari")
    for turn in range(len(DEMOKRATISK) + 1, len(DEMOKRATISK) + len(OVENFRA) + 1):
        apply_code(db, "fg_trening.txt", turn, "legitimitet.ovenfra", user="kari")
    return db


def _pending(db, name="fg_lang.txt"):
    return [r for r in list_suggestions(db, user="kari", source=name)]


@pytest.mark.parametrize("method", ["lexicon", "all"])
def test_stored_lexicon_suggestions_keep_the_cap_and_point_at_their_sentence(five_codes, method):
    """Without a model ("all" falls back to the lexicon) and with --method lexicon: three codes at
    most on the turn, each coding the sentence that holds its word when accepted."""
    assert suggest(five_codes, user="kari", method=method, source="fg_lang.txt") == 3
    recs = _pending(five_codes)
    assert len(recs) == 3
    for r in recs:
        assert r.start is not None and r.evidence[0] in r.text[r.start:r.end]
        assert r.text[r.start:r.end].count(".") == 1  # one sentence, not the whole turn


def test_after_training_the_pending_lexicon_suggestions_of_a_turn_are_held_to_three(five_codes):
    """Five lexicon suggestions on one turn, as stored before the cap (whole turn, no span): a
    training rescores them, keeps the three best pending, withdraws the rest (counted), and gives
    the kept ones the span of their sentence."""
    with five_codes.transaction(user="kari") as tx:
        seg = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == "fg_lang.txt")).one()
        for k, code in enumerate(c["id"] for c in BOOK["codes"]["tema"]["children"]):
            tx.session.add(Suggestion(segment_id=seg.id, code_id=code, method="lexicon", score=0.6 + k / 100,
                                      evidence=[], status="pending"))
    report = train(five_codes, user="kari", anchors=[])
    recs = _pending(five_codes)
    assert len(recs) == 3 and report.withdrawn >= 2
    assert {r.code for r in recs} == {"tema.legekontor", "tema.brannstasjon", "tema.barnehage"}  # the best three
    for r in recs:
        assert r.start is not None and r.text[r.start:r.end].count(".") == 1
    with five_codes.session() as s:
        assert s.scalar(select(Suggestion.status).where(Suggestion.code_id == "tema.bredbaand")) == "withdrawn"


def test_a_later_suggest_keeps_the_turn_at_three_pending_suggestions(five_codes):
    """Three pending on the turn from one run; a run with another method finds better ones: the turn
    still holds three, the best, and the ones pushed out are withdrawn (opened again if suggested)."""
    with five_codes.transaction(user="kari") as tx:
        seg = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == "fg_lang.txt")).one()
        for code in ("legitimitet.demokratisk", "legitimitet.ovenfra", "legitimitet.nedenfra"):
            tx.session.add(Suggestion(segment_id=seg.id, code_id=code, method="model", score=0.55,
                                      evidence=[], status="pending"))
    suggest(five_codes, user="kari", method="lexicon", source="fg_lang.txt")
    recs = _pending(five_codes)
    assert len(recs) == 3 and all(r.code.startswith("tema.") for r in recs)  # 0.6 or more beat 0.55


# -- 4. the train summary counts decisions --------------------------------------------------------

def test_the_train_summary_counts_decided_suggestions_not_turns(trainable_db):
    train(trainable_db, user="kari", anchors=[])
    with trainable_db.transaction(user="kari") as tx:
        seg = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == "fg_ny.txt",
                                                                    Segment.index == 1)).one()
        ids = []
        for code in ("legitimitet.ovenfra", "legitimitet.nedenfra"):
            row = Suggestion(segment_id=seg.id, code_id=code, method="model", score=0.6, evidence=[], status="pending")
            tx.session.add(row)
            tx.session.flush()
            ids.append(row.id)
    for sid in ids:  # two suggestions rejected on one turn
        reject_suggestion(trainable_db, sid, user="kari")
    report = train(trainable_db, user="kari", anchors=[])
    assert report.rejected == 2
    assert "2 avgjorte forslag utenfor dem" in report.summary()
